import ArgumentParser
import AutopilotKit
import Foundation

struct RenderSite: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render-site",
        abstract: "Write the static site: fleet overview, clusters, teams, findings explorer, a page per finding and incident, anomalies.",
        discussion: """
            Input: what render-report reads (the stream with the `ledger`, `costhistory` and `ledgerincident` \
            records `ledger record` appends; findings, changes, incidents and the cluster records for evidence). \
            Output: a folder of self-contained pages for any web server or a browser opening them from disk: \
            index.html (fleet overview: headline, cost and savings trends, clusters and teams compared, top \
            opportunities), clusters/NAME.html and teams/NAME.html (their weekly report and every finding), \
            findings.html (every finding, sortable and filterable; usable without its script), findings/ID.html \
            (where it is, the PR card with branch, state, files, values and rollback, the lifecycle with who \
            decided, the next step, the evidence pack), incidents.html and incidents/ID.html (signals, root cause \
            with evidence, actions, linked findings), anomalies.html (cost jumps, unsafe changes, incidents), and \
            report.html (the fleet's weekly report). index, cluster and team pages have a .json twin (the \
            report's JSON). Every string escaped, no external asset, one inline script pinned by its hash in the \
            CSP, the same bytes for the same input. Nothing on stdout; with --summary one line on stderr.

            Exit status: 0 ok, 64 usage, 65 malformed input lines, 74 I/O error.

            Examples:
              … | ledger record --db out/demo.db | render-site --out out/site --db out/demo.db
              ledger export --db ledger.db | render-site --out /var/www/autopilot
            """)

    @Option(help: ArgumentHelp("Directory for the site (created if missing; pages rewritten in place).", valueName: "dir"))
    var out: String

    /// `--summary`: pages written, and the headline figures.
    @OptionGroup var options: ReportOptions

    func run() throws {
        try options.run("render-site") { set, time, model, diagnostics in
            let site = StaticSite(set, now: time, model: model, ledger: options.ledger)
            let pages = site.pages
            for page in pages {
                let path = "\(out)/\(page.path)"
                try FileIO.makeDirectory(URL(fileURLWithPath: path).deletingLastPathComponent().path)
                try FileIO.writeAtomically(Array(page.content.utf8), to: path)
            }
            if options.filter.summary { diagnostics.note("wrote \(pages.count) pages in \(out): \(site.fleet.summaryLine)") }
        }
    }
}
