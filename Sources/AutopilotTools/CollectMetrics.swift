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

    @OptionGroup var window: QueryWindowOptions

    @Option(help: ArgumentHelp("Retries of a failed request, with doubling backoff from 0.5 s.", valueName: "n"))
    var retries: Int = 3

    @OptionGroup var options: FilterOptions

    func validate() throws {
        if (connection.prometheus == nil) == (from == nil) { throw ValidationError("give one of --prometheus URL or --from DIR") }
        if from != nil && capture != nil { throw ValidationError("--capture goes with --prometheus, not --from") }
        if retries < 0 { throw ValidationError("--retries must be 0 or more") }
    }

    func run() throws {
        let diagnostics = options.diagnostics("collect-metrics")
        // The source first: a usage mistake is reported before any input is read.
        let (source, settings, capturing) = try makeSource()
        try FilterRun.run(diagnostics) { reader, writer in
            let inventory = try MetricsFilter(diagnostics: diagnostics).forward(reader, to: writer)
            let collector = UsageCollector(source: source, settings: settings, diagnostics: diagnostics)
            let tally = try collector.write(inventory, to: writer, capturing: capturing)
            if options.summary { diagnostics.note(tally.summary) }
        }
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
        if let match = connection.match { settings.matchers = match }
        if let nodeLabel = connection.nodeLabel { settings.nodeLabel = nodeLabel }
        try window.apply(to: &settings)
        return (source, settings, capturing)
    }
}
