#!/usr/bin/env bash
# Where collect-metrics' time and Prometheus' memory go, on the TSDB pipelines/bench-metrics.sh caches:
# one full run with --capture, then the first query of each purpose (CPU per step, memory p95, …), each
# against a freshly started Prometheus, printing wall seconds and Prometheus' peak RSS (VmHWM).
# Usage: pipelines/bench/profile-queries.sh BIN_DIR [CACHE_DIR]   (run `make bench` once first)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:?usage: profile-queries.sh BIN_DIR [CACHE_DIR]}
cache=${2:-out/bench/cache/metrics-2000-20000-14d}
[ -d "$cache/tsdb" ] || { echo "profile-queries: no $cache/tsdb; run make bench first" >&2; exit 66; }
work=$(mktemp -d)
printf 'global:\n  scrape_interval: 5m\n' > "$work/prometheus.yml"
pid=""
start() {
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$cache/tsdb" --storage.tsdb.retention.time=3650d \
    --web.listen-address="127.0.0.1:$port" --query.timeout=10m >"$work/prom.log" 2>&1 &
  pid=$!
  for _ in $(seq 240); do curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null && return; sleep 0.5; done
}
stop() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""; fi; }
trap 'stop; rm -rf "$work"' EXIT
# One capture of the whole run, to get the exact queries.
start
/usr/bin/time -f '%e s %M KiB client' "$bin/collect-metrics" --prometheus "http://127.0.0.1:$port" --window 14d --end 1795176000 \
  --capture "$work/cap" --summary < "$cache/cluster.ndjson" > /dev/null 2> "$work/full.err" || true
echo "full run: $(tail -1 "$work/full.err"); Prometheus VmHWM $(awk '/VmHWM/ {print $2}' /proc/$pid/status) KiB"
stop
# First chunk's query of each purpose (purpose text up to the comma).
python3 - "$work/cap/queries.ndjson" > "$work/picks.ndjson" <<'PY'
import json, sys
seen = set()
for i, line in enumerate(open(sys.argv[1])):
    if i == 0: continue
    q = json.loads(line)
    kind = q.get("purpose", "").split(",")[0]
    if kind in seen: continue
    seen.add(kind); print(json.dumps(q))
PY
while read -r line; do
  start
  purpose=$(echo "$line" | jq -r .purpose)
  form=$(echo "$line" | jq -r '[.fields // .form // {} | to_entries[] | "\(.key)=\(.value|@uri)"] | join("&")')
  endpoint=$(echo "$line" | jq -r '.endpoint // "query_range"')
  t0=$(date +%s%N)
  curl -s -o /dev/null -X POST -H 'Content-Type: application/x-www-form-urlencoded' --data "$form" "http://127.0.0.1:$port/api/v1/$endpoint"
  t1=$(date +%s%N)
  echo "$(awk -v a=$t0 -v b=$t1 'BEGIN{printf "%.2f", (b-a)/1e9}') s  $(awk '/VmHWM/ {print int($2/1024)}' /proc/$pid/status) MiB  $purpose"
  stop
done < "$work/picks.ndjson"
