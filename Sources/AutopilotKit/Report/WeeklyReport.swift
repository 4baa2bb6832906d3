import Foundation

/// The weekly CFO/CTO report's figures. Every total is the sum of the entries behind it, in whole
/// cents, so a headline always equals the sum of its rows.
///
/// All money is monthly run-rate: "verified this week" is the monthly savings of the changes verified
/// in the seven days before `now`. Each finding counts once: verified, projected (approved and on its
/// way: `Entry.isProjected`) or identified (open and not on its way). Node and volume savings count on
/// the allocation line they reduce (`Entry.costLine`), not on the team that runs the nodes.
public struct WeeklyReport: Sendable {
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
        /// Nil for a line outside the node allocation (volumes no pod uses).
        public var monthlyCost: Money?
        /// Open savings on this line: identified and projected.
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
    /// Per finding, what happened to it this week, oldest first ("new: " when it was first reported this
    /// week); findings whose only news is that they are new are counted in `weekTally` alone.
    public var changedThisWeek: [(entry: Entry, what: String)]
    /// How many of each kind of move the week saw ("approved", "PR opened", …), in lifecycle order.
    public var weekTally: [(label: String, count: Int)]
    /// Findings first reported this week.
    public var newThisWeek: Int { weekTally.first { $0.label == "first reported" }?.count ?? 0 }
    public var nextSteps: [NextStep]
    /// Open findings emit-pr could not turn into a change, with why and what to do instead.
    public var notPatchable: [Entry]
    /// The ledger (`render-report --db`), for the commands in the next steps.
    public var ledger: String?

    public var reconciliations: [Reconciliation] = []

    /// How far back the timelines reach: four weeks.
    public static let timelineWindow: TimeInterval = 28 * 86_400

    public var verifiedThisWeekTotal: Money { verifiedThisWeek.map(\.realized).sum() }
    /// Of identified and projected, what the bill would show (entries priced from a bill only).
    public var realisableTotal: Money { (projected + identified).compactMap(\.billedSavings).sum() }
    public var billedEntries: Int { entries.filter { $0.billedSavings != nil }.count }
    /// Verified changes the bill confirms, and what they saved a month by the bill.
    public var verifiedByBillTotal: Money { entries.filter { $0.billVerification == BillVerification.State.verified.rawValue }.compactMap(\.billRealized).sum() }
    public var verifiedToDateTotal: Money { entries.filter { $0.status == .verified }.map(\.realized).sum() }
    public var projectedTotal: Money { projected.map(\.savings).sum() }
    public var identifiedTotal: Money { identified.map(\.savings).sum() }
    public var monthlyCostTotal: Money { teamCosts.compactMap(\.monthlyCost).sum() }
}

extension WeeklyReport {
    /// Builds the report from a stream: `ledger` and `costhistory` records when `ledger record` ran,
    /// else the findings alone (all detected) and the allocation computed from the cluster records.
    public init(_ set: ClusterSet, now: Date, team: String?, model: CostModel, ledger: String? = nil) {
        self.now = now
        self.ledger = ledger
        weekStart = now.addingTimeInterval(-7 * 86_400)
        self.team = team
        // Concatenated ledger outputs may repeat a finding: the last record of an id is the newest.
        var latest: [String: Entry] = [:]
        for entry in set.ledger.compactMap(Self.entry(ledger:)) { latest[entry.id] = entry }
        var entries = Array(latest.values)
        let recorded = Set(entries.map(\.id))
        entries += set.findings.map(Self.entry(finding:)).filter { !recorded.contains($0.id) }
        if let team { entries = entries.filter { $0.team == team } }
        entries.sort { $0.id < $1.id }
        self.entries = entries
        // Every cluster the stream speaks of: a ledger export has cost history and incidents of clusters with no finding.
        let named = (set.costHistory + set.ledgerIncidents + set.incidents).compactMap { $0["cluster"]?.string }
        clusters = Set(set.clusters.keys).union(entries.map(\.cluster)).union(named).filter { !$0.isEmpty }.sorted()

        let weekStart = self.weekStart
        func inWeek(_ date: Date?) -> Bool { date.map { $0 > weekStart && $0 <= now } ?? false }
        verifiedThisWeek = entries.filter { $0.status == .verified && inWeek($0.statusSince) }
        projected = entries.filter(\.isProjected)
        identified = entries.filter(\.isIdentified)

        func breakdown(_ key: (Entry) -> String) -> [Breakdown] {
            var groups: [String: Breakdown] = [:]
            for entry in entries {
                let name = key(entry)
                var group = groups[name] ?? Breakdown(name: name)
                group.findings += 1
                if entry.isIdentified { group.identified = group.identified + entry.savings }
                if entry.isProjected { group.projected = group.projected + entry.savings }
                if entry.status == .verified {
                    group.verifiedToDate = group.verifiedToDate + entry.realized
                    if inWeek(entry.statusSince) { group.verifiedThisWeek = group.verifiedThisWeek + entry.realized }
                }
                groups[name] = group
            }
            return groups.values.sorted { ($0.identified + $0.projected, $1.name) > ($1.identified + $1.projected, $0.name) }
        }
        byTeam = breakdown(\.costLine)
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
        incidentLifecycle = IncidentLifecycle(set.ledgerIncidents.isEmpty ? set.incidents : set.ledgerIncidents, team: team,
                                              weekStart: weekStart, now: now)
        for entry in entries {
            if entry.verification == Verification.State.unsafe.rawValue, let at = entry.verificationAt {
                events.append(TimelineEvent(at: at, kind: "unsafe", text: "\(entry.workload): \(entry.verificationReason ?? "unsafe after the change")"))
            }
            for transition in entry.transitions where transition.to == "verified" && transition.from != "verified" {
                events.append(TimelineEvent(at: transition.at, kind: "verified", text: "\(entry.workload) verified: \(entry.realized) a month"))
            }
        }
        timeline = events.filter { $0.at > now.addingTimeInterval(-Self.timelineWindow) && $0.at <= now }.sorted { ($0.at, $0.text) < ($1.at, $1.text) }

        var changes: [(entry: Entry, what: String)] = []
        var tally: [String: Int] = [:]
        for entry in entries {
            let week = entry.transitions.filter { inWeek($0.at) }
            for transition in week { tally[Self.tallyLabel(transition), default: 0] += 1 }
            let isNew = week.contains { $0.from == nil }
            let news = week.filter { $0.from != nil }.map { Self.event($0, of: entry) }
            guard !news.isEmpty else { continue }
            changes.append((entry, (isNew ? "new: " : "") + news.joined(separator: "; ")))
        }
        changedThisWeek = changes.sorted { ($0.entry.cluster, $0.entry.workload, $0.entry.id) < ($1.entry.cluster, $1.entry.workload, $1.entry.id) }
        weekTally = tally.sorted { (Self.tallyOrder.firstIndex(of: $0.key) ?? 99, $0.key) < (Self.tallyOrder.firstIndex(of: $1.key) ?? 99, $1.key) }
            .map { ($0.key, $0.value) }

        func stalled(_ entry: Entry) -> Bool { entry.status.isOpen && (entry.changeState == .notPatchable || entry.changeState == .refused) }
        notPatchable = entries.filter(stalled).sorted(by: Self.bySavingsThenRisk)
        nextSteps = entries.filter { ($0.status.isOpen || $0.status == .implemented) && !stalled($0) }
            .sorted(by: Self.bySavingsThenRisk).prefix(10).map { Self.nextStep(for: $0, ledger: ledger) }

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
        // A team report keeps its own line and the lines its findings reduce (idle, volumes), whose cost is
        // not the team's.
        var names = Set(costs.keys).union(entries.map(\.costLine))
        if let team { names = names.filter { name in name == team || entries.contains { $0.costLine == name } } }
        return names.sorted().map { name in
            let mine = entries.filter { $0.costLine == name }
            let costed = name != volumesLine && (team == nil || name == team)
            return TeamCost(team: name, monthlyCost: costed ? costs[name] ?? .zero : nil,
                            identified: mine.filter { $0.status.isUnrealized }.map(\.savings).sum(),
                            verifiedToDate: mine.filter { $0.status == .verified }.map(\.realized).sum())
        }.sorted { ($0.monthlyCost ?? .zero, $1.team) > ($1.monthlyCost ?? .zero, $0.team) }
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
