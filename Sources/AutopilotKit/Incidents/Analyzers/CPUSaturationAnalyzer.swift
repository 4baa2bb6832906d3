import Foundation

/// A container at its CPU ceiling. Throttled at a limit (CFS throttling over the threshold, or usage at the
/// limit): the limit is too low for the load; raise it (an `under-provisioned-cpu` finding). No limit, but
/// well over its request: the request is too low and the container lives on what neighbours leave.
struct CPUSaturationAnalyzer: IncidentAnalyzer {
    let category = IncidentCategory.cpuSaturation

    func analyze(_ incident: inout Incident, _ context: IncidentContext) -> Bool {
        guard let key = incident.subject.workload, let workload = context.cluster.workloads[key] else { return false }
        let containerName = incident.mainContainer ?? workload.longRunningContainers.first?.name
        incident.container = containerName
        incident.affectedPods = incident.podsNamed
        guard let spec = context.container(key, containerName) else { return false }
        let usage = context.usage(key, containerName)
        let throttled = usage?.throttledRatio ?? 0
        let p95 = usage?.cpu["p95"] ?? 0
        let peak = usage?.cpu["max"] ?? 0
        var evidence: [String] = []
        // A limit of 0 limits nothing (the kubelet sets no quota for it).
        if let limit = spec.limits.cpu, limit > 0 {
            evidence.append("CPU limit \(Units.cpu(limit)); usage p95 \(Units.cpu(p95)), peak \(Units.cpu(peak)) (\(IncidentFacts.percent(peak / limit)) of the limit)")
        }
        if let request = spec.requests.cpu { evidence.append("CPU request \(Units.cpu(request))") }
        if usage?.throttledRatio != nil { evidence.append("throttled in \(IncidentFacts.percent(throttled)) of CFS periods over the window") }
        evidence += incident.signals.filter { $0.source == .usage || $0.source == .alert }.map(\.detail).prefix(4)
        let latency = incident.signals.filter { $0.category == .latency }
        if !latency.isEmpty { evidence.append("latency alerts in the same stretch: \(Set(latency.map(\.name)).sorted().joined(separator: ", "))") }

        let why: String
        if let limit = spec.limits.cpu, limit > 0, throttled >= context.config.throttledRatio || peak >= 0.9 * limit {
            why = "throttled \(IncidentFacts.percent(throttled)) at its \(Units.cpu(limit)) limit"
            incident.rootCause = RootCause(
                "cpu-limit-too-low", summary: "CPU limit too low for the load: \(why)",
                confidence: throttled >= context.config.throttledRatio ? 0.85 : 0.65, evidence: evidence)
        } else if let request = spec.requests.cpu, p95 > request {
            why = "p95 \(Units.cpu(p95)) above its \(Units.cpu(request)) request"
            incident.rootCause = RootCause(
                "cpu-request-too-low", summary: "CPU request too low: \(why), so it gets only what neighbours leave",
                confidence: 0.7, evidence: evidence)
        } else {
            incident.rootCause = RootCause(
                "cpu-spike", summary: "a short CPU spike; sustained usage stays within the request and limit",
                confidence: 0.5, evidence: evidence)
            incident.actions = [IncidentAction("investigate-load", summary: "Look for the traffic or job that drove the spike",
                                               command: "kubectl top pod -n \(Shell.quoted(key.namespace)) --containers")]
            return true
        }
        if let usage, let finding = ProvisioningFindings.cpu(workload, spec, usage, why: why, context.detection) {
            incident.actions = [IncidentAction("raise-cpu", summary: finding.summary, finding: finding)]
        }
        return true
    }
}
