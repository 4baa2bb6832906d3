#!/usr/bin/env bash
# make fuzz: runs each libFuzzer target of fuzz-autopilot for SECONDS from its committed seed corpus
# (fixtures/fuzz/TARGET/ and the other projects' files in fixtures/upstream-fuzz/TARGET/, copied into
# OUT_DIR/corpus/TARGET, where the fuzzer adds what it finds). A crash
# or a broken property is saved as OUT_DIR/crashes/TARGET-crash-…; the script names it, says how to replay
# it, and exits 1 after all targets ran. A crash, once fixed, goes into fixtures/fuzz/TARGET/ as a
# regression: FuzzCorpusTests replays every file there in `make test`.
#
#   pipelines/fuzz.sh FUZZER OUT_DIR SECONDS TARGET...     (FUZZ_FLAGS: more libFuzzer flags, e.g. -seed=1;
#                                                        FUZZ_JOBS: targets at a time, default one per core)
set -euo pipefail
fuzzer=${1:?usage: fuzz.sh FUZZER OUT_DIR SECONDS TARGET...}
outdir=${2:?usage: fuzz.sh FUZZER OUT_DIR SECONDS TARGET...}
seconds=${3:?usage: fuzz.sh FUZZER OUT_DIR SECONDS TARGET...}
shift 3
mkdir -p "$outdir/crashes"
# Targets run FUZZ_JOBS at a time (default: one per core), each on its own core; the report is printed in
# target order whatever order they finish in.
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}

fuzz_target() {
  local target=$1 corpus=$outdir/corpus/$1 log=$outdir/$1.log
  mkdir -p "$corpus"
  cp -n fixtures/fuzz/"$target"/* fixtures/upstream-fuzz/"$target"/* "$corpus"/ 2>/dev/null || true
  # Swift's own backtracer would catch the fatal signal first; libFuzzer must see it to save the input.
  if SWIFT_BACKTRACE=enable=no AUTOPILOT_FUZZ_TARGET=$target "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$outdir/crashes/$target-" -print_final_stats=1 ${FUZZ_FLAGS:-} "$corpus" > "$log" 2>&1; then
    runs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log")
    echo "fuzz: $target: ${runs:-?} inputs (at most ${seconds}s), no crash (corpus $(ls "$corpus" | wc -l) files)" > "$outdir/$target.result"
  else
    found=$(grep -o "Test unit written to .*" "$log" | tail -1 | sed 's/Test unit written to //')
    {
      echo "fuzz: $target: FAILED: $(grep -m1 -E 'Fatal error|ERROR: libFuzzer|Precondition failed' "$log" || echo 'see log') — input ${found:-?}, log $log"
      echo "fuzz:   replay: swift run fuzz-autopilot $target ${found:-FILE}"
    } > "$outdir/$target.failed"
  fi
}

running=0
for target in "$@"; do
  rm -f "$outdir/$target.result" "$outdir/$target.failed"
  fuzz_target "$target" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait

failed=()
for target in "$@"; do
  if [ -f "$outdir/$target.failed" ]; then
    cat "$outdir/$target.failed" >&2
    failed+=("$target")
  elif [ -f "$outdir/$target.result" ]; then
    cat "$outdir/$target.result"
  else
    echo "fuzz: $target: FAILED: the run left no result (see $outdir/$target.log)" >&2
    failed+=("$target")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: ${#failed[@]} target(s) failed: ${failed[*]}" >&2
  exit 1
fi
