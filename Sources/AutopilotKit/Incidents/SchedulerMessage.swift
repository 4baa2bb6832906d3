import Foundation

/// The kube-scheduler's FailedScheduling message, read into its counted reasons:
/// `0/12 nodes are available: 3 Insufficient cpu, 9 node(s) had untolerated taint {dedicated: gpu}. preemption: …`,
/// or `no nodes available to schedule pods`. The reasons are the scheduler plugins' own texts (NodeResourcesFit,
/// TaintToleration, NodeAffinity, VolumeBinding/VolumeZone, NodePorts, NodeUnschedulable, PodTopologySpread,
/// InterPodAffinity, NodeVolumeLimits), old and new wordings.
public struct SchedulerMessage: Equatable, Sendable {
    public enum Reason: Equatable, Sendable {
        /// `Insufficient cpu` / `memory` / `ephemeral-storage` / `pods` / an extended resource (`nvidia.com/gpu`).
        case insufficient(String)
        /// `Too many pods` (older schedulers' pod-count limit).
        case tooManyPods
        case untoleratedTaint
        case nodeAffinity
        case volumeNodeAffinity
        case unboundVolumeClaim
        case volumeLimit
        case hostPorts
        case unschedulable
        case topologySpread
        case podAffinity
        case other
    }

    public struct Entry: Equatable, Sendable {
        /// How many nodes said this (nil when the scheduler gives no count).
        public var count: Int?
        public var reason: Reason
        /// The scheduler's words for it.
        public var text: String
    }

    /// N of `0/N nodes are available`.
    public var nodes: Int?
    public var entries: [Entry]
    /// `no nodes available to schedule pods`: the cluster has no node the scheduler could consider.
    public var noNodes: Bool

    public init?(_ message: String) {
        if message.contains("no nodes available to schedule pods") {
            (nodes, entries, noNodes) = (0, [], true)
            return
        }
        guard let marker = message.range(of: " nodes are available") else { return nil }
        noNodes = false
        let head = message[..<marker.lowerBound]
        nodes = head.split(separator: "/").last.flatMap { Int($0.split(separator: " ").last ?? "") }
        var body = message[marker.upperBound...].drop { $0 == ":" || $0 == " " }
        // What follows is about preemption, not about why the nodes said no.
        if let preemption = body.range(of: " preemption:") { body = body[..<preemption.lowerBound] }
        if body.hasSuffix(".") { body = body.dropLast() }
        entries = Self.split(String(body)).map(Self.entry)
    }

    /// `a, b {x, y}, c` → `a`, `b {x, y}`, `c`: commas inside a taint's braces do not separate reasons.
    static func split(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        for character in text {
            if character == "{" { depth += 1 }
            if character == "}" { depth = max(0, depth - 1) }
            if character == ",", depth == 0 {
                parts.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            } else {
                current.append(character)
            }
        }
        parts.append(current.trimmingCharacters(in: .whitespaces))
        // Older schedulers: `1 node(s) had taint {k: v}, that the pod didn't tolerate` is one reason.
        var merged: [String] = []
        for part in parts where !part.isEmpty {
            if part.hasPrefix("that "), let last = merged.popLast() { merged.append(last + ", " + part) } else { merged.append(part) }
        }
        return merged
    }

    static func entry(_ part: String) -> Entry {
        let words = part.split(separator: " ", maxSplits: 1).map(String.init)
        let count = words.first.flatMap(Int.init)
        let text = count == nil ? part : (words.count > 1 ? words[1] : "")
        let lower = text.lowercased()
        let reason: Reason
        if lower.hasPrefix("insufficient ") {
            reason = .insufficient(String(text.dropFirst("Insufficient ".count)))
        } else if lower.hasPrefix("too many pods") {
            reason = .tooManyPods
        } else if lower.contains("taint") {
            reason = .untoleratedTaint
        } else if lower.contains("node affinity/selector") || lower.contains("didn't match node selector") || lower.contains("node(s) didn't match pod's node affinity") {
            reason = .nodeAffinity
        } else if lower.contains("volume node affinity conflict") || lower.contains("no available volume zone") {
            reason = .volumeNodeAffinity
        } else if lower.contains("unbound immediate persistentvolumeclaims") || lower.contains("didn't find available persistent volumes") {
            reason = .unboundVolumeClaim
        } else if lower.contains("max volume count") {
            reason = .volumeLimit
        } else if lower.contains("free ports") {
            reason = .hostPorts
        } else if lower.contains("were unschedulable") || lower.contains("unschedulable: true") {
            reason = .unschedulable
        } else if lower.contains("topology spread") {
            reason = .topologySpread
        } else if lower.contains("pod affinity") || lower.contains("anti-affinity") {
            reason = .podAffinity
        } else {
            reason = .other
        }
        return Entry(count: count, reason: reason, text: text)
    }

    /// Nodes short of CPU or memory (`Insufficient cpu` / `memory`).
    public var shortOfCPU: Bool { entries.contains { $0.reason == .insufficient("cpu") } }
    public var shortOfMemory: Bool { entries.contains { $0.reason == .insufficient("memory") } }

    /// The reason most nodes gave, of those that are not CPU or memory (ties: the scheduler's order).
    public var dominant: Entry? {
        entries.filter { $0.reason != .insufficient("cpu") && $0.reason != .insufficient("memory") }
            .enumerated().max { ($0.element.count ?? 0, -$0.offset) < ($1.element.count ?? 0, -$1.offset) }?.element
    }

    /// `3 of 4 nodes: Insufficient cpu; 1 of 4 nodes: …` for the evidence.
    public var breakdown: String {
        entries.map { entry in
            entry.count.map { "\($0)\(nodes.map { " of \($0)" } ?? "") node(s): \(entry.text)" } ?? entry.text
        }.joined(separator: "; ")
    }
}
