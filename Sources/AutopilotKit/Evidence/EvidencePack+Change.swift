import Foundation

/// The change a finding recommends, for a reviewer: a table of the fields it sets (now, recommended, and
/// the value to put back), where a node's pods go, and how to undo it.
extension EvidencePack {
    public struct ChangeRow: Sendable {
        public var field: String
        public var current: String
        public var recommended: String
        /// What to set to undo the change: the value now ("–" for a field that has none, such as an action).
        public var rollback: String
    }

    /// One row per field of `recommended`, each pair of figures in one unit (`1500m → 210m`, `1024Mi → 608Mi`).
    public var changeRows: [ChangeRow] {
        guard case .object(let recommended)? = finding["recommended"] else { return [] }
        var current: [String: JSONValue] = [:]
        if case .object(let members)? = finding["current"] { for member in members { current[member.key] = member.value } }
        return recommended.map { member in
            let before = current[member.key]
            let (now, after) = Self.shown(member.key, before ?? .null, member.value)
            return ChangeRow(field: Self.fieldNames[member.key] ?? member.key, current: before == nil ? "–" : now, recommended: after,
                             rollback: before == nil ? "–" : Self.exact(member.key, before ?? .null, shown: now))
        }
    }

    /// The finding's notes that say where a pod goes (`namespace/pod → node`, the node plans' form), for a drain.
    public var podMoves: [String] { notes.filter(Self.isPodMove) }
    /// The other notes: blockers, caveats, what was kept.
    public var otherNotes: [String] { notes.filter { !Self.isPodMove($0) } }

    static func isPodMove(_ note: String) -> Bool {
        note.range(of: #"^[a-z0-9][a-z0-9.-]*/[a-z0-9][a-z0-9.-]* → [A-Za-z0-9][A-Za-z0-9.-]*$"#, options: .regularExpression) != nil
    }
    var notes: [String] { finding["notes"]?.stringList ?? [] }

    /// How to undo the change once made, by kind of finding.
    public var undo: [String] {
        let kind = FindingKind(rawValue: finding["detector"]?.stringValue ?? "")
        switch kind {
        case .overRequestedCPU?, .overRequestedMemory?, .underProvisionedMemory?, .underProvisionedCPU?:
            return ["Revert the PR, or set the rollback values above; the pods restart with them at the next rollout."]
        case .misconfiguredAutoscaling?:
            return ["Revert the PR, or set the HPA's bounds back to the rollback values above."]
        case .idleNode?:
            return ["Before the node is gone: uncordon it, and its pods may schedule there again.",
                    "After: bring the capacity back by raising the node group's desired size, or let Karpenter launch a node for the pending pods."]
        case .nodeConsolidation?:
            return ["Revert the PR (the NodePool's consolidationPolicy or the node group as the rollback values say); Karpenter or the node "
                    + "group launches nodes again for pending pods."]
        case .orphanVolume?:
            let volume = finding["current"]?["volumeId"]?.stringValue.map(Shell.quoted) ?? "VOLUME_ID"
            return ["A deleted EBS volume cannot be brought back: snapshot it first (aws ec2 create-snapshot --volume-id \(volume)) "
                    + "and restore from the snapshot if the data was needed."]
        case .stuckTerminating?:
            return ["Nothing to undo: the object was already being deleted; the change only lets the deletion finish."]
        case nil:
            return ["Set the rollback values above."]
        }
    }

    static let fieldNames = [
        "cpu": "CPU request", "cpuLimit": "CPU limit", "memory": "memory request", "memoryLimit": "memory limit", "sizeBytes": "volume size",
        "movePods": "pods moved", "removeNodes": "nodes removed",
    ]

    /// The value to put back: as shown beside the recommendation when that is exact, else in the decimal
    /// unit it was written in (a 2G or 1500M shown in Mi is put back as 2G or 1500M), else in bytes.
    static func exact(_ key: String, _ value: JSONValue, shown: String) -> String {
        guard ["memory", "memoryLimit", "sizeBytes"].contains(key), let bytes = value.intValue, bytes % (1 << 20) != 0 else { return shown }
        if bytes % 1_000_000_000 == 0 { return "\(bytes / 1_000_000_000)G" }
        if bytes % 1_000_000 == 0 { return "\(bytes / 1_000_000)M" }
        if bytes % 1_000 == 0 { return "\(bytes / 1_000)k" }
        return String(bytes)
    }

    /// Two values of one field as text, figures in the same unit.
    static func shown(_ key: String, _ before: JSONValue, _ after: JSONValue) -> (String, String) {
        switch key {
        case "cpu", "cpuLimit":
            if let a = before.doubleValue, let b = after.doubleValue, a > 0, b > 0 { return Units.cpu(a, b) }
            return (before.doubleValue.map(Units.cpu) ?? text(before), after.doubleValue.map(Units.cpu) ?? text(after))
        case "memory", "memoryLimit", "sizeBytes":
            if let a = before.intValue, let b = after.intValue, a > 0, b > 0 { return Units.memory(a, b) }
            func one(_ value: JSONValue) -> String { value.intValue.map { $0 == 0 ? "0" : Units.memory($0) } ?? text(value) }
            return (one(before), one(after))
        default:
            return (text(before), text(after))
        }
    }

    static func text(_ value: JSONValue) -> String {
        switch value {
        case .null: return "none"
        case .string(let text): return text
        case .array(let items): return items.isEmpty ? "none" : items.map(text).joined(separator: ", ")
        case .int, .double, .bool, .object: return value.doubleValue.map(\.short) ?? value.text
        }
    }
}
