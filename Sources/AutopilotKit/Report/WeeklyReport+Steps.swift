import Foundation

/// What happened to a finding this week, and what someone should do next, in words and in commands that
/// work when pasted.
extension WeeklyReport {
    /// One recommended step: what to do and, where a command does it, the command (shell-quoted).
    public struct NextStep: Sendable {
        public var entry: Entry
        public var text: String
        public var command: String?
    }

    /// A transition in words: "approved by alice", "PR opened (https://…)", "verified: saves $12.00 a month".
    static func event(_ transition: Entry.Transition, of entry: Entry) -> String {
        if let change = transition.change {
            switch change {
            case .merged: return change.event + (entry.changeURL.map { " (\($0))" } ?? "")
            case .notPatchable: return "not patchable (why: see Not patchable)"
            case .refused: return change.event + (transition.reason.map { ": \($0)" } ?? "")
            case .local, .pushed, .draft, .open, .closed: return change.event + (transition.reason.map { " (\($0))" } ?? "")
            }
        }
        let by = transition.actor.isEmpty ? "" : " by \(transition.actor)"
        if transition.actor == LedgerStore.schemaMigrationActor { return "back to \(transition.to)" + (transition.reason.map { ": \($0)" } ?? "") }
        switch FindingStatus(rawValue: transition.to) {
        case .detected?: return transition.from == nil ? "first reported" : "reported again"
        case .approved?: return "approved\(by)"
        case .rejected? where LedgerRecorder.isRollback(actor: transition.actor, reason: transition.reason): return transition.reason ?? "rolled back"
        case .rejected?: return "rejected\(by)" + (transition.reason.map { ": \($0)" } ?? "")
        case .implemented?: return "implemented" + (transition.reason.map { " (\($0))" } ?? "")
        case .verified?: return "verified by the cluster: saves \(entry.realized) a month"
        case .expired?: return "expired: no longer reported"
        case nil: return transition.to
        }
    }

    /// The kind of move a transition is, for the week's tally.
    static func tallyLabel(_ transition: Entry.Transition) -> String {
        if transition.from == nil { return "first reported" }
        if let change = transition.change { return change == .notPatchable ? "not patchable" : change.event }
        if transition.actor == LedgerStore.schemaMigrationActor { return "back to \(transition.to)" }
        switch FindingStatus(rawValue: transition.to) {
        case .detected?: return "reported again"
        case .verified?: return "verified by the cluster"
        case .rejected? where LedgerRecorder.isRollback(actor: transition.actor, reason: transition.reason): return "rolled back"
        case .approved?, .rejected?, .implemented?, .expired?, nil: return transition.to
        }
    }

    static let tallyOrder = ["first reported", "reported again", "approved", "rejected", ChangeState.local.event, ChangeState.pushed.event,
                             ChangeState.draft.event, ChangeState.open.event, ChangeState.merged.event, ChangeState.closed.event,
                             "not patchable", ChangeState.refused.event, "implemented", "verified by the cluster", "rolled back", "expired"]

    /// The next step for an open or implemented finding, by where it is; `ledger` goes into the commands.
    static func nextStep(for entry: Entry, ledger: String?) -> NextStep {
        let link = entry.changeURL ?? entry.changeBranch ?? "no link recorded"
        let risk = "\(entry.riskLevel ?? "unscored") risk"
        func decide(_ verb: String, reason: String? = nil) -> String? {
            // Only a finding the ledger holds can be decided on; without `ledger record` there is nothing to approve.
            guard !entry.transitions.isEmpty else { return nil }
            return "ledger \(verb) \(Shell.quoted(entry.id))" + (ledger.map { " --db \(Shell.quoted($0))" } ?? "")
                + " --by \"$USER\"" + (reason.map { " --reason \(Shell.quoted($0))" } ?? "")
        }
        func step(_ text: String, _ command: String? = nil) -> NextStep { NextStep(entry: entry, text: text, command: command) }
        if entry.status == .implemented {
            if entry.verification == Verification.State.unsafe.rawValue {
                return step("Roll back or raise it: \(entry.verificationReason ?? "unsafe after the change")")
            }
            if entry.changeState != .merged {
                return step("Live in the cluster while its PR (\(link)) is not merged: merge it so the repo says what runs; the next run verifies it")
            }
            return step("Merged (\(link)): deploy it; the next run verifies it")
        }
        let approved = entry.status == .approved
        switch entry.changeState {
        case .local?:
            return step("Branch \(link) is ready in the GitOps checkout, not pushed: run emit-pr with GITHUB_TOKEN set to push it and open the PR"
                        + (approved ? "" : "; approve it first (\(risk))"), approved ? nil : decide("approve"))
        case .pushed?:
            return step("Branch \(link) is pushed but has no PR\(entry.changeReason.map { " (\($0))" } ?? ""): open one"
                        + (approved ? "" : "; approve it first (\(risk))"), approved ? nil : decide("approve"))
        case .draft?, .open?:
            return approved ? step("Review and merge the PR (\(link)); the next run verifies it once it is live")
                : step("Review the PR (\(link)) and approve it (\(risk))", decide("approve"))
        case .closed?:
            return step("The PR (\(link)) was closed unmerged: reject the finding, or reopen the PR", decide("reject", reason: "PR closed unmerged"))
        case .merged?:
            return step("Merged (\(link)): the next run records it")
        case .notPatchable?, .refused?:
            return step("Change it by hand: \(entry.changeReason ?? "emit-pr could not")")
        case nil:
            if approved { return step("Approved (\(risk)): the next emit-pr run opens the change") }
            if entry.gate == "block" {
                return step("Blocked by policy (\(risk)): deal with its notes, then approve or reject", decide("approve"))
            }
            if entry.gate == "auto" && entry.transitions.isEmpty {
                return step("Gated auto: the ledger approves it on record, and emit-pr opens the change")
            }
            return step("Review and approve (\(risk))", decide("approve"))
        }
    }

    /// What to do about a finding emit-pr could not change, from its reason.
    static func remedy(_ entry: Entry) -> String {
        let reason = entry.changeReason ?? ""
        if entry.changeState == .refused { return "Fix what stopped emit-pr (the reason), then run it again" }
        if reason.contains("--values-map") { return "Map the workload to its chart's values key (emit-pr --values-map or the autopilot.io/values annotation)" }
        if reason.hasPrefix("no manifest in the repo defines") {
            return "Give emit-pr the repo or folder that holds the manifest (--repo, --scope), or change it by hand"
        }
        if reason.hasPrefix("Karpenter") {
            return "Nothing to merge: Karpenter replaces the node once its NodePool allows it (consolidationPolicy WhenEmptyOrUnderutilized), "
                + "or cordon and drain it by hand"
        }
        if reason.hasPrefix("nothing to change in code") { return "Fix it by hand, as the reason says: there is nothing to merge" }
        return "Change it by hand as the finding says (its evidence pack has the values)"
    }
}
