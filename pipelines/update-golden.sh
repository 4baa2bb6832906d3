#!/usr/bin/env bash
# Rewrites the demo's golden files after a deliberate change to a detector, a price, the risk model or
# the fixture. Review `git diff fixtures/demo/*.golden.ndjson` before committing: every changed line is a
# changed recommendation, dollar figure or risk score.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-$(swift build --show-bin-path)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin/collect-cluster" --from fixtures/demo --cluster demo \
  | "$bin/collect-metrics" --from fixtures/demo/prometheus \
  | "$bin/detect-waste" > "$tmp/waste.ndjson"
grep '^{"kind":"finding"' "$tmp/waste.ndjson" > fixtures/demo/findings.golden.ndjson
"$bin/score-risk" < "$tmp/waste.ndjson" | grep '^{"kind":"finding"' > fixtures/demo/risk.golden.ndjson
echo "update-golden: $(wc -l < fixtures/demo/findings.golden.ndjson) findings, $(wc -l < fixtures/demo/risk.golden.ndjson) scored"
