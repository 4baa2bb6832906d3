#!/usr/bin/env python3
"""Generates a cluster's worth of Prometheus series for the collect-metrics benchmark.

  metrics_data.py --workloads 2000 --pods 20000 --days 14 --end UNIX --out DIR

writes DIR/cluster.ndjson (the workload, pod and node records collect-metrics reads) and
DIR/om/day-NN.om, one OpenMetrics file per day (promtool holds a whole input file in memory, so a
14-day cluster goes in pieces). Every pod has one container, `app`, scraped every 5 minutes:
cAdvisor CPU and working set, kube-state-metrics owners (hourly); every node its root cgroup.
Usage follows a daily cycle around a per-workload level; deterministic."""
import argparse
import math
import os


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--workloads", type=int, required=True)
    parser.add_argument("--pods", type=int, required=True)
    parser.add_argument("--days", type=int, required=True)
    parser.add_argument("--end", type=int, required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    step, day = 300, 86400
    start = args.end - args.days * day - 600
    namespaces = max(1, args.workloads // 40)
    per_workload = max(1, args.pods // args.workloads)
    nodes = max(1, args.pods // 30)
    os.makedirs(os.path.join(args.out, "om"), exist_ok=True)

    pods = []  # (namespace, workload, replicaset, pod, node, cpu level, memory level)
    for w in range(args.workloads):
        namespace, name = f"ns-{w % namespaces:03d}", f"svc-{w:05d}"
        replicaset = f"{name}-5d8f7c9b4"
        cpu = 0.02 + (w * 7919 % 1000) / 1000 * 0.8
        memory = (64 + (w * 104729 % 1000) / 1000 * 1900) * 1048576
        for p in range(per_workload):
            pods.append((namespace, name, replicaset, f"{replicaset}-{p:05d}", f"node-{(w * per_workload + p) % nodes:05d}", cpu, memory))

    with open(os.path.join(args.out, "cluster.ndjson"), "w") as out:
        for n in range(nodes):
            out.write(f'{{"kind":"node","cluster":"bench","name":"node-{n:05d}"}}\n')
        for namespace, name, _, pod, node, _, _ in pods:
            out.write(f'{{"kind":"pod","cluster":"bench","namespace":"{namespace}","name":"{pod}","node":"{node}","owner":{{"kind":"Deployment","name":"{name}"}}}}\n')
        for w in range(args.workloads):
            out.write(f'{{"kind":"workload","cluster":"bench","namespace":"ns-{w % namespaces:03d}","name":"svc-{w:05d}","workloadKind":"Deployment","containers":[{{"name":"app"}}]}}\n')

    cpu_prefix = [f'container_cpu_usage_seconds_total{{namespace="{p[0]}",pod="{p[3]}",container="app",node="{p[4]}"}} ' for p in pods]
    mem_prefix = [f'container_memory_working_set_bytes{{namespace="{p[0]}",pod="{p[3]}",container="app",node="{p[4]}"}} ' for p in pods]
    owner_lines = [f'kube_pod_owner{{namespace="{p[0]}",pod="{p[3]}",owner_kind="ReplicaSet",owner_name="{p[2]}",owner_is_controller="true"}} 1 ' for p in pods]
    owner_lines += sorted({f'kube_replicaset_owner{{namespace="{p[0]}",replicaset="{p[2]}",owner_kind="Deployment",owner_name="{p[1]}",owner_is_controller="true"}} 1 ' for p in pods})
    node_cpu = [f'container_cpu_usage_seconds_total{{id="/",node="node-{n:05d}"}} ' for n in range(nodes)]
    node_mem = [f'container_memory_working_set_bytes{{id="/",node="node-{n:05d}"}} ' for n in range(nodes)]
    cpu_total = [0.0] * len(pods)
    node_total = [0.0] * nodes
    cpu_levels = [p[5] for p in pods]
    mem_levels = [p[6] for p in pods]
    pod_node = [int(p[4][5:]) for p in pods]

    # One file per UTC day, so each backfills into its own day-aligned block.
    t = start
    while t <= args.end:
        last = min(args.end, (t // day + 1) * day - step)
        with open(os.path.join(args.out, "om", f"day-{t // day}.om"), "w") as out:
            while t <= last:
                phase = 1 + 0.5 * math.sin(2 * math.pi * ((t % day) / day - 0.375))
                stamp = f" {t}\n"
                node_cpu_now = [0.15] * nodes
                node_mem_now = [1.2e9] * nodes
                lines = []
                for i in range(len(pods)):
                    rate = cpu_levels[i] * phase
                    cpu_total[i] += rate * step
                    node_cpu_now[pod_node[i]] += rate
                    memory = mem_levels[i] * (0.9 + 0.1 * phase)
                    node_mem_now[pod_node[i]] += memory
                    lines.append(f"{cpu_prefix[i]}{cpu_total[i]:.3f}{stamp}{mem_prefix[i]}{memory:.0f}{stamp}")
                for n in range(nodes):
                    node_total[n] += node_cpu_now[n] * step
                    lines.append(f"{node_cpu[n]}{node_total[n]:.3f}{stamp}{node_mem[n]}{node_mem_now[n]:.0f}{stamp}")
                if (t - start) % 3600 == 0:
                    lines.extend(f"{line}{t}\n" for line in owner_lines)
                out.write("".join(lines))
                t += step
            out.write("# EOF\n")


if __name__ == "__main__":
    main()
