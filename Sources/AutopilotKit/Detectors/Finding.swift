/// A `finding` record as a detector writes it: one problem in the cluster, what to change, and what it is
/// worth. Later tools read it as `FindingRecord` (Model/).
public struct Finding: Sendable {
    /// What the finding changes; the read side's type, so both sides spell it once.
    public typealias Target = FindingRecord.Target

    public enum Severity: String, Sendable, Comparable {
        case info, warning, critical
        public static func < (lhs: Severity, rhs: Severity) -> Bool {
            let order: [Severity] = [.info, .warning, .critical]
            return order.firstIndex(of: lhs)! < order.firstIndex(of: rhs)!
        }
    }

    public var cluster: String
    public var detector: String
    public var severity: Severity
    /// Nil for cluster-scoped targets (nodes, PVs, NodePools).
    public var namespace: String?
    public var target: Target
    public var team: String
    public var summary: String
    public var current: JSONValue
    public var recommended: JSONValue
    /// Monthly cost before and after; nil when a price is unknown (never a guessed figure).
    public var monthlyCost: (current: Money, recommended: Money)?
    /// Where the price came from: `on-demand`, `spot`, `spot-discount`, `ebs`, `mixed`, `unknown`, or `none`
    /// for findings that carry no cost (informational, broken autoscaling).
    public var priceSource: String
    /// 0–1, from sample count, window coverage and variance.
    public var confidence: Double
    /// The figures, window and thresholds the finding rests on.
    public var basis: JSONValue
    /// Plain-language caveats a reviewer must see (a limit kept, pods that would move, a blocker).
    public var notes: [String]
    /// The usage window replayed against the recommendation (right-sizing: `Backtest`; node plans: the
    /// receiving nodes' figures); written only when set.
    public var backtest: JSONValue = .null
    /// The same change at the rates of the customer's bill (`--billing`), when it has the nodes or volumes.
    public var billed: BilledCost?
    /// What the change saves that the bill would show, and why that differs from `monthlySavings`
    /// (commitment-covered capacity saves nothing until the commitment is re-used).
    public var billedSavings: (monthly: Money, reason: String)?

    public init(cluster: String, detector: String, severity: Severity, namespace: String?, target: Target, team: String,
                summary: String, current: JSONValue, recommended: JSONValue, monthlyCost: (current: Money, recommended: Money)?,
                priceSource: String, confidence: Double, basis: JSONValue, notes: [String] = [], billed: BilledCost? = nil) {
        self.cluster = cluster
        self.detector = detector
        self.severity = severity
        self.namespace = namespace
        self.target = target
        self.team = team
        self.summary = summary
        self.current = current
        self.recommended = recommended
        self.monthlyCost = monthlyCost
        self.priceSource = priceSource
        self.confidence = confidence
        self.basis = basis
        self.notes = notes
        self.billed = billed
    }

    /// Current minus recommended; negative when the change adds cost (a reliability fix).
    public var monthlySavings: Money? { monthlyCost.map { $0.current - $0.recommended } }

    /// A hash of cluster, detector and target: the same problem keeps its id from run to run.
    public var id: String {
        let parts = [cluster, detector, namespace ?? "", target.kind, target.name, target.container ?? ""]
        return "f-" + StableHash.fnv1a64(parts.joined(separator: "\u{1f}"))
    }

    public var json: JSONValue {
        var json: JSONValue = [
            "kind": "finding", "cluster": .string(cluster), "id": .string(id), "detector": .string(detector),
            "severity": .string(severity.rawValue), "namespace": .optional(namespace), "target": target.json,
            "team": .string(team), "summary": .string(summary), "current": current, "recommended": recommended,
            "monthlyCost": monthlyCost.map { ["current": $0.current.json, "recommended": $0.recommended.json] } ?? .null,
            "monthlySavings": monthlySavings?.json ?? .null, "priceSource": .string(priceSource),
            "confidence": .double((confidence * 100).rounded() / 100), "basis": basis, "notes": .strings(notes),
        ]
        if case .null = backtest {} else { json.set("backtest", to: backtest) }
        // With --billing: monthlyCost and monthlySavings stay list prices (comparable across clusters and
        // runs); the bill's figures sit beside them.
        if let billed, monthlyCost != nil {
            json.set("priceSource", to: "billed")
            json.set("listPriceSource", to: .string(priceSource))
            json.set("billed", to: [
                "monthlyCost": ["current": Money(dollars: billed.current).json, "recommended": Money(dollars: billed.recommended).json],
                "monthlySavings": (Money(dollars: billed.current) - Money(dollars: billed.recommended)).json,
                "basis": .strings(billed.basis), "partlyListPrice": .bool(billed.partlyList), "resources": .strings(billed.resources),
            ])
            if let billedSavings {
                json.set("billedSavings", to: ["monthly": billedSavings.monthly.json, "reason": .string(billedSavings.reason)])
            }
        }
        return json
    }
}
