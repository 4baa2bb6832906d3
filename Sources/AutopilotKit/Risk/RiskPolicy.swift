import Foundation

/// What may change without a human, what needs one, and what must not change: the defaults docs/tools/score-risk.md
/// documents, overridden by `--policy FILE` (YAML).
public struct RiskPolicy: Sendable {
    /// Namespaces (shell patterns) where nothing is `auto`…
    public var protectedNamespaces = ["kube-system", "*-prod"]
    /// …unless also listed here.
    public var allowAutoNamespaces: [String] = []
    /// Never propose fewer replicas than this (when there were at least this many).
    public var minReplicas: Int64 = 2
    /// The largest share a request or replica count may drop in one change; later runs continue.
    public var maxReductionPerStep = 0.5
    /// `auto` only below this overall score (0.3: level low).
    public var autoBelow = 0.3
    /// A change that restarts a workload's only replica is an outage: a human says yes unless this is true.
    public var autoSingleReplica = false
    /// `block` at or above this overall score.
    public var blockAbove = 0.8
    /// Node removals and replacements: a human says yes unless this is true.
    public var autoNodeChanges = false
    /// The label or annotation marking a workload critical.
    public var criticalMarker = "autopilot.io/critical"
    /// Warning event reasons that count against a workload's SLO.
    public var sloEventReasons = ["OOMKilling", "OOMKilled", "BackOff", "Evicted", "Unhealthy", "FailedScheduling", "NodeNotReady"]

    public init() {}

    /// Shell-pattern match (`*-prod`), as kubectl users write namespace globs.
    public func isProtected(_ namespace: String?) -> Bool {
        guard let namespace else { return false }
        let matches = { (pattern: String) in fnmatch(pattern, namespace, 0) == 0 }
        return protectedNamespaces.contains(where: matches) && !allowAutoNamespaces.contains(where: matches)
    }

    public mutating func apply(yaml bytes: [UInt8], source: String) throws(ConfigError) {
        guard let root = try ConfigReader.document(bytes, source: source) else { return }
        let reader = ConfigReader(source: source)
        func strings(_ value: JSON, _ key: String) throws(ConfigError) -> [String] {
            if let text = value.string { return [text] }
            guard value.isArray, value.array.allSatisfy({ $0.string != nil }) else { throw reader.wrong(key, "a list of strings") }
            return value.array.compactMap(\.string)
        }
        for (key, value) in root.members {
            switch key {
            case "protectedNamespaces": protectedNamespaces = try strings(value, key)
            case "allowAutoNamespaces": allowAutoNamespaces = try strings(value, key)
            case "minReplicas":
                minReplicas = try reader.seconds(value, key)
                if minReplicas < 1 { throw reader.wrong(key, "1 or more") }
            case "maxReductionPerStep":
                maxReductionPerStep = try reader.ratio(value, key)
                if maxReductionPerStep == 0 { throw reader.wrong(key, "more than 0 (0 would forbid every reduction)") }
            case "autoBelow": autoBelow = try reader.ratio(value, key)
            case "autoSingleReplica":
                guard let flag = value.bool else { throw reader.wrong(key, "true or false") }
                autoSingleReplica = flag
            case "blockAbove": blockAbove = try reader.ratio(value, key)
            case "autoNodeChanges":
                guard let flag = value.bool else { throw reader.wrong(key, "true or false") }
                autoNodeChanges = flag
            case "criticalMarker":
                guard let text = value.string, !text.isEmpty else { throw reader.wrong(key, "a label key") }
                criticalMarker = text
            case "sloEventReasons": sloEventReasons = try strings(value, key)
            default: throw ConfigError("\(source): unknown setting '\(key)'", setting: key)
            }
        }
        if autoBelow > blockAbove { throw ConfigError("\(source): autoBelow (\(autoBelow)) must not exceed blockAbove (\(blockAbove))") }
    }
}
