import Foundation

/// Pods stopped by the kubelet (`Killing`) that nothing in the cluster explains: no rollout, no scale-down,
/// no eviction, OOM kill or failed node (those incidents absorb their kills first). Something deleted them:
/// a person, a script, a chaos experiment. The question for the owners is whether the workload rode it out:
/// one replica means it was down until the replacement started; several without a PodDisruptionBudget
/// can all go at once.
struct DisruptionAnalyzer: IncidentAnalyzer {
    let category = IncidentCategory.disruption

    func analyze(_ incident: inout Incident, _ context: IncidentContext) -> Bool {
        guard let key = incident.subject.workload else { return false }
        let kills = incident.signals.filter { $0.category == .disruption && !$0.detail.localizedCaseInsensitiveContains("liveness") }
        guard let first = kills.compactMap(\.at).min() else { return false }
        // Planned: a rollout or a scale-down of the workload around the kill.
        if IncidentFacts.rollout(before: first, of: key, context) != nil { return false }
        let events = context.cluster.events(about: "\(key.kind)/\(key.namespace)/\(key.name)")
            + context.cluster.events(about: "HorizontalPodAutoscaler/\(key.namespace)/\(key.name)")
        let scaledDown = events.contains { event in
            guard let at = event.lastTimestamp.flatMap(RFC3339.date), abs(at.timeIntervalSince(first)) <= 300 else { return false }
            return event.reason == "SuccessfulRescale" || (event.reason == "ScalingReplicaSet" && (event.message ?? "").contains("Scaled down"))
        }
        if scaledDown { return false }
        let killed = Set(kills.compactMap(\.pod))
        incident.affectedPods = killed.sorted()
        incident.container = kills.compactMap(\.container).first
        let pods = context.cluster.pods(of: key)
        let replacements = pods.filter { pod in
            !killed.contains("\(pod.namespace)/\(pod.name)") && (pod.createdAt.flatMap(RFC3339.date).map { $0 >= first.addingTimeInterval(-5) } ?? false)
        }.sorted { ($0.createdAt ?? "") < ($1.createdAt ?? "") }
        let desired = context.cluster.workloads[key]?.desiredReplicas ?? Int64(pods.count)
        var evidence = kills.prefix(3).map(\.detail)
        evidence.append("no rollout, scale-down, eviction, OOM kill or node failure around \(RFC3339.string(first))")
        if let replacement = replacements.first, let created = replacement.createdAt.flatMap(RFC3339.date) {
            evidence.append("replacement pod \(replacement.name) created \(Int(created.timeIntervalSince(first).rounded()))s later, \(replacement.phase ?? "?")")
        }
        let pdbs = pods.first.map { context.cluster.pdbs(selecting: $0) } ?? []
        evidence.append("\(desired) desired replica\(desired == 1 ? "" : "s"); \(pdbs.isEmpty ? "no PodDisruptionBudget" : "PodDisruptionBudget \(pdbs.map(\.name).joined(separator: ", "))")")
        incident.rootCause = RootCause("pod-deleted", summary: "\(killed.count) pod\(killed.count == 1 ? "" : "s") deleted from outside the cluster's controllers",
                                       confidence: 0.8, evidence: evidence)
        if desired <= 1 {
            incident.actions = [IncidentAction("add-replicas", summary: "Run \(key) with 2 replicas and a PodDisruptionBudget (minAvailable: 1): with one, every deleted pod is an outage",
                                               command: "kubectl scale \(IncidentFacts.kubectlTarget(key)) --replicas=2")]
        } else if pdbs.isEmpty {
            incident.actions = [IncidentAction("add-pdb", summary: "Add a PodDisruptionBudget (maxUnavailable: 1) to \(key) so voluntary disruptions take one pod at a time",
                                               command: "kubectl create pdb \(Shell.quoted(key.name)) -n \(Shell.quoted(key.namespace)) --selector=\(Shell.quoted(selector(key, context))) --max-unavailable=1")]
        } else {
            incident.actions = [IncidentAction("none", summary: "\(key) rode it out: \(desired) replicas and a PodDisruptionBudget")]
        }
        return true
    }

    /// The pod template's labels as a kubectl selector.
    private func selector(_ key: Observed.WorkloadKey, _ context: IncidentContext) -> String {
        let labels = context.cluster.workloads[key]?.podLabels ?? [:]
        return labels.keys.sorted().map { "\($0)=\(labels[$0]!)" }.joined(separator: ",")
    }
}
