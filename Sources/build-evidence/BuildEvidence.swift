import ArgumentParser
import AutopilotKit
import Foundation

@main
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

            Exit status: 0 ok, 64 usage, 65 malformed input lines, 74 I/O error (a pack could not be written).

            Examples:
              … | score-risk | build-evidence --out out/evidence | emit-pr …
              … | build-evidence --out /tmp/ev && xdg-open /tmp/ev/f-*/evidence.html
            """)

    @Option(help: ArgumentHelp("Directory for the packs (created if missing).", valueName: "dir"))
    var out: String

    @Option(help: ArgumentHelp("CSV or JSON price rows, as detect-waste was given (for the cost arithmetic).", valueName: "file"))
    var prices: String?

    @Option(help: ArgumentHelp("Fraction off on-demand for spot nodes without a spot price (default 0.65).", valueName: "ratio"))
    var spotDiscount: Double = 0.65

    @Flag(help: "Stop at the first malformed input line (exit 65).")
    var strict = false

    @Flag(help: "Print a one-line summary on stderr.")
    var summary = false

    func validate() throws {
        if out.isEmpty { throw ValidationError("--out needs a directory") }
        if !(0...1).contains(spotDiscount) { throw ValidationError("--spot-discount must be between 0 and 1") }
    }

    func run() throws {
        var table = PriceTable.embedded()
        if let prices {
            do { try table.merge(file: prices) } catch { throw ValidationError("--prices: \(error)") }
        }
        let diagnostics = Diagnostics(tool: "build-evidence", strict: strict)
        let writer = NDJSONWriter()
        let filter = EvidenceFilter(diagnostics: diagnostics, directory: out, costs: CostModel(prices: table, spotDiscount: spotDiscount))
        let status = ToolRun.run(diagnostics, writer: writer) {
            let count = try filter.run(NDJSONReader(fileDescriptor: 0, source: "<stdin>"), to: writer)
            try writer.flush()
            if summary { diagnostics.note("\(count) evidence packs in \(out)") }
        }
        if status != .ok { throw ExitCode(status.rawValue) }
    }
}
