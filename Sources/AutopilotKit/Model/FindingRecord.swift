import Foundation

/// A `finding` record as the tools after detect-waste read it: checked once, where it enters a tool
/// (`FindingRecord.validate`), its common fields typed, and the record itself (`json`) kept for what a tool
/// forwards unchanged or writes back with something added (score-risk's `risk`, build-evidence's
/// `evidence`).
///
/// It is not `Finding` (what a detector makes) read back: a record on the wire also carries what later
/// stages added, and a stage forwards the bytes it read. Figures only one kind has (a volume's id, a node
/// plan's nodes, an HPA's conditions) stay JSON in `current`, `recommended` and `basis`, read by the code
/// for that kind, which switches on `kind`.
public struct FindingRecord: @unchecked Sendable {
    /// What a finding changes: a workload's container, a node, a volume, an autoscaler, a node pool.
    public struct Target: Equatable, Sendable {
        /// `Deployment`, `StatefulSet`, `Node`, `PersistentVolume`, `HorizontalPodAutoscaler`, `NodePool`, …
        public var kind: String
        public var name: String
        public var container: String?
        public init(kind: String, name: String, container: String? = nil) {
            self.kind = kind
            self.name = name
            self.container = container
        }
        public var json: JSONValue { ["kind": .string(kind), "name": .string(name), "container": .optional(container)] }
    }

    /// Requests, limits and replica counts before or after the change; absent fields are nil.
    public struct Values: @unchecked Sendable {
        /// The object as written, for the figures only one kind has.
        public let json: JSON?
        /// Cores.
        public let cpu: Double?
        /// Bytes.
        public let memory: Int64?
        public let minReplicas: Int64?

        init(_ json: JSON?) {
            self.json = json.flatMap { $0.isObject ? $0 : nil }
            cpu = self.json?["cpu"]?.double
            memory = self.json?["memory"]?.int
            minReplicas = self.json?["minReplicas"]?.int
        }

        public subscript(key: String) -> JSON? { json?[key] }
        public subscript(path: String...) -> JSON? { json?[path] }
        /// The object as a value (`null` when the finding has none), to copy into a record.
        public var value: JSONValue { json?.value ?? .null }
    }

    /// What score-risk wrote: nil before score-risk.
    public struct Risk: @unchecked Sendable {
        public let json: JSON
        public let overall: Double?
        public let level: String?
        /// `auto`, `approve` or `block` (checked on reading).
        public let gate: String?
        public let reasons: [String]
        /// The first step of a change larger than the policy allows at once.
        public let step: JSON?

        init?(_ json: JSON?) {
            guard let json, json.isObject else { return nil }
            self.json = json
            overall = json["overall"]?.double
            level = json["level"]?.string
            gate = json["gate"]?.string
            reasons = json["reasons"]?.array.compactMap(\.string) ?? []
            step = json["step"].flatMap { $0.isObject ? $0 : nil }
        }
    }

    public let json: JSON
    public let id: String
    /// The name on the wire; `kind` is nil for a detector no tool here writes.
    public let detector: String
    public let kind: FindingKind?
    public let cluster: String
    /// Nil for cluster-scoped targets (nodes, volumes, node pools).
    public let namespace: String?
    public let target: Target
    public let team: String?
    public let summary: String?
    public let severity: String?
    public let current: Values
    public let recommended: Values
    /// List prices, before and after; nil when the finding carries no price.
    public let monthlyCost: (current: Money, recommended: Money)?
    public let monthlySavings: Money?
    public let priceSource: String?
    public let confidence: Double?
    public let notes: [String]
    public let risk: Risk?
    /// What of the saving the customer's bill would show, and why it differs (`--billing`); nil without.
    public let billedSavings: (monthly: Money, reason: String?)?
    /// The figures, window and thresholds the finding rests on.
    public var basis: JSON? { json["basis"] }
    /// The usage window replayed against the recommendation.
    public var backtest: JSON? { json["backtest"] }
    /// The overall risk as the PR body, the Slack message and `ledger approve` show it: two decimals, `?`
    /// before score-risk.
    public var riskOverallText: String { risk?.overall.map { String(format: "%.2f", $0) } ?? "?" }
    /// The evidence pack's page, once build-evidence wrote it.
    public var evidenceHTML: String? { json["evidence", "html"]?.string }
    /// The change at the rates of the customer's bill (`--billing`): monthlyCost, monthlySavings, basis.
    public var billed: JSON? { json["billed"] }

    /// Reads a record after checking it (`FindingRecord.validate`): a record that fails is not a finding any
    /// tool acts on.
    public init(_ json: JSON) throws(RecordError) {
        try FindingRecord.validate(json)
        self.init(stored: json)
    }

    /// Reads a finding the ledger stored. It was checked when it was recorded; it is read as it is, so a
    /// row written before a check was tightened still explains itself, verifies and shows its evidence.
    public init(stored json: JSON) {
        self.json = json
        id = json["id"]?.string ?? ""
        detector = json["detector"]?.string ?? ""
        kind = FindingKind(rawValue: detector)
        cluster = json["cluster"]?.string ?? ""
        namespace = json["namespace"]?.string
        target = Target(kind: json["target", "kind"]?.string ?? "", name: json["target", "name"]?.string ?? "",
                                container: json["target", "container"]?.string)
        team = json["team"]?.string
        summary = json["summary"]?.string
        severity = json["severity"]?.string
        current = Values(json["current"])
        recommended = Values(json["recommended"])
        if let before = json["monthlyCost", "current"]?.double, let after = json["monthlyCost", "recommended"]?.double {
            monthlyCost = (Money(dollars: before), Money(dollars: after))
        } else {
            monthlyCost = nil
        }
        monthlySavings = json["monthlySavings"]?.double.map(Money.init(dollars:))
        priceSource = json["priceSource"]?.string
        confidence = json["confidence"]?.double
        notes = json["notes"]?.array.compactMap(\.string) ?? []
        risk = Risk(json["risk"])
        billedSavings = json["billedSavings", "monthly"]?.double.map { (Money(dollars: $0), json["billedSavings", "reason"]?.string) }
    }
}
