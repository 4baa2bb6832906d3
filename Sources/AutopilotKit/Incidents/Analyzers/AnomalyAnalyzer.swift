import Foundation

/// A usage anomaly no alert, event or status explains (see `RobustAnomaly`). Reported with its times so an
/// owner can match it to traffic or a job; memory that rose and stayed high is worth a look as a leak.
struct AnomalyAnalyzer: IncidentAnalyzer {
    let category = IncidentCategory.anomaly

    func analyze(_ incident: inout Incident, _ context: IncidentContext) -> Bool {
        guard let key = incident.subject.workload else { return false }
        incident.container = incident.mainContainer
        let resources = Set(incident.signals.map { $0.name.replacingOccurrences(of: "-anomaly", with: "") }).sorted()
        var evidence = incident.signals.map(\.detail)
        if let rollout = IncidentFacts.rollout(before: incident.start, of: key, context) {
            evidence.append("revision \(rollout.revision) rolled out at \(rollout.startedAt ?? "?"), just before")
        } else {
            evidence.append("no alert, event, restart or rollout of \(key) in the same stretch")
        }
        incident.rootCause = RootCause(
            "unexplained-\(resources.joined(separator: "-and-"))-anomaly",
            summary: "\(resources.joined(separator: " and ")) far above the window's usual level, with nothing in the cluster to explain it",
            confidence: 0.4, evidence: evidence)
        incident.actions = [IncidentAction("investigate-load", summary: "Match the anomaly's times with traffic, batch jobs or deploys of \(key)",
                                           command: "kubectl top pod -n \(Shell.quoted(key.namespace)) --containers")]
        return true
    }
}
