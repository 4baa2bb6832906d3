import Foundation

/// A container close to its memory limit that has not been killed yet. A steady climb is a leak on its way
/// to an OOM kill (with the time left); a level near the limit wants a larger limit before it is killed.
struct MemoryPressureAnalyzer: IncidentAnalyzer {
    let category = IncidentCategory.memoryPressure

    func analyze(_ incident: inout Incident, _ context: IncidentContext) -> Bool {
        guard let key = incident.subject.workload, let workload = context.cluster.workloads[key] else { return false }
        let containerName = incident.mainContainer ?? workload.longRunningContainers.first?.name
        incident.container = containerName
        incident.affectedPods = incident.podsNamed
        guard let spec = context.container(key, containerName), let usage = context.usage(key, containerName) else {
            incident.rootCause = RootCause("memory-near-limit", summary: "memory near the limit (no usage series to say more)", confidence: 0.4,
                                           evidence: incident.signals.map(\.detail).prefix(3).map { $0 })
            return true
        }
        let peak = usage.memory["max"] ?? 0
        var evidence = spec.limits.memory.map { ["memory limit \(Units.memory($0)); peak working set \(Units.memory(bytes: peak)) (\(IncidentFacts.percent(peak / Double($0))) of it)"] } ?? []
        evidence += incident.alertDetails(2)
        if let series = usage.series, let trend = MemoryTrend.leak(in: series.memory) {
            let rate = IncidentFacts.perHour(trend.slopePerStep, series)
            let left = spec.limits.memory.map { max(0, Double($0) - trend.to) / max(rate, 1) }
            evidence.append("working set climbs about \(Units.memory(bytes: rate))/h since \(IncidentFacts.time(trend.firstIndex, series))")
            incident.rootCause = RootCause(
                "memory-leak", summary: "memory leak: climbing about \(Units.memory(bytes: rate))/h" + (left.map { ", the limit is ~\(IncidentFacts.duration($0 * 3600)) away" } ?? ""),
                confidence: 0.7, evidence: evidence)
            incident.actions = [IncidentAction("investigate-memory-leak", summary: "Find what keeps allocating before the OOM kill",
                                               command: "kubectl top pod -n \(Shell.quoted(key.namespace)) --containers")]
            return true
        }
        incident.rootCause = RootCause("memory-near-limit", summary: "the working set runs near the memory limit: the next burst is an OOM kill",
                                       confidence: 0.7, evidence: evidence)
        if let finding = ProvisioningFindings.memoryRequest(workload, spec, usage, why: "running near its memory limit", context.detection) {
            incident.actions = [IncidentAction("raise-memory", summary: finding.summary, finding: finding)]
        }
        return true
    }
}
