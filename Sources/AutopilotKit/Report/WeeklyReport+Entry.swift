import Foundation

extension WeeklyReport {
    /// One finding as the report sees it: from a `ledger` record, else from a `finding` (not recorded yet).
    public struct Entry: Sendable {
        /// A move in the finding's life: a new status, or (same status) its change moving in git.
        public struct Transition: Sendable {
            public var from: String?
            public var to: String
            public var at: Date
            public var actor: String
            public var reason: String?
            public var change: ChangeState?
        }

        public var id: String
        public var cluster: String
        public var team: String
        public var detector: String
        public var summary: String
        public var namespace: String?
        public var targetKind: String?
        public var targetName: String?
        public var container: String?
        public var status: FindingStatus
        public var statusSince: Date?
        /// Estimated monthly savings (negative: the change costs more).
        public var savings: Money
        public var realized: Money
        public var riskOverall: Double?
        public var riskLevel: String?
        public var gate: String?
        /// Where the change stands in git, its branch and PR, and why emit-pr could not make it.
        public var changeState: ChangeState?
        public var changeBranch: String?
        public var changeURL: String?
        public var changeReason: String?
        public var verification: String?
        public var verificationReason: String?
        /// When the ledger last checked the change.
        public var verificationAt: Date?
        public var transitions: [Transition]
        /// The finding's notes (blockers, caveats), which its summary may point to.
        public var notes: [String]
        /// What the bill would show of the savings (`--billing`), and whether the bill confirms the change.
        public var billedSavings: Money? = nil
        public var billVerification: String? = nil
        public var billRealized: Money? = nil

        /// The notes the report prints: those of a blocked finding (its blockers) or of one whose summary
        /// points to them; other notes (pod moves, caveats) stay in the evidence pack.
        public var notesShown: [String] {
            gate == "block" || summary.contains("notes") ? notes : []
        }

        /// What the finding is about, by name: "checkout/api (Deployment, container app)", "node ip-….internal".
        public var workload: String {
            guard let kind = targetKind, let name = targetName else { return id }
            switch kind {
            case "Node": return "node \(name)"
            case "PersistentVolume": return "volume \(name)"
            default:
                let qualified = namespace.map { "\($0)/\(name)" } ?? name
                return "\(qualified) (\(kind)\(container.map { ", container \($0)" } ?? ""))"
            }
        }

        /// Where the finding is, as a reader is told: its status, and for an open one where its change stands.
        public var stage: String {
            switch status {
            case .detected, .approved:
                return changeState.map { "\(status.rawValue), \($0.label)" } ?? status.rawValue
            case .implemented:
                // Implemented by a merge, or seen live in the cluster before its merge was reported.
                let how = changeState == .merged ? "merged" : "live before its PR merged"
                return verification == Verification.State.unsafe.rawValue ? "\(how), unsafe after the change" : "\(how), not verified yet"
            case .verified:
                return billVerification == BillVerification.State.verified.rawValue ? "verified by the cluster and the bill" : "verified by the cluster"
            case .rejected where isRolledBack:
                switch verification {
                case Verification.State.unsafe.rawValue?: return "rolled back, unsafe after the change"
                case Verification.State.verified.rawValue?: return "rolled back after it was verified"
                default: return "rolled back before it was judged"
                }
            case .rejected, .expired:
                return status.rawValue
            }
        }

        /// Rejected because the cluster runs the old value again after the change was live (`ledger record`).
        public var isRolledBack: Bool {
            guard status == .rejected, let last = transitions.last(where: { $0.from != $0.to }) else { return false }
            return LedgerRecorder.isRollback(actor: last.actor, reason: last.reason)
        }

        /// The headline it counts in (`SavingsState`), nil for a rejected or expired finding.
        public var savingsState: SavingsState? { SavingsState(status: status, change: changeState) }
        /// Approved and on its way: merged and waiting for verification, or approved with a change emit-pr
        /// can make (none yet, a branch, an open PR). The report's "projected".
        public var isProjected: Bool { savingsState == .projected }
        /// Open and not on its way: waiting for a decision, or approved with a change that cannot go ahead.
        public var isIdentified: Bool { savingsState == .identified }

        /// The allocation line the savings reduce: a node's or a node pool's savings are idle capacity, a
        /// volume's are outside the node allocation, a workload's are its team's.
        public var costLine: String {
            switch FindingKind(rawValue: detector) {
            case .idleNode?, .nodeConsolidation?: return CostAllocation.idleTeam
            case .orphanVolume?: return WeeklyReport.volumesLine
            case .stuckTerminating?:
                switch targetKind {
                case "Node"?: return CostAllocation.idleTeam
                case "PersistentVolume"?, "PersistentVolumeClaim"?: return WeeklyReport.volumesLine
                default: return team
                }
            default: return team
            }
        }
    }

    /// The line for savings on volumes no pod uses: their cost is not in the node allocation.
    public static let volumesLine = "__volumes__"

    // MARK: Reading records

    static func entry(ledger record: JSON) -> Entry? {
        guard let id = record["id"]?.string, let status = record["status"]?.string.flatMap(FindingStatus.init(rawValue:)) else { return nil }
        let transitions = (record["transitions"]?.array ?? []).compactMap { t -> Entry.Transition? in
            guard let to = t["to"]?.string, let at = t["at"]?.string.flatMap(RFC3339.date) else { return nil }
            var change = t["change"]?.string.flatMap(ChangeState.init(rawValue:))
            // A ledger's merge note from before transitions said their change state.
            if change == nil, t["actor"]?.string == "emit-pr", t["reason"]?.string?.hasPrefix("merged") == true { change = .merged }
            return Entry.Transition(from: t["from"]?.string, to: to, at: at, actor: t["actor"]?.string ?? "", reason: t["reason"]?.string,
                                    change: change)
        }
        return Entry(
            id: id, cluster: record["cluster"]?.string ?? "", team: record["team"]?.string ?? "unassigned",
            detector: record["detector"]?.string ?? "", summary: record["summary"]?.string ?? "",
            namespace: record["namespace"]?.string, targetKind: record["target", "kind"]?.string, targetName: record["target", "name"]?.string,
            container: record["target", "container"]?.string, status: status,
            statusSince: record["statusSince"]?.string.flatMap(RFC3339.date),
            savings: Money(dollars: record["monthlySavings"]?.double ?? 0), realized: Money(dollars: record["realizedMonthlySavings"]?.double ?? 0),
            riskOverall: record["risk", "overall"]?.double, riskLevel: record["risk", "level"]?.string, gate: record["risk", "gate"]?.string,
            changeState: record["change", "state"]?.string.flatMap(ChangeState.init(rawValue:)), changeBranch: record["change", "branch"]?.string,
            changeURL: record["change", "url"]?.string, changeReason: record["change", "reason"]?.string,
            verification: record["verification", "state"]?.string, verificationReason: record["verification", "reason"]?.string,
            verificationAt: record["verification", "at"]?.string.flatMap(RFC3339.date), transitions: transitions,
            notes: record["notes"]?.value.stringList ?? [],
            billedSavings: record["billedMonthlySavings"]?.double.map(Money.init(dollars:)),
            billVerification: record["billVerification", "state"]?.string,
            billRealized: record["billVerification", "realizedMonthlySavings"]?.double.map(Money.init(dollars:)))
    }

    static func entry(finding: FindingRecord) -> Entry {
        Entry(
            id: finding.id, cluster: finding.cluster, team: finding.team ?? "unassigned",
            detector: finding.detector, summary: finding.summary ?? "",
            namespace: finding.namespace, targetKind: finding.target.kind, targetName: finding.target.name,
            container: finding.target.container, status: .detected, statusSince: nil,
            savings: finding.monthlySavings ?? .zero, realized: .zero,
            riskOverall: finding.risk?.overall, riskLevel: finding.risk?.level, gate: finding.risk?.gate,
            changeState: nil, changeBranch: nil, changeURL: nil, changeReason: nil,
            verification: nil, verificationReason: nil, verificationAt: nil, transitions: [],
            notes: finding.notes, billedSavings: finding.billedSavings?.monthly)
    }
}
