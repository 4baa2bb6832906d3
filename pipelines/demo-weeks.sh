#!/usr/bin/env bash
# The four-week demo (`make demo`): the two bundled clusters (fixtures/demo, fixtures/staging) run
# through the whole pipeline once a week for four weeks, 2026-11-20 to 2026-12-11, into one ledger, with
# what a platform team does in between: approvals, merges of Autopilot's branches (deployed by the next
# run), a change found unsafe and reverted. Each week's cluster is derived from the captured fixture by
# pipelines/demo_week.py (the same cluster a week later, running what was merged, plus what happened
# on its own). Deterministic: the same bytes every time.
#   pipelines/demo-weeks.sh BIN OUT      BIN: the built tools (swift build --show-bin-path); OUT: out
# Writes OUT/weeks/<n>/ (each week's fixtures, streams and ledger records), OUT/gitops (the GitOps repo
# with its branches, merges and the revert), OUT/demo.db, OUT/evidence, OUT/demo.ndjson and
# OUT/ledger.ndjson (week 4's stream and ledger records), and week 4's weekly report (OUT/report) and
# site (OUT/site).
set -euo pipefail
if [ $# -ne 2 ] || [ -z "$1" ] || [ -z "$2" ]; then echo "usage: $0 BIN OUT" >&2; exit 64; fi
mkdir -p "$2"
# Absolute, before the cd below (each on its own line, so that a missing BIN stops the script).
bin=$(CDPATH='' cd -- "$1" && pwd)
out=$(CDPATH='' cd -- "$2" && pwd)
cd "$(dirname "$0")/.."

# The runs, and the day after each, when the team acts.
weeks=(2026-11-20T12:00:00Z 2026-11-27T12:00:00Z 2026-12-04T12:00:00Z 2026-12-11T12:00:00Z)
days=(2026-11-21T12:00:00Z 2026-11-28T12:00:00Z 2026-12-05T12:00:00Z)
# The demo GitOps monorepo: the four fixture repos as folders. Cluster demo's code is in all four,
# staging's only in terraform/.
repos="manifests kustomize helm terraform"
scope_demo="--scope manifests --scope kustomize --scope helm --scope terraform"
scope_staging="--scope terraform"
db=$out/demo.db
live=$out/weeks/live.ndjson

rm -rf "${out:?}/gitops" "$out/weeks" "$out/evidence" "$out/report" "$out/site" && rm -f "$db" "$db-wal" "$db-shm"
mkdir -p "$out/gitops" "$out/weeks"
for r in $repos; do cp -R "fixtures/repos/$r" "$out/gitops/$r"; done
: > "$live"

# git in the GitOps repo as a person of the team, at a time.
git_as() {
  local name=$1 when=$2; shift 2
  GIT_AUTHOR_NAME=$name GIT_AUTHOR_EMAIL=$name@example.com GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=$name@example.com \
    GIT_AUTHOR_DATE=$when GIT_COMMITTER_DATE=$when git -C "$out/gitops" "$@"
}
git -C "$out/gitops" init --quiet --initial-branch=main
git -C "$out/gitops" add -A
git_as Demo "${weeks[0]}" commit --quiet -m "infra as it runs"

# A week's run: each cluster through the pipeline on that week's fixtures, then one ledger run.
run_week() {
  local week=$1 now=$2 dir=$out/weeks/$1
  for cluster in demo staging; do
    local scope=$scope_demo; [ "$cluster" = demo ] || scope=$scope_staging
    python3 pipelines/demo_week.py --from "fixtures/$cluster" --cluster "$cluster" --week "$week" --live "$live" --out "$dir/$cluster"
    # shellcheck disable=SC2086  # scope is a list of options
    "$bin/collect-cluster" --from "$dir/$cluster" --cluster "$cluster" --summary \
      | "$bin/collect-metrics" --from "$dir/$cluster/prometheus" --summary \
      | "$bin/detect-waste" --now "$now" --summary | "$bin/detect-incidents" --now "$now" --summary | "$bin/score-risk" --summary \
      | "$bin/build-evidence" --out "$out/evidence" --summary \
      | "$bin/emit-pr" --repo "$out/gitops" $scope --values-map "$out/gitops/helm/autopilot-values-map.yaml" --now "$now" \
      > "$dir/stream-$cluster.ndjson"
  done
  cat "$dir/stream-demo.ndjson" "$dir/stream-staging.ndjson" > "$dir/stream.ndjson"
  echo "demo: week $week ($now)" >&2
  "$bin/ledger" record --db "$db" --now "$now" --summary < "$dir/stream.ndjson" > "$dir/ledger.ndjson"
}

# The id of a finding of the week, by cluster, detector and target name.
finding() {
  jq -r --arg c "$2" --arg d "$3" --arg n "$4" \
    'select(.kind=="finding" and .cluster==$c and .detector==$d and .target.name==$n) | .id' "$out/weeks/$1/stream.ndjson"
}
approve() { "$bin/ledger" approve "$2" --db "$db" --by alice --now "$1" --reason "reviewed in the weekly FinOps meeting" > /dev/null; }

# A reviewer merges a branch of the week's run (the change record and its findings go live), a day after the run.
merge() {
  local week=$1 when=$2 branch=$3
  git_as Reviewer "$when" merge --quiet --no-ff -m "Merge branch '$branch'" "$branch"
  jq -c --arg b "$branch" --slurp \
    '(map(select(.kind=="finding")) | INDEX(.id)) as $f
     | .[] | select(.kind=="change" and .branch==$b) | . + {findings: [.findingIds[] | $f[.] | select(.)]}' \
    "$out/weeks/$week/stream.ndjson" >> "$live"
}

# The team reverts a merge: the cluster runs the old values again from the next run.
revert() {
  local when=$1 branch=$2
  local commit
  commit=$(git -C "$out/gitops" log --format=%H --grep="^Merge branch '$branch'\$" -1 main)
  git_as Reviewer "$when" revert --no-edit -m 1 "$commit" > /dev/null
  jq -c --arg b "$branch" 'select(.branch != $b)' "$live" > "$live.tmp" && mv "$live.tmp" "$live"
}

run_week 1 "${weeks[0]}"
# Week 1 → 2: alice approves what the meeting agreed; the auto-gated checkout-web and the approved
# airflow scheduler are merged, and the runbook of the mongodb volume merged and run.
day=${days[0]}
for target in airflow-scheduler grafana; do
  for detector in over-requested-cpu over-requested-memory; do approve "$day" "$(finding 1 demo $detector $target)"; done
done
approve "$day" "$(finding 1 demo orphan-volume pvc-a226a192-9237-5838-ab56-b18137a4319e)"
merge 1 "$day" autopilot/demo/checkout/checkout-web
merge 1 "$day" autopilot/demo/data/airflow-scheduler
merge 1 "$day" "autopilot/demo/$(finding 1 demo orphan-volume pvc-a226a192-9237-5838-ab56-b18137a4319e)"

run_week 2 "${weeks[1]}"
# Week 2 → 3: grafana's cut and etl-transformer's are merged; the elasticsearch volume's runbook is
# merged and run; staging's restore volume goes by Terraform.
day=${days[1]}
approve "$day" "$(finding 2 demo orphan-volume pvc-b9819e03-e841-5aeb-8e36-aaeb4e3ccc17)"
approve "$day" "$(finding 2 staging orphan-volume reports-db-restore-20261106)"
merge 2 "$day" "autopilot/demo/$(finding 2 demo orphan-volume pvc-b9819e03-e841-5aeb-8e36-aaeb4e3ccc17)"
merge 2 "$day" autopilot/demo/monitoring/grafana
merge 2 "$day" autopilot/demo/data/etl-transformer
merge 2 "$day" "autopilot/staging/$(finding 2 staging orphan-volume reports-db-restore-20261106)"

run_week 3 "${weeks[2]}"
# Week 3 → 4: grafana's memory grew past its new request (week 3 found the change unsafe): reverted.
# checkout approves and merges redis's cut.
day=${days[2]}
revert "$day" autopilot/demo/monitoring/grafana
for detector in over-requested-cpu over-requested-memory; do approve "$day" "$(finding 3 demo $detector redis)"; done
merge 3 "$day" autopilot/demo/checkout/redis

run_week 4 "${weeks[3]}"
cp "$out/weeks/4/stream.ndjson" "$out/demo.ndjson.tmp" && mv "$out/demo.ndjson.tmp" "$out/demo.ndjson"
cp "$out/weeks/4/ledger.ndjson" "$out/ledger.ndjson.tmp" && mv "$out/ledger.ndjson.tmp" "$out/ledger.ndjson"
"$bin/render-report" --out "$out/report" --now "${weeks[3]}" --db "$db" < "$out/ledger.ndjson"
"$bin/render-site" --out "$out/site" --now "${weeks[3]}" --db "$db" < "$out/ledger.ndjson"
