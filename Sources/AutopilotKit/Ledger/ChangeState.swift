import Foundation

/// Where a finding's change stands in git, as emit-pr last reported it. The ledger keeps it beside the
/// finding's status and the report shows it as what it is: only a merged PR implements a finding (or
/// its values live in the cluster, LedgerRecorder's wentLive); a branch or an open PR is on its way, and
/// emit-pr's refusals say why nothing was opened.
public enum ChangeState: String, CaseIterable, Sendable {
    /// Committed on a branch of the local checkout, not pushed.
    case local
    /// Pushed, but no PR (no token, or GitHub refused or was unreachable).
    case pushed
    case draft
    case open
    case merged
    /// Closed without merging.
    case closed
    /// emit-pr found no code to change (a Helm chart without a values mapping, a manifest elsewhere, Karpenter's choice).
    case notPatchable = "not-patchable"
    /// emit-pr would not write (a dirty checkout, a branch holding someone else's commits).
    case refused

    /// The state of a `change` record: its `state`, a local branch that was pushed counted as pushed. A
    /// record that does not say is an open PR when it has a URL, else a local branch: never a merge.
    public init?(change: JSON) {
        guard let text = change["state"]?.string else {
            self = change["url"]?.string == nil ? .local : .open
            return
        }
        guard let state = ChangeState(rawValue: text) else { return nil }
        self = state == .local && change["pushed"]?.bool == true ? .pushed : state
    }

    /// A branch (and maybe a PR) exists for the finding.
    public var hasBranch: Bool {
        switch self {
        case .local, .pushed, .draft, .open, .merged, .closed: return true
        case .notPatchable, .refused: return false
        }
    }

    /// A change that cannot go ahead as it is: nothing to patch, refused, or its PR closed unmerged.
    public var isStalled: Bool {
        switch self {
        case .notPatchable, .refused, .closed: return true
        case .local, .pushed, .draft, .open, .merged: return false
        }
    }

    /// What a reader is told: "branch ready, not pushed", "PR open (draft)", ….
    public var label: String {
        switch self {
        case .local: return "branch ready, not pushed"
        case .pushed: return "branch pushed, no PR"
        case .draft: return "PR open (draft)"
        case .open: return "PR open"
        case .merged: return "merged"
        case .closed: return "PR closed unmerged"
        case .notPatchable: return "not patchable"
        case .refused: return "refused by emit-pr"
        }
    }

    /// The event of moving into this state, for "what changed": "PR opened as a draft", ….
    public var event: String {
        switch self {
        case .local: return "branch ready, not pushed"
        case .pushed: return "branch pushed, no PR opened"
        case .draft: return "PR opened as a draft"
        case .open: return "PR opened"
        case .merged: return "merged"
        case .closed: return "PR closed without merging"
        case .notPatchable: return "emit-pr found no code to change"
        case .refused: return "emit-pr refused to write the change"
        }
    }
}

/// Which of the report's savings figures a finding counts in (report, run metrics): verified; projected
/// when approved and on its way (merged and not verified yet, or approved with a change that can go
/// ahead); identified when open and not on its way (detected, or approved with a change that is not
/// patchable, refused or closed unmerged). Rejected and expired findings count in none.
public enum SavingsState: String, Sendable {
    case identified, projected, verified

    public init?(status: FindingStatus, change: ChangeState?) {
        switch status {
        case .verified: self = .verified
        case .implemented: self = .projected
        case .approved: self = change?.isStalled == true ? .identified : .projected
        case .detected: self = .identified
        case .rejected, .expired: return nil
        }
    }
}
