import Foundation

/// Pods the scheduler cannot place. The scheduler's message counts why each node said no
/// (`0/12 nodes are available: 3 Insufficient cpu, 9 node(s) had untolerated taint …`). Insufficient CPU
/// or memory: a request larger than any node can hold, or a request far above what the workload uses
/// (requests too high: detect-waste's right-sizing finding, referenced by id, frees the room), or a
/// cluster that is full (more capacity: the NodePool's limits or the node group's maximum; and hold back
/// node-consolidation).
/// Otherwise the reason most nodes gave (`SchedulerMessage`): pod count or ephemeral storage full, an
/// extended resource nobody has, taints, node affinity, a volume in another zone or unbound, host ports,
/// cordoned nodes, topology spread, pod (anti-)affinity; `no nodes available` is a cluster with no nodes.
struct FailedSchedulingAnalyzer: IncidentAnalyzer {
    let category = IncidentCategory.failedScheduling

    func analyze(_ incident: inout Incident, _ context: IncidentContext) -> Bool {
        guard let key = incident.subject.workload else { return false }
        incident.affectedPods = incident.podsNamed
        let message = incident.signals.map(\.detail).first { $0.contains("nodes are available") || $0.contains("no nodes available") }
            ?? incident.signals.first?.detail ?? ""
        let parsed = SchedulerMessage(message)
        let insufficientCPU = parsed?.shortOfCPU ?? false
        let insufficientMemory = parsed?.shortOfMemory ?? false
        var evidence = [message]
        if let parsed, parsed.entries.count > 1 { evidence.append(parsed.breakdown) }
        let pending = context.cluster.pods(of: key).first { $0.phase == "Pending" }
        let workload = context.cluster.workloads[key]
        guard insufficientCPU || insufficientMemory, let requests = pending?.requests ?? workload.map({ w in
            Observed.Resources(cpu: w.longRunningContainers.reduce(0) { $0 + ($1.requests.cpu ?? 0) }, memory: w.longRunningContainers.reduce(0) { $0 + ($1.requests.memory ?? 0) })
        }) else {
            placement(&incident, parsed, key: key, pending: pending, evidence: evidence)
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
        for container in workload?.longRunningContainers ?? [] {
            guard let usage = context.usage(key, container.name) else { continue }
            if insufficientCPU, let request = container.requests.cpu, let p95 = usage.cpu["p95"], request > 2 * p95 {
                overRequested.append("container \(container.name) requests \(Units.cpu(request)) CPU and uses \(Units.cpu(p95)) at p95")
                flagged.insert([FindingKind.overRequestedCPU.rawValue, container.name])
            }
            if insufficientMemory, let request = container.requests.memory, let peak = usage.memory["max"], Double(request) > 2 * peak {
                overRequested.append("container \(container.name) requests \(Units.memory(request)) and peaks at \(Units.memory(bytes: peak))")
                flagged.insert([FindingKind.overRequestedMemory.rawValue, container.name])
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

    /// Not CPU or memory: the reason most nodes gave decides; its share of the nodes, the confidence.
    private func placement(_ incident: inout Incident, _ message: SchedulerMessage?, key: Observed.WorkloadKey, pending: Observed.Pod?,
                           evidence: [String]) {
        // The pending pod when one is known; else the workload's template (a Deployment's name is no pod's).
        let object = pending.map { IncidentFacts.kubectlObject("Pod", $0.namespace, $0.name) } ?? IncidentFacts.kubectlObject(key.kind, key.namespace, key.name)
        let spec = pending == nil ? "{.spec.template.spec" : "{.spec"
        let share = message.flatMap { message in message.dominant?.count.flatMap { count in message.nodes.map { Double(count) / Double(max($0, 1)) } } }
        let confidence = 0.5 + 0.4 * (share ?? 0.25)
        func cause(_ hypothesis: String, _ summary: String, _ action: String, _ actionSummary: String, command: String? = nil) {
            incident.rootCause = RootCause(hypothesis, summary: summary, confidence: (confidence * 100).rounded() / 100, evidence: evidence)
            incident.actions = [IncidentAction(action, summary: actionSummary, command: command)]
        }
        if message?.noNodes == true {
            return cause("no-nodes", "the cluster has no node the scheduler can use", "add-capacity",
                         "Check the node groups and NodePools: none has a ready node", command: "kubectl get nodes -o wide")
        }
        switch message?.dominant?.reason {
        case .insufficient("pods")?, .tooManyPods?:
            cause("pod-limit-reached", "the nodes hold as many pods as they may (on EKS, the VPC CNI's IP limit per instance type)", "add-capacity",
                  "Add nodes, or raise the pods per node (VPC CNI prefix delegation, larger instance types)")
        case .insufficient("ephemeral-storage")?:
            cause("ephemeral-storage-full", "no node has the local disk the pod requests", "add-capacity",
                  "Lower the pod's ephemeral-storage request or give the nodes larger root volumes")
        case .insufficient(let resource)?:
            cause("extended-resource-unavailable", "no node has free \(resource)", "add-capacity",
                  "Add nodes that offer \(resource) (a NodePool or node group with that instance family)")
        case .untoleratedTaint?:
            cause("untolerated-taint", "the nodes carry taints the pod does not tolerate", "fix-placement",
                  "Compare the nodes' taints with the pod's tolerations",
                  command: "kubectl get nodes -o custom-columns=NAME:.metadata.name,TAINTS:.spec.taints; kubectl get \(object) -o jsonpath='\(spec).tolerations}'")
        case .volumeNodeAffinity?:
            cause("volume-zone-conflict", "a volume the pod mounts is in a zone where no node can take the pod", "add-capacity",
                  "Allow nodes in the volume's zone (EBS volumes stay in their zone), or restore a snapshot in another zone",
                  command: "kubectl get pv -o custom-columns=NAME:.metadata.name,ZONE:.spec.nodeAffinity.required.nodeSelectorTerms[*].matchExpressions[*].values")
        case .unboundVolumeClaim?:
            cause("unbound-volume-claim", "a claim the pod mounts is not bound to a volume", "fix-storage",
                  "Check the claim's StorageClass and the provisioner's events", command: "kubectl get pvc -n \(Shell.quoted(key.namespace))")
        case .volumeLimit?:
            cause("volume-limit-reached", "the nodes have as many volumes attached as their instance type allows", "add-capacity",
                  "Add nodes or spread the volumes over more nodes")
        case .hostPorts?:
            cause("host-port-conflict", "the host ports the pod asks for are taken on every node", "fix-placement",
                  "Drop the hostPort or run fewer replicas than nodes", command: "kubectl get \(object) -o jsonpath='\(spec).containers[*].ports}'")
        case .unschedulable?:
            cause("nodes-cordoned", "the nodes that could take the pod are cordoned", "fix-placement",
                  "Uncordon the nodes or let Karpenter or the node group add new ones", command: "kubectl get nodes --field-selector spec.unschedulable=true")
        case .topologySpread?:
            cause("topology-spread-unsatisfiable", "the pod's topology spread constraints leave no node", "fix-placement",
                  "Loosen maxSkew or whenUnsatisfiable: ScheduleAnyway, or add nodes in the missing zones",
                  command: "kubectl get \(object) -o jsonpath='\(spec).topologySpreadConstraints}'")
        case .podAffinity?:
            cause("pod-affinity-unsatisfiable", "the pod's (anti-)affinity to other pods leaves no node", "fix-placement",
                  "Check the pod's podAffinity and podAntiAffinity against the running pods",
                  command: "kubectl get \(object) -o jsonpath='\(spec).affinity}'")
        case .nodeAffinity?, .other?, nil:
            cause("no-matching-node", "no node matches the pod's selectors, affinity or tolerations", "fix-placement",
                  "Compare the pod's nodeSelector, affinity and tolerations with the nodes' labels and taints",
                  command: "kubectl get \(object) -o jsonpath='\(spec).nodeSelector}\(spec).affinity}\(spec).tolerations}'")
        }
    }
}
