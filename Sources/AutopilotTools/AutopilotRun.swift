import ArgumentParser
import AutopilotKit
import Foundation

struct AutopilotRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "autopilot-run",
        abstract: "Run the weekly pipeline that autopilot.yaml describes: every cluster, one ledger, one report.",
        discussion: """
            Per cluster: collect-cluster | collect-metrics | detect-waste | detect-incidents | score-risk | \
            build-evidence, and in `mode: pr` | emit-pr. Then every cluster's stream through ledger record (and \
            notify-slack in PR mode with a `slack` section) and render-report. Everything lands in \
            OUTPUT/runs/<date>/, which appears only when the run is complete (built as <date>.tmp, then renamed); \
            each raw kubectl and Prometheus answer is captured there, so pipelines/replay.sh can rerun it offline.

            A cluster whose chain fails (unreachable API server or Prometheus) is left out of this week's ledger \
            run and its partial stream kept as streams/<cluster>.failed.ndjson; the other clusters go on. With \
            `metrics:` set, the run's own metrics are written there (node_exporter's textfile collector format).

            The tools are run from the folder this program is in (the links `make install` makes), so the cron \
            line needs no PATH: `0 6 * * 1 /usr/local/bin/autopilot-run --config /etc/autopilot/autopilot.yaml`.

            Exit status: 0 ok, 64 bad config, 73 this week's run exists, 69 a cluster's chain failed (the others \
            were recorded), 70 a step across clusters failed, 74 I/O error.
            """)

    @Option(help: ArgumentHelp("The site config.", valueName: "file"))
    var config = "/etc/autopilot/autopilot.yaml"

    @Option(help: ArgumentHelp("Only these clusters of the config (repeatable).", valueName: "name"))
    var cluster: [String] = []

    @Option(help: ArgumentHelp("The run folder's name (default: today, UTC, YYYY-MM-DD).", valueName: "date"))
    var date: String?

    @Option(help: ArgumentHelp("\"Now\" for every tool that takes one, RFC 3339 (replays, tests; default: the clock).", valueName: "time"))
    var now: String?

    @Option(help: ArgumentHelp("Folder of the tools (default: this program's folder).", valueName: "dir"))
    var tools: String?

    @Flag(help: "Print the pipelines this config gives, run nothing.")
    var dryRun = false

    func validate() throws {
        if let date, date.count != 10 || RFC3339.date(date + "T00:00:00Z") == nil {
            throw ValidationError("--date must be YYYY-MM-DD")
        }
        if let now, RFC3339.date(now) == nil { throw ValidationError("--now must be an RFC 3339 time") }
    }

    func run() throws {
        let started = Date()
        let site: SiteConfig
        do { site = try SiteConfig.load(config) } catch { throw fail(.usage, error.message) }
        let unknown = cluster.filter { !site.clusterNames.contains($0) }
        guard unknown.isEmpty else {
            throw fail(.usage, "--cluster \(unknown.joined(separator: ", ")): not in \(config) (it has \(site.clusterNames.joined(separator: ", ")))")
        }
        let clusters = site.clusters.filter { cluster.isEmpty || cluster.contains($0.name) }
        let day = date ?? String(RFC3339.string(now.flatMap(RFC3339.date) ?? started).prefix(10))
        let runFolder = "\(site.output)/runs/\(day)"
        let work = runFolder + ".tmp"
        let plan = WeeklyPlan(config: site, folder: work, now: now, dryRun: dryRun)
        let toolDirectory = tools ?? Self.ownFolder()

        if !dryRun {
            guard !FileManager.default.fileExists(atPath: runFolder) else {
                throw fail(.cannotCreate, "\(runFolder) exists: this week's run is done (remove it to run again)")
            }
            do {
                try? FileManager.default.removeItem(atPath: work)
                for folder in ["capture/cluster", "capture/metrics", "capture/alerts", "streams"] {
                    try FileManager.default.createDirectory(atPath: "\(work)/\(folder)", withIntermediateDirectories: true)
                }
                try copyRecentAlerts(from: site.alerts, to: "\(work)/capture/alerts")
            } catch {
                throw fail(.ioError, "cannot prepare \(work): \(error.localizedDescription)")
            }
        }
        // Every command line before anything runs: a token file that cannot be read is a config mistake.
        let chains: [(cluster: SiteConfig.Cluster, stages: [PipelineStage])]
        let slack: PipelineStage?
        do {
            chains = try clusters.map { ($0, try plan.clusterStages($0)) }
            slack = try plan.slackStage()
        } catch {
            if !dryRun { try? FileManager.default.removeItem(atPath: work) }
            throw fail(.usage, "\(error)")
        }
        let ledgerFile = "\(work)/ledger.ndjson"

        if dryRun {
            for chain in chains {
                print("# \(chain.cluster.name)")
                print(chain.stages.map(\.commandLine).joined(separator: " \\\n  | ")
                      + " > \(ShellQuote.word("\(work)/streams/\(chain.cluster.name).ndjson"))")
            }
            print("# across clusters")
            let quotedLedger = ShellQuote.word(ledgerFile)
            print("cat \(ShellQuote.word(work))/streams/*.ndjson | \(plan.ledgerStage.commandLine) > \(quotedLedger)")
            if let slack {
                print("\(slack.commandLine) < \(quotedLedger) > \(quotedLedger).notified && mv \(quotedLedger).notified \(quotedLedger)")
            }
            print(plan.reportStage.commandLine + " < \(quotedLedger)")
            return
        }

        var metrics = RunMetrics(finished: started, seconds: 0, success: true, mode: site.mode.rawValue, version: Tools.version)
        var worst: ExitStatus = .ok
        var streams: [String] = []
        for (cluster, stages) in chains {
            let stream = "\(work)/streams/\(cluster.name).ndjson"
            let results: [PipelineStageResult]
            do {
                results = try Pipeline.run(stages, toolDirectory: toolDirectory, input: nil, output: stream)
            } catch {
                note("\(cluster.name): \(error)")
                metrics.clusters[cluster.name] = false
                worst = .unavailable
                continue
            }
            metrics.stages += results.map { RunMetrics.Stage(cluster: cluster.name, result: $0) }
            if let failed = results.first(where: { !Self.completed($0.status) }) {
                note("\(cluster.name): \(failed.tool) exited \(failed.status); this cluster is left out of this week's ledger run (its partial stream: streams/\(cluster.name).failed.ndjson)")
                try? FileManager.default.moveItem(atPath: stream, toPath: "\(work)/streams/\(cluster.name).failed.ndjson")
                metrics.clusters[cluster.name] = false
                worst = .unavailable
            } else {
                metrics.clusters[cluster.name] = true
                streams.append(stream)
            }
        }

        var ledgerRecords: [JSON] = []
        do {
            guard !streams.isEmpty else { throw Pipeline.Failure(description: "no cluster's chain completed: nothing to record") }
            let combined = "\(work)/streams.all.ndjson"
            try concatenate(streams, into: combined)
            try runAcross([plan.ledgerStage], input: combined, output: ledgerFile, into: &metrics)
            try? FileManager.default.removeItem(atPath: combined)
            if let slack {
                try runAcross([slack], input: ledgerFile, output: ledgerFile + ".notified", into: &metrics)
                try FileManager.default.removeItem(atPath: ledgerFile)
                try FileManager.default.moveItem(atPath: ledgerFile + ".notified", toPath: ledgerFile)
            }
            try runAcross([plan.reportStage], input: ledgerFile, output: "/dev/null", into: &metrics)
            ledgerRecords = try String(contentsOfFile: ledgerFile, encoding: .utf8)
                .split(separator: "\n").compactMap { try? JSON.parse(String($0)) }
            try FileManager.default.moveItem(atPath: work, toPath: runFolder)
            pruneOldRuns(site)
        } catch {
            note("the run across clusters failed: \(error); \(work) is kept for a look")
            worst = .software
        }

        metrics.finished = Date()
        metrics.seconds = metrics.finished.timeIntervalSince(started)
        metrics.success = worst == .ok
        if let path = site.metrics {
            do { try RunMetrics.write(metrics.exposition(ledgerRecords: ledgerRecords), to: path) } catch {
                note("cannot write metrics to \(path): \(error.localizedDescription)")
                if worst == .ok { worst = .ioError }
            }
        }
        if worst != .ok { throw ExitCode(worst.rawValue) }
    }

    /// A step across clusters (ledger, Slack, report); its failure fails the run.
    private func runAcross(_ stages: [PipelineStage], input: String, output: String, into metrics: inout RunMetrics) throws {
        let toolDirectory = tools ?? Self.ownFolder()
        let results = try Pipeline.run(stages, toolDirectory: toolDirectory, input: input, output: output)
        metrics.stages += results.map { RunMetrics.Stage(cluster: "all", result: $0) }
        if let failed = results.first(where: { !Self.completed($0.status) }) {
            throw Pipeline.Failure(description: "\(failed.tool) exited \(failed.status)")
        }
    }

    /// 0, or 65: a tool skipped malformed input lines and every good record still flowed.
    static func completed(_ status: Int32) -> Bool { status == 0 || status == ExitStatus.badInput.rawValue }

    private func note(_ message: String) {
        FileHandle.standardError.write(Data("autopilot-run: \(message)\n".utf8))
    }

    private func fail(_ status: ExitStatus, _ message: String) -> ExitCode {
        note(message)
        return ExitCode(status.rawValue)
    }

    /// The folder this program is in: where `make install` links the tools, or the build folder.
    static func ownFolder() -> String {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().path
    }

    /// receive-alerts' spool files of the last 8 days, copied into the run (replay.sh reads them there).
    private func copyRecentAlerts(from spool: String, to folder: String) throws {
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: spool) else { return }
        let cutoff = Date().addingTimeInterval(-8 * 86_400)
        for file in files where file.hasPrefix("alerts-") && file.hasSuffix(".ndjson") {
            let path = "\(spool)/\(file)"
            let modified = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? .distantPast
            if modified > cutoff { try FileManager.default.copyItem(atPath: path, toPath: "\(folder)/\(file)") }
        }
    }

    private func concatenate(_ files: [String], into path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let out = FileHandle(forWritingAtPath: path) else {
            throw Pipeline.Failure(description: "cannot write \(path)")
        }
        defer { try? out.close() }
        for file in files { try out.write(contentsOf: try Data(contentsOf: URL(fileURLWithPath: file))) }
    }

    /// Removes runs/<date> folders older than `retention` (by their name's date).
    private func pruneOldRuns(_ site: SiteConfig) {
        guard let retention = site.retention else { return }
        let runs = "\(site.output)/runs"
        let cutoff = (now.flatMap(RFC3339.date) ?? Date()).addingTimeInterval(-Double(retention.seconds))
        for name in (try? FileManager.default.contentsOfDirectory(atPath: runs)) ?? [] {
            guard name.count == 10, let day = RFC3339.date(name + "T00:00:00Z"), day < cutoff else { continue }
            do { try FileManager.default.removeItem(atPath: "\(runs)/\(name)") } catch {
                note("cannot remove the expired run \(runs)/\(name): \(error.localizedDescription)")
            }
        }
    }
}
