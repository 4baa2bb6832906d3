#!/usr/bin/env bash
# Checks an installed Autopilot (make install, or make dist's archive unpacked) the way a fresh bastion
# would run it: every tool through its link with an empty environment (env -i, PATH of the install and
# the system only, no Swift toolchain), the binary needing only the system libraries listed in the
# README, and the offline demo chain giving the golden findings byte for byte.
# Usage (from the repository): pipelines/check-install.sh PREFIX
set -euo pipefail
prefix=${1:?usage: check-install.sh PREFIX}
# Where the toolchain is on this machine, it is hidden for the check (an empty tmpfs over it in a mount
# namespace of our own, as root): what runs then runs on a machine without it.
toolchain=/opt/swift
if [ -z "${CHECK_INSTALL_HIDDEN:-}" ] && [ -d "$toolchain" ] && [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null \
   && unshare -m true 2>/dev/null; then
  exec unshare -m /bin/sh -c 'mount -t tmpfs none "$1" && shift && CHECK_INSTALL_HIDDEN="$0" exec "$@"' \
    "$toolchain" "$toolchain" "$0" "$@"
fi
hidden=${CHECK_INSTALL_HIDDEN:+, with $CHECK_INSTALL_HIDDEN hidden}
bin="$prefix/bin"
fail() { echo "check-install.sh: $*" >&2; exit 1; }
[ -x "$bin/autopilot" ] || fail "$bin/autopilot is missing"
run() { env -i PATH="$bin:/usr/bin:/bin" HOME=/nonexistent "$@"; }

# Only these shared libraries: the C library, the C++ runtime the static Swift runtime uses, zlib,
# jansson, libyaml, SQLite and libpq (PostgreSQL's client, for a fleet's shared ledger). Nothing from
# /opt/swift, and no run path into it.
allowed='^(libc\.so\.6|libm\.so\.6|libstdc\+\+\.so\.6|libgcc_s\.so\.1|libz\.so\.1|libjansson\.so\.4|libyaml-0\.so\.2|libsqlite3\.so\.0|libpq\.so\.5|ld-linux-x86-64\.so\.2|libdl\.so\.2|libpthread\.so\.0|librt\.so\.1|libutil\.so\.1)$'
needed=$(readelf -d "$bin/autopilot" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p')
for library in $needed; do
  [[ $library =~ $allowed ]] || fail "autopilot needs $library, which a bastion without the Swift toolchain lacks"
done
if readelf -d "$bin/autopilot" | grep -E 'R(UN)?PATH' | grep -q '/opt/swift'; then fail "autopilot's run path points into /opt/swift"; fi

# The newest C library and C++ runtime versions the binary asks for: what a target system must have.
glibc=$(objdump -T "$bin/autopilot" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -n 1)
glibcxx=$(objdump -T "$bin/autopilot" | grep -o 'GLIBCXX_[0-9.]*' | sort -uV | tail -n 1)
# make dist promises the oldest systems it names (MAX_GLIBC, MAX_GLIBCXX: Amazon Linux 2023's).
newer() { [ -n "$2" ] && [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | tail -n 1)" != "$2" ]; }
if newer "${glibc#GLIBC_}" "${MAX_GLIBC:-}"; then fail "autopilot needs $glibc, newer than glibc $MAX_GLIBC"; fi
if newer "${glibcxx#GLIBCXX_}" "${MAX_GLIBCXX:-}"; then fail "autopilot needs $glibcxx, newer than libstdc++ $MAX_GLIBCXX"; fi

tools=$(run autopilot --list)
[ -n "$tools" ] || fail "autopilot --list printed nothing"
for tool in $tools; do
  [ -L "$bin/$tool" ] || [ -x "$bin/$tool" ] || fail "$bin/$tool is missing"
  out=$(run "$tool" --help 2>&1) || fail "$tool --help exited $?: $out"
  first=$(printf '%s\n' "$out" | head -n 1)
  [[ $first == OVERVIEW:* ]] || fail "$tool --help printed '$first'"
done
version=$(sed -n 's/.*static let version = "\(.*\)"/\1/p' Sources/AutopilotTools/Tools.swift)
[ "$(run autopilot --version)" = "autopilot $version" ] || fail "autopilot --version printed '$(run autopilot --version)', not 'autopilot $version'"

# The offline demo through the installed links: the golden findings, byte for byte.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run collect-cluster --from fixtures/demo --cluster demo \
  | run collect-metrics --from fixtures/demo/prometheus \
  | run detect-waste > "$tmp/waste.ndjson"
grep '^{"kind":"finding"' "$tmp/waste.ndjson" > "$tmp/findings.ndjson" || true
cmp -s "$tmp/findings.ndjson" fixtures/demo/findings.golden.ndjson \
  || fail "the installed detect-waste does not give fixtures/demo/findings.golden.ndjson"
echo "check-install.sh: $prefix: $(echo $tools | wc -w) tools run under env -i$hidden; $(wc -l < "$tmp/findings.ndjson") demo findings as golden; needs only: $(echo $needed) (at least $glibc, ${glibcxx:-no libstdc++ symbol versions})"
