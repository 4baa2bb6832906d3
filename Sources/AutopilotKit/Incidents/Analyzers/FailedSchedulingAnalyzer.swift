import Foundation

/// Pods the scheduler cannot place. The scheduler's message counts why each node said no
/// (`0/12 nodes are available: 3 Insufficient cpu, 9 node(s) had untolerated taint …`). Insufficient CPU
/// or memory: a request larger than any node can hold, or a request far above what the workload uses
/// (requests too high: detect-waste's right-sizing finding, referenced by id, frees the room), or a
/// cluster that is full (more capacity: the NodePool's limits or the node group's maximum; and hold back
/// node-consolidation).
/// Taints or selectors alone: no node matches what the pod asks for.
struct FailedSchedulingAnalyzer: IncidentAnalyzer {
    let category = IncidentCategory.failedScheduling

    func analyze(_ incident: inout Incident, _ context: IncidentContext) -> Bool {
        guard let key = incident.subject.workload else { return false }
        incident.affectedPods = incident.podsNamed
        let message = incident.signals.map(\.detail).first { $0.contains("nodes are available") } ?? incident.signals.first?.detail ?? ""
        let insufficientCPU = message.contains("Insufficient cpu")
        let insufficientMemory = message.contains("Insufficient memory")
        var evidence = [message]
        let pending = context.cluster.pods(of: key).first { $0.phase == "Pending" }
        let workload = context.cluster.workloads[key]
        guard insufficientCPU || insufficientMemory, let requests = pending?.requests ?? workload.map({ w in
            Observed.Resources(cpu: w.containers.reduce(0) { $0 + ($1.requests.cpu ?? 0) }, memory: w.containers.reduce(0) { $0 + ($1.requests.memory ?? 0) })
        }) else {
            incident.rootCause = RootCause("no-matching-node", summary: "no node matches the pod's selectors, affinity or tolerations",
                                           confidence: 0.6, evidence: evidence)
            incident.actions = [IncidentAction("fix-placement", summary: "Compare the pod's nodeSelector, affinity and tolerations with the nodes' labels and taints",
                                               command: "kubectl get pod -n \(key.namespace) \(pending?.name ?? key.name) -o jsonpath='{.spec.nodeSelector}{.spec.affinity}{.spec.tolerations}'")]
            return true
        }
        let largestCPU = context.cluster.nodes.compactMap(\.allocatable.cpu).max() ?? 0
        let largestMemory = context.cluster.nodes.compactMap(\.allocatable.memory).max() ?? 0
        if (requests.cpu ?? 0) > largestCPU || (requests.memory ?? 0) > largestMemory {
            evidence.append("the pod requests \(Units.cpu(requests.cpu ?? 0)) CPU and \(Units.memory(requests.memory ?? 0)); the largest node has \(Units.cpu(largestCPU)) and \(Units.memory(largestMemory)) allocatable")
            incident.rootCause = RootCause("request-larger-than-any-node", summary: "the pod asks for more than any node has", confidence: 0.9, evidence: evidence)
            incident.actions = [IncidentAction("lower-requests", summary: "Lower \(key)'s requests or allow a larger instance type in its NodePool")]
            return true
        }
        // Requests far above use: the right-sizing finding frees the room.
        var overRequested: [String] = []
        /// (detector, container) of each request far above use.
        var flagged: Set<[String]> = []
        for container in workload?.containers ?? [] {
            guard let usage = context.usage(key, container.name) else { continue }
            if insufficientCPU, let request = container.requests.cpu, let p95 = usage.cpu["p95"], request > 2 * p95 {
                overRequested.append("container \(container.name) requests \(Units.cpu(request)) CPU and uses \(Units.cpu(p95)) at p95")
                flagged.insert(["over-requested-cpu", container.name])
            }
            if insufficientMemory, let request = container.requests.memory, let peak = usage.memory["max"], Double(request) > 2 * peak {
                overRequested.append("container \(container.name) requests \(Units.memory(request)) and peaks at \(Units.memory(bytes: peak))")
                flagged.insert(["over-requested-memory", container.name])
            }
        }
        if !overRequested.isEmpty {
            evidence += overRequested
            incident.rootCause = RootCause("requests-too-high", summary: "requests far above use keep the pod from fitting", confidence: 0.7, evidence: evidence)
            // The right-sizing detectors' own findings for this workload: the same ids detect-waste gives them,
            // so one already in the stream is referenced, not written twice.
            let detectors: [any Detector] = (insufficientCPU ? [OverRequestedCPU()] : []) + (insufficientMemory ? [OverRequestedMemory()] : [])
            // Only the cuts of the containers named above (the memory detector also raises OOM-killed ones).
            let rightsizing = detectors.flatMap { $0.detect(in: context.detection) }
                .filter { $0.target.kind == key.kind && $0.target.name == key.name && $0.namespace == key.namespace
                    && flagged.contains([$0.detector, $0.target.container ?? ""]) }
            incident.actions = rightsizing.map { IncidentAction("lower-requests", summary: $0.summary, finding: $0) }
            if incident.actions.isEmpty {
                incident.actions = [IncidentAction("lower-requests", summary: "Lower \(key)'s requests toward its use (detect-waste's thresholds open no finding)",
                                                   command: "detect-waste --detectors over-requested-cpu,over-requested-memory")]
            }
            return true
        }
        let free = context.cluster.nodes.filter { $0.ready && !$0.unschedulable }.map { node -> Double in
            let used = context.detection.requested(on: node.name)
            return insufficientCPU ? (node.allocatable.cpu ?? 0) - (used.cpu ?? 0) : Double((node.allocatable.memory ?? 0) - (used.memory ?? 0))
        }
        evidence.append("largest free \(insufficientCPU ? "CPU" : "memory") on a node: \(insufficientCPU ? Units.cpu(free.max() ?? 0) : Units.memory(bytes: free.max() ?? 0)), below the pod's request")
        incident.rootCause = RootCause("cluster-full", summary: "no node has room for the pod's requests", confidence: 0.7, evidence: evidence)
        incident.actions = [IncidentAction("add-capacity",
                                           summary: "Raise the NodePool's limits (or the node group's maximum), and hold node-consolidation findings until the pod is placed")]
        return true
    }
}
