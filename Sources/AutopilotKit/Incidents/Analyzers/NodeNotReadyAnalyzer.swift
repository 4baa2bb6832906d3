import Foundation

/// A node that stopped being Ready. A pressure condition names the resource it ran out of; a Karpenter
/// spot interruption names the reclaim; a kubelet that stopped reporting (NodeStatusUnknown) is an
/// instance or kubelet failure. Either way its pods must move: cordon and drain it, and let the node
/// group or NodePool replace it.
/// No kubelet of the cluster answering Prometheus (KubeletDown counts by cluster) is node failure only if
/// the API server also sees nodes NotReady; with every node Ready it is the scrape that fails.
struct NodeNotReadyAnalyzer: IncidentAnalyzer {
    let category = IncidentCategory.nodeNotReady

    func analyze(_ incident: inout Incident, _ context: IncidentContext) -> Bool {
        if incident.subject.isCluster {
            kubeletsUnscraped(&incident, context)
            return true
        }
        guard let name = incident.subject.node else { return false }
        let node = context.cluster.node(named: name)
        let pods = context.cluster.pods(on: name).filter { $0.holdsCapacity }
        incident.affectedPods = pods.map { "\($0.namespace)/\($0.name)" }.sorted()
        incident.affectedWorkloads = Set(pods.filter { !$0.isDaemonSetPod }.compactMap(\.owner).map { "\($0.namespace)/\($0.kind)/\($0.name)" }).sorted()
        var evidence: [String] = []
        if let node {
            evidence.append("node \(name) (\(node.instanceType ?? "?"), \(node.capacityType ?? "?"), \(node.nodepool.map { "NodePool \($0)" } ?? node.nodegroup.map { "node group \($0)" } ?? "unmanaged")) \(node.ready ? "Ready again" : "not Ready") since \(node.readyCondition?.since ?? "?")")
        }
        evidence += incident.signals.filter { $0.source == .alert || $0.source == .event }.map(\.detail).prefix(3)
        let evictions = incident.signals.filter { $0.name == "TaintManagerEviction" || $0.category == .eviction }.count
        if evictions > 0 { evidence.append("\(evictions) pod eviction\(evictions == 1 ? "" : "s") from the node") }
        if !incident.affectedWorkloads.isEmpty {
            evidence.append("workloads with pods on it: \(incident.affectedWorkloads.prefix(6).joined(separator: ", "))\(incident.affectedWorkloads.count > 6 ? ", …" : "")")
        }
        let drain = IncidentAction("replace-node", summary: "Cordon and drain \(name); the \(node?.nodepool != nil ? "NodePool" : "node group") replaces it",
                                   command: IncidentFacts.drainCommand(name))
        if let pressure = node?.pressures.first {
            incident.rootCause = RootCause("node-\(pressure.replacingOccurrences(of: "Pressure", with: "").lowercased())-pressure",
                                           summary: "node under \(pressure) until it stopped being Ready", confidence: 0.75, evidence: evidence)
        } else if let interruption = incident.first(["SpotInterrupted", "TerminatingOnInterruption", "InstanceTerminating"]) {
            evidence.append(interruption.detail)
            incident.rootCause = RootCause("spot-interruption", summary: "EC2 reclaimed the spot instance", confidence: 0.9, evidence: evidence)
        } else {
            incident.rootCause = RootCause("node-failure", summary: "the kubelet stopped reporting: instance or kubelet failure",
                                           confidence: 0.75, evidence: evidence)
        }
        incident.actions = [drain]
        return true
    }

    private func kubeletsUnscraped(_ incident: inout Incident, _ context: IncidentContext) {
        let nodes = context.cluster.nodes.filter { !$0.isFargate }
        let notReady = nodes.filter { !$0.ready }.map(\.name).sorted()
        var evidence = incident.alertDetails(3)
        evidence.append("\(nodes.count - notReady.count) of \(nodes.count) node\(nodes.count == 1 ? "" : "s") Ready in the snapshot"
            + (notReady.isEmpty ? "" : "; not Ready: \(notReady.prefix(6).joined(separator: ", "))"))
        if !notReady.isEmpty && notReady.count == nodes.count {
            incident.rootCause = RootCause("node-failure", summary: "no node of the cluster is Ready: the nodes or their network are down",
                                           confidence: 0.7, evidence: evidence)
            incident.actions = [IncidentAction("inspect-nodes", summary: "Check the node groups and NodePools and the VPC's routes", command: "kubectl get nodes -o wide")]
            return
        }
        incident.rootCause = RootCause("kubelet-scrape-failing",
                                       summary: "Prometheus reaches no kubelet while the API server sees \(notReady.isEmpty ? "every node" : "nodes") Ready: the scrape fails (ServiceMonitor, TLS or NetworkPolicy), not the nodes",
                                       confidence: notReady.isEmpty ? 0.75 : 0.5, evidence: evidence)
        let probe = (nodes.first { $0.ready } ?? nodes.first).map { "kubectl get --raw /api/v1/nodes/\(Shell.quoted($0.name))/proxy/metrics | head -n 5" }
        incident.actions = [IncidentAction("fix-monitoring", summary: "Check the kubelet scrape: its ServiceMonitor, Prometheus' targets page, and that the kubelet answers through the API server",
                                           command: probe)]
    }
}
