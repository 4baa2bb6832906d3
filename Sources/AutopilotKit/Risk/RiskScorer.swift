import Foundation

/// Scores one finding against the observed cluster and the policy. Every factor is a short sum of
/// named terms (docs/tools/score-risk.md), so a reviewer can recompute it from the reasons.
public struct RiskScorer: Sendable {
    public let cluster: ObservedCluster
    public let policy: RiskPolicy
    public let now: Date

    /// Workloads by `namespace/part-of` group, and the words of each Node Warning event: built once, so
    /// scoring stays O(findings) lookups on a large cluster.
    private let partOfGroups: [String: [Observed.WorkloadKey]]
    private let nodeWarnings: [(event: Observed.Event, words: Set<String>)]

    public init(cluster: ObservedCluster, policy: RiskPolicy = RiskPolicy(), now: Date) {
        self.cluster = cluster
        self.policy = policy
        self.now = now
        var groups: [String: [Observed.WorkloadKey]] = [:]
        for workload in cluster.sortedWorkloads {
            if let group = workload.marker("app.kubernetes.io/part-of") { groups["\(workload.key.namespace)/\(group)", default: []].append(workload.key) }
        }
        partOfGroups = groups
        nodeWarnings = cluster.events.filter { $0.type == "Warning" && $0.objectKind == "Node" && $0.message != nil }.map { event in
            (event, Set(event.message!.split { !($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }.map(String.init)))
        }
    }

    /// What a finding touches: its workload if it has one, the pods that restart, move or go, and the nodes.
    struct Affected {
        var workload: Observed.Workload?
        var pods: [Observed.Pod] = []
        var nodes: [String] = []
        var nodeLevel = false
    }

    func affected(_ finding: FindingRecord) -> Affected {
        let nodes = ObservedCluster.nodes(of: finding)
        if !nodes.isEmpty {
            return Affected(pods: nodes.flatMap { cluster.pods(on: $0).filter { $0.holdsCapacity && !$0.isDaemonSetPod } }, nodes: nodes,
                            nodeLevel: true)
        }
        guard let key = cluster.workloadKey(of: finding) else { return Affected() }
        let isAutoscaler = ["HorizontalPodAutoscaler", "ScaledObject"].contains(finding.target.kind)
        return Affected(workload: cluster.workloads[key], pods: cluster.pods(of: key).filter { $0.phase == "Running" },
                        nodeLevel: !isAutoscaler && key.kind == "DaemonSet")
    }

    // MARK: Factors

    func blastRadius(_ affected: Affected) -> RiskAssessment.Factor {
        let services = servicesSelecting(affected.pods)
        var score = Double(affected.pods.count) / 20 + 0.1 * Double(services.count)
        var reasons = ["\(affected.pods.count) pod\(affected.pods.count == 1 ? "" : "s") (÷ 20)"]
        if !services.isEmpty { reasons.append("\(services.count) Service\(services.count == 1 ? "" : "s") (× 0.1): \(services.joined(separator: ", "))") }
        if affected.nodeLevel {
            score += 0.25
            reasons.append(affected.nodes.isEmpty ? "a DaemonSet: one pod on every node (+ 0.25)" : "every pod on \(affected.nodes.joined(separator: ", ")) (+ 0.25)")
        }
        return .init(score: score, details: [
            .init("pods", .int(Int64(affected.pods.count))), .init("replicas", .optional(affected.workload?.desiredReplicas)),
            .init("services", .strings(services)), .init("nodeLevel", .bool(affected.nodeLevel)), .init("nodes", .strings(affected.nodes)),
        ], reasons: affected.pods.isEmpty && !affected.nodeLevel ? [] : reasons)
    }

    func latencyImpact(_ finding: FindingRecord, _ affected: Affected) -> RiskAssessment.Factor {
        var score = 0.0
        var reasons: [String] = []
        var details: [JSONValue.Member] = []
        switch finding.kind {
        case .overRequestedCPU:
            guard let new = finding.recommended.cpu else { break }
            if let above = finding.backtest?["stepsAbove"]?.double, let steps = finding.backtest?["steps"]?.double, steps > 0 {
                let share = above / steps
                // The window replayed: how often, and how long at a stretch, a pod would have wanted more
                // than it reserved (it still gets idle CPU then, but is no longer guaranteed it).
                // A run of unknown length is never taken for a short one.
                let longest = finding.backtest?["longestMinutesAbove"]?.double
                let short = longest.map { $0 <= 15 } ?? false
                let moderate = longest.map { $0 <= 60 } ?? true
                score = share == 0 ? 0.05 : share < 0.01 && short ? 0.2 : share < 0.05 && moderate ? 0.5 : 0.8
                reasons.append("backtest: \(Self.percent(share)) of the window's pod-steps above the new request \(Units.cpu(new)), "
                    + (longest.map { "the longest \(Int64($0)) minutes in a row" } ?? "runs of unknown length")
                    + " (none: 0.05, < 1% and ≤ 15 min: 0.2, < 5% and ≤ 60 min: 0.5, else 0.8)")
                details = [.init("newRequest", .double(new)), .init("shareAbove", .double((share * 10_000).rounded() / 10_000)),
                           .init("longestMinutesAbove", .optional(longest))]
            } else if let p99 = finding.basis?["usage", "p99"]?.double, p99 > 0 {
                // A finding from before backtests: the headroom over p99 stands in for them.
                let headroom = (new - p99) / p99
                score = headroom < 0 ? 0.8 : headroom < 0.15 ? 0.5 : headroom < 0.5 ? 0.2 : 0.05
                reasons.append("new request \(Units.cpu(new)) leaves \(Self.percent(headroom)) headroom over p99 \(Units.cpu(p99))"
                    + " (no backtest on the finding; below p99: 0.8, < 15%: 0.5, < 50%: 0.2, else 0.05)")
                details = [.init("newRequest", .double(new)), .init("p99", .double(p99)), .init("headroom", .double(RiskAssessment.round2(headroom)))]
            } else { break }
            let throttled = affected.workload.flatMap { cluster.usage[$0.key]?[finding.target.container ?? ""]?.throttledRatio }
            if let throttled, throttled >= 0.05 {
                score += 0.2
                reasons.append("already throttled in \(Self.percent(throttled)) of CFS periods (+ 0.2)")
            }
            details.append(.init("throttledRatio", .optional(throttled)))
        case .overRequestedMemory:
            guard let new = finding.recommended.memory, let peak = finding.basis?["usage", "max"]?.double, peak > 0 else { break }
            let headroom = (Double(new) - peak) / peak
            score = headroom < 0.1 ? 0.5 : headroom < 0.25 ? 0.2 : 0.05
            reasons.append("new request \(Units.memory(new)) is \(Self.percent(headroom)) above the peak working set "
                + "\(Units.memory(bytes: peak)) (< 10%: 0.5, < 25%: 0.2, else 0.05)")
            details = [.init("newRequest", .int(new)), .init("max", .double(peak)), .init("headroom", .double(RiskAssessment.round2(headroom)))]
        case .misconfiguredAutoscaling:
            if let before = finding.current.minReplicas, let after = finding.recommended.minReplicas, after < before {
                score = 0.3
                reasons.append("minReplicas \(before) → \(after): a load spike waits for new pods to start (0.3)")
            }
        case .idleNode, .nodeConsolidation:
            if !affected.pods.isEmpty {
                score = 0.2
                reasons.append("\(affected.pods.count) pod\(affected.pods.count == 1 ? "" : "s") restart on other nodes (0.2)")
            }
        // A raise adds room; a volume or a stuck object moves no load; an unknown kind is not judged here.
        case .underProvisionedMemory, .underProvisionedCPU, .orphanVolume, .stuckTerminating, nil:
            break
        }
        let level = score >= 0.6 ? "high" : score >= 0.3 ? "medium" : "low"
        return .init(score: score, details: [.init("level", .string(level))] + details, reasons: reasons)
    }

    func dependencyRisk(_ finding: FindingRecord, _ affected: Affected) -> RiskAssessment.Factor {
        var score = 0.0
        var reasons: [String] = []
        let services = servicesSelecting(affected.workload.map { _ in affected.pods } ?? [])
        if !services.isEmpty {
            score += min(0.45, 0.15 * Double(services.count))
            reasons.append("\(services.count) Service\(services.count == 1 ? "" : "s") send\(services.count == 1 ? "s" : "") it traffic (× 0.15, at most 0.45)")
        }
        var peers: [String] = []
        if let workload = affected.workload, let group = workload.marker("app.kubernetes.io/part-of") {
            peers = (partOfGroups["\(workload.key.namespace)/\(group)"] ?? []).filter { $0 != workload.key }.map(\.name)
            if !peers.isEmpty {
                score += min(0.2, 0.05 * Double(peers.count))
                reasons.append("part of \(group) with \(peers.joined(separator: ", ")) (× 0.05, at most 0.2)")
            }
        }
        let statefulSet = affected.workload?.key.kind == "StatefulSet"
        if statefulSet {
            score += 0.3
            reasons.append("a StatefulSet: its pods keep identity and data (+ 0.3)")
        }
        let single = affected.workload != nil && affected.workload?.key.kind != "DaemonSet" && affected.pods.count == 1
        if single {
            score += 0.3
            reasons.append("a single replica: any restart is an outage (+ 0.3)")
        }
        let blocking = affected.nodeLevel && affected.workload == nil
            ? Set(affected.pods.flatMap { pod in cluster.pdbs(selecting: pod).filter { ($0.disruptionsAllowed ?? 1) == 0 }.map { "\($0.namespace)/\($0.name)" } }).sorted()
            : []
        if !blocking.isEmpty {
            score += 0.3 * Double(blocking.count)
            reasons.append("PodDisruptionBudget\(blocking.count == 1 ? "" : "s") \(blocking.joined(separator: ", ")) allow 0 disruptions (+ 0.3 each)")
        }
        let irreversible = finding.kind == .orphanVolume
        if irreversible {
            score += 0.5
            reasons.append("deleting a volume cannot be undone: its data goes with it (+ 0.5)")
        }
        return .init(score: score, details: [
            .init("services", .int(Int64(services.count))), .init("partOfPeers", .strings(peers)), .init("statefulSet", .bool(statefulSet)),
            .init("singleReplica", .bool(single)), .init("blockingPDBs", .strings(blocking)), .init("irreversible", .bool(irreversible)),
        ], reasons: reasons)
    }

    func sloImpact(_ finding: FindingRecord, _ affected: Affected) -> RiskAssessment.Factor {
        var score = 0.0
        var reasons: [String] = []
        let workloads = affected.workload.map { [$0] }
            ?? Array(Set(affected.pods.compactMap(\.owner))).sorted().compactMap { cluster.workloads[$0] }
        let critical = workloads.filter { $0.marker(policy.criticalMarker) == "true" }.map(\.key.description)
        if !critical.isEmpty {
            score += 0.6
            reasons.append("marked \(policy.criticalMarker): \(critical.joined(separator: ", ")) (+ 0.6)")
        }
        let start = finding.basis?["window", "start"]?.string.flatMap(RFC3339.date) ?? now.addingTimeInterval(-14 * 86_400)
        let events = recentWarnings(workloads, since: start)
        if !events.isEmpty {
            score += min(0.4, 0.2 * Double(events.count))
            reasons.append("Warning events in the window: \(events.joined(separator: ", ")) (× 0.2, at most 0.4)")
        }
        return .init(score: score, details: [.init("critical", .bool(!critical.isEmpty)), .init("warningEvents", .strings(events))],
                     reasons: reasons)
    }

    /// One decimal, so the band applied can be read off the number (14.6% is under 15%); clamped so an
    /// absurd input cannot trap.
    static func percent(_ ratio: Double) -> String {
        guard ratio.isFinite else { return "?%" }
        return String(format: "%.1f%%", min(max(ratio * 100, -1e6), 1e6))
    }

    // MARK: Lookups

    /// `namespace/name` of the Services selecting any of the pods, sorted.
    private func servicesSelecting(_ pods: [Observed.Pod]) -> [String] {
        var names = Set<String>()
        for pod in pods {
            for service in cluster.services(selecting: pod.namespace, labels: pod.labels) { names.insert("\(service.namespace)/\(service.name)") }
        }
        return names.sorted()
    }

    /// Distinct reasons (from the policy's list) of Warning events since `start` about the workloads or
    /// their pods, including a node's events that name one of the pods (the kernel's OOMKilling).
    private func recentWarnings(_ workloads: [Observed.Workload], since start: Date) -> [String] {
        var reasons = Set<String>()
        let wanted = Set(policy.sloEventReasons)
        for workload in workloads {
            let pods = cluster.pods(of: workload.key)
            var about = cluster.warnings(kind: workload.key.kind, namespace: workload.key.namespace, name: workload.key.name)
            for pod in pods { about += cluster.warnings(kind: "Pod", namespace: pod.namespace, name: pod.name) }
            let podNames = pods.map(\.name)
            // Whole words only: pod web-1 must not match a message about web-10.
            about += nodeWarnings.filter { warning in podNames.contains { warning.words.contains($0) } }.map(\.event)
            for event in about {
                guard let reason = event.reason, wanted.contains(reason) else { continue }
                if let last = event.lastTimestamp.flatMap(RFC3339.date), last < start { continue }
                reasons.insert(reason)
            }
            // The kubelet's OOM kill shows on the container status, not always as an event about the pod.
            for status in pods.flatMap(\.containers) {
                guard let reason = status.lastTermination?.reason, wanted.contains(reason) else { continue }
                if let at = status.lastTermination?.at.flatMap(RFC3339.date), at < start { continue }
                reasons.insert(reason)
            }
        }
        return reasons.sorted()
    }
}
