import ArgumentParser
import AutopilotKit
import Foundation

struct RenderReport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render-report",
        abstract: "Write the weekly CFO/CTO report: report.html, report.md and report.json.",
        discussion: """
            Input: NDJSON records on stdin: findings, and the `ledger` and `costhistory` records that \
            `ledger record` appends (without them every finding counts as detected and the cost allocation \
            is computed from the node and pod records); `incident` records when present. Several clusters \
            may be concatenated. Output: the three files in --out (each written to a temporary file and \
            renamed); nothing on stdout, and with --summary one line on stderr.

            The headline: saved this week (verified), projected (approved and on its way: merged and not \
            verified yet, or approved with a change emit-pr can make), identified and not on its way yet, \
            incidents caught; all money is monthly run-rate in USD and every total is the sum of its rows to \
            the cent. Each finding says where it is: detected or approved, with its branch ready, PR open \
            (draft or ready), closed or not patchable; merged; verified by the cluster (and the bill). Then \
            breakdowns by team (node and volume savings on the idle and volume lines they reduce), cluster \
            and kind of waste, the cost allocation by team (OpenCost-style, with the idle line), charts, \
            what changed this week by workload, the next steps (with --db, ledger commands that work when \
            pasted) and the findings emit-pr could not patch, with why and what to do.

            Exit status: 0 ok, 64 usage, 65 malformed input lines, 74 I/O error.

            Examples:
              … | ledger record | render-report --out out/report
              cat runs/2026-11-23/*.ndjson | render-report --out report/ --team checkout
            """)

    @Option(help: ArgumentHelp("Directory for report.html, report.md and report.json (created if missing).", valueName: "dir"))
    var out: String

    @Option(help: ArgumentHelp("Only this team's findings and cost.", valueName: "team"))
    var team: String?

    /// `--summary`: what was written, and the headline figures.
    @OptionGroup var options: ReportOptions

    func run() throws {
        try options.run("render-report") { set, time, model, diagnostics in
            let report = WeeklyReport(set, now: time, team: team, model: model, ledger: options.ledger)
            try FileIO.makeDirectory(out)
            try FileIO.writeAtomically(report.json.serialized() + [UInt8(ascii: "\n")], to: "\(out)/report.json")
            try FileIO.writeAtomically(Array(report.markdown.utf8), to: "\(out)/report.md")
            try FileIO.writeAtomically(Array(report.html.utf8), to: "\(out)/report.html")
            // Quiet on success, stdout for data only: the summary is asked for, and goes to stderr.
            if options.filter.summary { diagnostics.note("wrote \(out)/report.html, report.md, report.json: \(report.summaryLine)") }
        }
    }
}
