import Foundation

/// A person's decision on a finding (approve or reject), from the terminal or from Slack: the same rules,
/// one transition with who and why.
public enum LedgerDecision {
    public enum Outcome: Equatable {
        /// Recorded: the finding moved from this status.
        case decided(from: FindingStatus)
        /// Nothing to do: it already has this status (`lastTransition` tells by whom).
        case already
        case unknown
        /// The finding's status does not allow the decision (e.g. approving an implemented finding).
        case notAllowed(FindingStatus)
    }

    /// Statuses a decision may start from: only detected findings are approved; detected or approved ones
    /// rejected.
    public static func allowed(_ decision: FindingStatus) -> [FindingStatus] {
        decision == .approved ? [.detected] : [.detected, .approved]
    }

    public static func decide(_ id: String, _ decision: FindingStatus, by actor: String, reason: String?, at: Date = Date(),
                              in store: LedgerStore) throws -> Outcome {
        // The finding's cluster is locked like a run of it would, so a decision and a run never interleave.
        guard let cluster = try store.finding(id)?.cluster else { return .unknown }
        return try store.db.transaction(locking: [cluster]) {
            guard let stored = try store.finding(id) else { return .unknown }
            if stored.status == decision { return .already }
            guard allowed(decision).contains(stored.status) else { return .notAllowed(stored.status) }
            try store.transition(id, from: stored.status, to: decision, at: at, actor: actor, reason: reason)
            return .decided(from: stored.status)
        }
    }

    /// Who moved the finding to its current status, and when (the last transition that changed it: a PR
    /// opened since keeps the status and is not the decision).
    public static func lastTransition(_ id: String, in store: LedgerStore) throws -> (actor: String, at: String, reason: String?)? {
        guard let last = try store.lastStatusChange(of: id), let actor = last["actor"].string, let at = last["at"].string else { return nil }
        return (actor, at, last["reason"].string)
    }
}

/// Why Autopilot recommends a change and how risky it is, in plain text: what `ledger approve|reject`
/// prints and what Slack's Explain answers.
public enum FindingExplanation {
    public static func text(_ finding: FindingRecord) -> String {
        var lines: [String] = []
        lines.append("\(finding.id): \(finding.summary ?? "")")
        let savings = finding.monthlySavings ?? .zero
        let (before, after) = finding.monthlyCost ?? (.zero, .zero)
        lines.append("Savings: \(savings)/month (\(before) → \(after)); confidence \(Int(((finding.confidence ?? 0) * 100).rounded()))%.")
        if let current = finding.json["current"]?.value, let recommended = finding.json["recommended"]?.value {
            lines.append("Current: \(current.text)")
            lines.append("Recommended: \(recommended.text)")
        }
        if let basis = finding.basis?.value, basis != .null { lines.append("Basis: \(basis.text)") }
        if let level = finding.risk?.level {
            let overall = finding.riskOverallText
            lines.append("Risk: \(level) (\(overall)), gate \(finding.risk?.gate ?? "?"):")
            for reason in finding.risk?.reasons ?? [] { lines.append("  - \(reason)") }
        } else {
            lines.append("Risk: not scored (score-risk did not see this finding).")
        }
        return lines.joined(separator: "\n")
    }
}
