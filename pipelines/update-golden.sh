#!/usr/bin/env bash
# Rewrites the demo's golden findings after a deliberate change to a detector, a price or the fixture.
# Review `git diff fixtures/demo/findings.golden.ndjson` before committing: every changed line is a
# changed recommendation or dollar figure.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-$(swift build --show-bin-path)}
"$bin/collect-cluster" --from fixtures/demo --cluster demo \
  | "$bin/collect-metrics" --from fixtures/demo/prometheus \
  | "$bin/detect-waste" --quiet \
  | grep '^{"kind":"finding"' > fixtures/demo/findings.golden.ndjson.tmp
mv fixtures/demo/findings.golden.ndjson.tmp fixtures/demo/findings.golden.ndjson
echo "update-golden: $(wc -l < fixtures/demo/findings.golden.ndjson) findings in fixtures/demo/findings.golden.ndjson"
