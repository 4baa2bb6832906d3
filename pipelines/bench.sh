#!/usr/bin/env bash
# make bench: times each Autopilot filter and, as the reference measured in the same run, `jq -c`
# over the same input bytes, so the ratio survives a noisy machine. Prints a table and writes
# OUTDIR/results.json.
#
# Until the cluster generator (synth-cluster) lands, the input is the bundled demo cluster; with
# a few hundred objects the figures are dominated by process start-up.
set -euo pipefail
bin=${1:?usage: bench.sh BIN_DIR OUT_DIR}
outdir=${2:?usage: bench.sh BIN_DIR OUT_DIR}
runs=${BENCH_RUNS:-10}
input=fixtures/demo
mkdir -p "$outdir"

bytes=$(cat "$input"/*.json | wc -c)

# Median wall seconds and max peak RSS (KiB) of a command over $runs runs.
measure() {
  local times=() rss=0 line
  for _ in $(seq "$runs"); do
    line=$( { /usr/bin/time -f '%e %M' bash -c "$1" >/dev/null 2>/dev/null; } 2>&1 | tail -n 1)
    times+=("${line% *}")
    (( ${line#* } > rss )) && rss=${line#* }
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

printf '%-18s %10s %12s %10s %12s %14s\n' stage "wall s" "records/s" "MB/s" "peak RSS MiB" "time / jq -c"
printf '%-18s %10s %12s %10s %12s %14s\n' "jq -c (reference)" "$ref_time" - - "$((ref_rss / 1024))" 1.00
printf '%-18s %10s %12s %10s %12s %14s\n' collect-cluster "$cc_time" "$rps" "$mbps" "$((cc_rss / 1024))" "$ratio"

cat > "$outdir/results.json.tmp" <<JSON
{"input": "$input", "inputBytes": $bytes, "runs": $runs,
 "reference": {"command": "jq -c .items[]", "wallSeconds": $ref_time, "peakRSSKiB": $ref_rss},
 "stages": [{"stage": "collect-cluster", "wallSeconds": $cc_time, "records": $records, "peakRSSKiB": $cc_rss, "ratioToJq": "$ratio"}]}
JSON
mv "$outdir/results.json.tmp" "$outdir/results.json"
echo "bench: wrote $outdir/results.json"
