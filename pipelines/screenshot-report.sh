#!/usr/bin/env bash
# The README's pictures, from `make demo`: the weekly report (out/report/report.html → docs/report.png),
# the site's fleet overview (out/site/index.html → docs/site-overview.png) and a finding's page
# (checkout-web's verified CPU cut → docs/site-finding.png), rendered by headless Chromium.
# Usage: pipelines/screenshot-report.sh [OUT]   (default: out)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-out}
command -v chromium >/dev/null || { echo "screenshot-report.sh: needs chromium (apt-get install -y chromium)" >&2; exit 69; }
finding=$(jq -r 'select(.kind=="ledger" and .cluster=="demo" and .detector=="over-requested-cpu" and .target.name=="checkout-web") | .id' \
  "$out/ledger.ndjson" 2>/dev/null || true)
shoot() {
  local html=$1 png=$2 height=$3
  [ -f "$html" ] || { echo "screenshot-report.sh: no $html; run make demo first" >&2; exit 66; }
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1024,"$height" \
    --screenshot="$png" "file://$(realpath "$html")" 2>/dev/null
  echo "screenshot-report.sh: $png" >&2
}
shoot "$out/report/report.html" docs/report.png 1700
shoot "$out/site/index.html" docs/site-overview.png 1700
shoot "$out/site/findings/$finding.html" docs/site-finding.png 1700
