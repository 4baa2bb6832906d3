import Foundation

/// A container that keeps crashing. Crashes that begin right after a rollout (a new revision within the
/// rollout window before the first crash) are the rollout's: roll back to the previous revision, whose
/// image is named. Otherwise: killed by a failing liveness probe (probe events, exit 137), or an
/// application error (its exit code): read its logs.
struct CrashLoopAnalyzer: IncidentAnalyzer {
    let category = IncidentCategory.crashloop

    func analyze(_ incident: inout Incident, _ context: IncidentContext) -> Bool {
        guard let key = incident.subject.workload else { return false }
        let containerName = incident.mainContainer
        incident.container = containerName
        incident.affectedPods = incident.podsNamed
        let firstCrash = incident.signals.filter { $0.category == .crashloop }.compactMap(\.at).min() ?? incident.start
        let statuses = context.cluster.pods(of: key).flatMap { pod in pod.containers.map { (pod, $0) } }
            .filter { containerName == nil || $0.1.name == containerName }
        let crashing = statuses.filter { $0.1.waitingReason == "CrashLoopBackOff" || $0.1.restarts > 0 }
        let exitCodes = Set(crashing.compactMap(\.1.lastTermination?.exitCode)).sorted()
        let restarts = IncidentFacts.restarts(key, containerName, context)
        var evidence = ["first crash at \(firstCrash.map(RFC3339.string) ?? "a time the data does not give"); \(restarts) restarts across \(crashing.count) pod\(crashing.count == 1 ? "" : "s")"
            + (exitCodes.isEmpty ? "" : "; last exit code\(exitCodes.count == 1 ? "" : "s") \(exitCodes.map(String.init).joined(separator: ", "))")]
        let logs = "kubectl logs -n \(Shell.quoted(key.namespace)) \(crashing.first.map { "pod/\(Shell.quoted($0.0.name))" } ?? "\(key.kind.lowercased())/\(Shell.quoted(key.name))")"
            + (containerName.map { " -c \(Shell.quoted($0))" } ?? "") + " --previous"

        if let firstCrash, let rollout = IncidentFacts.rollout(before: firstCrash, of: key, context), let previous = rollout.previousRevision {
            let image = containerName.flatMap { rollout.images[$0] } ?? rollout.images.values.sorted().first ?? "?"
            let previousImage = containerName.flatMap { rollout.previousImages[$0] } ?? rollout.previousImages.values.sorted().first ?? "?"
            let lead = firstCrash.timeIntervalSince(rollout.startedAt.flatMap(RFC3339.date) ?? firstCrash)
            evidence.append("revision \(rollout.revision) (image \(image)) rolled out at \(rollout.startedAt ?? "?"), \(IncidentFacts.duration(max(lead, 0))) before the first crash")
            evidence.append("revision \(previous) ran image \(previousImage)" + (image == previousImage ? " (same image: the pod spec or config changed)" : ""))
            let healthy = statuses.filter { $0.1.image == previousImage && $0.1.waitingReason == nil }.count
            if healthy > 0 { evidence.append("\(healthy) pod\(healthy == 1 ? "" : "s") still on revision \(previous)'s image run without crashing") }
            incident.rootCause = RootCause(
                "bad-rollout", summary: "bad rollout: revision \(rollout.revision) (\(image)) crashes since it rolled out",
                confidence: healthy > 0 ? 0.9 : 0.8, evidence: evidence)
            incident.actions = [
                IncidentAction("rollback", summary: "Roll \(key) back to revision \(previous) (image \(previousImage))",
                               command: "kubectl rollout undo \(IncidentFacts.kubectlTarget(key)) --to-revision=\(previous)"),
                IncidentAction("inspect-logs", summary: "Read why revision \(rollout.revision) exits before rolling forward again", command: logs),
            ]
            return true
        }
        let probeFailures = incident.signals.filter { $0.name == "Unhealthy" && $0.detail.contains("Liveness") }
        if !probeFailures.isEmpty || exitCodes == [137] {
            evidence += probeFailures.prefix(3).map(\.detail)
            evidence.append("no rollout in the \(IncidentFacts.duration(context.config.rolloutWindow)) before the first crash")
            incident.rootCause = RootCause(
                "liveness-probe-failing", summary: "the liveness probe fails and the kubelet kills the container (exit 137) before it is ready",
                confidence: probeFailures.isEmpty ? 0.55 : 0.8, evidence: evidence)
            incident.actions = [IncidentAction("fix-liveness-probe",
                                               summary: "Give the probe room: a startupProbe, or a longer initialDelaySeconds/timeoutSeconds",
                                               command: "kubectl get \(IncidentFacts.kubectlObject(key.kind, key.namespace, key.name)) -o jsonpath='{.spec.template.spec.containers[*].livenessProbe}'")]
            return true
        }
        evidence.append("no rollout in the \(IncidentFacts.duration(context.config.rolloutWindow)) before the first crash and no OOM kill")
        incident.rootCause = RootCause(
            "application-error", summary: "the application exits with an error on start" + (exitCodes.isEmpty ? "" : " (code \(exitCodes.map(String.init).joined(separator: ", ")))"),
            confidence: 0.6, evidence: evidence)
        incident.actions = [IncidentAction("inspect-logs", summary: "Read the crashed container's last log lines", command: logs)]
        return true
    }
}
