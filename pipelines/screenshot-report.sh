#!/usr/bin/env bash
# The README's picture of the weekly report: out/report/report.html (from `make demo`) rendered by
# headless Chromium into docs/report.png. Usage: pipelines/screenshot-report.sh [REPORT_HTML] [PNG]
set -euo pipefail
cd "$(dirname "$0")/.."
html=${1:-out/report/report.html}
png=${2:-docs/report.png}
[ -f "$html" ] || { echo "screenshot-report.sh: no $html; run make demo first" >&2; exit 66; }
command -v chromium >/dev/null || { echo "screenshot-report.sh: needs chromium (apt-get install -y chromium)" >&2; exit 69; }
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1024,1700 \
  --screenshot="$png" "file://$(realpath "$html")" 2>/dev/null
echo "screenshot-report.sh: $png" >&2
