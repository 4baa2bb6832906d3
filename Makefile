# Autopilot — build, demo, test and bench. `make demo` and `make test` work on a fresh machine:
# they install what is missing first (Debian packages, as root).

SHELL      := /bin/bash
.SHELLFLAGS := -eo pipefail -c
SWIFT      ?= swift
OUT        ?= out
DEB_DEPS   := libjansson-dev libyaml-dev libsqlite3-dev libpq-dev zlib1g-dev pkg-config python3 jq openssl prometheus prometheus-alertmanager \
              prometheus-node-exporter postgresql git binutils

.PHONY: all deps build release demo test fuzz bench bench-prometheus chaos clean test-mutants install install-files dist

all: build

## Install the Debian packages the build and tests need, if any is missing, without leaving a service
## of theirs running or enabled (pipelines/install-packages.sh).
deps:
	@missing=""; \
	for pkg in $(DEB_DEPS); do \
	  dpkg-query -W -f='$${Status}' $$pkg 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make: installing$$missing"; \
	  if [ "$$(id -u)" -ne 0 ]; then echo "make: need root to apt-get install$$missing" >&2; exit 1; fi; \
	  pipelines/install-packages.sh $$missing; \
	fi; \
	command -v kubernetes-validate >/dev/null || { \
	  echo "make: installing kubernetes-validate (PyPI: Kubernetes' schemas, for validating deploy/kubernetes offline)"; \
	  python3 -m pip install --quiet --disable-pip-version-check kubernetes-validate >/dev/null 2>&1 || \
	  echo "make: could not install kubernetes-validate: the manifest test skips on a workstation and fails under CI=true" >&2; }; \
	command -v kubectl >/dev/null || { \
	  echo "make: kubectl not found; installing it (a kubectl package where an apt source has one, else Debian's kubernetes-client)"; \
	  pipelines/install-packages.sh kubectl >/dev/null 2>&1 || \
	  pipelines/install-packages.sh kubernetes-client >/dev/null 2>&1 || \
	  echo "make: could not install kubectl: live-mode and kustomize tests skip on a workstation and fail under CI=true" >&2; }

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

## Four weeks of a pilot over the two bundled clusters (fixtures/demo and fixtures/staging), 2026-11-20
## to 2026-12-11 (pipelines/demo-weeks.sh): each week, per cluster, collect → metrics → detect → score →
## evidence → emit-pr (branches in a scratch GitOps repo, out/gitops), then one ledger run; between the
## weeks a team approves, merges (deployed by the next week), and reverts a change found unsafe. Then the
## weekly report and the site of week 4. Writes out/weeks/<n>/, out/gitops, out/demo.db, out/evidence/,
## out/demo.ndjson and out/ledger.ndjson (week 4), out/report/report.html and out/site/index.html; lists
## week 4's findings and the ledger's statuses.
demo: release
	@mkdir -p $(OUT)
	@set -e; bin=$$($(SWIFT) build -c release --show-bin-path); \
	pipelines/demo-weeks.sh $$bin $(OUT); \
	echo "demo: week 4's findings ($(OUT)/demo.ndjson, $$(wc -l < $(OUT)/demo.ndjson) records):"; \
	jq -r 'select(.kind=="finding") | [.cluster, .risk.gate, .risk.level, .detector, .summary] | @tsv' $(OUT)/demo.ndjson \
	  | column -t -s $$'\t'; \
	echo "demo: the ledger after four weeks ($(OUT)/demo.db):"; \
	jq -r 'select(.kind=="ledger") | .status' $(OUT)/ledger.ndjson | sort | uniq -c; \
	echo "demo: branches, merges and the revert in $(OUT)/gitops (git -C $(OUT)/gitops log --oneline --graph main)"; \
	echo "demo: evidence packs in $(OUT)/evidence/<finding id>/evidence.html; report in $(OUT)/report/report.html; site in $(OUT)/site/index.html"

## The suite. The multi-call binary is linked once more with the Swift runtime inside, so that the
## install test checks what a bastion without the toolchain gets. Only its one-line main.swift is
## compiled again for that (touched before and after): an object compiled for a static link names the
## static libraries to link, SwiftPM does not tell the two kinds of build apart, and a full second build
## folder would add minutes to every CI run.
test: deps
	$(SWIFT) build --build-tests
	touch Sources/autopilot/main.swift; $(SWIFT) build --static-swift-stdlib --product autopilot; \
	  status=$$?; touch Sources/autopilot/main.swift; exit $$status
	$(SWIFT) test --skip-build --disable-swift-testing

## Install without a Swift toolchain on the target: one multi-call binary, built in release with the
## Swift runtime linked in and stripped, in PREFIX/bin with a link per tool name; the examples, deploy
## files (systemd, Kubernetes, Grafana) and guides in PREFIX/share/autopilot. Needs at run time only
## libc, libstdc++, zlib, jansson, libyaml and SQLite (plus kubectl, and git for PR mode).
PREFIX        ?= /usr/local
DESTDIR       ?=
VERSION       := $(shell sed -n 's/.*static let version = "\(.*\)"/\1/p' Sources/AutopilotTools/Tools.swift)
DIST_SCRATCH  ?= .build-dist
AUTOPILOT_BIN ?= $(DIST_SCRATCH)/release/autopilot
DIST_NAME     := autopilot-$(VERSION)-linux-$(shell uname -m)
SHARE_FILES   := examples deploy docs/site-config.md docs/onboarding.md docs/operations.md docs/prices-and-bills.md \
                 docs/reliability.md docs/benchmarks.md docs/architecture.md docs/tools docs/runbooks \
                 docs/report.png docs/site-overview.png docs/site-finding.png README.md

# The three symbols Debian 12 would bind to versions newer than Amazon Linux 2023 has (Sources/CSystemCompat).
DIST_WRAP     := hypot hypotf _ZNSt18condition_variable4waitERSt11unique_lockISt5mutexE
$(DIST_SCRATCH)/release/autopilot: deps $(shell find Sources -name '*.swift' -o -name '*.c') Package.swift
	$(SWIFT) build -c release --static-swift-stdlib --product autopilot --scratch-path $(DIST_SCRATCH) \
	  $(foreach symbol,$(DIST_WRAP),-Xlinker --wrap=$(symbol))

install: $(DIST_SCRATCH)/release/autopilot
	$(MAKE) -s install-files AUTOPILOT_BIN=$(AUTOPILOT_BIN)

## The copy step of install, for a binary built elsewhere (the install test passes the suite's).
install-files:
	@test -x "$(AUTOPILOT_BIN)" || { echo "make: $(AUTOPILOT_BIN) is not built" >&2; exit 66; }
	install -d "$(DESTDIR)$(PREFIX)/bin" "$(DESTDIR)$(PREFIX)/share/autopilot/docs"
	install -m 755 "$(AUTOPILOT_BIN)" "$(DESTDIR)$(PREFIX)/bin/autopilot"
	strip "$(DESTDIR)$(PREFIX)/bin/autopilot"
	for tool in $$("$(DESTDIR)$(PREFIX)/bin/autopilot" --list); do ln -sfn autopilot "$(DESTDIR)$(PREFIX)/bin/$$tool"; done
	for file in $(SHARE_FILES); do \
	  case $$file in docs/*) cp -R "$$file" "$(DESTDIR)$(PREFIX)/share/autopilot/docs/";; *) cp -R "$$file" "$(DESTDIR)$(PREFIX)/share/autopilot/";; esac; \
	done

## A versioned archive of that install (out/autopilot-VERSION-linux-ARCH.tar.gz), checked after it is
## made by unpacking it and running pipelines/check-install.sh on it, which also holds it to Amazon Linux
## 2023's glibc 2.34 and libstdc++ 3.4.29 (the oldest system it is for). On the bastion:
##   tar -xzf autopilot-VERSION-linux-x86_64.tar.gz -C /usr/local --strip-components=1
dist: $(DIST_SCRATCH)/release/autopilot
	@rm -rf $(OUT)/dist && mkdir -p $(OUT)/dist
	$(MAKE) -s install-files DESTDIR= PREFIX=$(CURDIR)/$(OUT)/dist/$(DIST_NAME) AUTOPILOT_BIN=$(AUTOPILOT_BIN)
	tar -C $(OUT)/dist -czf $(OUT)/$(DIST_NAME).tar.gz $(DIST_NAME)
	@rm -rf $(OUT)/dist && mkdir -p $(OUT)/dist && tar -C $(OUT)/dist -xzf $(OUT)/$(DIST_NAME).tar.gz
	MAX_GLIBC=2.34 MAX_GLIBCXX=3.4.29 pipelines/check-install.sh $(OUT)/dist/$(DIST_NAME)
	@rm -rf $(OUT)/dist
	@echo "dist: $(OUT)/$(DIST_NAME).tar.gz ($$(du -h $(OUT)/$(DIST_NAME).tar.gz | cut -f1); $$(tar -tzvf $(OUT)/$(DIST_NAME).tar.gz | awk '{s+=$$3} END {printf "%.0f MB", s/1e6}') unpacked)"

## Coverage-guided fuzzing (libFuzzer): fuzz-autopilot built with -sanitize=fuzzer in its own build folder,
## each target run FUZZ_SECONDS from its seeds in fixtures/fuzz/ and fixtures/upstream-fuzz/ (pipelines/fuzz.sh).
## CI runs it after the tests, repeatably (see .ci/run).
FUZZ_SECONDS ?= 60
FUZZ_FLAGS   ?=
FUZZ_TARGETS ?= ndjson quantity kube-list prom-response yaml-edit hcl-edit alert-payload slack-signature records billing-csv record-scan
fuzz: deps
	$(SWIFT) build --product fuzz-autopilot --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer -Xswiftc -DFUZZING \
	  -Xswiftc -parse-as-library -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld
	FUZZ_FLAGS="$(FUZZ_FLAGS)" pipelines/fuzz.sh .build-fuzz/debug/fuzz-autopilot $(OUT)/fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

## Generate synthetic clusters at three sizes with synth-cluster (once, cached in out/bench/cache;
## small 50 nodes / 1,500 pods, large 2,000 / 60,000, huge 5,000 / 150,000) and time each filter and
## the whole offline pipeline against `jq -c .` over the same bytes, with recall and precision of the
## planted waste (out/bench/results.json; BENCH_SIZES="small large" to skip huge).
bench: release
	@command -v cc >/dev/null || { echo "make: installing gcc (the bench's jansson reference)"; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc >/dev/null; }
	@test -x /usr/bin/time || { echo "make: installing time (GNU time measures peak memory)"; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; }
	@pipelines/bench.sh "$$($(SWIFT) build -c release --show-bin-path)" $(OUT)/bench

## collect-metrics against KRR's query pattern on a generated 2,000-workload / 20,000-pod / 14-day
## Prometheus (out/bench/metrics.json; ~25 minutes the first time; BENCH_WORKLOADS, BENCH_PODS,
## BENCH_DAYS make it smaller).
bench-prometheus: release
	@pipelines/bench-metrics.sh "$$($(SWIFT) build -c release --show-bin-path)" $(OUT)/bench

## Replay the chaos scenarios (fixtures/chaos) through receive-alerts --from, collect-cluster,
## collect-metrics and detect-incidents, and print detection and root-cause rates.
## One-line mutations of the formulas (margins, floors, steps, rate split, risk weights, gate thresholds),
## each rebuilt in .build-mutants and run against the tests that guard them; lists any no test catches.
## Not part of `make test` (about a minute a mutation).
test-mutants: deps
	pipelines/test-mutants.sh

chaos: build
	@pipelines/chaos-check.sh "$$($(SWIFT) build --show-bin-path)"

clean:
	rm -rf .build $(OUT)
