#!/usr/bin/env python3
"""The reference for collect-metrics' benchmark: the query pattern KRR's users run today. Per
workload, one CPU query (p95 of the 5-minute rate) and one memory query (max working set), each
with a `pod=~"…"` regex of the workload's pods, sent to the same Prometheus, `--concurrency` at a
time. Prints `queries=N failed=M`.

  krr_reference.py --prometheus URL --cluster cluster.ndjson --window 14d --end UNIX [--concurrency 4]"""
import argparse
import concurrent.futures
import json
import urllib.parse
import urllib.request


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--prometheus", required=True)
    parser.add_argument("--cluster", required=True)
    parser.add_argument("--window", required=True)
    parser.add_argument("--end", required=True)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    pods = {}
    with open(args.cluster) as records:
        for line in records:
            record = json.loads(line)
            if record["kind"] == "pod":
                owner = record["owner"]
                pods.setdefault((record["namespace"], owner["name"]), []).append(record["name"])
    queries = []
    for (namespace, _), names in sorted(pods.items()):
        regex = "|".join(names)  # pod names are [a-z0-9-]: nothing to escape
        selector = f'namespace="{namespace}", pod=~"{regex}", container="app"'
        queries.append(f'quantile_over_time(0.95, max(rate(container_cpu_usage_seconds_total{{{selector}}}[5m])) by (container, pod, job)[{args.window}:5m])')
        queries.append(f'max_over_time(max(container_memory_working_set_bytes{{{selector}}}) by (container, pod, job)[{args.window}:5m])')

    def send(query):
        body = urllib.parse.urlencode({"query": query, "time": args.end}).encode()
        request = urllib.request.Request(f"{args.prometheus}/api/v1/query", data=body,
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(request, timeout=600) as response:
                return json.load(response).get("status") == "success"
        except Exception:
            return False

    with concurrent.futures.ThreadPoolExecutor(args.concurrency) as pool:
        results = list(pool.map(send, queries))
    print(f"queries={len(queries)} failed={results.count(False)}")


if __name__ == "__main__":
    main()
