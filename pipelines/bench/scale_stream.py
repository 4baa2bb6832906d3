"""Copies a record stream N times under new names, for benchmarking the filters that join.

Usage: scale_stream.py N < demo.ndjson > big.ndjson

Each copy c renames every namespace to <ns>-c<c> and every node, PV and NodePool to <name>-c<c>, so
the copies are disjoint clusters' worth of workloads sharing one `cluster` name: N × the demo's nodes,
pods, workloads, volumes and usage, with the same per-object shape (real kubectl-derived records).
"""
import json
import sys

copies = int(sys.argv[1])
records = [json.loads(line) for line in sys.stdin if line.strip()]
nodes = {r["name"] for r in records if r["kind"] == "node"}
out = sys.stdout


def rename(record, c):
    r = json.loads(json.dumps(record))
    suffix = f"-c{c}"
    if "namespace" in r and r["namespace"]:
        r["namespace"] += suffix
    kind = r["kind"]
    if kind in ("node", "nodepool", "volume"):
        r["name"] += suffix
    if kind == "node" and r.get("nodepool"):
        r["nodepool"] += suffix
    if kind == "pod" and r.get("node"):
        r["node"] += suffix
    if kind == "nodeusage":
        r["node"] += suffix
    if kind == "volume" and r.get("claim"):
        r["claim"]["namespace"] += suffix
    if kind == "event":
        obj = r.get("involvedObject") or {}
        if obj.get("namespace"):
            obj["namespace"] += suffix
        if obj.get("kind") == "Node" and obj.get("name") in nodes:
            obj["name"] += suffix
    return r


for c in range(copies):
    for record in records:
        out.write(json.dumps(rename(record, c), separators=(",", ":")) + "\n")
