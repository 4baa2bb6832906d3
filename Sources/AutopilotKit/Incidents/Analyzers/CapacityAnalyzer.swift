import Foundation

/// Too little room. For a workload, its HorizontalPodAutoscaler: at its maximum (KubeHpaMaxedOut:
/// `hpa-at-max-replicas`, with the utilisation it sees against its target) or short of the replicas it
/// wants (KubeHpaReplicasMismatch; pods the scheduler cannot place are the failed-scheduling incident's,
/// which takes the alert in: `hpa-cannot-scale` with the HPA's own conditions). For the cluster
/// (KubeCPUOvercommit, KubeMemoryOvercommit), kubernetes-mixin's test recomputed from the snapshot: the
/// running and pending pods' requests against the nodes' allocatable less the largest node
/// (`requests-exceed-n-minus-1`, one node lost and the pods would not all fit).
struct CapacityAnalyzer: IncidentAnalyzer {
    let category = IncidentCategory.capacity

    func analyze(_ incident: inout Incident, _ context: IncidentContext) -> Bool {
        if let key = incident.subject.workload { return autoscaler(&incident, key, context) }
        guard incident.subject.isCluster else { return false }
        cluster(&incident, context)
        return true
    }

    private func autoscaler(_ incident: inout Incident, _ key: Observed.WorkloadKey, _ context: IncidentContext) -> Bool {
        let named = incident.objects("horizontalpodautoscaler/")
        guard let hpa = context.cluster.hpas(targeting: key).first(where: { named.contains($0.name) }) ?? context.cluster.hpas(targeting: key).first
        else { return false }
        incident.affectedPods = context.cluster.pods(of: key).filter(\.holdsCapacity).map { "\($0.namespace)/\($0.name)" }.sorted()
        var evidence = incident.alertDetails(3)
        let replicas = "\(hpa.currentReplicas.map(String.init) ?? "?") replicas (min \(hpa.minReplicas), max \(hpa.maxReplicas.map(String.init) ?? "?"))"
        let utilisation = hpa.cpuCurrentUtilization.map { current in
            "CPU at \(current)% of requests" + (hpa.cpuTargetUtilization.map { " against a target of \($0)%" } ?? "")
        }
        evidence.append("HPA \(hpa.name): \(replicas)" + (utilisation.map { "; \($0)" } ?? ""))
        // What holds it: AbleToScale or ScalingActive False, or ScalingLimited True (ScalingLimited=False is the healthy state).
        let conditions = hpa.conditions.filter { ($0.type == "ScalingLimited") == ($0.status == "True") }
        evidence += conditions.map { "condition \($0.type)=\($0.status)" + ($0.reason.map { " \($0)" } ?? "") + ($0.message.map { ": \($0)" } ?? "") }
        let describe = "kubectl describe \(IncidentFacts.kubectlObject("HorizontalPodAutoscaler", hpa.namespace, hpa.name))"
        if incident.signals.contains(where: { $0.name == "KubeHpaMaxedOut" }) {
            let busy = (hpa.cpuCurrentUtilization ?? 0) >= (hpa.cpuTargetUtilization ?? Int64.max)
            incident.rootCause = RootCause("hpa-at-max-replicas",
                                           summary: "HPA \(hpa.name) runs \(key.kind) \(key) at its maximum of \(hpa.maxReplicas.map(String.init) ?? "?") replicas"
                                               + (busy ? " and the replicas are still above their CPU target" : ""),
                                           confidence: busy ? 0.85 : 0.7, evidence: evidence)
            incident.actions = [IncidentAction(
                "raise-max-replicas", summary: "Raise maxReplicas if the load is real (and the nodes have room), or find why each replica handles less than before",
                command: describe)]
            return true
        }
        let blocked = conditions.first { $0.type == "AbleToScale" || $0.type == "ScalingActive" }
        incident.rootCause = RootCause("hpa-cannot-scale",
                                       summary: "HPA \(hpa.name) does not reach the replicas it wants" + (blocked.map { ": \($0.type) is False (\($0.reason ?? "no reason"))" } ?? ""),
                                       confidence: blocked == nil ? 0.5 : 0.8, evidence: evidence)
        incident.actions = [IncidentAction("inspect-hpa", summary: "Read the HPA's conditions and events: metrics it cannot get, or a scale it may not make", command: describe)]
        return true
    }

    private func cluster(_ incident: inout Incident, _ context: IncidentContext) {
        let nodes = context.cluster.nodes.filter(\.isUsableCapacity)
        var requestedCPU = 0.0
        var requestedMemory: Int64 = 0
        // A Fargate pod brings its own micro-VM: it takes nothing from the EC2 nodes.
        for pod in context.cluster.pods where pod.holdsCapacity && !(pod.node.flatMap(context.cluster.node(named:))?.isFargate ?? false) {
            requestedCPU += pod.requests.cpu ?? 0
            requestedMemory += pod.requests.memory ?? 0
        }
        let allocatableCPU = nodes.reduce(0.0) { $0 + ($1.allocatable.cpu ?? 0) }
        let allocatableMemory = nodes.reduce(Int64(0)) { $0 + ($1.allocatable.memory ?? 0) }
        let largestCPU = nodes.compactMap(\.allocatable.cpu).max() ?? 0
        let largestMemory = nodes.compactMap(\.allocatable.memory).max() ?? 0
        let cpuShort = requestedCPU > allocatableCPU - largestCPU
        let memoryShort = requestedMemory > allocatableMemory - largestMemory
        var evidence = incident.alertDetails(4)
        evidence.append("pods request \(Units.cpu(requestedCPU)) CPU of \(Units.cpu(allocatableCPU)) CPU allocatable on \(nodes.count) node\(nodes.count == 1 ? "" : "s"); the largest node has \(Units.cpu(largestCPU)) CPU")
        evidence.append("pods request \(Units.memory(requestedMemory)) of \(Units.memory(allocatableMemory)) allocatable; the largest node has \(Units.memory(largestMemory))")
        let lower = IncidentAction("lower-requests", summary: "Right-size the requests far above use first: they hold room no pod uses",
                                   command: "detect-waste --detectors over-requested-cpu,over-requested-memory")
        guard cpuShort || memoryShort else {
            incident.rootCause = RootCause("overcommit-not-in-snapshot",
                                           summary: "in the snapshot the requests fit even with the largest node lost: the alert's moment has passed or it counts other pods",
                                           confidence: 0.3, evidence: evidence)
            incident.actions = [lower]
            return
        }
        let what = [cpuShort ? "CPU" : nil, memoryShort ? "memory" : nil].compactMap { $0 }.joined(separator: " and ")
        incident.rootCause = RootCause("requests-exceed-n-minus-1",
                                       summary: "the pods' \(what) requests exceed what the cluster holds with its largest node lost: one node failure leaves pods pending",
                                       confidence: 0.8, evidence: evidence)
        incident.actions = [
            IncidentAction("add-capacity", summary: "Let the cluster keep one node's worth of room: raise the NodePool's limits or the node group's minimum"),
            lower,
        ]
    }
}
