import Foundation

/// `ledger record`: one run's stream into the ledger, in one transaction. Findings are upserted by id
/// (baseline kept from the first sighting), `change` records say where each finding's change stands (a
/// merged PR implements it), findings of this run's clusters that the run no longer reports expire (or,
/// when the cluster runs the values of their pushed change, are implemented),
/// implemented ones are verified against what the cluster looks like now, incidents open, resolve and
/// reopen (LedgerIncidents), and the run's cost per (cluster, team) joins the history.
public struct LedgerRecorder {
    public static let actor = "ledger record"
    /// How the reason of a rollback's transition begins.
    public static let rollbackPrefix = "rolled back: "

    /// A rejection ledger record made because the change was rolled back (not a person's `ledger reject`).
    public static func isRollback(actor: String, reason: String?) -> Bool {
        actor == Self.actor && reason?.hasPrefix(rollbackPrefix) == true
    }

    let store: LedgerStore
    let model: CostModel
    let diagnostics: Diagnostics

    /// `model.bill`, when given, verifies removals against the bill and reconciles each cluster's allocation to it.
    public init(store: LedgerStore, model: CostModel, diagnostics: Diagnostics) {
        self.store = store
        self.model = model
        self.diagnostics = diagnostics
    }

    /// Records the run at `now` and returns the records render-report reads: one `ledger` record per
    /// finding of the run's clusters, then the cost history of those clusters, their bill reconciliation
    /// and one `ledgerincident` record per incident of theirs.
    public func record(_ set: ClusterSet, now: Date) throws -> [JSONValue] {
        let clusters = Set(set.clusters.keys).union(set.findings.map(\.cluster))
            .union(set.incidents.compactMap { $0["cluster"]?.string }).sorted()
        // Runs of other clusters write beside this one (PostgreSQL); a second run of these clusters waits.
        try store.db.transaction(locking: clusters) {
            var seen = Set<String>()
            for finding in set.findings {
                let id = finding.id
                guard !id.isEmpty else {
                    diagnostics.warning("a finding without an id is not recorded")
                    continue
                }
                seen.insert(id)
                try upsert(finding, id: id, now: now)
            }
            for change in set.changes { try recordChange(change, now: now) }
            try LedgerIncidents(store: store).record(set.incidents, clusters: clusters, now: now, diagnostics: diagnostics)
            for stored in try store.findings(inClusters: clusters) where !seen.contains(stored.id) && stored.status.isOpen {
                if try wentLive(stored, set, now: now) { continue }
                try store.transition(stored.id, from: stored.status, to: .expired, at: now, actor: Self.actor,
                                     reason: "not reported by the run of \(RFC3339.string(now))")
            }
            for stored in try store.findings(inClusters: clusters) where stored.status == .implemented || stored.status == .verified {
                if try rolledBack(stored, set, now: now) { continue }
                if stored.status == .implemented { try verify(stored, set, now: now) }
            }
            if let bill = model.bill {
                for stored in try store.findings(inClusters: clusters) where stored.status == .implemented || stored.status == .verified {
                    try verifyByBill(stored, bill: bill, now: now)
                }
            }
            try recordCosts(set, clusters: clusters, now: now)
        }
        return try LedgerExport(store: store).records(clusters: clusters)
    }

    /// `ledger record --summary`: what was recorded, the ledger's findings by status, their changes by
    /// state, and the incidents by status.
    public static func summary(of set: ClusterSet, records: [JSONValue], in store: LedgerStore) -> String {
        func count<T: RawRepresentable>(_ cases: [T], of kind: String, at path: String...) -> [(T, Int)] where T.RawValue == String {
            let ofKind = records.filter { $0["kind"]?.stringValue == kind }
            return cases.map { value in (value, ofKind.filter { record in path.reduce(record) { $0?[$1] }?.stringValue == value.rawValue }.count) }
        }
        let findings = count(FindingStatus.allCases, of: "ledger", at: "status").map { "\($1) \($0.rawValue)" }
        let changes = count(ChangeState.allCases, of: "ledger", at: "change", "state").filter { $1 > 0 }.map { "\($1) \($0.rawValue)" }
        let incidents = count(IncidentStatus.allCases, of: "ledgerincident", at: "status").map { "\($1) \($0.rawValue)" }
        return "\(set.findings.count) findings and \(set.incidents.count) incidents recorded in \(store.db.name); "
            + "ledger: \(findings.joined(separator: ", ")); changes: \(changes.isEmpty ? "none" : changes.joined(separator: ", ")); "
            + "incidents: \(incidents.joined(separator: ", "))"
    }

    // MARK: Findings

    private func upsert(_ finding: FindingRecord, id: String, now: Date) throws {
        let savings = finding.monthlySavings?.cents
        let billedSavings = finding.billedSavings?.monthly.cents
        let risk = finding.risk
        let gate = risk?.gate
        let text = finding.json.value.text
        if let stored = try store.finding(id) {
            try store.db.run(
                """
                UPDATE findings SET last_seen = ?, summary = ?, team = ?, savings_cents = ?, risk_overall = ?, risk_level = ?,
                gate = ?, finding = ?, billed_savings_cents = ? WHERE id = ?
                """,
                [.text(RFC3339.string(now)), .text(finding.summary ?? ""), .text(finding.team ?? "unassigned"),
                 .optional(savings), .optional(risk?.overall), .optional(risk?.level), .optional(gate),
                 .text(text), .optional(billedSavings), .text(id)])
            if stored.status == .expired {
                try store.transition(id, from: .expired, to: .detected, at: now, actor: Self.actor, reason: "reported again")
                try approveByPolicy(id, gate: gate, from: .detected, now: now)
            } else if stored.status == .detected {
                try approveByPolicy(id, gate: gate, from: .detected, now: now)
            }
            return
        }
        let baseline: JSONValue = [
            "current": finding.json["current"]?.value ?? .null, "recommended": finding.json["recommended"]?.value ?? .null,
            "usage": finding.basis?["usage"]?.value ?? .null, "monthlyCost": finding.json["monthlyCost"]?.value ?? .null,
        ]
        try store.db.run(
            """
            INSERT INTO findings (id, cluster, namespace, team, detector, target_kind, target_name, container, summary, status,
            first_seen, last_seen, baseline_cost_cents, baseline_savings_cents, baseline, savings_cents, risk_overall, risk_level,
            gate, finding, billed_savings_cents) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'detected', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [.text(id), .text(finding.cluster), .optional(finding.namespace),
             .text(finding.team ?? "unassigned"), .text(finding.detector),
             .optional(finding.target.kind), .optional(finding.target.name),
             .optional(finding.target.container), .text(finding.summary ?? ""),
             .text(RFC3339.string(now)), .text(RFC3339.string(now)),
             .optional(finding.monthlyCost?.current.cents), .optional(savings),
             .text(baseline.text), .optional(savings), .optional(risk?.overall), .optional(risk?.level),
             .optional(gate), .text(text), .optional(billedSavings)])
        try store.db.run("INSERT INTO transitions (finding_id, from_status, to_status, at, actor, reason) VALUES (?, NULL, 'detected', ?, ?, ?)",
                         [.text(id), .text(RFC3339.string(now)), .text(Self.actor), .text("first reported")])
        try approveByPolicy(id, gate: gate, from: .detected, now: now)
    }

    /// A finding score-risk gated `auto` needs no human: the policy approved it.
    private func approveByPolicy(_ id: String, gate: String?, from: FindingStatus, now: Date) throws {
        guard gate == "auto" else { return }
        try store.transition(id, from: from, to: .approved, at: now, actor: "policy (gate auto)", reason: "score-risk gated it auto")
    }

    /// A `change` record (emit-pr): where each of its findings' change stands in git (ChangeState). A
    /// branch or a PR, draft or open, links the finding and leaves its status alone (it is on its way, not
    /// done); only a merged PR implements it (or `wentLive`). Each move of the change is a transition that keeps the status
    /// (actor emit-pr), so the history and the report tell a branch from an open PR from a merge.
    /// emit-pr's refusals (not patchable, refused) are kept with their reason while the finding has no
    /// branch of its own.
    private func recordChange(_ change: JSON, now: Date) throws {
        guard let state = ChangeState(change: change) else {
            diagnostics.warning("change \(change["branch"]?.string ?? ""): unknown state '\(change["state"]?.string ?? "")', not recorded")
            return
        }
        let url = change["url"]?.string
        let reason = change["reason"]?.string
        for id in change["findingIds"]?.value.stringList ?? [] {
            guard let stored = try store.finding(id) else {
                if state.hasBranch {
                    diagnostics.warning("change \(change["branch"]?.string ?? "") names finding \(id), which the ledger has never seen")
                }
                continue
            }
            let previous = stored.changeState
            switch stored.status {
            case .detected, .approved:
                // A refusal of this run does not hide the branch or PR an earlier run opened, nor does a run
                // that could not reach GitHub (its record says local) hide the PR.
                if !state.hasBranch && previous?.hasBranch == true { continue }
                if (state == .local || state == .pushed) && [.draft, .open, .closed, .merged].contains(previous) { continue }
                if state.hasBranch {
                    try store.db.run("UPDATE findings SET change_branch = ?, change_url = COALESCE(?, change_url), change_commit = ? WHERE id = ?",
                                     [.optional(change["branch"]?.string), .optional(url), .optional(change["commit"]?.string), .text(id)])
                }
                try store.db.run("UPDATE findings SET change_state = ?, change_reason = ? WHERE id = ?",
                                 [.text(state.rawValue), .optional(reason), .text(id)])
                if state == .merged {
                    try store.transition(id, from: stored.status, to: .implemented, at: now, actor: "emit-pr", reason: Self.merged(url), change: .merged)
                } else if state != previous {
                    try store.transition(id, from: stored.status, to: stored.status, at: now, actor: "emit-pr",
                                         reason: reason ?? url ?? change["branch"]?.string, change: state)
                }
            case .implemented:
                // Implemented because the cluster ran its values while its PR was open (wentLive): the merge,
                // when emit-pr reports it, is noted once.
                guard state == .merged, previous != .merged else { continue }
                try store.db.run("UPDATE findings SET change_state = 'merged' WHERE id = ?", [.text(id)])
                try store.transition(id, from: .implemented, to: .implemented, at: now, actor: "emit-pr", reason: Self.merged(url), change: .merged)
            case .verified, .rejected, .expired:
                continue
            }
        }
    }

    /// The reason of a merge's transition: "merged: URL".
    static func merged(_ url: String?) -> String { "merged" + (url.map { ": \($0)" } ?? "") }

    /// A finding the run no longer reports, whose change was pushed or in a PR, and whose values the cluster
    /// now runs: the change went in (merged and deployed, or applied by hand) before an emit-pr run could
    /// report the merge, and the waste is gone. It is implemented, not expired, and verified below like any
    /// other. Only a change of values counts: a node or volume being gone proves nothing (an autoscaler, or
    /// a run that saw no nodes), and a branch never pushed cannot have been deployed.
    private func wentLive(_ stored: LedgerStore.StoredFinding, _ set: ClusterSet, now: Date) throws -> Bool {
        guard let change = stored.changeState, [.pushed, .draft, .open].contains(change),
            let kind = FindingKind(rawValue: stored.row["detector"].string ?? ""), !kind.removesResources,
            let text = stored.row["baseline"].string, let baseline = try? JSON.parse(text)
        else { return false }
        let outcome = Verification.check(stored, baseline: baseline, cluster: set.clusters[stored.cluster])
        guard outcome.state == .verified || outcome.state == .unsafe else { return false }
        try store.transition(stored.id, from: stored.status, to: .implemented, at: now, actor: Self.actor,
                             reason: "live in the cluster while its change was \(change.label)")
        return true
    }

    // MARK: Verification

    /// When the change went in: the first of its merge and its move to implemented (a change seen live
    /// before its merge was reported went in when it was seen). Ledgers before schema 7 moved findings to
    /// implemented when a PR opened (migration 7 marked those moves `open` or `local`, and their merges
    /// `merged`): such a move is not when the change went in.
    private func changedAt(_ id: String) throws -> Date? {
        let changed = try store.db.rows("""
            SELECT at FROM transitions WHERE finding_id = ? AND (change_state = 'merged'
                OR (to_status = 'implemented' AND from_status <> 'implemented' AND COALESCE(change_state, '') NOT IN ('open', 'local')))
            ORDER BY at, seq LIMIT 1
            """, [.text(id)])
        return changed.first?["at"].string.flatMap(RFC3339.date)
    }

    /// Once verified by the bill, a finding stays so: a later bill without the resource says nothing new.
    private func verifyByBill(_ stored: LedgerStore.StoredFinding, bill: Bill, now: Date) throws {
        if let text = stored.row["bill_verification"].string, let old = try? JSON.parse(text),
            old["state"]?.string == BillVerification.State.verified.rawValue { return }
        guard let findingText = stored.row["finding"].string, let record = try? JSON.parse(findingText) else { return }
        let finding = FindingRecord(stored: record)
        let outcome = BillVerification.check(finding: finding, changedAt: try changedAt(stored.id), bill: bill)
        var json = outcome.json
        json.set("at", to: .string(RFC3339.string(now)))
        try store.db.run("UPDATE findings SET bill_verification = ? WHERE id = ?", [.text(json.text), .text(stored.id)])
    }

    /// A change that was seen live (verified, found unsafe, or live and not judged yet) and whose target runs
    /// its old value again was rolled back: the finding is rejected and its realized savings cleared (they
    /// no longer count anywhere), saying so. Its last verification stays, so the report can tell a rollback
    /// of an unsafe change from a revert of a good one.
    private func rolledBack(_ stored: LedgerStore.StoredFinding, _ set: ClusterSet, now: Date) throws -> Bool {
        let previous = stored.row["verification"].string.flatMap { try? JSON.parse($0) }
        // A check that measured realized savings saw the change live (Verification.check sets them only then).
        let measured = previous?["realizedMonthlySavings"].map { !$0.isNull } ?? false
        let wasLive = stored.status == .verified || measured
        guard wasLive, let text = stored.row["baseline"].string, let baseline = try? JSON.parse(text),
            let reason = Verification.rollback(stored, baseline: baseline, cluster: set.clusters[stored.cluster])
        else { return false }
        let why: String
        switch previous?["state"]?.string {
        case Verification.State.unsafe.rawValue?: why = "it was unsafe: \(previous?["reason"]?.string ?? "unsafe after the change")"
        case Verification.State.verified.rawValue?: why = "it had been verified"
        default: why = "it was live, not judged yet"
        }
        var verification = previous?.value
        verification?.set("realizedMonthlySavings", to: .null)
        try store.db.run("UPDATE findings SET realized_savings_cents = NULL, verification = ? WHERE id = ?",
                         [.optional(verification?.text), .text(stored.id)])
        try store.transition(stored.id, from: stored.status, to: .rejected, at: now, actor: Self.actor, reason: Self.rollbackPrefix + "\(reason); \(why)")
        return true
    }

    private func verify(_ stored: LedgerStore.StoredFinding, _ set: ClusterSet, now: Date) throws {
        guard let baselineText = stored.row["baseline"].string, let baseline = try? JSON.parse(baselineText) else { return }
        let changedAt = try changedAt(stored.id)
        let outcome = Verification.check(stored, baseline: baseline, cluster: set.clusters[stored.cluster], changedAt: changedAt)
        var json = outcome.json
        json.set("at", to: .string(RFC3339.string(now)))
        try store.db.run("UPDATE findings SET verification = ?, realized_savings_cents = ? WHERE id = ?",
                         [.text(json.text), .optional(outcome.realized?.cents), .text(stored.id)])
        if outcome.state == .verified {
            try store.transition(stored.id, from: .implemented, to: .verified, at: now, actor: Self.actor, reason: outcome.reason)
        }
    }

    // MARK: Cost history

    private func recordCosts(_ set: ClusterSet, clusters: [String], now: Date) throws {
        guard let run = try store.db.rows("INSERT INTO runs (at, clusters) VALUES (?, ?) RETURNING id",
                                          [.text(RFC3339.string(now)), .text(clusters.joined(separator: ","))]).first?["id"].int else { return }
        let findings = try store.findings(inClusters: clusters)
        for name in clusters {
            guard let observed = set.clusters[name], !observed.nodes.isEmpty else { continue }
            let allocation = CostAllocation(observed, model: model)
            var open: [String: Int64] = [:]
            var realized: [String: Int64] = [:]
            for finding in findings where finding.cluster == name {
                let team = finding.row["team"].string ?? "unassigned"
                if finding.status.isUnrealized { open[team, default: 0] += finding.row["savings_cents"].int ?? 0 }
                if finding.status == .verified { realized[team, default: 0] += finding.row["realized_savings_cents"].int ?? 0 }
            }
            for team in Set(allocation.teams.keys).union(open.keys).union(realized.keys).sorted() {
                try store.db.run(
                    """
                    INSERT INTO cost_history (run_id, at, cluster, team, monthly_cost_cents, open_savings_cents, realized_savings_cents)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                    [.int(run), .text(RFC3339.string(now)), .text(name), .text(team), .int(allocation.teams[team]?.cents ?? 0),
                     .int(open[team] ?? 0), .int(realized[team] ?? 0)])
            }
            if let bill = model.bill {
                let reconciled = BillAllocation(observed, bill: bill, model: model)
                for (team, billed) in reconciled.lines {
                    try store.db.run(
                        """
                        INSERT INTO bill_reconciliation (run_id, cluster, period_start, period_end, team, billed_cents, billed_total_cents)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """,
                        [.int(run), .text(name), .optional(reconciled.periodStart.map(RFC3339.string)),
                         .optional(reconciled.periodEnd.map(RFC3339.string)), .text(team), .int(billed.cents), .int(reconciled.billedTotal.cents)])
                }
            }
        }
    }
}
