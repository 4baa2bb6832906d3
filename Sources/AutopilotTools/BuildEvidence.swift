import ArgumentParser
import AutopilotKit
import Foundation

struct BuildEvidence: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build-evidence",
        abstract: "Write an evidence pack (JSON + self-contained HTML) for every finding.",
        discussion: """
            Input: NDJSON records on stdin, as score-risk writes them. Every record is forwarded; each \
            `finding` is written back (at the end, in input order) with `evidence: {json, html}`, the paths of \
            its pack under DIR/<finding id>/: usage graphs (SVG, with the request, the recommendation and \
            p95/p99/max marked; node utilization for node findings), the target's Warning events in the window, \
            the cost arithmetic, recent changes (rollouts, restarts, rescales) and the safety analysis (risk, \
            gate, the exact values to roll back to).

            Packs are deterministic (same input, same bytes), every string from the cluster is escaped, pages \
            make no external requests, and each stays under 200 KB.

            With --loki, the target pods' matching log lines (newest 50) are added from Loki's query_range API. \
            With --prometheus, the series the stream lacks are fetched (the queries collect-metrics uses); \
            a query that fails is reported and its graph left out (exit 69), the packs are still written.

            Exit status: 0 ok, 64 usage, 65 malformed input lines, 69 Prometheus unreachable or a query failed, \
            74 I/O error (a pack could not be written).

            Examples:
              … | score-risk | build-evidence --out out/evidence | emit-pr …
              … | build-evidence --out /tmp/ev && xdg-open /tmp/ev/f-*/evidence.html
            """)

    @Option(help: ArgumentHelp("Directory for the packs (created if missing).", valueName: "dir"))
    var out: String

    /// As detect-waste was given, for the cost arithmetic.
    @OptionGroup var pricing: PricingOptions

    /// Where to fetch the graphs the stream lacks (containers without a series, node utilization): the same
    /// connection options as collect-metrics, SigV4 and basic auth included.
    @OptionGroup var connection: PrometheusOptions

    @Option(help: ArgumentHelp("Add the target pods' log lines from this Grafana Loki (query_range API).", valueName: "url"))
    var loki: String?

    @Option(help: ArgumentHelp("Bearer token file for --loki.", valueName: "path"))
    var lokiTokenFile: String?

    @Option(help: ArgumentHelp("LogQL regex the log lines must match (default: error, exception, panic, fatal, oom, killed, timeout, refused).", valueName: "regex"))
    var lokiFilter: String?

    @Option(help: ArgumentHelp("Packs only for the n findings saving the most a month; the others are forwarded without evidence.", valueName: "n"))
    var top: Int?

    @OptionGroup var options: FilterOptions

    func validate() throws {
        if out.isEmpty { throw ValidationError("--out needs a directory") }
        if let top, top < 0 { throw ValidationError("--top must be 0 or more") }
        if let tokenFile = connection.tokenFile, !FileManager.default.isReadableFile(atPath: tokenFile) {
            throw ValidationError("--token-file: cannot read \(tokenFile)")
        }
        if let loki, URL(string: loki)?.scheme == nil { throw ValidationError("--loki: '\(loki)' is not a URL") }
        if let lokiFilter, lokiFilter.contains("`") { throw ValidationError("--loki-filter: a backquote cannot appear in a LogQL raw string") }
    }

    func run() throws {
        let diagnostics = options.diagnostics("build-evidence")
        var filter = EvidenceFilter(diagnostics: diagnostics, directory: out, costs: try pricing.costModel())
        filter.top = top
        if let source = try connection.live(tool: "build-evidence") {
            filter.series = EvidenceSeries(source: source, nodeLabel: connection.nodeLabel ?? "node", matchers: connection.match ?? "")
        }
        if let loki {
            let token = lokiTokenFile.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) }?.trimmingCharacters(in: .whitespacesAndNewlines)
            let client = LokiLogs(baseURL: URL(string: loki)!, token: token)
            if let lokiFilter { client.lineFilter = lokiFilter }
            filter.loki = client
        }
        try FilterRun.run(diagnostics) { reader, writer in
            let count = try filter.run(reader, to: writer)
            try writer.flush()
            if options.summary { diagnostics.note("\(count) evidence packs in \(out)") }
        }
    }
}
