import Foundation

/// Pods evicted by the kubelet of one node. Memory pressure on a node whose pods were all within their
/// requests cannot happen: some pod used more than it asked for. The neighbour is the container on the
/// node whose peak working set exceeds its request the most; raising its request makes the scheduler
/// count what it really takes (an `under-provisioned-memory` finding), so the node is not overcommitted.
struct EvictionAnalyzer: IncidentAnalyzer {
    let category = IncidentCategory.eviction

    func analyze(_ incident: inout Incident, _ context: IncidentContext) -> Bool {
        guard let name = incident.subject.node else {
            // An eviction alert that named no node of the cluster: report what is known.
            incident.rootCause = RootCause("eviction", summary: "pods evicted", confidence: 0.3, evidence: incident.signals.map(\.detail).prefix(3).map { $0 })
            incident.affectedPods = incident.podsNamed
            return true
        }
        let evicted = Set(incident.podsNamed)
        incident.affectedPods = evicted.sorted()
        incident.affectedWorkloads = Set(incident.signals.compactMap(\.pod).compactMap { pod in
            let parts = pod.split(separator: "/", maxSplits: 1).map(String.init)
            return parts.count == 2 ? context.workload(ofPod: parts[1], namespace: parts[0]) : nil
        }.map { "\($0.namespace)/\($0.kind)/\($0.name)" }).sorted()
        let node = context.cluster.node(named: name)
        let memory = incident.signals.contains { $0.detail.contains("low on resource: memory") || $0.name == "EvictionThresholdMet" }
            || node?.pressures.contains("MemoryPressure") == true
        var evidence = ["\(evicted.count) pod\(evicted.count == 1 ? "" : "s") evicted from \(name)" + (node.map { " (\($0.instanceType ?? "?"), \(Units.memory($0.allocatable.memory ?? 0)) allocatable)" } ?? "")]
        evidence += incident.signals.filter { $0.source == .event }.map(\.detail).prefix(2)
        guard memory else {
            incident.rootCause = RootCause("node-resource-pressure", summary: "the kubelet evicted pods to reclaim a node resource", confidence: 0.5, evidence: evidence)
            incident.actions = [IncidentAction("inspect-node", summary: "See which resource ran short on \(name)", command: "kubectl describe node \(Shell.quoted(name))")]
            return true
        }
        // Who used more than they asked for, on this node.
        var worst: (workload: Observed.Workload, container: Observed.Container, usage: Observed.Usage, over: Double)?
        for pod in context.cluster.pods(on: name) where pod.holdsCapacity && !evicted.contains("\(pod.namespace)/\(pod.name)") {
            guard let owner = pod.owner, let workload = context.cluster.workloads[owner] else { continue }
            for container in pod.containers {
                guard let usage = context.usage(owner, container.name), let peak = usage.memory["max"] else { continue }
                let over = peak - Double(container.requests.memory ?? 0)
                if over > (worst?.over ?? 0) { worst = (workload, container, usage, over) }
            }
        }
        guard let worst else {
            evidence.append("no container on the node used more memory than it requests: the node's system reserve is too small")
            incident.rootCause = RootCause("node-memory-pressure", summary: "node memory pressure with every pod within its request", confidence: 0.5, evidence: evidence)
            incident.actions = [IncidentAction("inspect-node", summary: "Check the kubelet's system-reserved and eviction thresholds on \(name)",
                                               command: "kubectl describe node \(Shell.quoted(name))")]
            return true
        }
        let key = worst.workload.key
        let peak = worst.usage.memory["max"] ?? 0
        evidence.append("\(key) container \(worst.container.name) on the same node peaks at \(Units.memory(bytes: peak)) against a request of \(Units.memory(worst.container.requests.memory ?? 0)) (\(Units.memory(bytes: worst.over)) more than it reserves)")
        incident.rootCause = RootCause(
            "noisy-neighbour", summary: "node memory pressure from \(key) (container \(worst.container.name)) using \(Units.memory(bytes: worst.over)) above its request",
            confidence: 0.75, evidence: evidence)
        let why = "it used \(Units.memory(bytes: worst.over)) more than its request on \(name) until the kubelet evicted its neighbours"
        if let finding = ProvisioningFindings.memoryRequest(worst.workload, worst.container, worst.usage, why: why, context.detection) {
            incident.actions = [IncidentAction("raise-memory", summary: finding.summary, finding: finding)]
        }
        return true
    }
}
