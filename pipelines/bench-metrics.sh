#!/usr/bin/env bash
# The collect-metrics benchmark: a generated cluster (BENCH_WORKLOADS workloads, BENCH_PODS pods,
# BENCH_DAYS days; default 2,000 / 20,000 / 14) backfilled into a real Prometheus, then
#   1. collect-metrics' aggregated queries, and
#   2. the reference: KRR's per-workload pattern (pipelines/bench/krr_reference.py),
# each against a freshly started Prometheus, measuring wall time, queries sent, collect-metrics'
# peak RSS and Prometheus' peak memory: VmHWM, which counts the TSDB files Prometheus maps (both runs
# read all of them), and its heap, RssAnon sampled every 0.1 s, which is what runs a server out of
# memory. The data is generated once and cached in OUTDIR/cache.
set -euo pipefail
bin=${1:?usage: bench-metrics.sh BIN_DIR OUT_DIR}
outdir=${2:?usage: bench-metrics.sh BIN_DIR OUT_DIR}
workloads=${BENCH_WORKLOADS:-2000}
pods=${BENCH_PODS:-20000}
days=${BENCH_DAYS:-14}
end=1795176000   # 2026-11-20T12:00:00Z, the demo's "now"
cache=$outdir/cache/metrics-$workloads-$pods-${days}d
mkdir -p "$outdir"

if [ ! -d "$cache/tsdb" ]; then
  rm -rf "$cache.tmp" && mkdir -p "$cache.tmp"
  echo "bench: generating $workloads workloads / $pods pods / $days days of series" >&2
  python3 pipelines/bench/metrics_data.py --workloads "$workloads" --pods "$pods" --days "$days" --end "$end" --out "$cache.tmp"
  for file in "$cache.tmp"/om/*.om; do
    echo "bench: backfilling $(basename "$file") ($(du -h "$file" | cut -f1))" >&2
    promtool tsdb create-blocks-from openmetrics --max-block-duration=24h "$file" "$cache.tmp/tsdb" >/dev/null
    rm "$file"
  done
  rmdir "$cache.tmp/om"
  mv "$cache.tmp" "$cache"
fi

work=$(mktemp -d)
pid=""
sampler=""
stop_prometheus() {
  if [ -n "$sampler" ]; then kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true; sampler=""; fi
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""; fi
}
trap 'stop_prometheus; rm -rf "$work"' EXIT
# Prometheus' heap (RssAnon, KiB), every 0.1 s, into $1.
sample_heap() {
  ( while [ -r "/proc/$pid/status" ]; do awk '/RssAnon/ { print $2 }' "/proc/$pid/status" 2>/dev/null; sleep 0.1; done ) > "$1" &
  sampler=$!
}
peak_of() { sort -n "$1" | tail -1; }
printf 'global:\n  scrape_interval: 5m\n' > "$work/prometheus.yml"

start_prometheus() {
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$cache/tsdb" --storage.tsdb.retention.time=3650d \
    --web.listen-address="127.0.0.1:$port" --query.timeout=10m >"$work/prometheus.log" 2>&1 &
  pid=$!
  for _ in $(seq 240); do curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null && return; sleep 0.5; done
  echo "bench: prometheus did not start" >&2; exit 69
}
peak_kib() { awk '/VmHWM/ { print $2 }' "/proc/$pid/status"; }

start_prometheus
base_rss=$(peak_kib)
sample_heap "$work/ours.heap"
/usr/bin/time -o "$work/ours.time" -f '%e %M' "$bin/collect-metrics" --prometheus "http://127.0.0.1:$port" \
  --window "${days}d" --end "$end" --summary < "$cache/cluster.ndjson" > "$work/ours.ndjson" 2> "$work/ours.err" || true
read -r ours_wall ours_rss < "$work/ours.time"
ours_prom=$(peak_kib)
ours_heap=$(peak_of "$work/ours.heap")
# No --capture here: writing every answer to disk would be timed too. --summary counts the queries.
ours_queries=$(sed -n 's/.*; \([0-9]*\) queries.*/\1/p' "$work/ours.err" | tail -1)
ours_usage=$(grep -c '"kind":"usage"' "$work/ours.ndjson" || true)
ours_with=$(grep '"kind":"usage"' "$work/ours.ndjson" | grep -vc '"samples":0,' || true)
stop_prometheus

start_prometheus
sample_heap "$work/krr.heap"
start_ns=$(date +%s%N)
krr=$(python3 pipelines/bench/krr_reference.py --prometheus "http://127.0.0.1:$port" --cluster "$cache/cluster.ndjson" \
  --window "${days}d" --end "$end" --concurrency 4)
krr_wall=$(awk -v a="$start_ns" -v b="$(date +%s%N)" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
krr_prom=$(peak_kib)
krr_heap=$(peak_of "$work/krr.heap")
stop_prometheus

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", a / b }'; }
echo "collect-metrics bench: $workloads workloads, $pods pods, $days days at 5m; Prometheus idle RSS $((base_rss / 1024)) MiB"
printf '| %-24s | %7s | %14s | %17s | %17s | %15s |\n' run "wall s" queries "Prometheus heap MiB" "Prometheus VmHWM MiB" "client peak MiB"
printf '| %-24s | %7s | %14s | %17s | %17s | %15s |\n' --- --- --- --- --- ---
printf '| %-24s | %7s | %14s | %17s | %17s | %15s |\n' "KRR pattern (reference)" "$krr_wall" "${krr#queries=}" "$((krr_heap / 1024))" "$((krr_prom / 1024))" -
printf '| %-24s | %7s | %14s | %17s | %17s | %15s |\n' collect-metrics "$ours_wall" "$ours_queries" "$((ours_heap / 1024))" "$((ours_prom / 1024))" "$((ours_rss / 1024))"
echo "ratios, collect-metrics / KRR: wall $(ratio "$ours_wall" "$krr_wall"), Prometheus heap $(ratio "$ours_heap" "$krr_heap"), VmHWM $(ratio "$ours_prom" "$krr_prom"); usage records $ours_usage ($ours_with with samples)"
cat "$work/ours.err" >&2
cat > "$outdir/metrics.json.tmp" <<JSON
{"workloads": $workloads, "pods": $pods, "days": $days,
 "reference": {"pattern": "KRR per-workload queries", "wallSeconds": $krr_wall, "result": "$krr", "prometheusPeakKiB": $krr_prom, "prometheusHeapKiB": $krr_heap},
 "collectMetrics": {"wallSeconds": $ours_wall, "queries": $ours_queries, "peakRSSKiB": $ours_rss, "prometheusPeakKiB": $ours_prom, "prometheusHeapKiB": $ours_heap, "usageRecords": $ours_usage},
 "prometheusIdleKiB": $base_rss}
JSON
mv "$outdir/metrics.json.tmp" "$outdir/metrics.json"
