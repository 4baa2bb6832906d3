#!/usr/bin/env bash
# Checks Autopilot's alerting files with the real tools: the rules parse (`promtool check rules`), every
# alert fires and stays quiet where its unit tests say (`promtool test rules`), and the Alertmanager
# configuration loads (`amtool check-config`) and routes an alert to the autopilot receiver.
# Usage: pipelines/alerting/check.sh     (exit 0 when all pass; the first failure stops it)
set -euo pipefail
cd "$(dirname "$0")"
for tool in promtool amtool; do
  command -v "$tool" >/dev/null || {
    echo "check.sh: $tool not found on PATH; apt-get install -y prometheus prometheus-alertmanager" >&2
    exit 69
  }
done
fail() { echo "check.sh: FAILED: $*" >&2; exit 1; }

promtool check rules prometheus-rules.yaml || fail "promtool check rules prometheus-rules.yaml"
promtool test rules prometheus-rules.test.yaml || fail "promtool test rules prometheus-rules.test.yaml"
amtool check-config alertmanager.yaml || fail "amtool check-config alertmanager.yaml"
# amtool warns on stderr that --config.file overrides --alertmanager.url: not a problem, so not shown.
amtool config routes test --config.file=alertmanager.yaml --verify.receivers=autopilot \
  alertname=KubePodCrashLooping cluster=prod-us namespace=payments severity=warning 2>/dev/null \
  || fail "alertmanager.yaml does not route alerts to the autopilot receiver"
echo "check.sh: rules, rule tests and Alertmanager config OK"
