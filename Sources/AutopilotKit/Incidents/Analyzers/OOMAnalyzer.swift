import Foundation

/// A container killed for memory. A working set that climbs steadily to the limit and starts again after
/// each kill is a leak (`MemoryTrend`): find it, and raise the memory meanwhile. One that sits near the
/// limit is a limit too low: raise it (the memory detector's `under-provisioned-memory` finding, the same
/// one detect-waste opens). A leak that began with a rollout is that rollout's: roll back first.
struct OOMAnalyzer: IncidentAnalyzer {
    let category = IncidentCategory.oom

    func analyze(_ incident: inout Incident, _ context: IncidentContext) -> Bool {
        guard let key = incident.subject.workload else { return false }
        let containerName = incident.mainContainer
        incident.container = containerName
        let spec = context.container(key, containerName)
        let usage = context.usage(key, containerName)
        let limit = spec?.limits.memory
        let peak = usage?.memory["max"]
        let kills = max(Int64(incident.signals.filter { $0.name == "OOMKilled" }.count), usage?.oomKills ?? 0)
        let restarts = IncidentFacts.restarts(key, containerName, context)
        var evidence = ["\(kills) OOM kill\(kills == 1 ? "" : "s") of container \(containerName ?? "?") (\(restarts) restarts across its pods) from \(incident.start.map(RFC3339.string) ?? "a time the data does not give")"]
        if let limit, let peak {
            evidence.append("memory limit \(Units.memory(limit)); peak working set \(Units.memory(bytes: peak)) (\(IncidentFacts.percent(peak / Double(limit))) of the limit)")
        } else if limit == nil {
            evidence.append("no memory limit: killed by the node's OOM killer, the node ran out of memory")
        }
        let leak = usage?.series.flatMap { series in MemoryTrend.leak(in: series.memory).map { ($0, series) } }
        var actions: [IncidentAction] = []
        let raise = spec.flatMap { container in
            usage.flatMap { usage in context.cluster.workloads[key].flatMap { OverRequestedMemory().increase(container, of: $0, usage, context.detection) } }
        }
        if let (trend, series) = leak {
            let rate = IncidentFacts.perHour(trend.slopePerStep, series)
            evidence.append("working set climbs steadily: \(Units.memory(bytes: trend.from)) at \(IncidentFacts.time(trend.firstIndex, series)) to \(Units.memory(bytes: trend.to)) at \(IncidentFacts.time(trend.lastIndex, series)), about \(Units.memory(bytes: rate))/h (Theil–Sen), in \(trend.climbs) climb\(trend.climbs == 1 ? "" : "s") reset by restarts")
            let rollout = IncidentContext.time(of: trend.firstIndex, in: series).flatMap { IncidentFacts.rollout(before: $0, of: key, context) }
            if let rollout, let previous = rollout.previousRevision {
                evidence.append("revision \(rollout.revision) rolled out at \(rollout.startedAt ?? "?"), as the climb began")
                actions.append(IncidentAction("rollback", summary: "Roll \(key) back to revision \(previous) while the leak is found",
                                              command: "kubectl rollout undo \(IncidentFacts.kubectlTarget(key)) --to-revision=\(previous)"))
            }
            actions.append(IncidentAction("investigate-memory-leak",
                                          summary: "Find what \(containerName ?? "the container") keeps allocating (heap profile of a pod a few hours after start)",
                                          command: "kubectl top pod -n \(Shell.quoted(key.namespace)) --containers"))
            if let raise {
                actions.append(IncidentAction("raise-memory", summary: "Mitigation: " + raise.summary, finding: raise))
            }
            let hoursToLimit = limit.map { (Double($0) - trend.from) / max(rate, 1) }
            incident.rootCause = RootCause(
                "memory-leak",
                summary: "memory leak: the working set grows about \(Units.memory(bytes: rate))/h until the \(limit.map(Units.memory) ?? "node's") limit kills it"
                    + (hoursToLimit.map { " (~\(IncidentFacts.duration($0 * 3600)) after each start)" } ?? ""),
                confidence: trend.climbs > 1 ? 0.85 : 0.75, evidence: evidence)
        } else {
            let nearLimit = limit.flatMap { limit in peak.map { $0 >= 0.9 * Double(limit) } } ?? false
            if let raise { actions.append(IncidentAction("raise-memory", summary: raise.summary, finding: raise)) }
            incident.rootCause = RootCause(
                "memory-limit-too-low",
                summary: "memory limit too low for the container's working set" + (limit.map { " (\(Units.memory($0)))" } ?? ""),
                confidence: nearLimit ? 0.85 : 0.6,
                evidence: evidence + [nearLimit ? "the working set reaches the limit without a steady climb: the load needs more memory" :
                                        "the sampled peak stays under the limit: a short allocation burst between samples"])
        }
        incident.actions = actions
        incident.affectedPods = incident.podsNamed
        return true
    }
}
