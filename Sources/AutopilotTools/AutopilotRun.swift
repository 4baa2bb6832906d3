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
        let chosen = site.clusters.filter { cluster.isEmpty || cluster.contains($0.name) }
        let day = date ?? String(RFC3339.string(now.flatMap(RFC3339.date) ?? started).prefix(10))
        let runFolder = "\(site.output)/runs/\(day)"
        let work = runFolder + ".tmp"
        // One "now" for every tool of the run (a dry run shows the option as given, or none).
        let plan = WeeklyPlan(config: site, folder: work, now: now ?? (dryRun ? nil : RFC3339.string(started)), dryRun: dryRun)
        if dryRun { return try printPipelines(plan, chosen) }

        let lock = try takeLock(site.output)
        defer { close(lock) }
        guard !FileManager.default.fileExists(atPath: runFolder) else {
            throw fail(.cannotCreate, "\(runFolder) exists: this week's run is done (remove it to run again)")
        }
        guard !FileManager.default.fileExists(atPath: work) else {
            throw fail(.cannotCreate, "\(work) is an earlier run of \(day) that did not complete (its ledger run may be recorded): look at it, then remove it to run again")
        }

        var metrics = RunMetrics(finished: started, seconds: 0, success: false, mode: site.mode.rawValue, version: Tools.version)
        var ledgerRecords: [JSON] = []
        /// The end of every path from here: the run's own metrics, then the exit status.
        func finish(_ status: ExitStatus) throws {
            metrics.finished = Date()
            metrics.seconds = metrics.finished.timeIntervalSince(started)
            metrics.success = status == .ok
            var final = status
            if let path = site.metrics {
                do { try RunMetrics.write(metrics.exposition(ledgerRecords: ledgerRecords), to: path) } catch {
                    note("cannot write metrics to \(path): \(error.localizedDescription)")
                    if final == .ok { final = .ioError }
                }
            }
            if final != .ok { throw ExitCode(final.rawValue) }
        }

        let settings: WeeklyPlan.Settings
        let emitStages: [String: PipelineStage]
        let slack: PipelineStage?
        do {
            for folder in ["capture/cluster", "capture/metrics", "capture/alerts", "streams", "config"] {
                try FileManager.default.createDirectory(atPath: "\(work)/\(folder)", withIntermediateDirectories: true)
            }
            try copyRecentAlerts(from: site.alerts, to: "\(work)/capture/alerts")
            settings = try plan.writeSettings()
        } catch {
            note("cannot prepare \(work): \(error.localizedDescription)")
            try? FileManager.default.removeItem(atPath: work)
            return try finish(.ioError)
        }
        // The token files before anything runs: one that cannot be read is a config mistake.
        do {
            emitStages = try Dictionary(uniqueKeysWithValues: chosen.compactMap { entry in try plan.emitStage(entry).map { (entry.name, $0) } })
            slack = try plan.slackStage(settings)
        } catch {
            note("\(error)")
            try? FileManager.default.removeItem(atPath: work)
            return try finish(.usage)
        }

        var worst: ExitStatus = .ok
        var streams: [String] = []
        for entry in chosen {
            let stream = "\(work)/streams/\(entry.name).ndjson"
            guard let results = runStages(plan.clusterStages(entry, settings), input: nil, output: stream, cluster: entry.name, into: &metrics) else {
                worst = .unavailable
                leaveOut(entry.name, stream: stream, work: work, why: "a stage could not start", into: &metrics)
                continue
            }
            if let failed = results.first(where: { !Self.completed($0.status) }) {
                worst = .unavailable
                leaveOut(entry.name, stream: stream, work: work, why: "\(failed.tool) exited \(failed.status)", into: &metrics)
                continue
            }
            metrics.clusters[entry.name] = true
            if let emit = emitStages[entry.name], !degradable(emit, input: stream, cluster: entry.name, into: &metrics,
                                                               without: "its findings are recorded without PRs") {
                worst = .unavailable
            }
            streams.append(stream)
        }
        guard !streams.isEmpty else {
            note("no cluster's chain completed: nothing recorded; \(work) is kept for a look")
            return try finish(.unavailable)
        }

        let ledgerFile = "\(work)/ledger.ndjson"
        do {
            let combined = "\(work)/streams.all.ndjson"
            try concatenate(streams, into: combined)
            defer { try? FileManager.default.removeItem(atPath: combined) }
            for (stage, input, output) in [(plan.ledgerStage(settings), combined, ledgerFile as String?), (plan.reportStage(settings), ledgerFile, nil),
                                           (plan.siteStage(settings), ledgerFile, nil)] {
                guard let results = runStages([stage], input: input, output: output, cluster: "all", into: &metrics),
                      results.allSatisfy({ Self.completed($0.status) }) else {
                    throw Pipeline.Failure(description: "\(stage.tool) did not complete")
                }
            }
        } catch {
            note("the run across clusters failed: \(error); \(work) is kept for a look")
            return try finish(.software)
        }
        if let slack, !degradable(slack, input: ledgerFile, cluster: "all", into: &metrics,
                                  without: "the findings are recorded without Slack messages") {
            worst = .unavailable
        }
        ledgerRecords = ((try? String(contentsOfFile: ledgerFile, encoding: .utf8)) ?? "")
            .split(separator: "\n").compactMap { try? JSON.parse(String($0)) }
        do {
            try FileManager.default.moveItem(atPath: work, toPath: runFolder)
        } catch {
            note("cannot rename \(work) to \(runFolder): \(error.localizedDescription)")
            return try finish(.ioError)
        }
        pruneOldRuns(site, keeping: day)
        try finish(worst)
    }

    /// Runs stages, adding their results to the metrics; nil when one could not be started (said on stderr).
    private func runStages(_ stages: [PipelineStage], input: String?, output: String?, cluster: String,
                           into metrics: inout RunMetrics) -> [PipelineStageResult]? {
        do {
            let results = try Pipeline.run(stages, toolDirectory: tools ?? Self.ownFolder(), input: input, output: output,
                                           environment: WeeklyPlan.baseEnvironment())
            metrics.stages += results.map { RunMetrics.Stage(cluster: cluster, result: $0) }
            return results
        } catch {
            note("\(cluster): \(error)")
            return nil
        }
    }

    /// A cluster left out of this week's ledger run: what its chain wrote goes to failed/, out of streams/.
    private func leaveOut(_ name: String, stream: String, work: String, why: String, into metrics: inout RunMetrics) {
        metrics.clusters[name] = false
        try? FileManager.default.createDirectory(atPath: "\(work)/failed", withIntermediateDirectories: true)
        try? FileManager.default.moveItem(atPath: stream, toPath: "\(work)/failed/\(name).ndjson")
        note("\(name): \(why); this cluster is left out of this week's ledger run (what it wrote: failed/\(name).ndjson)")
    }

    /// emit-pr or notify-slack over a complete stream, replacing it with their output when they complete;
    /// otherwise the stream stays as it was (its records are recorded without what the stage adds). Returns
    /// whether the stage completed.
    private func degradable(_ stage: PipelineStage, input: String, cluster: String, into metrics: inout RunMetrics,
                            without consequence: String) -> Bool {
        let output = input + "." + stage.tool
        if let results = runStages([stage], input: input, output: output, cluster: cluster, into: &metrics),
           results.allSatisfy({ Self.completed($0.status) }),
           (try? FileManager.default.removeItem(atPath: input)) != nil,
           (try? FileManager.default.moveItem(atPath: output, toPath: input)) != nil {
            return true
        }
        try? FileManager.default.removeItem(atPath: output)
        note("\(cluster): \(stage.tool) did not complete: \(consequence)")
        return false
    }

    private func printPipelines(_ plan: WeeklyPlan, _ clusters: [SiteConfig.Cluster]) throws {
        let settings: WeeklyPlan.Settings
        let slack: PipelineStage?
        var emits: [PipelineStage?] = []
        do {
            settings = try plan.writeSettings()
            slack = try plan.slackStage(settings)
            emits = try clusters.map { try plan.emitStage($0) }
        } catch {
            throw fail(.usage, "\(error)")
        }
        let work = plan.folder
        for (entry, emit) in zip(clusters, emits) {
            let stream = ShellQuote.word("\(work)/streams/\(entry.name).ndjson")
            print("# \(entry.name)")
            print(plan.clusterStages(entry, settings).map(\.commandLine).joined(separator: " \\\n  | ") + " > \(stream)")
            if let emit { print("\(emit.commandLine) < \(stream) > \(stream).emit-pr && mv \(stream).emit-pr \(stream)") }
        }
        print("# across clusters")
        let ledger = ShellQuote.word("\(work)/ledger.ndjson")
        print("cat \(ShellQuote.word(work))/streams/*.ndjson | \(plan.ledgerStage(settings).commandLine) > \(ledger)")
        print(plan.reportStage(settings).commandLine + " < \(ledger)")
        print(plan.siteStage(settings).commandLine + " < \(ledger)")
        if let slack { print("\(slack.commandLine) < \(ledger) > \(ledger).notify-slack && mv \(ledger).notify-slack \(ledger)") }
    }

    /// OUTPUT/.autopilot-run.lock, held for the run: a second run (cron and a manual one, a Job made from
    /// the CronJob) waits for nothing and stops with 75.
    private func takeLock(_ output: String) throws -> Int32 {
        do { try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true) } catch {
            throw fail(.ioError, "cannot create \(output): \(error.localizedDescription)")
        }
        let path = "\(output)/.autopilot-run.lock"
        let descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw fail(.ioError, "cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw fail(.temporaryFailure, "another autopilot-run holds \(path); this one stops")
        }
        return descriptor
    }

    /// 0, or 65: a tool skipped malformed input lines and every good record still flowed.
    static func completed(_ status: Int32) -> Bool { status == 0 || status == ExitStatus.badInput.rawValue }

    private func note(_ message: String) {
        writeStderr("autopilot-run: \(message)\n")
    }

    private func fail(_ status: ExitStatus, _ message: String) -> ExitCode {
        note(message)
        return ExitCode(status.rawValue)
    }

    /// The folder of the binary running: where `make install` links the tools, or the build folder.
    static func ownFolder() -> String {
        (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])).resolvingSymlinksInPath()
            .deletingLastPathComponent().path
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

    /// Removes runs/<date> folders older than `retention` (by their name's date), never the one just written.
    private func pruneOldRuns(_ site: SiteConfig, keeping current: String) {
        guard let retention = site.retention else { return }
        let runs = "\(site.output)/runs"
        let cutoff = (now.flatMap(RFC3339.date) ?? Date()).addingTimeInterval(-Double(retention.seconds))
        for name in (try? FileManager.default.contentsOfDirectory(atPath: runs)) ?? [] where name != current {
            guard name.count == 10, let day = RFC3339.date(name + "T00:00:00Z"), day < cutoff else { continue }
            do { try FileManager.default.removeItem(atPath: "\(runs)/\(name)") } catch {
                note("cannot remove the expired run \(runs)/\(name): \(error.localizedDescription)")
            }
        }
    }
}
