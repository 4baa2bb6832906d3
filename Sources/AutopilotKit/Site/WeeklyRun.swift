import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// autopilot-run's week: every chosen cluster's chain into OUTPUT/runs/<day>.tmp, a failed chain left out
/// (its stream kept in failed/), emit-pr and notify-slack where configured (their failure degrades, never
/// loses, the run), then one ledger run, the report and the site across clusters, the run's own metrics,
/// and the rename to runs/<day> that says the run is complete. Says what happened on stderr as
/// `autopilot-run: …`; returns the exit status.
public struct WeeklyRun {
    public let site: SiteConfig
    public let clusters: [SiteConfig.Cluster]
    /// The run folder's name (YYYY-MM-DD).
    public let day: String
    /// "Now" as given to every tool (nil: the clock when the run started).
    public let now: String?
    public let started: Date
    /// Where the tools are (the links `make install` makes, or the build folder).
    public let toolDirectory: String
    /// The release, in the run's metrics.
    public let version: String

    public init(site: SiteConfig, clusters: [SiteConfig.Cluster], day: String, now: String?, started: Date, toolDirectory: String, version: String) {
        self.site = site
        self.clusters = clusters
        self.day = day
        self.now = now
        self.started = started
        self.toolDirectory = toolDirectory
        self.version = version
    }

    /// A stop before anything ran: the status and why.
    public struct Stop: Error, CustomStringConvertible {
        public let status: ExitStatus
        public let description: String
    }

    public func run() throws(Stop) -> ExitStatus {
        let runFolder = "\(site.output)/runs/\(day)"
        let work = runFolder + ".tmp"
        // One "now" for every tool of the run.
        let plan = WeeklyPlan(config: site, folder: work, now: now ?? RFC3339.string(started))
        let lock = try takeLock(site.output)
        defer { close(lock) }
        guard !FileManager.default.fileExists(atPath: runFolder) else {
            throw Stop(status: .cannotCreate, description: "\(runFolder) exists: this week's run is done (remove it to run again)")
        }
        guard !FileManager.default.fileExists(atPath: work) else {
            throw Stop(status: .cannotCreate, description: "\(work) is an earlier run of \(day) that did not complete (its ledger run may be recorded): look at it, then remove it to run again")
        }

        var metrics = RunMetrics(finished: started, seconds: 0, success: false, mode: site.mode.rawValue, version: version)
        var ledgerRecords: [JSON] = []
        /// The end of every path from here: the run's own metrics, then the exit status.
        func finish(_ status: ExitStatus) -> ExitStatus {
            metrics.finished = Date()
            metrics.seconds = metrics.finished.timeIntervalSince(started)
            metrics.success = status == .ok
            var final = status
            if let path = site.metrics {
                do { try RunMetrics.write(metrics.exposition(ledgerRecords: ledgerRecords), to: path) } catch {
                    Self.note("cannot write metrics to \(path): \(error.localizedDescription)")
                    if final == .ok { final = .ioError }
                }
            }
            return final
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
            Self.note("cannot prepare \(work): \(error.localizedDescription)")
            try? FileManager.default.removeItem(atPath: work)
            return finish(.ioError)
        }
        // The token files before anything runs: one that cannot be read is a config mistake.
        do {
            emitStages = try Dictionary(uniqueKeysWithValues: clusters.compactMap { entry in try plan.emitStage(entry).map { (entry.name, $0) } })
            slack = try plan.slackStage(settings)
        } catch {
            Self.note("\(error)")
            try? FileManager.default.removeItem(atPath: work)
            return finish(.usage)
        }

        var worst: ExitStatus = .ok
        var streams: [String] = []
        for entry in clusters {
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
            Self.note("no cluster's chain completed: nothing recorded; \(work) is kept for a look")
            return finish(.unavailable)
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
            Self.note("the run across clusters failed: \(error); \(work) is kept for a look")
            return finish(.software)
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
            Self.note("cannot rename \(work) to \(runFolder): \(error.localizedDescription)")
            return finish(.ioError)
        }
        pruneOldRuns(site, keeping: day)
        return finish(worst)
    }


    /// Runs stages, adding their results to the metrics; nil when one could not be started (said on stderr).
    private func runStages(_ stages: [PipelineStage], input: String?, output: String?, cluster: String,
                           into metrics: inout RunMetrics) -> [PipelineStageResult]? {
        do {
            let results = try Pipeline.run(stages, toolDirectory: toolDirectory, input: input, output: output,
                                           environment: WeeklyPlan.baseEnvironment())
            metrics.stages += results.map { RunMetrics.Stage(cluster: cluster, result: $0) }
            return results
        } catch {
            Self.note("\(cluster): \(error)")
            return nil
        }
    }

    /// A cluster left out of this week's ledger run: what its chain wrote goes to failed/, out of streams/.
    private func leaveOut(_ name: String, stream: String, work: String, why: String, into metrics: inout RunMetrics) {
        metrics.clusters[name] = false
        try? FileManager.default.createDirectory(atPath: "\(work)/failed", withIntermediateDirectories: true)
        try? FileManager.default.moveItem(atPath: stream, toPath: "\(work)/failed/\(name).ndjson")
        Self.note("\(name): \(why); this cluster is left out of this week's ledger run (what it wrote: failed/\(name).ndjson)")
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
        Self.note("\(cluster): \(stage.tool) did not complete: \(consequence)")
        return false
    }

    /// OUTPUT/.autopilot-run.lock, held for the run: a second run (cron and a manual one, a Job made from
    /// the CronJob) waits for nothing and stops with 75.
    private func takeLock(_ output: String) throws(Stop) -> Int32 {
        do { try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true) } catch {
            throw Stop(status: .ioError, description: "cannot create \(output): \(error.localizedDescription)")
        }
        let path = "\(output)/.autopilot-run.lock"
        let descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Stop(status: .ioError, description: "cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw Stop(status: .temporaryFailure, description: "another autopilot-run holds \(path); this one stops")
        }
        return descriptor
    }

    /// 0, or 65: a tool skipped malformed input lines and every good record still flowed.
    public static func completed(_ status: Int32) -> Bool { status == 0 || status == ExitStatus.badInput.rawValue }

    /// One line on stderr, as autopilot-run says everything.
    public static func note(_ message: String) {
        writeStderr("autopilot-run: \(message)\n")
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
                Self.note("cannot remove the expired run \(runs)/\(name): \(error.localizedDescription)")
            }
        }
    }
}
