#!/usr/bin/env python3
"""One week of the four-week demo: a bundled cluster fixture as it looks N weeks after its capture.

    python3 pipelines/demo_week.py --from fixtures/demo --cluster demo --week 3 \
        --live out/weeks/live.ndjson --out out/weeks/3/demo

Writes the kubectl JSON files and the Prometheus capture of fixtures/<cluster> to --out, changed in
three ways, nothing else (stdlib only, deterministic: the same input gives the same bytes):

1. Time. Every timestamp moves (week - 1) * 7 days later: the RFC 3339 ones in the objects and
   queries.ndjson, the Unix seconds of the captured series and of the queries' start/end/time. Each
   capture file is renamed to the key collect-metrics computes for the shifted query (FNV-1a 64 of the
   endpoint and its form fields, PromQuery.captureKey), so `collect-metrics --from` replays it at the
   new time. The cluster is the same cluster a week later, each week.
2. What was merged and deployed. --live holds one line per change merged into the GitOps repo and not
   reverted (the demo's driver writes it): emit-pr's change record plus its findings. The cluster runs
   them: a request or limit edit is in the workload's template, its ReplicaSets and its pods; an HPA's
   minReplicas is set; a volume whose runbook or Terraform removal was merged is gone.
3. What happened in the cluster on its own (HAPPENINGS below, by week): usage that grew, a volume
   deleted by hand in the console, a volume left behind by a deleted StatefulSet.
"""
import argparse
import json
import os
import re
import shutil
import sys
from datetime import datetime, timedelta, timezone

WEEK = 7 * 24 * 3600

# What the clusters did that no change of ours explains, by week (the week's fixture and every later one).
HAPPENINGS = {
    "demo": {
        # Grafana's memory grows from the day its cut (merged after week 2) was deployed: new dashboards.
        3: [{"grow-memory": {"namespace": "monitoring", "pod-prefix": "grafana-", "container": "grafana",
                             "factor": 6.5, "from": "2026-11-28T12:00:00Z"}},
            # search deleted its elasticsearch StatefulSet; the claim's volume (Retain) is left, still billed.
            {"add-released-volume": {"copy": "pvc-b9819e03-e841-5aeb-8e36-aaeb4e3ccc17",
                                     "name": "pvc-5d0c2f7e-61a4-5b8e-9d21-8c3f4a7e2b19",
                                     "claim": "data-elasticsearch-data-0", "released": "2026-11-30T09:12:44Z"}}],
        # Someone deleted the old restore volume in the console, without the branch Autopilot wrote.
        4: [{"delete-volume": {"name": "orders-restore-20261014"}}],
    },
    "staging": {},
}

RFC3339 = re.compile(r'"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?Z"')
SAMPLE = re.compile(r'\[(\d{10}),"')


def parse_time(text):
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def shift_rfc3339(text, seconds):
    def moved(match):
        when = datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
        return '"' + (when + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S") + (match.group(2) or "") + 'Z"'
    return RFC3339.sub(moved, text)


def fnv1a64(text):
    value = 0xcbf29ce484222325
    for byte in text.encode("utf-8"):
        value ^= byte
        value = (value * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % value


def capture_key(endpoint, fields):
    """PromQuery.captureKey: the endpoint, then its form fields in the order they are sent."""
    names = ["query", "time"] if endpoint == "query" else ["query", "start", "end", "step"]
    return fnv1a64("\n".join([endpoint] + ["%s=%s" % (name, fields[name]) for name in names]))


def load(directory, name):
    with open(os.path.join(directory, name), encoding="utf-8") as f:
        return json.load(f)


def dump(doc):
    return json.dumps(doc, indent=4, sort_keys=True) + "\n"  # as generate.py writes them (kubectl's sorted keys)


# MARK: the cluster objects

def owned_by(item, kind, name):
    return any(ref.get("kind") == kind and ref.get("name") == name for ref in item["metadata"].get("ownerReferences") or [])


def pod_specs(docs, namespace, kind, name):
    """The pod specs that carry a workload's containers: its template, its ReplicaSets' templates, its pods."""
    def in_namespace(item):
        return item["metadata"].get("namespace") == namespace
    workloads = {"Deployment": "deployments.json", "StatefulSet": "statefulsets.json", "DaemonSet": "daemonsets.json"}
    specs, owners = [], [(kind, name)]
    for item in docs.get(workloads.get(kind, ""), {}).get("items", []):
        if in_namespace(item) and item["metadata"]["name"] == name:
            specs.append(item["spec"]["template"]["spec"])
    for item in docs["replicasets.json"]["items"]:
        if in_namespace(item) and owned_by(item, kind, name):
            specs.append(item["spec"]["template"]["spec"])
            owners.append(("ReplicaSet", item["metadata"]["name"]))
    for item in docs["pods.json"]["items"]:
        if in_namespace(item) and any(owned_by(item, k, n) for k, n in owners):
            specs.append(item["spec"])
    return specs


EDIT_FIELD = re.compile(r"^(?P<container>\S+) (?P<resource>CPU|memory) (?P<which>request|limit)$")


def apply_change(docs, change, notes):
    """One merged change: its edits as the cluster runs them once deployed."""
    findings = {f["id"]: f for f in change.get("findings", [])}
    for finding in findings.values():
        if finding.get("detector") == "orphan-volume" and change.get("edits"):
            # A merged runbook was run, a merged Terraform removal applied: the volume (or the claim's) is gone.
            target = finding["target"]
            if target["kind"] == "PersistentVolumeClaim":
                remove_claim(docs, finding.get("namespace"), target["name"])
            else:
                remove_volume(docs, target["name"])
    for edit in change.get("edits", []):
        finding = findings.get(edit.get("findingId"))
        if finding is None:
            continue
        target = finding["target"]
        match = EDIT_FIELD.match(edit.get("field", ""))
        if match and target.get("container") == match.group("container"):
            key = "requests" if match.group("which") == "request" else "limits"
            resource = "cpu" if match.group("resource") == "CPU" else "memory"
            specs = pod_specs(docs, finding.get("namespace"), target["kind"], target["name"])
            for spec in specs:
                for container in spec.get("containers", []):
                    if container["name"] != target["container"]:
                        continue
                    values = container.setdefault("resources", {}).setdefault(key, {})
                    if edit.get("to") is None:
                        values.pop(resource, None)
                    else:
                        values[resource] = edit["to"]
            if not specs:
                notes.append("%s: no %s %s/%s in the cluster" % (change["branch"], target["kind"], finding.get("namespace"), target["name"]))
        elif edit.get("field", "").endswith(" minReplicas") and target["kind"] == "HorizontalPodAutoscaler":
            for hpa in docs["horizontalpodautoscalers.json"]["items"]:
                if hpa["metadata"].get("namespace") == finding.get("namespace") and hpa["metadata"]["name"] == target["name"]:
                    hpa["spec"]["minReplicas"] = int(edit["to"])
        elif finding.get("detector") != "orphan-volume":
            # A runtime flag, a node group, a NodePool: not something these fixtures model.
            notes.append("%s: %s not applied to the cluster" % (change["branch"], edit.get("field")))


def remove_volume(docs, name):
    docs["persistentvolumes.json"]["items"] = [pv for pv in docs["persistentvolumes.json"]["items"] if pv["metadata"]["name"] != name]


def remove_claim(docs, namespace, name):
    claims = docs["persistentvolumeclaims.json"]["items"]
    for claim in claims:
        if claim["metadata"].get("namespace") == namespace and claim["metadata"]["name"] == name:
            volume = claim["spec"].get("volumeName")
            if volume:
                remove_volume(docs, volume)
    docs["persistentvolumeclaims.json"]["items"] = [
        c for c in claims if not (c["metadata"].get("namespace") == namespace and c["metadata"]["name"] == name)]


def add_released_volume(docs, spec):
    volumes = docs["persistentvolumes.json"]["items"]
    original = next(pv for pv in volumes if pv["metadata"]["name"] == spec["copy"])
    volume = json.loads(json.dumps(original))
    volume["metadata"]["name"] = spec["name"]
    volume["metadata"]["uid"] = spec["name"][len("pvc-"):]
    volume["metadata"]["creationTimestamp"] = "2026-10-21T14:03:10Z"
    volume["spec"]["claimRef"]["name"] = spec["claim"]
    volume["spec"]["claimRef"]["uid"] = spec["name"][len("pvc-"):]
    volume["status"]["lastPhaseTransitionTime"] = spec["released"]
    handle = volume["spec"].get("awsElasticBlockStore") or volume["spec"].get("csi") or {}
    for field in ("volumeID", "volumeHandle"):
        if field in handle:
            handle[field] = re.sub(r"vol-[0-9a-f]+", "vol-0" + fnv1a64(spec["name"])[:16], handle[field])
    volumes.append(volume)
    volumes.sort(key=lambda pv: pv["metadata"]["name"])


# MARK: the Prometheus capture

def grow_memory(capture, spec):
    """Scales a container's working set from a time on (the shifted capture's clock)."""
    start = int(parse_time(spec["from"]).timestamp())
    for series in capture["data"]["result"]:
        metric = series["metric"]
        if (metric.get("namespace") == spec["namespace"] and metric.get("container") == spec["container"]
                and metric.get("pod", "").startswith(spec["pod-prefix"])):
            series["values"] = [[t, str(int(float(v) * spec["factor"])) if t >= start else v] for t, v in series["values"]]


def write_capture(source, out, seconds, growth):
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(source, "queries.ndjson"), encoding="utf-8") as f:
        lines = [json.loads(line) for line in f if line.strip()]
    written = [shift_rfc3339(json.dumps(lines[0], separators=(",", ":"), ensure_ascii=False), seconds)]
    for query in lines[1:]:
        fields = dict(query["fields"])
        for name in ("start", "end", "time"):
            if name in fields:
                fields[name] = str(int(fields[name]) + seconds)
        key = capture_key(query["endpoint"], fields)
        with open(os.path.join(source, query["key"] + ".json"), encoding="utf-8") as f:
            text = SAMPLE.sub(lambda m: "[%d,\"" % (int(m.group(1)) + seconds), f.read())
        if growth and query["purpose"].startswith("memory per step"):
            capture = json.loads(text)
            for spec in growth:
                grow_memory(capture, spec)
            text = json.dumps(capture, separators=(",", ":"))
        with open(os.path.join(out, key + ".json"), "w", encoding="utf-8") as f:
            f.write(text)
        query = dict(query, key=key, fields=fields)
        written.append(json.dumps(query, separators=(",", ":"), ensure_ascii=False))
    with open(os.path.join(out, "queries.ndjson"), "w", encoding="utf-8") as f:
        f.write("\n".join(written) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--from", dest="source", required=True, help="a fixture folder (fixtures/demo)")
    parser.add_argument("--cluster", required=True)
    parser.add_argument("--week", type=int, required=True, help="1 is the capture as it is")
    parser.add_argument("--live", help="NDJSON of the merged, deployed changes")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    seconds = (args.week - 1) * WEEK
    happenings = [h for week, items in sorted(HAPPENINGS.get(args.cluster, {}).items()) if week <= args.week for h in items]
    # Growth of this week and of every week before, each from its own time on (two of one container multiply).
    growth = [h["grow-memory"] for h in happenings if "grow-memory" in h]

    names = sorted(n for n in os.listdir(args.source) if n.endswith(".json"))
    docs = {}
    for name in names:
        with open(os.path.join(args.source, name), encoding="utf-8") as f:
            docs[name] = json.loads(shift_rfc3339(f.read(), seconds))
    # What happened on its own first: a volume left behind is a copy of one as captured.
    for happening in happenings:
        if "delete-volume" in happening:
            remove_volume(docs, happening["delete-volume"]["name"])
        if "add-released-volume" in happening:
            add_released_volume(docs, happening["add-released-volume"])
    notes = []
    if args.live and os.path.exists(args.live):
        with open(args.live, encoding="utf-8") as f:
            for line in f:
                change = json.loads(line)
                if change.get("cluster") == args.cluster:
                    apply_change(docs, change, notes)
    os.makedirs(args.out, exist_ok=True)
    for name, doc in docs.items():
        with open(os.path.join(args.out, name), "w", encoding="utf-8") as f:
            f.write(dump(doc))
    write_capture(os.path.join(args.source, "prometheus"), os.path.join(args.out, "prometheus"), seconds, growth)
    for note in notes:
        print("demo_week: " + note, file=sys.stderr)


if __name__ == "__main__":
    main()
