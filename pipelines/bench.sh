#!/usr/bin/env bash
# make bench: times each Autopilot filter and, as the reference measured in the same run, `jq -c`
# over the same input bytes, so the ratio survives a noisy machine. Prints a table and writes
# OUTDIR/results.json.
#
# Until the cluster generator (synth-cluster) lands, the input is the demo cluster with its pods
# copied BENCH_SCALE times under new names (default 40: ~6,300 pods, ~70 MB of kubectl JSON).
set -euo pipefail
bin=${1:?usage: bench.sh BIN_DIR OUT_DIR}
outdir=${2:?usage: bench.sh BIN_DIR OUT_DIR}
runs=${BENCH_RUNS:-5}
scale=${BENCH_SCALE:-40}
input=$outdir/cache/demo-x$scale
mkdir -p "$outdir"

if [ ! -f "$input/pods.json" ]; then
  mkdir -p "$input.tmp"
  cp fixtures/demo/*.json "$input.tmp/"
  python3 - "$scale" "$input.tmp/pods.json" <<'PY'
import json, sys
scale, path = int(sys.argv[1]), sys.argv[2]
with open(path) as f:
    pods = json.load(f)
items = []
for copy in range(scale):
    for pod in pods["items"]:
        clone = json.loads(json.dumps(pod))
        clone["metadata"]["name"] += f"-c{copy}"
        clone["metadata"]["uid"] = clone["metadata"]["uid"][:-6] + f"{copy:06d}"
        items.append(clone)
pods["items"] = items
with open(path, "w") as f:
    json.dump(pods, f, indent=4, sort_keys=True)
    f.write("\n")
PY
  rm -rf "$input" && mv "$input.tmp" "$input"
fi

bytes=$(cat "$input"/*.json | wc -c)
stamp=$(mktemp)
trap 'rm -f "$stamp"' EXIT

# Median wall seconds and max peak RSS (KiB) of a command over $runs runs.
measure() {
  local times=() rss=0 wall kib
  for _ in $(seq "$runs"); do
    /usr/bin/time -o "$stamp" -f '%e %M' bash -c "$1" >/dev/null 2>&1
    read -r wall kib < "$stamp"
    times+=("$wall")
    if (( kib > rss )); then rss=$kib; fi
  done
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  echo "$median $rss"
}

read -r ref_time ref_rss < <(measure "cat $input/*.json | jq -c '.items[]'")
read -r cc_time cc_rss < <(measure "$bin/collect-cluster --from $input --cluster demo")
records=$("$bin/collect-cluster" --from "$input" --cluster demo | wc -l)

ratio=$(awk -v a="$cc_time" -v b="$ref_time" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", a / b }')
mbps=$(awk -v s="$cc_time" -v n="$bytes" 'BEGIN { if (s == 0) print "n/a"; else printf "%.1f", n / s / 1e6 }')
rps=$(awk -v s="$cc_time" -v n="$records" 'BEGIN { if (s == 0) print "n/a"; else printf "%.0f", n / s }')
ref_mbps=$(awk -v s="$ref_time" -v n="$bytes" 'BEGIN { if (s == 0) print "n/a"; else printf "%.1f", n / s / 1e6 }')

echo "input: $input ($((bytes / 1000000)) MB, $records records out; median of $runs runs)"
printf '| %-18s | %8s | %10s | %7s | %12s | %12s |\n' stage "wall s" "records/s" "MB/s" "peak RSS MiB" "time / jq -c"
printf '| %-18s | %8s | %10s | %7s | %12s | %12s |\n' --- --- --- --- --- ---
printf '| %-18s | %8s | %10s | %7s | %12s | %12s |\n' "jq -c (reference)" "$ref_time" - "$ref_mbps" "$((ref_rss / 1024))" 1.00
printf '| %-18s | %8s | %10s | %7s | %12s | %12s |\n' collect-cluster "$cc_time" "$rps" "$mbps" "$((cc_rss / 1024))" "$ratio"

# detect-waste joins the whole stream: the demo's records (cluster + usage) copied BENCH_WASTE_SCALE
# times under new names (default 100: 1,600 nodes, 15,700 pods, 4,300 workloads), against `jq -c .`.
wscale=${BENCH_WASTE_SCALE:-100}
stream=$outdir/cache/stream-x$wscale.ndjson
if [ ! -f "$stream" ]; then
  "$bin/collect-cluster" --from fixtures/demo --cluster demo | "$bin/collect-metrics" --from fixtures/demo/prometheus \
    | python3 pipelines/bench/scale_stream.py "$wscale" > "$stream.tmp"
  mv "$stream.tmp" "$stream"
fi
sbytes=$(wc -c < "$stream")
read -r sref_time sref_rss < <(measure "jq -c . < $stream")
read -r dw_time dw_rss < <(measure "$bin/detect-waste --quiet < $stream")
findings=$("$bin/detect-waste" --quiet < "$stream" | grep -c '^{"kind":"finding"' || true)
dw_ratio=$(awk -v a="$dw_time" -v b="$sref_time" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", a / b }')
dw_mbps=$(awk -v s="$dw_time" -v n="$sbytes" 'BEGIN { if (s == 0) print "n/a"; else printf "%.1f", n / s / 1e6 }')
sref_mbps=$(awk -v s="$sref_time" -v n="$sbytes" 'BEGIN { if (s == 0) print "n/a"; else printf "%.1f", n / s / 1e6 }')
echo
echo "input: $stream ($((sbytes / 1000000)) MB, $(wc -l < "$stream") records, $findings findings out; median of $runs runs)"
printf '| %-18s | %8s | %7s | %12s | %12s |\n' stage "wall s" "MB/s" "peak RSS MiB" "time / jq -c"
printf '| %-18s | %8s | %7s | %12s | %12s |\n' --- --- --- --- ---
printf '| %-18s | %8s | %7s | %12s | %12s |\n' "jq -c (reference)" "$sref_time" "$sref_mbps" "$((sref_rss / 1024))" 1.00
printf '| %-18s | %8s | %7s | %12s | %12s |\n' detect-waste "$dw_time" "$dw_mbps" "$((dw_rss / 1024))" "$dw_ratio"

# score-risk and build-evidence on the same stream after detect-waste (4,801 findings), each against
# `jq -c .` over its own input; build-evidence also writes a pack (two files, fsynced) per finding.
"$bin/detect-waste" --quiet < "$stream" > "$outdir/cache/waste-x$wscale.ndjson"
"$bin/score-risk" < "$outdir/cache/waste-x$wscale.ndjson" > "$outdir/cache/risk-x$wscale.ndjson"
read -r wref_time _ < <(measure "jq -c . < $outdir/cache/waste-x$wscale.ndjson")
read -r sr_time sr_rss < <(measure "$bin/score-risk < $outdir/cache/waste-x$wscale.ndjson")
read -r rref_time _ < <(measure "jq -c . < $outdir/cache/risk-x$wscale.ndjson")
read -r be_time be_rss < <(measure "rm -rf $outdir/evidence && $bin/build-evidence --out $outdir/evidence < $outdir/cache/risk-x$wscale.ndjson")
sr_ratio=$(awk -v a="$sr_time" -v b="$wref_time" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", a / b }')
be_ratio=$(awk -v a="$be_time" -v b="$rref_time" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", a / b }')
printf '| %-18s | %8s | %7s | %12s | %12s |\n' "jq -c (its input)" "$wref_time" - - 1.00
printf '| %-18s | %8s | %7s | %12s | %12s |\n' score-risk "$sr_time" - "$((sr_rss / 1024))" "$sr_ratio"
printf '| %-18s | %8s | %7s | %12s | %12s |\n' "jq -c (its input)" "$rref_time" - - 1.00
printf '| %-18s | %8s | %7s | %12s | %12s |\n' build-evidence "$be_time" - "$((be_rss / 1024))" "$be_ratio"

# ledger record (a fresh SQLite file each time: 4,801 findings inserted, every transition written and
# fsynced at commit) and render-report over its output, each against jq over its own input.
ledger_in=$outdir/cache/risk-x$wscale.ndjson
ledger_out=$outdir/cache/ledger-x$wscale.ndjson
rm -f "$outdir"/bench.db*
"$bin/ledger" record --db "$outdir/bench.db" --now 2026-11-20T12:00:00Z < "$ledger_in" > "$ledger_out"
read -r lg_time lg_rss < <(measure "rm -f $outdir/bench.db* && $bin/ledger record --db $outdir/bench.db --now 2026-11-20T12:00:00Z < $ledger_in > /dev/null")
read -r lref_time _ < <(measure "jq -c . < $ledger_out")
read -r rr_time rr_rss < <(measure "$bin/render-report --out $outdir/report < $ledger_out > /dev/null")
lg_ratio=$(awk -v a="$lg_time" -v b="$rref_time" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", a / b }')
rr_ratio=$(awk -v a="$rr_time" -v b="$lref_time" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", a / b }')
printf '| %-18s | %8s | %7s | %12s | %12s |\n' "ledger record" "$lg_time" - "$((lg_rss / 1024))" "$lg_ratio"
printf '| %-18s | %8s | %7s | %12s | %12s |\n' "jq -c (its input)" "$lref_time" - - 1.00
printf '| %-18s | %8s | %7s | %12s | %12s |\n' render-report "$rr_time" - "$((rr_rss / 1024))" "$rr_ratio"

cat > "$outdir/results.json.tmp" <<JSON
{"input": "$input", "inputBytes": $bytes, "runs": $runs,
 "reference": {"command": "jq -c .items[]", "wallSeconds": $ref_time, "peakRSSKiB": $ref_rss},
 "stages": [{"stage": "collect-cluster", "wallSeconds": $cc_time, "records": $records, "peakRSSKiB": $cc_rss, "ratioToJq": $ratio},
            {"stage": "detect-waste", "input": "$stream", "inputBytes": $sbytes, "findings": $findings,
             "reference": {"command": "jq -c .", "wallSeconds": $sref_time, "peakRSSKiB": $sref_rss},
             "wallSeconds": $dw_time, "peakRSSKiB": $dw_rss, "ratioToJq": $dw_ratio},
            {"stage": "score-risk", "wallSeconds": $sr_time, "peakRSSKiB": $sr_rss, "ratioToJq": $sr_ratio},
            {"stage": "build-evidence", "wallSeconds": $be_time, "peakRSSKiB": $be_rss, "ratioToJq": $be_ratio},
            {"stage": "ledger record", "wallSeconds": $lg_time, "peakRSSKiB": $lg_rss, "ratioToJq": $lg_ratio},
            {"stage": "render-report", "wallSeconds": $rr_time, "peakRSSKiB": $rr_rss, "ratioToJq": $rr_ratio}]}
JSON
mv "$outdir/results.json.tmp" "$outdir/results.json"
echo "bench: wrote $outdir/results.json"
