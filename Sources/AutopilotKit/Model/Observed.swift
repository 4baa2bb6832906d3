import Foundation

/// The records of the stream as types, one file per kind (Node.swift, Pod.swift, …, Event.swift): each reads
/// a record (`init(_:)`) and writes it (`json`), so its fields are spelled once; collect-cluster builds them
/// from kubectl's objects (Kubernetes/<Kind>+Kubectl.swift). Here: the keys and the scheduling parts they share.
public enum Observed {
    /// A `(namespace, kind, name)` workload key, ordered for deterministic output.
    public struct WorkloadKey: Hashable, Comparable, Sendable, CustomStringConvertible {
        public var namespace: String
        public var kind: String
        public var name: String
        public init(namespace: String, kind: String, name: String) {
            self.namespace = namespace
            self.kind = kind
            self.name = name
        }
        public static func < (lhs: Self, rhs: Self) -> Bool {
            (lhs.namespace, lhs.kind, lhs.name) < (rhs.namespace, rhs.kind, rhs.name)
        }
        public var description: String { "\(namespace)/\(name)" }
    }

    public struct Taint: Equatable, Sendable {
        public var key: String
        public var value: String?
        public var effect: String
        public init(key: String, value: String? = nil, effect: String) {
            self.key = key
            self.value = value
            self.effect = effect
        }
    }

    /// One of a pod's `tolerations`, every member the API has (each nil where the pod leaves it out).
    public struct Toleration: Equatable, Sendable {
        public var key: String?
        /// `Equal` (also when left out) or `Exists`.
        public var `operator`: String?
        public var value: String?
        public var effect: String?
        /// How long a `NoExecute` taint is tolerated before eviction.
        public var seconds: Int64?
        public init(key: String?, operator: String? = nil, value: String? = nil, effect: String? = nil, seconds: Int64? = nil) {
            self.key = key
            self.operator = `operator`
            self.value = value
            self.effect = effect
            self.seconds = seconds
        }
        /// Kubernetes' rule: an empty key with `Exists` tolerates everything; an empty effect matches all effects.
        public func tolerates(_ taint: Taint) -> Bool {
            if let effect, !effect.isEmpty, effect != taint.effect { return false }
            let exists = `operator` == "Exists"
            if key == nil || key == "" { return exists }
            guard key == taint.key else { return false }
            return exists || (value ?? "") == (taint.value ?? "")
        }

        init(_ json: JSON) {
            key = json["key"]?.string
            `operator` = json["operator"]?.string
            value = json["value"]?.string
            effect = json["effect"]?.string
            seconds = json["tolerationSeconds"]?.int
        }

        /// Members in kubectl's order (alphabetical), those left out omitted, as `kubectl get -o json` has them.
        public var json: JSONValue {
            var members: [JSONValue.Member] = []
            if let effect { members.append(.init("effect", .string(effect))) }
            if let key { members.append(.init("key", .string(key))) }
            if let `operator` { members.append(.init("operator", .string(`operator`))) }
            if let seconds { members.append(.init("tolerationSeconds", .int(seconds))) }
            if let value { members.append(.init("value", .string(value))) }
            return .object(members)
        }
    }

    /// One term of a required node affinity: all its requirements must match. `matchFields` select on the
    /// Node object's fields (a DaemonSet pod's `metadata.name`); the packing here matches labels only.
    public struct NodeSelectorTerm: Equatable, Sendable {
        public var matchExpressions: [NodeSelectorRequirement]
        public var matchFields: [NodeSelectorRequirement]
        public init(matchExpressions: [NodeSelectorRequirement], matchFields: [NodeSelectorRequirement] = []) {
            self.matchExpressions = matchExpressions
            self.matchFields = matchFields
        }

        init(_ json: JSON) {
            matchExpressions = (json["matchExpressions"]?.array ?? []).map(NodeSelectorRequirement.init)
            matchFields = (json["matchFields"]?.array ?? []).map(NodeSelectorRequirement.init)
        }

        public var json: JSONValue {
            var members: [JSONValue.Member] = []
            if !matchExpressions.isEmpty { members.append(.init("matchExpressions", .array(matchExpressions.map(\.json)))) }
            if !matchFields.isEmpty { members.append(.init("matchFields", .array(matchFields.map(\.json)))) }
            return .object(members)
        }
    }

    /// One requirement of a node selector term or a label selector (`In`, `NotIn`, `Exists`, `DoesNotExist`, `Gt`, `Lt`).
    public struct NodeSelectorRequirement: Equatable, Sendable {
        public var key: String
        public var `operator`: String
        public var values: [String]
        /// Karpenter's `minValues`: how many distinct values its launches must keep open (NodePools only).
        public var minValues: Int64?
        public init(key: String, operator: String, values: [String], minValues: Int64? = nil) {
            self.key = key
            self.operator = `operator`
            self.values = values
            self.minValues = minValues
        }
        public func matches(_ labels: [String: String]) -> Bool { matches { labels[$0] } }

        /// Matches against labels looked up by key (a node's labels overlaid with another's, say).
        public func matches(_ label: (String) -> String?) -> Bool {
            let value = label(key)
            switch `operator` {
            case "In": return value.map { values.contains($0) } ?? false
            case "NotIn": return value.map { !values.contains($0) } ?? true
            case "Exists": return value != nil
            case "DoesNotExist": return value == nil
            case "Gt": return compare(value) { $0 > $1 }
            case "Lt": return compare(value) { $0 < $1 }
            default: return false
            }
        }
        private func compare(_ value: String?, _ holds: (Int64, Int64) -> Bool) -> Bool {
            guard let value, let number = Int64(value), let bound = values.first.flatMap({ Int64($0) }) else { return false }
            return holds(number, bound)
        }
        init(_ json: JSON) {
            key = json["key"]?.string ?? ""
            `operator` = json["operator"]?.string ?? "In"
            values = json["values"]?.array.compactMap(\.string) ?? []
            minValues = json["minValues"]?.int
        }

        /// In kubectl's order; `values` left out where empty (`Exists`, `DoesNotExist`), as the API leaves it.
        public var json: JSONValue {
            var members: [JSONValue.Member] = [.init("key", .string(key))]
            if let minValues { members.append(.init("minValues", .int(minValues))) }
            members.append(.init("operator", .string(`operator`)))
            if !values.isEmpty { members.append(.init("values", .strings(values))) }
            return .object(members)
        }
    }

    /// A workload's label selector: `matchLabels` and `matchExpressions`, as the API has them.
    public struct LabelSelector: Equatable, Sendable {
        public var matchLabels: [String: String]?
        public var matchExpressions: [NodeSelectorRequirement]?
        public init(matchLabels: [String: String]? = nil, matchExpressions: [NodeSelectorRequirement]? = nil) {
            self.matchLabels = matchLabels
            self.matchExpressions = matchExpressions
        }

        init(_ json: JSON) {
            matchLabels = json["matchLabels"]?.stringMap
            matchExpressions = json["matchExpressions"]?.array.map(NodeSelectorRequirement.init)
        }

        public var json: JSONValue {
            var members: [JSONValue.Member] = []
            if let matchExpressions { members.append(.init("matchExpressions", .array(matchExpressions.map(\.json)))) }
            if let matchLabels { members.append(.init("matchLabels", .sortedMap(matchLabels))) }
            return .object(members)
        }
    }
}

/// A record that lacks a field its consumer needs.
public struct RecordError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension JSON {
    /// A string member that must be present.
    func required(_ key: String) throws(RecordError) -> String {
        guard let value = self[key]?.string else { throw RecordError("missing string field '\(key)'") }
        return value
    }

    /// A string member of an object member that must be present: `target.name`.
    func required(_ object: String, _ key: String) throws(RecordError) -> String {
        guard let value = self[object, key]?.string else { throw RecordError("missing string field '\(object).\(key)'") }
        return value
    }
}
