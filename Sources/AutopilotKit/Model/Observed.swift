import Foundation

/// The records detectors read, decoded from the stream (the write side is `NodeRecord`, `PodRecord`, …,
/// in Kubernetes/; containers and resource amounts are one type for both sides, Model/Container.swift).
/// Only the fields a detector or risk factor uses are kept; names follow the record contract.
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

    public struct Toleration: Equatable, Sendable {
        public var key: String?
        public var `operator`: String
        public var value: String?
        public var effect: String?
        public init(key: String?, operator: String = "Equal", value: String? = nil, effect: String? = nil) {
            self.key = key
            self.operator = `operator`
            self.value = value
            self.effect = effect
        }
        /// Kubernetes' rule: an empty key with `Exists` tolerates everything; an empty effect matches all effects.
        public func tolerates(_ taint: Taint) -> Bool {
            if let effect, !effect.isEmpty, effect != taint.effect { return false }
            if key == nil || key == "" { return `operator` == "Exists" }
            guard key == taint.key else { return false }
            return `operator` == "Exists" || (value ?? "") == (taint.value ?? "")
        }
    }

    /// One `matchExpressions` term of a required node affinity (`In`, `NotIn`, `Exists`, `DoesNotExist`, `Gt`, `Lt`).
    public struct NodeSelectorRequirement: Equatable, Sendable {
        public var key: String
        public var `operator`: String
        public var values: [String]
        public init(key: String, operator: String, values: [String]) {
            self.key = key
            self.operator = `operator`
            self.values = values
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
