import Foundation

/// The weekly CFO/CTO report's figures. Every total is the sum of the entries behind it, in whole
/// cents, so a headline always equals the sum of its rows.
///
/// All money is monthly run-rate: "verified this week" is the monthly savings of the changes verified
/// in the seven days before `now`.
public struct WeeklyReport: Sendable {
    /// One finding as the report sees it: from a `ledger` record, else from a `finding` (not recorded yet).
    public struct Entry: Sendable {
        public var id: String
        public var cluster: String
        public var team: String
        public var detector: String
        public var summary: String
        public var status: FindingStatus
        public var statusSince: Date?
        /// Estimated monthly savings (negative: the change costs more).
        public var savings: Money
        public var realized: Money
        public var riskOverall: Double?
        public var riskLevel: String?
        public var gate: String?
        public var changeURL: String?
        public var verification: String?
        public var verificationReason: String?
        /// When the ledger last checked the change.
        public var verificationAt: Date?
        /// Every transition: the status it went to, when, who, and why.
        public var transitions: [(to: String, at: Date, actor: String, reason: String?)]
        /// What the bill would show of the savings (`--billing`), and whether the bill confirms the change.
        public var billedSavings: Money? = nil
        public var billVerification: String? = nil
        public var billRealized: Money? = nil
    }

    /// One cluster's allocation reconciled to the bill (`ledger record --billing` or `render-report --billing`).
    public struct Reconciliation: Sendable {
        public var cluster: String
        public var periodStart: String?
        public var periodEnd: String?
        public var billedTotal: Money
        public var lines: [(team: String, billed: Money)]
        public var allocatedTotal: Money { lines.map(\.billed).sum() }
    }

    /// Money per group, each column summing to the headline of the same name.
    public struct Breakdown: Sendable {
        public var name: String
        public var identified = Money.zero
        public var projected = Money.zero
        public var verifiedThisWeek = Money.zero
        public var verifiedToDate = Money.zero
        public var findings = 0
    }

    public struct TeamCost: Sendable {
        public var team: String
        public var monthlyCost: Money
        public var identified: Money
        public var verifiedToDate: Money
    }

    public struct TrendPoint: Sendable {
        public var at: Date
        public var monthlyCost: Money
        public var realized: Money
    }

    public struct TimelineEvent: Sendable {
        public var at: Date
        public var kind: String
        public var text: String
    }

    public var now: Date
    public var weekStart: Date
    public var team: String?
    public var clusters: [String]
    public var entries: [Entry]

    public var verifiedThisWeek: [Entry]
    public var projected: [Entry]
    public var identified: [Entry]
    public var incidents: [TimelineEvent]
    /// The ledger's incidents counted for the week; nil without them.
    public var incidentLifecycle: IncidentLifecycle?

    public var byTeam: [Breakdown]
    public var byCluster: [Breakdown]
    public var byDetector: [Breakdown]
    public var topOpportunities: [Entry]
    public var teamCosts: [TeamCost]
    public var trend: [TrendPoint]
    public var timeline: [TimelineEvent]
    public var changedThisWeek: [(entry: Entry, what: String)]
    public var nextSteps: [(entry: Entry, action: String)]

    public var reconciliations: [Reconciliation] = []

    public var verifiedThisWeekTotal: Money { verifiedThisWeek.map(\.realized).sum() }
    /// Of identified and projected, what the bill would show (entries priced from a bill only).
    public var realisableTotal: Money { (projected + identified).compactMap(\.billedSavings).sum() }
    public var billedEntries: Int { entries.filter { $0.billedSavings != nil }.count }
    /// Verified changes the bill confirms, and what they saved a month by the bill.
    public var verifiedByBillTotal: Money { entries.filter { $0.billVerification == BillVerification.State.verified.rawValue }.compactMap(\.billRealized).sum() }
    public var verifiedToDateTotal: Money { entries.filter { $0.status == .verified }.map(\.realized).sum() }
    public var projectedTotal: Money { projected.map(\.savings).sum() }
    public var identifiedTotal: Money { identified.map(\.savings).sum() }
    public var monthlyCostTotal: Money { teamCosts.map(\.monthlyCost).sum() }
}

extension WeeklyReport {
    /// Builds the report from a stream: `ledger` and `costhistory` records when `ledger record` ran,
    /// else the findings alone (all detected) and the allocation computed from the cluster records.
    public init(_ set: ClusterSet, now: Date, team: String?, model: CostModel) {
        self.now = now
        weekStart = now.addingTimeInterval(-7 * 86_400)
        self.team = team
        // Concatenated ledger outputs may repeat a finding: the last record of an id is the newest.
        var latest: [String: Entry] = [:]
        for entry in set.ledger.compactMap(Self.entry(ledger:)) { latest[entry.id] = entry }
        var entries = Array(latest.values)
        let recorded = Set(entries.map(\.id))
        entries += set.findings.compactMap(Self.entry(finding:)).filter { !recorded.contains($0.id) }
        if let team { entries = entries.filter { $0.team == team } }
        entries.sort { $0.id < $1.id }
        self.entries = entries
        clusters = Set(set.clusters.keys).union(entries.map(\.cluster)).filter { !$0.isEmpty }.sorted()

        let weekStart = self.weekStart
        func inWeek(_ date: Date?) -> Bool { date.map { $0 > weekStart && $0 <= now } ?? false }
        verifiedThisWeek = entries.filter { $0.status == .verified && inWeek($0.statusSince) }
        projected = entries.filter { $0.status == .approved || $0.status == .implemented }
        identified = entries.filter { $0.status == .detected }

        func breakdown(_ key: (Entry) -> String) -> [Breakdown] {
            var groups: [String: Breakdown] = [:]
            for entry in entries {
                let name = key(entry)
                var group = groups[name] ?? Breakdown(name: name)
                group.findings += 1
                switch entry.status {
                case .detected: group.identified = group.identified + entry.savings
                case .approved, .implemented: group.projected = group.projected + entry.savings
                case .verified:
                    group.verifiedToDate = group.verifiedToDate + entry.realized
                    if inWeek(entry.statusSince) { group.verifiedThisWeek = group.verifiedThisWeek + entry.realized }
                case .rejected, .expired: break
                }
                groups[name] = group
            }
            return groups.values.sorted { ($0.identified + $0.projected, $1.name) > ($1.identified + $1.projected, $0.name) }
        }
        byTeam = breakdown(\.team)
        byCluster = breakdown(\.cluster)
        byDetector = breakdown(\.detector)

        topOpportunities = Array(entries.filter { $0.status.isOpen && $0.savings > .zero }.sorted(by: Self.bySavingsThenRisk).prefix(10))

        var events: [TimelineEvent] = []
        for incident in set.incidents {
            if let team, let owner = incident["team"]?.string, owner != team { continue }
            let time = (incident["start"]?.string ?? incident["startsAt"]?.string ?? incident["at"]?.string).flatMap(RFC3339.date)
            if let time {
                events.append(TimelineEvent(at: time, kind: "incident",
                                            text: incident["summary"]?.string ?? incident["title"]?.string ?? incident["name"]?.string ?? "incident"))
            }
        }
        incidents = events.filter { inWeek($0.at) }
        incidentLifecycle = IncidentLifecycle(set.ledgerIncidents, team: team, weekStart: weekStart, now: now)
        for entry in entries {
            if entry.verification == Verification.State.unsafe.rawValue, let at = entry.verificationAt {
                events.append(TimelineEvent(at: at, kind: "unsafe", text: "\(entry.id): \(entry.verificationReason ?? "unsafe after the change")"))
            }
            for transition in entry.transitions where transition.to == "verified" {
                events.append(TimelineEvent(at: transition.at, kind: "verified", text: "\(entry.id) verified: \(entry.realized) a month"))
            }
        }
        timeline = events.filter { $0.at > now.addingTimeInterval(-28 * 86_400) && $0.at <= now }.sorted { ($0.at, $0.text) < ($1.at, $1.text) }

        var changes: [(Entry, String)] = []
        for entry in entries {
            for transition in entry.transitions where inWeek(transition.at) {
                switch transition.to {
                case "implemented" where transition.reason?.hasPrefix("merged") == true:
                    changes.append((entry, "PR merged\(entry.changeURL.map { " (\($0))" } ?? "")"))
                case "implemented": changes.append((entry, "PR opened\(entry.changeURL.map { " (\($0))" } ?? "")"))
                case "verified": changes.append((entry, "verified: saves \(entry.realized) a month"))
                case "approved": changes.append((entry, "approved by \(transition.actor)"))
                case "rejected": changes.append((entry, "rejected by \(transition.actor)"))
                default: break
                }
            }
        }
        changedThisWeek = changes

        nextSteps = entries.filter { $0.status.isOpen || $0.status == .implemented }.sorted(by: Self.bySavingsThenRisk).prefix(10).map { entry in
            (entry, Self.action(for: entry))
        }

        teamCosts = Self.teamCosts(set, entries: entries, team: team, model: model)
        trend = Self.trend(set, team: team)
        reconciliations = Self.reconciliations(set, model: model)
    }

    /// The newest `billreconciliation` record per cluster, else (with a bill and no ledger) computed from the stream.
    static func reconciliations(_ set: ClusterSet, model: CostModel) -> [Reconciliation] {
        var latest: [String: JSON] = [:]
        for record in set.billReconciliations {
            guard let cluster = record["cluster"]?.string else { continue }
            latest[cluster] = record
        }
        var records = latest.keys.sorted().map { latest[$0]! }
        if records.isEmpty, let bill = model.bill {
            records = set.clusters.keys.sorted().compactMap { name in
                let observed = set.clusters[name]!
                return observed.nodes.isEmpty ? nil : try? JSON.parse(BillAllocation(observed, bill: bill, model: model).json.text)
            }
        }
        return records.map { record in
            Reconciliation(
                cluster: record["cluster"]?.string ?? "", periodStart: record["periodStart"]?.string, periodEnd: record["periodEnd"]?.string,
                billedTotal: Money(dollars: record["billedTotal"]?.double ?? 0),
                lines: (record["lines"]?.array ?? []).map { ($0["team"]?.string ?? "", Money(dollars: $0["billed"]?.double ?? 0)) }
                    .sorted { ($0.1, $1.0) > ($1.1, $0.0) })
        }
    }

    static func bySavingsThenRisk(_ a: Entry, _ b: Entry) -> Bool {
        if a.savings != b.savings { return a.savings > b.savings }
        if (a.riskOverall ?? 1) != (b.riskOverall ?? 1) { return (a.riskOverall ?? 1) < (b.riskOverall ?? 1) }
        return a.id < b.id
    }

    static func action(for entry: Entry) -> String {
        switch (entry.status, entry.gate) {
        case (.implemented, _):
            if entry.verification == Verification.State.unsafe.rawValue { return "Roll back or raise: \(entry.verificationReason ?? "unsafe")" }
            return "Merge and deploy the change\(entry.changeURL.map { " (\($0))" } ?? ""); the next run verifies it"
        case (.approved, _): return "Open the change (emit-pr): approved, \(entry.riskLevel ?? "unscored") risk"
        case (_, "block"?): return "Decide: blocked by policy, \(entry.riskLevel ?? "unscored") risk; a human must judge"
        case (_, "auto"?): return "Let it through: auto-approved by policy"
        default: return "Review and approve (`ledger approve \(entry.id) --by …`): \(entry.riskLevel ?? "unscored") risk"
        }
    }

    // MARK: Reading records

    static func entry(ledger record: JSON) -> Entry? {
        guard let id = record["id"]?.string, let status = record["status"]?.string.flatMap(FindingStatus.init(rawValue:)) else { return nil }
        let transitions = (record["transitions"]?.array ?? []).compactMap { t -> (String, Date, String, String?)? in
            guard let to = t["to"]?.string, let at = t["at"]?.string.flatMap(RFC3339.date) else { return nil }
            return (to, at, t["actor"]?.string ?? "", t["reason"]?.string)
        }
        return Entry(
            id: id, cluster: record["cluster"]?.string ?? "", team: record["team"]?.string ?? "unassigned",
            detector: record["detector"]?.string ?? "", summary: record["summary"]?.string ?? "", status: status,
            statusSince: record["statusSince"]?.string.flatMap(RFC3339.date),
            savings: Money(dollars: record["monthlySavings"]?.double ?? 0), realized: Money(dollars: record["realizedMonthlySavings"]?.double ?? 0),
            riskOverall: record["risk", "overall"]?.double, riskLevel: record["risk", "level"]?.string, gate: record["risk", "gate"]?.string,
            changeURL: record["change", "url"]?.string ?? record["change", "branch"]?.string,
            verification: record["verification", "state"]?.string, verificationReason: record["verification", "reason"]?.string,
            verificationAt: record["verification", "at"]?.string.flatMap(RFC3339.date), transitions: transitions,
            billedSavings: record["billedMonthlySavings"]?.double.map(Money.init(dollars:)),
            billVerification: record["billVerification", "state"]?.string,
            billRealized: record["billVerification", "realizedMonthlySavings"]?.double.map(Money.init(dollars:)))
    }

    static func entry(finding record: JSON) -> Entry? {
        guard let id = record["id"]?.string else { return nil }
        return Entry(
            id: id, cluster: record["cluster"]?.string ?? "", team: record["team"]?.string ?? "unassigned",
            detector: record["detector"]?.string ?? "", summary: record["summary"]?.string ?? "", status: .detected, statusSince: nil,
            savings: Money(dollars: record["monthlySavings"]?.double ?? 0), realized: .zero,
            riskOverall: record["risk", "overall"]?.double, riskLevel: record["risk", "level"]?.string, gate: record["risk", "gate"]?.string,
            changeURL: nil, verification: nil, verificationReason: nil, verificationAt: nil, transitions: [],
            billedSavings: record["billedSavings", "monthly"]?.double.map(Money.init(dollars:)))
    }

    /// Each team's monthly cost from the latest run in the cost history of each cluster (else computed
    /// from the stream), with the idle line; and each team's savings from the entries.
    static func teamCosts(_ set: ClusterSet, entries: [Entry], team: String?, model: CostModel) -> [TeamCost] {
        var costs: [String: Money] = [:]
        var latestRun: [String: Int64] = [:]
        for record in set.costHistory {
            guard let cluster = record["cluster"]?.string, let run = record["run"]?.int else { continue }
            latestRun[cluster] = max(latestRun[cluster] ?? run, run)
        }
        var counted = Set<String>()
        for record in set.costHistory {
            guard let cluster = record["cluster"]?.string, record["run"]?.int == latestRun[cluster], let name = record["team"]?.string,
                counted.insert("\(cluster)\u{1F}\(name)").inserted
            else { continue }
            costs[name, default: .zero] = costs[name, default: .zero] + Money(dollars: record["monthlyCost"]?.double ?? 0)
        }
        for (name, observed) in set.clusters where latestRun[name] == nil && !observed.nodes.isEmpty {
            for (teamName, cost) in CostAllocation(observed, model: model).teams {
                costs[teamName, default: .zero] = costs[teamName, default: .zero] + cost
            }
        }
        var names = Set(costs.keys).union(entries.map(\.team))
        if let team { names = names.filter { $0 == team } }
        return names.sorted().map { name in
            let mine = entries.filter { $0.team == name }
            return TeamCost(team: name, monthlyCost: costs[name] ?? .zero,
                            identified: mine.filter { $0.status.isUnrealized }.map(\.savings).sum(),
                            verifiedToDate: mine.filter { $0.status == .verified }.map(\.realized).sum())
        }.sorted { ($0.monthlyCost, $1.team) > ($1.monthlyCost, $0.team) }
    }

    /// Monthly cost and realized savings at each run time in the history, all clusters together (each
    /// (time, cluster, team) line counted once, however many ledger outputs were concatenated).
    static func trend(_ set: ClusterSet, team: String?) -> [TrendPoint] {
        var seen = Set<String>()
        var points: [Date: TrendPoint] = [:]
        for record in set.costHistory {
            guard let text = record["at"]?.string, let at = RFC3339.date(text), let cluster = record["cluster"]?.string,
                let name = record["team"]?.string
            else { continue }
            if let team, name != team { continue }
            guard seen.insert("\(text)\u{1F}\(cluster)\u{1F}\(name)").inserted else { continue }
            var point = points[at] ?? TrendPoint(at: at, monthlyCost: .zero, realized: .zero)
            point.monthlyCost = point.monthlyCost + Money(dollars: record["monthlyCost"]?.double ?? 0)
            point.realized = point.realized + Money(dollars: record["realizedMonthlySavings"]?.double ?? 0)
            points[at] = point
        }
        return points.keys.sorted().map { points[$0]! }
    }
}
