import Foundation

/// A workload that does not reach what its spec asks: kubernetes-mixin's rollout and replica alerts,
/// KubePodNotReady, KubeContainerWaiting. Crashing pods and pods the scheduler cannot place are incidents
/// of their own that take these alerts in (see `IncidentGrouping`); what is left is read from the pods, in
/// order: an image that cannot be pulled, a container that cannot be created from its spec (a missing
/// ConfigMap, Secret or key), a readiness probe that fails; then a rollout that began shortly before
/// (`bad-rollout`), else `rollout-stalled` with the replica counts. Each cause that began with a rollout
/// is rolled back to the previous revision.
struct RolloutAnalyzer: IncidentAnalyzer {
    let category = IncidentCategory.rollout

    static let imagePullReasons: Set<String> = ["ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull"]
    static let createReasons: Set<String> = ["CreateContainerConfigError", "CreateContainerError", "RunContainerError"]
    /// The mixin's workload alerts fire after `for: 15m`: a rollout that long before the first one may be theirs.
    static let alertDelay: TimeInterval = 15 * 60

    func analyze(_ incident: inout Incident, _ context: IncidentContext) -> Bool {
        guard let key = incident.subject.workload else { return false }
        let pods = context.cluster.pods(of: key).filter { $0.deletingSince == nil }
        var evidence = incident.alertDetails(3)
        if let workload = context.cluster.workloads[key], let desired = workload.desiredReplicas {
            evidence.append("\(key.kind) \(key): \(workload.readyReplicas ?? 0) of \(desired) replicas ready")
        }
        // Waiting containers: from the pods, else the reason an alert carried (KubeContainerWaiting's `reason`).
        var waiting: [(pod: String, container: String, reason: String)] = pods.flatMap { pod in
            (pod.initContainers + pod.containers).compactMap { container in
                container.waitingReason.map { (pod.name, container.name, $0) }
            }
        }
        if waiting.isEmpty {
            waiting = incident.signals.compactMap { signal in
                guard let reason = signal.object?.split(separator: " ").dropFirst().first, signal.object?.hasPrefix("reason ") == true,
                    let pod = signal.pod?.split(separator: "/").last
                else { return nil }
                return (String(pod), signal.container ?? "?", String(reason))
            }
        }
        incident.affectedPods = Set(incident.podsNamed + waiting.map { "\(key.namespace)/\($0.pod)" }).sorted()
        incident.container = incident.mainContainer ?? waiting.first?.container
        let rollout = context.cluster.workloads[key]?.rollout.flatMap { rollout -> Observed.Workload.Rollout? in
            guard let started = rollout.startedAt.flatMap(RFC3339.date), let start = incident.start else { return nil }
            let lead = start.timeIntervalSince(started)
            return lead >= -300 && lead <= context.config.rolloutWindow + Self.alertDelay ? rollout : nil
        }
        var actions: [IncidentAction] = []
        if let rollout, let previous = rollout.previousRevision {
            evidence.append("revision \(rollout.revision) rolled out at \(rollout.startedAt ?? "?")"
                + (rollout.images.isEmpty ? "" : " (\(rollout.images.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")))"))
            actions.append(IncidentAction("rollback", summary: "Roll \(key) back to revision \(previous)",
                                          command: "kubectl rollout undo \(IncidentFacts.kubectlTarget(key)) --to-revision=\(previous)"))
        }
        let describe = { (pod: String) in "kubectl describe \(IncidentFacts.kubectlObject("Pod", key.namespace, pod))" }
        let confidence = rollout == nil ? 0.7 : 0.85

        if let pull = waiting.first(where: { Self.imagePullReasons.contains($0.reason) }) {
            let image = pods.first { $0.name == pull.pod }.flatMap { pod in (pod.initContainers + pod.containers).first { $0.name == pull.container }?.image }
            evidence.append("pod \(pull.pod) container \(pull.container) waiting in \(pull.reason)" + (image.map { " for image \($0)" } ?? ""))
            incident.rootCause = RootCause("image-pull-failing", summary: "the nodes cannot pull \(image ?? "the container's image") (\(pull.reason))",
                                           confidence: confidence, evidence: evidence)
            incident.actions = actions + [IncidentAction(
                "fix-image", summary: "Check the image name and tag, and that the node role or the pod's imagePullSecrets may read the registry",
                command: describe(pull.pod))]
            return true
        }
        if let create = waiting.first(where: { Self.createReasons.contains($0.reason) }) {
            evidence.append("pod \(create.pod) container \(create.container) waiting in \(create.reason)")
            incident.rootCause = RootCause("container-config-error",
                                           summary: "container \(create.container) cannot be created from its spec (\(create.reason): a missing ConfigMap, Secret or key, or a bad command)",
                                           confidence: confidence, evidence: evidence)
            incident.actions = actions + [IncidentAction("fix-config", summary: "Read the pod's events for the missing object or key", command: describe(create.pod))]
            return true
        }
        let readiness = incident.signals.filter { $0.name == "Unhealthy" && $0.detail.contains("Readiness") }
        if !readiness.isEmpty {
            evidence += readiness.prefix(3).map(\.detail)
            incident.rootCause = RootCause("readiness-probe-failing", summary: "the pods run but their readiness probe fails, so they never count as available",
                                           confidence: confidence, evidence: evidence)
            incident.actions = actions + [IncidentAction(
                "fix-readiness-probe", summary: "Check what the readiness probe asks and why the application does not answer it",
                command: "kubectl get \(IncidentFacts.kubectlObject(key.kind, key.namespace, key.name)) -o jsonpath='{.spec.template.spec.containers[*].readinessProbe}'")]
            return true
        }
        let describeWorkload = "kubectl describe \(IncidentFacts.kubectlObject(key.kind, key.namespace, key.name))"
        let status = ["Deployment", "StatefulSet", "DaemonSet"].contains(key.kind)
            ? "kubectl rollout status \(IncidentFacts.kubectlTarget(key)) --timeout=30s; \(describeWorkload)" : describeWorkload
        if let rollout, rollout.previousRevision != nil {
            incident.rootCause = RootCause("bad-rollout", summary: "revision \(rollout.revision) has not become available since it rolled out",
                                           confidence: 0.6, evidence: evidence)
            incident.actions = actions + [IncidentAction("inspect-rollout", summary: "See which replicas of the new revision are not ready, and why", command: status)]
            return true
        }
        if let reason = waiting.first {
            evidence.append("pod \(reason.pod) container \(reason.container) waiting in \(reason.reason)")
        }
        evidence.append("no rollout in the \(IncidentFacts.duration(context.config.rolloutWindow + Self.alertDelay)) before, no image, config or probe failure in the snapshot")
        incident.rootCause = RootCause("rollout-stalled", summary: "the workload's pods do not become ready; the snapshot does not say why",
                                       confidence: 0.4, evidence: evidence)
        incident.actions = [IncidentAction("inspect-rollout", summary: "See which replicas are not ready, and why", command: status)]
        return true
    }
}
