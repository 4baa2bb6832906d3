import Foundation

/// A Job that failed (KubeJobFailed: it ran out of retries) or has run for more than 12 hours
/// (KubeJobNotCompleted). A Job killed for memory is the OOM incident's, which takes these alerts in;
/// otherwise the pods' last exits say how it failed: `job-pods-failing` with their exit codes, or
/// `job-running-too-long`. The Job is named by the alert (`job_name`); its workload is the Job, or the
/// CronJob that made it.
struct JobFailedAnalyzer: IncidentAnalyzer {
    let category = IncidentCategory.jobFailed

    func analyze(_ incident: inout Incident, _ context: IncidentContext) -> Bool {
        guard let key = incident.subject.workload else { return false }
        let jobs = Set(incident.objects("job/")).sorted()
        // The Job's own pods when the snapshot tells them apart (`<job>-<suffix>`), else the workload's.
        let ofWorkload = context.cluster.pods(of: key)
        let ofJob = ofWorkload.filter { pod in jobs.contains { pod.name.hasPrefix("\($0)-") } }
        let pods = ofJob.isEmpty ? ofWorkload : ofJob
        let failed = pods.filter { pod in pod.phase == "Failed" || pod.containers.contains { $0.restarts > 0 || ($0.lastTermination?.exitCode ?? 0) != 0 } }
        incident.affectedPods = failed.map { "\($0.namespace)/\($0.name)" }.sorted()
        let exits = failed.flatMap(\.containers).compactMap { container in
            container.lastTermination?.exitCode.map { "container \(container.name) exit \($0)" + ((container.lastTermination?.reason).map { " (\($0))" } ?? "") }
        }
        var evidence = incident.alertDetails(3)
        if !failed.isEmpty {
            evidence.append("\(failed.count) failed pod\(failed.count == 1 ? "" : "s")" + (exits.isEmpty ? "" : ": \(Set(exits).sorted().prefix(4).joined(separator: "; "))"))
        }
        let logs = jobs.first.map { "kubectl logs -n \(Shell.quoted(key.namespace)) job/\(Shell.quoted($0)) --all-containers" }
            ?? failed.first.map { "kubectl logs -n \(Shell.quoted($0.namespace)) \(Shell.quoted($0.name)) --all-containers" }
        let stillRunning = incident.signals.contains { $0.name == "KubeJobNotCompleted" } && !incident.signals.contains { $0.name == "KubeJobFailed" }
        if stillRunning {
            incident.rootCause = RootCause("job-running-too-long", summary: "\(jobs.first.map { "Job \($0)" } ?? "the Job") has been running for more than 12 hours",
                                           confidence: 0.6, evidence: evidence)
            incident.actions = [IncidentAction("inspect-logs", summary: "See whether the Job progresses or hangs; give it an activeDeadlineSeconds", command: logs)]
            return true
        }
        let codes = Set(failed.flatMap(\.containers).compactMap(\.lastTermination?.exitCode)).sorted()
        incident.rootCause = RootCause("job-pods-failing",
                                       summary: "\(jobs.first.map { "Job \($0)" } ?? "the Job")'s pods exit with an error" + (codes.isEmpty ? "" : " (code \(codes.map(String.init).joined(separator: ", ")))") + " until its retries run out",
                                       confidence: failed.isEmpty ? 0.5 : 0.75, evidence: evidence)
        incident.actions = [IncidentAction("inspect-logs", summary: "Read the failed pods' last log lines", command: logs)]
        return true
    }
}
