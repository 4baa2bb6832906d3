#!/usr/bin/env bash
# Installs Debian packages for the build and tests (make deps) without leaving a service running or
# enabled on the host: the packages of Prometheus, Alertmanager and node_exporter start and enable their
# daemons when installed, but Autopilot's tests start their own on 127.0.0.1 and stop them after.
# Usage (as root): pipelines/install-packages.sh PACKAGE…
set -euo pipefail
[ "$#" -gt 0 ] || exit 0
# While installing, invoke-rc.d (which every maintainer script starts services through) is told no.
policy=/usr/sbin/policy-rc.d
own_policy=""
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# make deps: no service starts while Autopilot installs packages\nexit 101\n' > "$policy"
  chmod 755 "$policy"
  own_policy=1
fi
trap '[ -z "$own_policy" ] || rm -f "$policy"' EXIT
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
pipelines/disable-services.sh
