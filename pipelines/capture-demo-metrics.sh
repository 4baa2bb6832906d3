#!/usr/bin/env bash
# Regenerates fixtures/<cluster>/prometheus (cluster: demo, the default, or staging): synthetic series
# for that cluster are backfilled with promtool into a real Prometheus on 127.0.0.1, and
# collect-metrics --capture records its answers. `make demo` and the tests then replay them with no
# server. Needs Debian's prometheus package.
#   pipelines/capture-demo-metrics.sh [demo|staging]
#   BIN=.build/release pipelines/capture-demo-metrics.sh staging   # use built tools, skip `swift build`
set -euo pipefail
if [ -n "${BIN:-}" ]; then BIN=$(cd "$BIN" && pwd); fi   # before the cd below
cd "$(dirname "$0")/.."
cluster=${1:-demo}
out=fixtures/$cluster/prometheus
if [ $# -gt 1 ] || [ ! -f "$out/generate_openmetrics.py" ]; then
  echo "usage: $0 [demo|staging]   (a cluster under fixtures/ with prometheus/generate_openmetrics.py)" >&2
  exit 64
fi
if [ -n "${BIN:-}" ]; then
  bin=$BIN
else
  swift build -c release >/dev/null
  bin=$(swift build -c release --show-bin-path)
fi
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

echo "capture: generating series" >&2
python3 "$out/generate_openmetrics.py" "$work/$cluster.om"
echo "capture: backfilling $(du -h "$work/$cluster.om" | cut -f1) with promtool" >&2
# One block per 8 days: promtool re-reads its input once per block, so 2h blocks cost 80 passes.
promtool tsdb create-blocks-from openmetrics --max-block-duration=192h "$work/$cluster.om" "$work/tsdb" >/dev/null
rm "$work/$cluster.om"
printf 'global:\n  scrape_interval: 2m\n' > "$work/prometheus.yml"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --storage.tsdb.retention.time=3650d --web.listen-address="127.0.0.1:$port" >"$work/prometheus.log" 2>&1 &
pid=$!
for _ in $(seq 120); do curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null && break; sleep 0.5; done

echo "capture: asking Prometheus on port $port" >&2
find "$out" -maxdepth 1 \( -name '*.json' -o -name 'queries.ndjson' \) -delete
"$bin/collect-cluster" --from "fixtures/$cluster" --cluster "$cluster" \
  | "$bin/collect-metrics" --prometheus "http://127.0.0.1:$port" --window 7d --end 2026-11-20T12:00:00Z \
      --capture "$out" --summary >/dev/null
echo "capture: wrote $(ls "$out"/*.json | wc -l) responses to $out" >&2
