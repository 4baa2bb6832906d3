import Foundation

/// Slow responses from a workload. The analyzer rules out what the cluster can see, in order: a rollout
/// just before, restarts, CPU throttling, a NotReady node under its pods. What is left, with CPU and memory
/// normal, is the network or a dependency: the evidence says what was ruled out, and why.
struct LatencyAnalyzer: IncidentAnalyzer {
    let category = IncidentCategory.latency

    func analyze(_ incident: inout Incident, _ context: IncidentContext) -> Bool {
        guard let key = incident.subject.workload, let workload = context.cluster.workloads[key] else { return false }
        incident.affectedPods = context.cluster.pods(of: key).filter { $0.phase == "Running" }.map { "\($0.namespace)/\($0.name)" }.sorted()
        let start = incident.start
        var evidence = incident.alertDetails(2)

        if let rollout = IncidentFacts.rollout(before: start, of: key, context), let previous = rollout.previousRevision {
            evidence.append("revision \(rollout.revision) rolled out at \(rollout.startedAt ?? "?"), just before the latency began")
            incident.rootCause = RootCause("bad-rollout", summary: "latency since revision \(rollout.revision) rolled out", confidence: 0.7, evidence: evidence)
            incident.actions = [IncidentAction("rollback", summary: "Roll \(key) back to revision \(previous)",
                                               command: "kubectl rollout undo \(IncidentFacts.kubectlTarget(key)) --to-revision=\(previous)")]
            return true
        }
        let restarts = IncidentFacts.restarts(key, nil, context)
        var checked: [String] = []
        var throttledContainer: (Observed.Container, Observed.Usage)?
        for container in workload.longRunningContainers {
            guard let usage = context.usage(key, container.name) else { continue }
            let throttled = usage.throttledRatio ?? 0
            let p95 = usage.cpu["p95"] ?? 0
            let ceiling = container.limits.cpu ?? container.requests.cpu
            checked.append("container \(container.name): CPU p95 \(Units.cpu(p95))" + (ceiling.map { " of \(Units.cpu($0)) \(container.limits.cpu != nil ? "limit" : "request")" } ?? "")
                + ", throttled \(IncidentFacts.percent(throttled)), memory peak \(Units.memory(bytes: usage.memory["max"] ?? 0))"
                + (container.limits.memory.map { " of \(Units.memory($0))" } ?? ""))
            if throttled >= context.config.throttledRatio { throttledContainer = (container, usage) }
        }
        if let (container, usage) = throttledContainer {
            let why = "throttled \(IncidentFacts.percent(usage.throttledRatio ?? 0)) of CFS periods while latency alerts fired"
            evidence += checked
            incident.container = container.name
            incident.rootCause = RootCause("cpu-throttling", summary: "CPU throttling: \(why)", confidence: 0.75, evidence: evidence)
            if let finding = ProvisioningFindings.cpu(workload, container, usage, why: why, context.detection) {
                incident.actions = [IncidentAction("raise-cpu", summary: finding.summary, finding: finding)]
            }
            return true
        }
        let podNodes = Set(context.cluster.pods(of: key).compactMap(\.node))
        let downNodes = context.cluster.nodes.filter { podNodes.contains($0.name) && !$0.ready }.map(\.name).sorted()
        if !downNodes.isEmpty {
            evidence.append("pods run on NotReady node\(downNodes.count == 1 ? "" : "s") \(downNodes.joined(separator: ", "))")
            incident.rootCause = RootCause("node-failure", summary: "pods on a failed node", confidence: 0.7, evidence: evidence)
            incident.actions = [IncidentAction("replace-node", summary: "Drain \(downNodes.joined(separator: ", ")) so its pods move",
                                               command: downNodes.map { "kubectl drain \(Shell.quoted($0)) --ignore-daemonsets --delete-emptydir-data" }.joined(separator: " && "))]
            return true
        }
        evidence += checked
        evidence.append("\(restarts) container restarts; no rollout in the \(IncidentFacts.duration(context.config.rolloutWindow)) before; all nodes under its pods Ready")
        guard restarts == 0 else {
            incident.rootCause = RootCause("pod-restarts", summary: "latency while containers restart (\(restarts) restarts)", confidence: 0.5, evidence: evidence)
            incident.actions = [IncidentAction("inspect-logs", summary: "Read why the containers restart",
                                               command: "kubectl logs \(IncidentFacts.kubectlTarget(key)) --previous")]
            return true
        }
        incident.rootCause = RootCause(
            "network-or-dependency",
            summary: "latency not explained by CPU, memory, restarts, a rollout or a node: the network path or a dependency is slow",
            confidence: 0.65, evidence: evidence)
        incident.actions = [IncidentAction(
            "investigate-network",
            summary: "Check the latency of \(key)'s dependencies and the network between them (DNS, NetworkPolicy, service mesh, cross-zone paths); no resource change helps",
            command: "kubectl get networkpolicy,endpoints -n \(Shell.quoted(key.namespace))")]
        return true
    }
}
