# The weekly run on a bastion host. With CONFIG=autopilot.yaml it is autopilot-run's (every mode,
# PR mode included: `make -f pipelines/weekly.mk CONFIG=/etc/autopilot/autopilot.yaml`); without, the
# read-only chain once per kubeconfig context from the variables below, merged with `cat` into one
# ledger run and one report. Everything lands in a dated folder that appears only when the
# run is complete (built under .tmp, then renamed), and every raw kubectl/Prometheus answer is captured
# so pipelines/replay.sh can rerun it offline.
#
# crontab (Mondays 06:00 UTC; one line):
#   0 6 * * 1  /usr/local/bin/autopilot-run --config /etc/autopilot/autopilot.yaml >>/var/log/autopilot.log 2>&1
# or, without a config file:
#   0 6 * * 1  cd /opt/autopilot && make -f pipelines/weekly.mk CONTEXTS="prod-us prod-eu" PROMETHEUS_prod-us=https://prom-us:9090 PROMETHEUS_prod-eu=https://prom-eu:9090 OUT=/var/lib/autopilot >>/var/log/autopilot.log 2>&1
#
# Variables: CONTEXTS (kubeconfig contexts), PROMETHEUS_<context> (else PROMETHEUS) and optional
# PROMETHEUS_ARGS (e.g. --sigv4-region us-east-1 or --token-file …), OUT (runs/ and the ledger),
# BIN (the tools' folder; default: where collect-cluster is on PATH, else .build/release: cron's PATH
# is /usr/bin:/bin and has no swift), DB (default OUT/autopilot.db; a postgresql:// URL puts every
# bastion's runs in one shared ledger, password by PGPASSWORD or PGPASSFILE), ALERTS
# (receive-alerts' spool, default OUT/alerts: its last 8 days are copied into the run and read by
# detect-incidents, which keeps each cluster's own alerts), BILLING (a FOCUS or CUR 2.0 export, file or
# folder, e.g. an `aws s3 sync` of the Data Export: detect-waste, ledger record and render-report price
# and reconcile by it; docs/prices-and-bills.md).
SHELL       := /bin/bash
.SHELLFLAGS := -eo pipefail -c
CONTEXTS    ?=
OUT         ?= /var/lib/autopilot
BIN         ?= $(or $(patsubst %/,%,$(dir $(shell command -v collect-cluster 2>/dev/null))),$(CURDIR)/.build/release)
CONFIG      ?=
DB          ?= $(OUT)/autopilot.db
ALERTS      ?= $(OUT)/alerts
DATE        := $(shell date -u +%Y-%m-%d)
RUN         := $(OUT)/runs/$(DATE)
TMP         := $(RUN).tmp
BILLING     ?=
BILLING_ARG := $(if $(BILLING),--billing "$(BILLING)")

# One cluster's chain; its Prometheus is PROMETHEUS_<context> (a make variable, so any context name
# works), else PROMETHEUS.
define cluster_chain
	@echo "weekly.mk: $(1)" >&2
	"$(BIN)/collect-cluster" --context "$(1)" --capture "$(TMP)/capture/cluster/$(1)" \
	  | "$(BIN)/collect-metrics" --prometheus "$(or $(PROMETHEUS_$(1)),$(PROMETHEUS))" $(PROMETHEUS_ARGS) --capture "$(TMP)/capture/metrics/$(1)" \
	  | "$(BIN)/detect-waste" $(BILLING_ARG) | "$(BIN)/detect-incidents" --alerts "$(TMP)/capture/alerts" --since 8d \
	  | "$(BIN)/score-risk" | "$(BIN)/build-evidence" --out "$(TMP)/evidence" > "$(TMP)/streams/$(1).ndjson"

endef

.PHONY: weekly
ifneq ($(CONFIG),)
weekly:
	"$(BIN)/autopilot-run" --config "$(CONFIG)" --date "$(DATE)"
else
weekly:
	@test -n "$(CONTEXTS)" || { echo "weekly.mk: set CONTEXTS to the kubeconfig contexts to analyse" >&2; exit 64; }
	@test -z "$(strip $(foreach c,$(CONTEXTS),$(if $(or $(PROMETHEUS_$(c)),$(PROMETHEUS)),,$(c))))" \
	  || { echo "weekly.mk: no PROMETHEUS_<context> or PROMETHEUS for: $(strip $(foreach c,$(CONTEXTS),$(if $(or $(PROMETHEUS_$(c)),$(PROMETHEUS)),,$(c))))" >&2; exit 64; }
	@test ! -e "$(RUN)" || { echo "weekly.mk: $(RUN) exists; this week's run is done (remove it to run again)" >&2; exit 73; }
	rm -rf "$(TMP)" && mkdir -p "$(TMP)/capture/cluster" "$(TMP)/capture/metrics" "$(TMP)/capture/alerts" "$(TMP)/streams"
	if [ -d "$(ALERTS)" ]; then find "$(ALERTS)" -maxdepth 1 -name 'alerts-*.ndjson' -mtime -8 -exec cp {} "$(TMP)/capture/alerts/" \; ; fi
	$(foreach ctx,$(CONTEXTS),$(call cluster_chain,$(ctx)))
	cat "$(TMP)"/streams/*.ndjson | "$(BIN)/ledger" record --db "$(DB)" --summary $(BILLING_ARG) > "$(TMP)/ledger.ndjson"
	"$(BIN)/render-report" --out "$(TMP)/report" --db "$(DB)" $(BILLING_ARG) < "$(TMP)/ledger.ndjson"
	mv "$(TMP)" "$(RUN)"
	@echo "weekly.mk: $(RUN)/report/report.html" >&2
endif
