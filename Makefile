# Autopilot — build, demo, test and bench. `make demo` and `make test` work on a fresh machine:
# they install what is missing first (Debian packages, as root).

SHELL      := /bin/bash
.SHELLFLAGS := -eo pipefail -c
SWIFT      ?= swift
OUT        ?= out
DEB_DEPS   := libjansson-dev libyaml-dev libsqlite3-dev pkg-config python3 jq openssl prometheus

.PHONY: all deps build release demo test bench clean

all: build

## Install the Debian packages the build and tests need, if any is missing.
deps:
	@missing=""; \
	for pkg in $(DEB_DEPS); do \
	  dpkg-query -W -f='$${Status}' $$pkg 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make: installing$$missing"; \
	  if [ "$$(id -u)" -ne 0 ]; then echo "make: need root to apt-get install$$missing" >&2; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi; \
	command -v kubectl >/dev/null || { \
	  echo "make: kubectl not found; trying apt-get install kubectl (live-mode tests are skipped without it)"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kubectl >/dev/null 2>&1 || true; }

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

## Run the pipeline, as far as it exists, over the bundled demo cluster; NDJSON lands in out/demo.ndjson,
## the findings are listed, and detect-waste prints the total on stderr.
demo: release
	@mkdir -p $(OUT)
	@bin=$$($(SWIFT) build -c release --show-bin-path); \
	$$bin/collect-cluster --from fixtures/demo --cluster demo --summary \
	  | $$bin/collect-metrics --from fixtures/demo/prometheus --summary \
	  | $$bin/detect-waste | $$bin/score-risk --summary \
	  | $$bin/build-evidence --out $(OUT)/evidence --summary > $(OUT)/demo.ndjson.tmp; \
	mv $(OUT)/demo.ndjson.tmp $(OUT)/demo.ndjson; \
	echo "demo: wrote $(OUT)/demo.ndjson ($$(wc -l < $(OUT)/demo.ndjson) records); findings:"; \
	jq -r 'select(.kind=="finding") | [.risk.gate, .risk.level, .detector, .summary] | @tsv' $(OUT)/demo.ndjson \
	  | column -t -s $$'\t'; \
	echo "demo: evidence packs in $(OUT)/evidence/<finding id>/evidence.html"

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-swift-testing

## Time each filter against `jq -c .` over the same bytes (out/bench/results.json), and collect-metrics
## against KRR's query pattern on a generated 2,000-workload / 20,000-pod / 14-day Prometheus
## (out/bench/metrics.json; BENCH_WORKLOADS, BENCH_PODS, BENCH_DAYS make it smaller).
bench: release
	@pipelines/bench.sh "$$($(SWIFT) build -c release --show-bin-path)" $(OUT)/bench
	@pipelines/bench-metrics.sh "$$($(SWIFT) build -c release --show-bin-path)" $(OUT)/bench

clean:
	rm -rf .build $(OUT)
