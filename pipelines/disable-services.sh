#!/usr/bin/env bash
# Disables (and, where systemd runs, stops) the services and timers Debian's Prometheus, Alertmanager,
# node_exporter and PostgreSQL packages enable on install: nothing of the test stack may stay enabled on
# the host (the tests start their own servers on 127.0.0.1 and stop them after).
# make deps runs it after installing; it is safe to run again.
set -uo pipefail
command -v systemctl >/dev/null || exit 0
units=$(systemctl list-unit-files --no-legend 'prometheus*' 'postgresql*' 2>/dev/null | awk '$2 == "enabled" {print $1}')
for unit in $units; do
  systemctl disable --quiet "$unit" 2>/dev/null || echo "disable-services.sh: could not disable $unit" >&2
  if [ -d /run/systemd/system ]; then systemctl stop "$unit" 2>/dev/null || true; fi
done
exit 0
