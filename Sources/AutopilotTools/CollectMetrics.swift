import ArgumentParser
import AutopilotKit
import Foundation

struct CollectMetrics: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collect-metrics",
        abstract: "Add workload and node usage from Prometheus to a record stream.",
        discussion: """
            Input: NDJSON records on stdin, as collect-cluster writes them. Every line is forwarded unchanged; \
            the `workload`, `pod` and `node` records say what to ask about.

            Output: the input, then one `usage` record per (workload, container) — CPU p50/p90/p95/p99/max in \
            cores, memory p50/p95/p99/max in bytes, samples, OOM kills, throttled ratio and an hourly series — \
            and one `nodeusage` record per node. A workload's percentile is the highest of its pods' \
            percentiles over the window; pods that came and went count, joined through kube-state-metrics' \
            owner series. No samples: `samples: 0` and null figures, never made-up numbers.

            Prometheus is asked 9 queries per chunk of namespaces (CPU and memory at every step, cut into \
            pieces of --points-per-query; OOM, throttling and owners over the window) and 4 per 500 nodes \
            (POST, a few at a time, retried with backoff), never one per container. --capture saves every response; --from \
            replays them offline with the settings they were made with.

            Exit status: 0 ok, 64 usage, 65 malformed input lines, 69 Prometheus unreachable or a query \
            failed, 74 I/O error.

            Examples:
              collect-cluster --from fixtures/demo --cluster demo | collect-metrics --from fixtures/demo/prometheus
              collect-cluster | collect-metrics --prometheus http://prometheus:9090 --window 14d --capture cap/
              … | collect-metrics --prometheus https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1 --sigv4-region us-east-1
            """)

    @OptionGroup var connection: PrometheusOptions

    @Option(help: ArgumentHelp("Replay responses captured with --capture instead of asking a server.", valueName: "dir"))
    var from: String?

    @Option(help: ArgumentHelp("Save every response, with its query, for replay with --from.", valueName: "dir"))
    var capture: String?

    @Option(help: ArgumentHelp("How far back to look (default 14d, or the capture's).", valueName: "duration"))
    var window: String?

    @Option(help: ArgumentHelp("Resolution of the percentiles (default 5m, or the capture's).", valueName: "duration"))
    var step: String?

    @Option(help: ArgumentHelp("Resolution of the usage series kept for evidence and anomaly detection (default 1h, or the capture's); a multiple of --step.", valueName: "duration"))
    var seriesStep: String?

    @Option(help: ArgumentHelp("End of the window, RFC 3339 or Unix seconds (default: now, or the capture's).", valueName: "time"))
    var end: String?

    @Option(help: ArgumentHelp("Known pods per query at most (namespaces are grouped up to this).", valueName: "n"))
    var podsPerQuery: Int?

    @Option(help: ArgumentHelp("Points in one range query's answer at most (known pods × steps); a longer window goes in pieces.", valueName: "n"))
    var pointsPerQuery: Int?

    @Option(help: ArgumentHelp("Queries in flight at once.", valueName: "n"))
    var concurrency: Int = 4

    @Option(help: ArgumentHelp("Retries of a failed request, with doubling backoff from 0.5 s.", valueName: "n"))
    var retries: Int = 3

    @Flag(help: "Stop at the first malformed input line (exit 65).")
    var strict = false

    @Flag(help: "Print a one-line summary on stderr.")
    var summary = false

    func validate() throws {
        if (connection.prometheus == nil) == (from == nil) { throw ValidationError("give one of --prometheus URL or --from DIR") }
        if from != nil && capture != nil { throw ValidationError("--capture goes with --prometheus, not --from") }
        if let window, Duration(window) == nil { throw ValidationError("--window: '\(window)' is not a duration like 14d") }
        if let step, Duration(step) == nil { throw ValidationError("--step: '\(step)' is not a duration like 5m") }
        if let seriesStep, Duration(seriesStep) == nil { throw ValidationError("--series-step: '\(seriesStep)' is not a duration like 15m") }
        if let end, RFC3339.date(end) == nil { throw ValidationError("--end: '\(end)' is not RFC 3339 or Unix seconds") }
        if let pointsPerQuery, pointsPerQuery < 1 { throw ValidationError("--points-per-query must be 1 or more") }
        if concurrency < 1 || retries < 0 { throw ValidationError("--concurrency must be 1 or more, --retries 0 or more") }
    }

    func run() throws {
        let diagnostics = Diagnostics(tool: "collect-metrics", strict: strict)
        let writer = NDJSONWriter()
        // The source first: a usage mistake is reported before any input is read.
        let (source, settings, capturing) = try makeSource()
        let status = ToolRun.run(diagnostics, writer: writer) {
            let inventory = try MetricsFilter(diagnostics: diagnostics).forward(NDJSONReader(fileDescriptor: 0, source: "<stdin>"), to: writer)
            let collector = UsageCollector(source: source, settings: settings, diagnostics: diagnostics)
            var counts = (usage: 0, withData: 0, nodeUsage: 0)
            try collector.collect(inventory) { record in
                if record["kind"] == "usage" {
                    counts.usage += 1
                    if record["samples"] != .int(0) { counts.withData += 1 }
                } else {
                    counts.nodeUsage += 1
                }
                try writer.write(record)
            }
            try writer.flush()
            let queries = collector.queries(for: inventory)
            try capturing?.writeIndex(queries, settings: settings.captureJSON)
            if summary {
                diagnostics.note("\(counts.usage) usage records (\(counts.withData) with samples), \(counts.nodeUsage) nodeusage; \(queries.count) queries")
            }
        }
        if status != .ok { throw ExitCode(status.rawValue) }
    }

    private func makeSource() throws -> (PrometheusSource, UsageSettings, CapturingPrometheus?) {
        var settings = UsageSettings()
        var source: PrometheusSource
        var capturing: CapturingPrometheus?
        if let from {
            let replay = ReplayPrometheus(directory: from)
            guard let captured = replay.settings() else {
                throw ValidationError("\(from) holds no queries.ndjson: not a collect-metrics capture")
            }
            settings.apply(capture: captured)
            source = replay
        } else {
            guard let live = try connection.live(tool: "collect-metrics", retries: retries) else {
                throw ValidationError("give one of --prometheus URL or --from DIR")
            }
            source = live
            if let capture {
                let wrapper = try CapturingPrometheus(live, directory: capture)
                capturing = wrapper
                source = wrapper
            }
        }
        if let window { settings.window = Duration(window)! }
        if let step { settings.step = Duration(step)! }
        if let seriesStep { settings.seriesStep = Duration(seriesStep)! }
        guard settings.seriesStep.seconds % settings.step.seconds == 0, settings.window.seconds % settings.seriesStep.seconds == 0 else {
            throw ValidationError("--series-step (\(settings.seriesStep)) must be a multiple of --step (\(settings.step)) and divide --window (\(settings.window))")
        }
        if let end { settings.end = RFC3339.date(end)! }
        if let match = connection.match { settings.matchers = match }
        if let nodeLabel = connection.nodeLabel { settings.nodeLabel = nodeLabel }
        if let podsPerQuery { settings.podsPerQuery = podsPerQuery }
        if let pointsPerQuery { settings.pointsPerQuery = pointsPerQuery }
        settings.concurrency = concurrency
        // Align the end to the step, so repeated runs within one step ask the same queries.
        let stepSeconds = Double(settings.step.seconds)
        settings.end = Date(timeIntervalSince1970: (settings.end.timeIntervalSince1970 / stepSeconds).rounded(.down) * stepSeconds)
        return (source, settings, capturing)
    }
}
