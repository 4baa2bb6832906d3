#!/usr/bin/env bash
# Reruns a captured weekly run offline (no cluster, no Prometheus): the same chain over the kubectl and
# Prometheus answers that pipelines/weekly.mk saved, into a new folder, with a ledger of its own (the
# production ledger is never touched).
# Usage: pipelines/replay.sh RUN_DIR OUT_DIR [BIN_DIR]     e.g. pipelines/replay.sh /var/lib/autopilot/runs/2026-11-23 /tmp/replay
set -euo pipefail
run=${1:?usage: replay.sh RUN_DIR OUT_DIR [BIN_DIR]}
out=${2:?usage: replay.sh RUN_DIR OUT_DIR [BIN_DIR]}
# The tools: BIN_DIR, else where collect-cluster is on PATH (an install), else the release build.
default_bin=$(dirname "$(command -v collect-cluster 2>/dev/null || echo "$(cd "$(dirname "$0")/.." && pwd)/.build/release/x")")
bin=${3:-$default_bin}
[ -d "$run/capture/cluster" ] || { echo "replay.sh: $run has no capture/cluster: not a run of autopilot-run or weekly.mk" >&2; exit 66; }
rm -rf "$out.tmp" && mkdir -p "$out.tmp/streams"
# The settings the run used (autopilot-run keeps them in config/: <tool>.args, one argument a line, paths
# relative to the run folder); weekly.mk's runs have none.
settings() {
  local file="$run/config/$1.args" line
  SETTINGS=()
  [ -f "$file" ] || return 0
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    case $line in config/*) SETTINGS+=("$run/$line") ;; *) SETTINGS+=("$line") ;; esac
  done < "$file"
}
settings collect-cluster; collect_settings=("${SETTINGS[@]}")
settings detect-waste; detect_settings=("${SETTINGS[@]}")
settings detect-incidents; incident_settings=("${SETTINGS[@]}")
settings score-risk; risk_settings=("${SETTINGS[@]}")
settings build-evidence; evidence_settings=("${SETTINGS[@]}")
settings ledger; ledger_settings=("${SETTINGS[@]}")
# The alerts the run read (weekly.mk copies its spool's last 8 days): all of them, whatever today is.
alerts=""
[ -d "$run/capture/alerts" ] && alerts="--alerts $run/capture/alerts --since 3650d"
# weekly.mk captures per context: capture/cluster/<context>/<cluster>/ and capture/metrics/<context>/.
for context_dir in "$run"/capture/cluster/*/; do
  context=$(basename "$context_dir")
  for dir in "$context_dir"*/; do
    cluster=$(basename "$dir")
    echo "replay.sh: $context ($cluster)" >&2
    "$bin/collect-cluster" --from "$dir" --cluster "$cluster" "${collect_settings[@]}" \
      | "$bin/collect-metrics" --from "$run/capture/metrics/$context" \
      | "$bin/detect-waste" "${detect_settings[@]}" | "$bin/detect-incidents" $alerts "${incident_settings[@]}" \
      | "$bin/score-risk" "${risk_settings[@]}" \
      | "$bin/build-evidence" --out "$out.tmp/evidence" "${evidence_settings[@]}" > "$out.tmp/streams/$context-$cluster.ndjson"
  done
done
cat "$out.tmp"/streams/*.ndjson | "$bin/ledger" record --db "$out.tmp/replay.db" "${ledger_settings[@]}" > "$out.tmp/ledger.ndjson"
settings render-report
"$bin/render-report" --out "$out.tmp/report" "${SETTINGS[@]}" < "$out.tmp/ledger.ndjson"
settings render-site
"$bin/render-site" --out "$out.tmp/site" "${SETTINGS[@]}" < "$out.tmp/ledger.ndjson"
rm -rf "$out" && mv "$out.tmp" "$out"
echo "replay.sh: $out/report/report.html" >&2
