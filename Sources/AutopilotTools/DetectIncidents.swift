import ArgumentParser
import AutopilotKit
import Foundation

struct DetectIncidents: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect-incidents",
        abstract: "Group alerts, events, pod and node status and usage anomalies into incidents with a root cause and actions.",
        discussion: """
            Reads the stream (node, pod, workload, event, usage records; alert records from receive-alerts on \
            stdin or, with --alerts, from its spool), forwards it unchanged, and appends one `incident` record per \
            incident: signals about one workload or node in one stretch of time (further apart than --gap are \
            two), classified (oom, crashloop, eviction, cpu-saturation, memory-pressure, node-not-ready, \
            failed-scheduling, latency, disruption, anomaly, rollout, job-failed, capacity, storage), with \
            rootCause{hypothesis, summary, confidence, \
            evidence[]} and actions[]. An action that changes resources is also appended as a `finding` \
            (under-provisioned-memory, under-provisioned-cpu) for score-risk and emit-pr, unless the stream \
            already carries a finding with its id (detect-waste's).

            Usage anomalies: the modified z-score (median and MAD) of each container's CPU and memory series; \
            see docs/tools/receive-alerts-and-detect-incidents.md.

            Examples:
              collect-cluster --from fixtures/chaos/bad-rollout/cluster | collect-metrics --from fixtures/chaos/bad-rollout/prometheus \\
                | detect-incidents --alerts fixtures/chaos/bad-rollout/alerts.records.ndjson | jq 'select(.kind=="incident")'
              ... | detect-incidents --alerts /var/lib/autopilot/alerts --since 24h | score-risk | emit-pr ...
            """)

    @Option(help: ArgumentHelp("receive-alerts' spool directory, or one file of alert records.", valueName: "path"))
    var alerts: String?

    @Option(help: ArgumentHelp("With --alerts: only spool files of days that overlap this long before now.", valueName: "duration"))
    var since: String = "7d"

    @Option(help: ArgumentHelp("Signals about one target further apart than this are separate incidents.", valueName: "duration"))
    var gap: String = "2h"

    @Option(help: ArgumentHelp("A rollout this long before the first crash is suspected.", valueName: "duration"))
    var rolloutWindow: String = "30m"

    @Option(help: ArgumentHelp("Modified z-score above which a usage point is anomalous.", valueName: "z"))
    var anomalyThreshold: Double = 3.5

    @OptionGroup var pricing: PricingOptions

    @Option(help: Moment.help("\"Now\" (default: the latest time in the data)."))
    var now: Moment?

    @OptionGroup var options: FilterOptions

    func validate() throws {
        for (name, value) in [("--since", since), ("--gap", gap), ("--rollout-window", rolloutWindow)] where Duration(value) == nil {
            throw ValidationError("\(name): '\(value)' is not a duration like 2h")
        }
        if let alerts, !FileManager.default.fileExists(atPath: alerts) { throw ValidationError("--alerts: \(alerts) does not exist") }
        if anomalyThreshold <= 0 { throw ValidationError("--anomaly-threshold must be above 0") }
    }

    func run() throws {
        let diagnostics = options.diagnostics("detect-incidents")
        var filter = IncidentFilter(diagnostics: diagnostics)
        filter.config.gap = TimeInterval(Duration(gap)!.seconds)
        filter.config.rolloutWindow = TimeInterval(Duration(rolloutWindow)!.seconds)
        filter.config.anomalyThreshold = anomalyThreshold
        filter.now = now?.date
        filter.costs = try pricing.costModel()
        try FilterRun.run(diagnostics) { reader, writer in
            let input = try filter.read(reader, forwardingTo: writer, spoolFiles: try spoolFiles())
            let output = filter.analyze(input)
            for incident in output.incidents { try writer.write(incident.json) }
            for finding in output.findings { try writer.write(finding.json) }
            try writer.flush()
            if !output.unknownAlerts.isEmpty {
                diagnostics.warning("alerts not classified (kept out of incidents): \(output.unknownAlerts.joined(separator: ", "))")
            }
            if options.summary { diagnostics.note(IncidentFilter.summary(output)) }
        }
    }

    /// The spool files to read: one file as given, or a directory's `alerts-DAY.ndjson` of the days --since covers.
    private func spoolFiles() throws -> [String] {
        guard let alerts else { return [] }
        guard FileIO.isDirectory(alerts) else { return [alerts] }
        let reference = now?.date ?? Date()
        let first = AlertSpool.fileName(for: reference.addingTimeInterval(-Double(Duration(since)!.seconds)))
        return try FileIO.list(alerts).filter { $0.hasPrefix("alerts-") && $0.hasSuffix(".ndjson") && $0 >= first }.sorted().map { "\(alerts)/\($0)" }
    }
}
