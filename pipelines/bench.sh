#!/usr/bin/env bash
# make bench: generates synthetic clusters at three sizes with synth-cluster (once; cached in
# OUT_DIR/cache, outside git), then times each filter alone and the whole offline pipeline on each,
# with the reference measured in the same run: `jq -c` over the same input bytes (for collect-cluster,
# jansson alone parsing its files too). Prints a table per size, the growth from size to size, the
# recall and precision of the planted waste, and writes OUT_DIR/results.json.
#
#   pipelines/bench.sh BIN_DIR OUT_DIR
#   BENCH_SIZES="small large huge"   which sizes (small: 50 nodes / 1,500 pods; large: 2,000 / 60,000;
#                                    huge: 5,000 / 150,000); empty: none, only the repeated stream
#   BENCH_REPEATS="1 10 50"          how many copies of the demo stream the repeated-stream case feeds
#   BENCH_BILL_COPIES="10 100"       how many copies of the demo bill the billing case reads (FOCUS CSV, CUR 2.0 gz)
#   BENCH_NO_LEDGER=1                skip the ledger on SQLite and PostgreSQL (needs the small size)
#   BENCH_RUNS=3                     runs per figure on small (the median is kept); large and huge run
#                                    BENCH_BIG_RUNS=1 times (minutes each)
set -euo pipefail
bin=${1:?usage: bench.sh BIN_DIR OUT_DIR}
outdir=${2:?usage: bench.sh BIN_DIR OUT_DIR}
sizes=${BENCH_SIZES-small large huge}
now=2026-11-20T12:00:00Z
top=200
declare -A nodes=([small]=50 [large]=2000 [huge]=5000)
declare -A workloads=([small]=300 [large]=6000 [huge]=15000)
declare -A pods=([small]=1500 [large]=60000 [huge]=150000)

mkdir -p "$outdir/cache"
stamp=$(mktemp)
rows=$(mktemp)
ledger_rows=$(mktemp)
trap 'rm -f "$stamp" "$rows" "$ledger_rows"' EXIT

# The reference parser for collect-cluster: jansson alone, on the same files.
jansson_parse=$outdir/cache/jansson-parse
if [ ! -x "$jansson_parse" ]; then
  cc -O2 -o "$jansson_parse" pipelines/bench/jansson_parse.c -ljansson
fi

# Median wall seconds and max peak RSS (KiB) of a command over $2 runs; $3 runs before each (untimed).
measure() {
  local times=() rss=0 wall kib
  for _ in $(seq "$2"); do
    if [ -n "${3:-}" ]; then bash -c "$3"; fi
    /usr/bin/time -o "$stamp" -f '%e %M' bash -c "$1" >/dev/null 2>&1 || { echo "bench: failed: $1" >&2; exit 1; }
    read -r wall kib < "$stamp"
    times+=("$wall")
    if (( kib > rss )); then rss=$kib; fi
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v rss="$rss" '{a[NR]=$1} END {print a[int((NR+1)/2)], rss}'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", a / b }'; }
per_second() { awk -v n="$1" -v s="$2" -v scale="$3" 'BEGIN { if (s == 0) print "n/a"; else printf "%.1f", n / s / scale }'; }

for size in $sizes; do
  n=${nodes[$size]:?unknown size $size}
  # g2: the generator's output version; bump it when synth-cluster writes something else, so a cached
  # cluster of an older generator is not measured.
  cluster=$outdir/cache/synth-g2-${n}n-${pods[$size]}p-s1
  if [ ! -f "$cluster/expected/waste.ndjson" ]; then
    echo "bench: generating the $size cluster ($n nodes, ${pods[$size]} pods) in $cluster (once)"
    rm -rf "$cluster.tmp"
    "$bin/synth-cluster" --seed 1 --nodes "$n" --workloads "${workloads[$size]}" --pods "${pods[$size]}" --cluster "$size" --out "$cluster.tmp"
    mv "$cluster.tmp" "$cluster"
  fi
  runs=${BENCH_RUNS:-3}
  [ "$size" = small ] || runs=${BENCH_BIG_RUNS:-1}
  work=$outdir/$size
  rm -rf "$work" && mkdir -p "$work"

  # Each stage's input, made once by the stage before (untimed).
  "$bin/collect-cluster" --from "$cluster" --cluster "$size" > "$work/cluster.ndjson"
  "$bin/collect-metrics" --from "$cluster/prometheus" < "$work/cluster.ndjson" > "$work/metrics.ndjson"
  "$bin/detect-waste" --now "$now" < "$work/metrics.ndjson" > "$work/waste.ndjson"
  "$bin/score-risk" < "$work/waste.ndjson" > "$work/risk.ndjson"
  "$bin/build-evidence" --top "$top" --out "$work/evidence" < "$work/risk.ndjson" > "$work/evidence.ndjson"
  "$bin/ledger" record --db "$work/ledger.db" --now "$now" < "$work/evidence.ndjson" > "$work/ledger.ndjson"

  kube_files=$(ls "$cluster"/*.json | tr '\n' ' ')
  kube_bytes=$(cat $kube_files | wc -c)
  prom_bytes=$(cat "$cluster"/prometheus/*.json | wc -c)
  read -r jansson_time jansson_rss < <(measure "$jansson_parse $kube_files" "$runs")

  echo
  echo "$size: $n nodes, ${pods[$size]} pods, $(grep -c '"kind":"finding"' "$work/waste.ndjson") findings; kubectl JSON $((kube_bytes / 1000000)) MB, Prometheus answers $((prom_bytes / 1000000)) MB; median of $runs run(s)"
  printf '| %-16s | %8s | %10s | %7s | %12s | %12s |\n' stage "wall s" "records/s" "MB/s" "peak RSS MiB" "time / jq -c"
  printf '| %-16s | %8s | %10s | %7s | %12s | %12s |\n' --- --- --- --- --- ---
  printf '| %-16s | %8s | %10s | %7s | %12s | %12s |\n' "jansson parse" "$jansson_time" - "$(per_second "$kube_bytes" "$jansson_time" 1e6)" "$((jansson_rss / 1024))" -

  # name | command | jq reference over the same input | input bytes | output file (records counted) | setup
  stage() {
    local name=$1 cmd=$2 reference=$3 bytes=$4 output=$5 setup=${6:-}
    read -r wall rss < <(measure "$cmd" "$runs" "$setup")
    read -r ref_wall _ < <(measure "$reference" "$runs")
    local records
    records=$(wc -l < "$output")
    printf '| %-16s | %8s | %10s | %7s | %12s | %12s |\n' "$name" "$wall" "$(per_second "$records" "$wall" 1)" \
      "$(per_second "$bytes" "$wall" 1e6)" "$((rss / 1024))" "$(ratio "$wall" "$ref_wall")"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$size" "$name" "$wall" "$ref_wall" "$rss" "$bytes" "$records" "${pods[$size]}" >> "$rows"
  }
  size_of() { cat "$@" | wc -c; }
  stage collect-cluster "$bin/collect-cluster --from $cluster --cluster $size" "cat $kube_files | jq -c '.items[]'" \
    "$kube_bytes" "$work/cluster.ndjson"
  stage collect-metrics "$bin/collect-metrics --from $cluster/prometheus < $work/cluster.ndjson" \
    "cat $work/cluster.ndjson $cluster/prometheus/*.json | jq -c ." "$((prom_bytes + $(size_of "$work/cluster.ndjson")))" "$work/metrics.ndjson"
  stage detect-waste "$bin/detect-waste --now $now < $work/metrics.ndjson" "jq -c . $work/metrics.ndjson" \
    "$(size_of "$work/metrics.ndjson")" "$work/waste.ndjson"
  stage score-risk "$bin/score-risk < $work/waste.ndjson" "jq -c . $work/waste.ndjson" "$(size_of "$work/waste.ndjson")" "$work/risk.ndjson"
  stage build-evidence "$bin/build-evidence --top $top --out $work/evidence-run < $work/risk.ndjson" "jq -c . $work/risk.ndjson" \
    "$(size_of "$work/risk.ndjson")" "$work/evidence.ndjson" "rm -rf $work/evidence-run"
  stage "ledger record" "$bin/ledger record --db $work/run.db --now $now < $work/evidence.ndjson" "jq -c . $work/evidence.ndjson" \
    "$(size_of "$work/evidence.ndjson")" "$work/ledger.ndjson" "rm -f $work/run.db $work/run.db-wal $work/run.db-shm"
  stage render-report "$bin/render-report --out $work/report --now $now < $work/ledger.ndjson" "jq -c . $work/ledger.ndjson" \
    "$(size_of "$work/ledger.ndjson")" "$work/ledger.ndjson"
  # Stages that forward most of what they read by kind prefix: emit-pr (into an empty infra repo: resource
  # changes are not patchable, volumes and idle nodes get runbook branches; the untimed run below makes
  # them, so the timed runs are a weekly rerun: each branch found unchanged) and notify-slack --dry-run
  # (findings and changes only).
  repo=$work/infra
  mkdir -p "$repo" && git -C "$repo" init --quiet --initial-branch=main \
    && git -C "$repo" -c user.name=bench -c user.email=bench@example.invalid commit --quiet --allow-empty -m empty
  "$bin/emit-pr" --repo "$repo" < "$work/evidence.ndjson" > "$work/emit.ndjson"
  stage emit-pr "$bin/emit-pr --repo $repo < $work/evidence.ndjson" "jq -c . $work/evidence.ndjson" \
    "$(size_of "$work/evidence.ndjson")" "$work/emit.ndjson"
  # The same stream with only its first 5 findings: emit-pr's reading alone, on a stream of kinds it mostly
  # forwards unread (the pass-through goal, issue 23: at most 0.2 of jq's time); above, its git work per finding.
  { grep -v '^{"kind":"finding"' "$work/evidence.ndjson"; grep -m 5 '^{"kind":"finding"' "$work/evidence.ndjson"; } > "$work/few.ndjson"
  "$bin/emit-pr" --repo "$repo" < "$work/few.ndjson" > "$work/emit-few.ndjson"
  stage "emit-pr, 5 finds" "$bin/emit-pr --repo $repo < $work/few.ndjson" "jq -c . $work/few.ndjson" \
    "$(size_of "$work/few.ndjson")" "$work/emit-few.ndjson"
  "$bin/notify-slack" --dry-run --channel bench < "$work/evidence.ndjson" > "$work/slack.ndjson"
  stage notify-slack "$bin/notify-slack --dry-run --channel bench < $work/evidence.ndjson" "jq -c . $work/evidence.ndjson" \
    "$(size_of "$work/evidence.ndjson")" "$work/slack.ndjson"
  # The whole offline pipeline in one pipe; peak RSS is the largest stage's. Its reference: jq over
  # every input byte (the kubectl JSON and the Prometheus answers).
  stage "whole pipeline" "$bin/collect-cluster --from $cluster --cluster $size | $bin/collect-metrics --from $cluster/prometheus \
    | $bin/detect-waste --now $now | $bin/score-risk | $bin/build-evidence --top $top --out $work/evidence-run \
    | $bin/ledger record --db $work/run.db --now $now | $bin/render-report --out $work/report --now $now" \
    "cat $kube_files $cluster/prometheus/*.json | jq -c ." "$((kube_bytes + prom_bytes))" "$work/ledger.ndjson" \
    "rm -rf $work/evidence-run $work/run.db $work/run.db-wal $work/run.db-shm"
  echo "collect-cluster / jansson alone: $(ratio "$(awk -F'\t' -v s="$size" '$1==s && $2=="collect-cluster" {print $3}' "$rows")" "$jansson_time")"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$size" "jansson parse" "$jansson_time" "$jansson_time" "$jansson_rss" "$kube_bytes" 0 "${pods[$size]}" >> "$rows"

  # Recall and precision of the planted waste: a finding matches a planted item by detector and target.
  jq -r 'select(.kind=="finding") | "\(.detector) \(.namespace // "")/\(.target.kind)/\(.target.name)" + (if .target.container then "/\(.target.container)" else "" end)' \
    "$work/waste.ndjson" | sort -u > "$work/found.txt"
  jq -r .key "$cluster/expected/waste.ndjson" | sort -u > "$work/planted.txt"
  hit=$(comm -12 "$work/found.txt" "$work/planted.txt" | wc -l)
  found=$(wc -l < "$work/found.txt")
  planted=$(wc -l < "$work/planted.txt")
  echo "planted waste: $planted planted, $found found, $hit matched: recall $(ratio "$hit" "$planted"), precision $(ratio "$hit" "$found")"
  comm -13 "$work/found.txt" "$work/planted.txt" | sed 's/^/  missed: /' | head -5
  comm -23 "$work/found.txt" "$work/planted.txt" | sed 's/^/  not planted: /' | head -5
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$size" "planted" "$planted" "$found" "$hit" 0 0 "${pods[$size]}" >> "$rows"
done

# The ledger on both backends: one run over the largest measured cluster, 20 small ones at once.
if [[ " $sizes " == *" small "* ]] && [ -z "${BENCH_NO_LEDGER:-}" ]; then
  # shellcheck source=pipelines/bench/ledger-backends.sh
  source pipelines/bench/ledger-backends.sh
  largest=small
  for s in large huge; do if [[ " $sizes " == *" $s "* ]]; then largest=$s; fi; done
  ledger_bench "$outdir/$largest/evidence.ndjson" "$outdir/small/evidence.ndjson"
fi

# The demo stream fed k times over (two captures concatenated, a cron job that replays its input): an
# object seen again replaces itself, so the joining stages must stay linear in the stream's length. The
# row's pods column is k, so the growth table is not asked about it; ×50 over ×10 should be about 5.
echo
echo "repeated stream (the demo fed k times; BENCH_REPEATS):"
repeat_dir=$(mktemp -d)
trap 'rm -f "$stamp" "$rows" "$ledger_rows"; rm -rf "$repeat_dir"' EXIT
"$bin/collect-cluster" --from fixtures/demo --cluster demo | "$bin/collect-metrics" --from fixtures/demo/prometheus > "$repeat_dir/collected.ndjson"
"$bin/detect-waste" --now "$now" < "$repeat_dir/collected.ndjson" > "$repeat_dir/waste.ndjson"
printf '| %-12s | %6s | %10s | %10s | %8s |\n' "stage" "copies" "wall s" "jq -c s" "vs jq"
for k in ${BENCH_REPEATS:-1 10 50}; do
  for stage in detect-waste score-risk; do
    input=$repeat_dir/collected.ndjson; [ "$stage" = score-risk ] && input=$repeat_dir/waste.ndjson
    for _ in $(seq "$k"); do cat "$input"; done > "$repeat_dir/in.ndjson"
    read -r wall rss < <(measure "$bin/$stage --now $now < $repeat_dir/in.ndjson" "${BENCH_RUNS:-3}")
    read -r ref_wall _ < <(measure "jq -c . < $repeat_dir/in.ndjson" "${BENCH_RUNS:-3}")
    printf '| %-12s | %6s | %10s | %10s | %8s |\n' "$stage" "$k" "$wall" "$ref_wall" "$(ratio "$wall" "$ref_wall")"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "repeat$k" "$stage" "$wall" "$ref_wall" "$rss" "$(wc -c < "$repeat_dir/in.ndjson")" \
      "$(wc -l < "$repeat_dir/in.ndjson")" "$k" >> "$rows"
  done
done

# Billing exports: the demo's November bill (fixtures/billing/demo) repeated k times, as FOCUS CSV and as
# gzipped CUR 2.0, read by detect-waste --billing (over an empty stream: the read is what is timed). The
# reference, in the same run: Python's csv module counting the same file's records (gzip.open for .gz),
# what a FinOps script would start from.
echo
echo "billing exports (the demo bill repeated k times; BENCH_BILL_COPIES):"
printf '| %-10s | %6s | %9s | %8s | %8s | %12s | %10s |\n' "format" "copies" "lines" "wall s" "MB/s" "peak RSS MiB" "vs python"
printf '| %-10s | %6s | %9s | %8s | %8s | %12s | %10s |\n' --- --- --- --- --- --- ---
bill_dir=$repeat_dir/bill
mkdir -p "$bill_dir"
focus="fixtures/billing/demo/focus/BILLING_PERIOD=2026-11/demo-focus-00001.csv"
cur="fixtures/billing/demo/cur2/BILLING_PERIOD=2026-11/demo-cur2-00001.csv.gz"
for k in ${BENCH_BILL_COPIES-10 100}; do
  { head -1 "$focus"; for _ in $(seq "$k"); do tail -n +2 "$focus"; done; } > "$bill_dir/focus.csv"
  { zcat "$cur" | sed -n 1p; for _ in $(seq "$k"); do zcat "$cur" | tail -n +2; done; } | gzip -6 > "$bill_dir/cur2.csv.gz"
  for file in focus.csv cur2.csv.gz; do
    path=$bill_dir/$file
    opener=open; [ "${file%.gz}" != "$file" ] && opener=gzip.open
    read -r wall rss < <(measure "$bin/detect-waste --billing $path < /dev/null" "${BENCH_RUNS:-3}")
    read -r ref_wall _ < <(measure "python3 -c 'import csv, gzip, sys; print(sum(1 for _ in csv.reader($opener(sys.argv[1], \"rt\", newline=\"\"))))' $path" "${BENCH_RUNS:-3}")
    lines=$( (zcat -f "$path") | wc -l)
    mb=$( (zcat -f "$path") | wc -c)
    printf '| %-10s | %6s | %9s | %8s | %8s | %12s | %10s |\n' "${file%%.*}" "$k" "$lines" "$wall" "$(per_second "$mb" "$wall" 1e6)" \
      "$((rss / 1024))" "$(ratio "$wall" "$ref_wall")"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "bill$k" "billing ${file%%.*}" "$wall" "$ref_wall" "$rss" "$mb" "$lines" "$k" >> "$rows"
  done
done

# Growth: time and memory per 1,000 pods at each size; a stage whose figures rise with size grows
# faster than linearly.
echo
echo "growth (wall ms and peak RSS MiB per 1,000 pods):"
awk -F'\t' '$2 != "planted" && $2 != "jansson parse" && $1 !~ /^repeat/ && $1 !~ /^bill/ {
    key = $2; if (!(key in seen)) { order[++n] = key; seen[key] = 1 }
    cell[key, $1] = sprintf("%7.1f ms %6.1f MiB", $3 * 1000 / ($8 / 1000), $5 / 1024 / ($8 / 1000)); sizes[$1] = 1
  } END {
    split("small large huge", all, " ")
    header = sprintf("| %-16s |", "stage")
    for (i = 1; i <= 3; i++) if (all[i] in sizes) header = header sprintf(" %-20s |", all[i])
    print header
    for (k = 1; k <= n; k++) {
      line = sprintf("| %-16s |", order[k])
      for (i = 1; i <= 3; i++) if (all[i] in sizes) line = line sprintf(" %-20s |", cell[order[k], all[i]])
      print line
    }
  }' "$rows"

jq -R -s --arg date "$(date -u +%FT%TZ)" --arg machine "$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)" \
  --rawfile ledger "$ledger_rows" '
  split("\n") | map(select(length > 0) | split("\t")) as $rows
  | {date: $date, machine: $machine, reference: "jq -c . over the same input bytes",
     sizes: ($rows | group_by(.[0]) | map({
       size: .[0][0], pods: (.[0][7] | tonumber),
       stages: map(select(.[1] != "planted") | {stage: .[1], wallSeconds: (.[2] | tonumber), jqSeconds: (.[3] | tonumber),
                   ratioToJq: (if (.[3] | tonumber) > 0 then ((.[2] | tonumber) / (.[3] | tonumber) * 100 | round / 100) else null end),
                   peakRSSMiB: ((.[4] | tonumber) / 1024 | round), inputBytes: (.[5] | tonumber), records: (.[6] | tonumber)}),
       planted: (map(select(.[1] == "planted"))[0] | if . then {planted: (.[2] | tonumber), found: (.[3] | tonumber), matched: (.[4] | tonumber)} else null end)
     })),
     ledgerBackends: ($ledger | split("\n") | map(select(length > 0) | split("\t") | {backend: .[0], oneRunSeconds: (.[1] | tonumber),
       peakRSSMiB: ((.[2] | tonumber) / 1024 | round), twentyClustersAtOnceSeconds: (.[3] | tonumber), findings: (.[4] | tonumber)}))}' \
  "$rows" > "$outdir/results.json"
echo
echo "bench: wrote $outdir/results.json"
