#!/usr/bin/env bash
# Replays every chaos scenario (fixtures/chaos/<scenario>/) through the incident pipeline and scores it
# against the scenario's expected.json:
#   { collect-cluster --from chaos-lab | collect-metrics --from prometheus; receive-alerts --from alerts.ndjson; }
#     | detect-incidents --now NOW
# An expected incident is DETECTED when an incident of its category names its target; its ROOT CAUSE is
# right when that incident's hypothesis, its actions' types (in order) and the detectors of the findings
# it opens are the expected ones. A scenario is EXACT when nothing else is reported.
# Usage: pipelines/chaos-check.sh [BIN_DIR]    (default: the newer of .build/release and .build/debug)
# Writes out/chaos/<scenario>.ndjson; prints one line per scenario and the rates; exit 1 unless all pass.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${1:-}"
if [ -z "$bin" ]; then
  bin="$root/.build/debug"
  [ "$root/.build/release/detect-incidents" -nt "$bin/detect-incidents" ] && bin="$root/.build/release"
fi
out="$root/out/chaos"
mkdir -p "$out"
for dir in "$root"/fixtures/chaos/*/; do
  [ -f "$dir/expected.json" ] || continue
  scenario="$(basename "$dir")"
  now=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["now"])' "$dir/expected.json")
  {
    "$bin/collect-cluster" --from "$dir/chaos-lab" | "$bin/collect-metrics" --from "$dir/prometheus"
    "$bin/receive-alerts" --from "$dir/alerts.ndjson"
  } | "$bin/detect-incidents" --now "$now" > "$out/$scenario.ndjson"
done
python3 - "$root/fixtures/chaos" "$out" <<'PY'
import json, os, sys
fixtures, out = sys.argv[1], sys.argv[2]
total = detected = rooted = exact = 0
for scenario in sorted(os.listdir(fixtures)):
    path = os.path.join(fixtures, scenario, "expected.json")
    if not os.path.exists(path):
        continue
    expected = json.load(open(path))["incidents"]
    records = [json.loads(line) for line in open(os.path.join(out, scenario + ".ndjson"))]
    incidents = [r for r in records if r["kind"] == "incident"]
    findings = {r["id"]: r for r in records if r["kind"] == "finding"}
    notes = []
    scenario_ok = True
    for want in expected:
        total += 1
        match = [i for i in incidents if i["category"] == want["category"] and i["target"]["kind"] == want["target"]["kind"]
                 and i["target"]["name"] == want["target"]["name"]]
        if not match:
            notes.append("MISSED %s on %s" % (want["category"], want["target"]["name"]))
            scenario_ok = False
            continue
        detected += 1
        got = match[0]
        actions = [a["type"] for a in got["actions"]]
        detectors = sorted(findings[a["findingId"]]["detector"] for a in got["actions"] if a.get("findingId") in findings)
        hypothesis = (got.get("rootCause") or {}).get("hypothesis")
        if hypothesis == want["hypothesis"] and actions == want["actions"] and detectors == sorted(want["findings"]):
            rooted += 1
            notes.append("%s: %s -> %s" % (want["category"], hypothesis, ", ".join(actions)))
        else:
            scenario_ok = False
            notes.append("WRONG CAUSE %s: got %s -> %s %s, want %s -> %s %s" % (want["category"], hypothesis, actions, detectors,
                                                                                 want["hypothesis"], want["actions"], want["findings"]))
    if len(incidents) != len(expected):
        scenario_ok = False
        notes.append("%d incidents reported, %d expected" % (len(incidents), len(expected)))
    exact += scenario_ok
    print("%-18s %s  %s" % (scenario, "ok  " if scenario_ok else "FAIL", "; ".join(notes)))
scenarios = len([s for s in os.listdir(fixtures) if os.path.exists(os.path.join(fixtures, s, "expected.json"))])
print("chaos-check: detection %d/%d, root cause %d/%d, exact %d/%d scenarios" % (detected, total, rooted, total, exact, scenarios))
sys.exit(0 if detected == rooted == total and exact == scenarios else 1)
PY
