import XCTest
@testable import AutopilotKit

/// How the report reads one finding: where it is (stage), which headline it counts in, which allocation
/// line its savings reduce, what changed and what to do next.
final class WeeklyReportEntryTests: XCTestCase {
    private func entry(status: FindingStatus, change: ChangeState? = nil, detector: String = "over-requested-cpu", kind: String = "Deployment",
                       gate: String = "approve", recorded: Bool = true) -> WeeklyReport.Entry {
        let at = RFC3339.date("2026-11-02T06:00:00Z")!
        return WeeklyReport.Entry(
            id: "f-1", cluster: "c1", team: "checkout", detector: detector, summary: "Lower api", namespace: "shop", targetKind: kind,
            targetName: "api", container: "app", status: status, statusSince: nil, savings: Money(cents: 1_000), realized: .zero,
            riskOverall: 0.2, riskLevel: "low", gate: gate, changeState: change, changeBranch: change == nil ? nil : "autopilot/c1/shop/api",
            changeURL: change == .local || change == nil ? nil : "https://git.example/pr/1", changeReason: nil, verification: nil,
            verificationReason: nil, verificationAt: nil,
            transitions: recorded ? [.init(from: nil, to: "detected", at: at, actor: "ledger record", reason: "first reported", change: nil)] : [],
            notes: [])
    }

    /// Every status with every change state counts in at most one headline, and exactly one while open.
    func testEachFindingCountsInOneHeadlineAtMost() {
        for status in FindingStatus.allCases {
            for change in [nil] + ChangeState.allCases.map(Optional.some) {
                let item = entry(status: status, change: change)
                XCTAssertFalse(item.isProjected && item.isIdentified, "\(status) \(change?.rawValue ?? "-")")
                if status.isOpen { XCTAssertTrue(item.isProjected || item.isIdentified, "\(status) \(change?.rawValue ?? "-")") }
            }
        }
        XCTAssertTrue(entry(status: .implemented).isProjected, "merged, waiting for verification")
        XCTAssertTrue(entry(status: .approved, change: .open).isProjected)
        XCTAssertTrue(entry(status: .approved, change: .local).isProjected, "approved with a branch: on its way")
        XCTAssertFalse(entry(status: .detected, change: .open).isProjected, "a PR nobody approved is not projected")
        for stalled in [ChangeState.notPatchable, .refused, .closed] {
            XCTAssertTrue(entry(status: .approved, change: stalled).isIdentified, stalled.rawValue)
        }
    }

    func testTheStageSaysWhatHappened() {
        XCTAssertEqual(entry(status: .approved, change: .local).stage, "approved, branch ready, not pushed")
        XCTAssertEqual(entry(status: .detected, change: .draft).stage, "detected, PR open (draft)")
        XCTAssertEqual(entry(status: .approved, change: .pushed).stage, "approved, branch pushed, no PR")
        XCTAssertEqual(entry(status: .detected).stage, "detected")
        XCTAssertEqual(entry(status: .implemented, change: .merged).stage, "merged, not verified yet")
        var unsafe = entry(status: .implemented, change: .merged)
        unsafe.verification = Verification.State.unsafe.rawValue
        XCTAssertEqual(unsafe.stage, "merged, unsafe after the change")
        var billed = entry(status: .verified, change: .merged)
        XCTAssertEqual(billed.stage, "verified by the cluster")
        billed.billVerification = BillVerification.State.verified.rawValue
        XCTAssertEqual(billed.stage, "verified by the cluster and the bill")
        // Rolled back: what the last check said tells which; a person's rejection is just rejected.
        var rolled = entry(status: .rejected, change: .merged)
        rolled.transitions.append(.init(from: "implemented", to: "rejected", at: Date(timeIntervalSince1970: 0), actor: LedgerRecorder.actor,
                                        reason: LedgerRecorder.rollbackPrefix + "memory request is back to 2G", change: nil))
        for (state, stage) in [(Verification.State.unsafe, "rolled back, unsafe after the change"), (.verified, "rolled back after it was verified"),
                               (.unknown, "rolled back before it was judged")] {
            rolled.verification = state.rawValue
            XCTAssertEqual(rolled.stage, stage)
        }
        rolled.transitions[rolled.transitions.count - 1].actor = "alice"
        XCTAssertEqual(rolled.stage, "rejected")
    }

    /// Node and volume savings reduce the idle and volume lines, not the team that runs the nodes.
    func testSavingsCountOnTheLineTheyReduce() {
        XCTAssertEqual(entry(status: .detected, detector: "idle-node", kind: "Node").costLine, CostAllocation.idleTeam)
        XCTAssertEqual(entry(status: .detected, detector: "node-consolidation", kind: "NodePool").costLine, CostAllocation.idleTeam)
        XCTAssertEqual(entry(status: .detected, detector: "orphan-volume", kind: "PersistentVolume").costLine, WeeklyReport.volumesLine)
        XCTAssertEqual(entry(status: .detected, detector: "stuck-terminating", kind: "PersistentVolumeClaim").costLine, WeeklyReport.volumesLine)
        XCTAssertEqual(entry(status: .detected, detector: "stuck-terminating", kind: "Node").costLine, CostAllocation.idleTeam)
        XCTAssertEqual(entry(status: .detected, detector: "stuck-terminating", kind: "Pod").costLine, "checkout")
        XCTAssertEqual(entry(status: .detected).costLine, "checkout")
        XCTAssertEqual(entry(status: .detected).workload, "shop/api (Deployment, container app)")
        XCTAssertEqual(entry(status: .detected, detector: "idle-node", kind: "Node").workload, "node api")
    }

    /// Commands quote what they are given, so a ledger path or id with a quote or a `$` pastes safely; and
    /// a finding the ledger has not recorded gets no command to approve it.
    func testNextStepCommandsAreQuotedAndOnlyForRecordedFindings() {
        var hostile = entry(status: .detected)
        hostile.id = "f-1'; rm -rf ~ #"
        let step = WeeklyReport.nextStep(for: hostile, ledger: "/var/lib/it's $HOME/ledger.db")
        XCTAssertEqual(step.command, #"ledger approve 'f-1'\''; rm -rf ~ #' --db '/var/lib/it'\''s $HOME/ledger.db' --by "$USER""#)
        XCTAssertNil(WeeklyReport.nextStep(for: entry(status: .detected, recorded: false), ledger: nil).command)
        XCTAssertEqual(WeeklyReport.nextStep(for: entry(status: .detected), ledger: nil).command, #"ledger approve 'f-1' --by "$USER""#,
                       "without --db, the ledger's default file")
        let closed = WeeklyReport.nextStep(for: entry(status: .approved, change: .closed), ledger: "l.db")
        XCTAssertEqual(closed.command, #"ledger reject 'f-1' --db 'l.db' --by "$USER" --reason 'PR closed unmerged'"#)
        XCTAssertNil(WeeklyReport.nextStep(for: entry(status: .approved, change: .open), ledger: "l.db").command, "approved: merge, nothing to record")
        XCTAssertTrue(WeeklyReport.nextStep(for: entry(status: .approved, change: .open), ledger: nil).text.contains("merge the PR (https://git.example/pr/1)"))
    }

    func testEventsSayWhatMovedAndWho() {
        let item = entry(status: .approved, change: .open)
        let at = Date(timeIntervalSince1970: 0)
        func event(_ from: String?, _ to: String, _ actor: String, _ reason: String?, _ change: ChangeState?) -> String {
            WeeklyReport.event(.init(from: from, to: to, at: at, actor: actor, reason: reason, change: change), of: item)
        }
        XCTAssertEqual(event("detected", "approved", "alice", nil, nil), "approved by alice")
        XCTAssertEqual(event("approved", "approved", "emit-pr", "autopilot/c1/shop/api", .local), "branch ready, not pushed (autopilot/c1/shop/api)")
        XCTAssertEqual(event("approved", "approved", "emit-pr", "https://git.example/pr/1", .draft), "PR opened as a draft (https://git.example/pr/1)")
        XCTAssertEqual(event("approved", "implemented", "emit-pr", "merged: https://git.example/pr/1", .merged), "merged (https://git.example/pr/1)")
        XCTAssertEqual(event("detected", "detected", "emit-pr", "no manifest", .notPatchable), "not patchable (why: see Not patchable)",
                       "the reason is in the Not patchable section, not repeated per event")
        XCTAssertEqual(event("implemented", "approved", "schema migration 7", "not merged", nil), "back to approved: not merged")
        XCTAssertEqual(event("approved", "expired", "ledger record", nil, nil), "expired: no longer reported")
        // A rollback is ledger record's rejection; a person's reason that reads alike is still theirs.
        let rollback = "rolled back: cpu request is back to 500m (the change set 250m); it had been verified"
        XCTAssertEqual(event("verified", "rejected", "ledger record", rollback, nil), rollback)
        XCTAssertEqual(event("verified", "rejected", "alice", "rolled back: by hand", nil), "rejected by alice: rolled back: by hand")
        func tally(_ from: String?, _ to: String, _ actor: String, _ change: ChangeState?, reason: String? = nil) -> String {
            WeeklyReport.tallyLabel(.init(from: from, to: to, at: at, actor: actor, reason: reason, change: change))
        }
        XCTAssertEqual(tally("verified", "rejected", "ledger record", nil, reason: rollback), "rolled back")
        XCTAssertEqual(tally("verified", "rejected", "alice", nil, reason: "rolled back: by hand"), "rejected")
        XCTAssertEqual(tally(nil, "detected", "ledger record", nil), "first reported")
        XCTAssertEqual(tally("expired", "detected", "ledger record", nil), "reported again")
        XCTAssertEqual(tally("approved", "approved", "emit-pr", .local), "branch ready, not pushed")
        XCTAssertEqual(tally("implemented", "verified", "ledger record", nil), "verified by the cluster")
        for label in ["first reported", "approved", "merged", "verified by the cluster", "rolled back", "expired"] {
            XCTAssertNotNil(WeeklyReport.tallyOrder.firstIndex(of: label), label)
        }
    }
}
