import ArgumentParser
import AutopilotKit
import Foundation

struct AutopilotRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "autopilot-run",
        abstract: "Run the weekly pipeline that autopilot.yaml describes: every cluster, one ledger, one report.",
        discussion: """
            Per cluster: collect-cluster | collect-metrics | detect-waste | detect-incidents | score-risk | \
            build-evidence; in `mode: pr`, emit-pr over that stream once the chain has completed (never a PR from \
            a stream cut short). Then every cluster's stream through ledger record, render-report, render-site, and in PR mode \
            with a `slack` section notify-slack. Everything lands in OUTPUT/runs/<date>/, which appears only when \
            the run is complete (built as <date>.tmp, then renamed); each raw kubectl and Prometheus answer and \
            every setting are kept there, so pipelines/replay.sh can rerun it offline.

            A cluster whose chain fails (unreachable API server or Prometheus) is left out of this week's ledger \
            run, what it wrote kept as failed/<cluster>.ndjson; the other clusters go on. When emit-pr or \
            notify-slack does not complete (GitHub or Slack down), the findings are recorded without their PRs or \
            messages. One run at a time: OUTPUT/.autopilot-run.lock. With `metrics:` set, the run's own metrics \
            are written there after every run (node_exporter's textfile collector format).

            The tools are run from the folder this program is in (the links `make install` makes), so the cron \
            line needs no PATH: `0 6 * * 1 /usr/local/bin/autopilot-run --config /etc/autopilot/autopilot.yaml`.

            Exit status: 0 ok; 64 bad config (or a token file that cannot be read); 69 a cluster's chain, emit-pr \
            or notify-slack did not complete (everything else was recorded); 70 ledger record, render-report or render-site \
            failed (<date>.tmp is kept); 73 this week's run exists, or an unfinished one is kept; 74 I/O error; \
            75 another autopilot-run is running.
            """)

    @Option(help: ArgumentHelp("The site config.", valueName: "file"))
    var config = "/etc/autopilot/autopilot.yaml"

    @Option(help: ArgumentHelp("Only these clusters of the config (repeatable); the run still takes the date's folder (give --date for another).", valueName: "name"))
    var cluster: [String] = []

    @Option(help: ArgumentHelp("The run folder's name (default: today, UTC, YYYY-MM-DD).", valueName: "date"))
    var date: String?

    @Option(help: Moment.help("\"Now\" for every tool that takes one (replays, tests; default: the clock)."))
    var now: Moment?

    @Option(help: ArgumentHelp("Folder of the tools (default: this program's folder).", valueName: "dir"))
    var tools: String?

    @Flag(help: "Print the pipelines this config gives, run nothing.")
    var dryRun = false

    func validate() throws {
        if let date, date.count != 10 || RFC3339.date(date + "T00:00:00Z") == nil {
            throw ValidationError("--date must be YYYY-MM-DD")
        }
    }

    func run() throws {
        let started = Date()
        let site: SiteConfig
        do { site = try SiteConfig.load(config) } catch { throw fail(.usage, error.message) }
        let unknown = cluster.filter { !site.clusterNames.contains($0) }
        guard unknown.isEmpty else {
            throw fail(.usage, "--cluster \(unknown.joined(separator: ", ")): not in \(config) (it has \(site.clusterNames.joined(separator: ", ")))")
        }
        let chosen = site.clusters.filter { cluster.isEmpty || cluster.contains($0.name) }
        let day = date ?? String(RFC3339.string(now?.date ?? started).prefix(10))
        if dryRun {
            // A dry run shows "now" as given, or none.
            let plan = WeeklyPlan(config: site, folder: "\(site.output)/runs/\(day).tmp", now: now?.text, dryRun: true)
            do { return print(try plan.script(chosen), terminator: "") } catch { throw fail(.usage, "\(error)") }
        }
        let week = WeeklyRun(site: site, clusters: chosen, day: day, now: now?.text, started: started,
                             toolDirectory: tools ?? Self.ownFolder(), version: Tools.version)
        let status: ExitStatus
        do { status = try week.run() } catch { throw fail(error.status, error.description) }
        if status != .ok { throw ExitCode(status.rawValue) }
    }

    private func fail(_ status: ExitStatus, _ message: String) -> ExitCode {
        WeeklyRun.note(message)
        return ExitCode(status.rawValue)
    }

    /// The folder of the binary running: where `make install` links the tools, or the build folder.
    static func ownFolder() -> String {
        (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])).resolvingSymlinksInPath()
            .deletingLastPathComponent().path
    }
}
