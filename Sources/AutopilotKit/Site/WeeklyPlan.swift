import Foundation

/// The weekly pipeline autopilot.yaml describes, as the tools' command lines, in the run folder layout
/// pipelines/replay.sh reads (the same as pipelines/weekly.mk's):
///
///     runs/<date>/capture/cluster/<cluster>/<cluster>/…   kubectl's raw answers
///     runs/<date>/capture/metrics/<cluster>/…             Prometheus' raw answers
///     runs/<date>/capture/alerts/alerts-<day>.ndjson      the alert spool's last 8 days
///     runs/<date>/config/                                 every setting that shaped the results, as files,
///                                                         and <tool>.args naming them (replay.sh reads them)
///     runs/<date>/streams/<cluster>.ndjson                each cluster's records after its chain
///     runs/<date>/failed/<cluster>.ndjson                 what a failed chain wrote (not recorded)
///     runs/<date>/evidence/<finding id>/                  evidence packs
///     runs/<date>/ledger.ndjson, report/                  the ledger run and the weekly report
///
/// Per cluster: collect-cluster | collect-metrics | detect-waste | detect-incidents | score-risk |
/// build-evidence; in PR mode then emit-pr over that stream, once the chain is known to have completed
/// (never a PR from a stream cut short). Across clusters: ledger record, render-report, and in PR mode with
/// Slack configured notify-slack over the ledger's output.
public struct WeeklyPlan: Sendable {
    public let config: SiteConfig
    /// The folder being filled (`runs/<date>.tmp`, renamed when complete).
    public let folder: String
    /// "Now" for every tool that takes one: autopilot-run gives the run's start (or its --now), so every
    /// stage measures ages from the same instant and replay.sh can measure them from it again.
    public let now: String?
    /// Only show the command lines: nothing is written, secrets are not read.
    public let dryRun: Bool

    public init(config: SiteConfig, folder: String, now: String? = nil, dryRun: Bool = false) {
        self.config = config
        self.folder = folder
        self.now = now
        self.dryRun = dryRun
    }

    private func secret(_ path: String, _ what: String) throws -> String {
        dryRun ? "<\(what) from \(path)>" : try SecretFile.read(path, what)
    }

    private var nowArguments: [String] { now.map { ["--now", $0] } ?? [] }

    // MARK: Settings

    /// The files under config/ (paths relative to the run folder) that shape the results.
    public struct Settings: Sendable {
        public var detection: String?
        public var risk: String?
        public var prices: String?
        public var slackRouting: String?
    }

    /// Writes config/: the inline sections as files, copies of the sections and the price file given by
    /// name, and `<tool>.args` for replay.sh. Nothing is written in a dry run.
    public func writeSettings() throws -> Settings {
        var settings = Settings()
        settings.detection = try place(config.detection, as: "detection.yaml")
        settings.risk = try place(config.risk, as: "risk.yaml")
        settings.prices = try place(config.prices.map(SiteConfig.Section.file),
                                    as: "prices." + (config.prices.map { URL(fileURLWithPath: $0).pathExtension } ?? "csv"))
        settings.slackRouting = try place(config.slack?.routing, as: "slack.yaml")
        if !dryRun {
            for (tool, arguments) in replayArguments(settings) {
                try Data((arguments.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: "\(folder)/config/\(tool).args"))
            }
        }
        return settings
    }

    private func place(_ section: SiteConfig.Section?, as name: String) throws -> String? {
        guard let section else { return nil }
        let relative = "config/\(name)"
        if dryRun { return relative }
        try FileManager.default.createDirectory(atPath: "\(folder)/config", withIntermediateDirectories: true)
        let target = URL(fileURLWithPath: "\(folder)/\(relative)")
        switch section {
        case .inline(let text): try Data(text.utf8).write(to: target)
        case .file(let path): try Data(contentsOf: URL(fileURLWithPath: path)).write(to: target)
        }
        return relative
    }

    /// The arguments that shape each tool's results (not where it reads or writes), with paths relative to
    /// the run folder: what replay.sh needs to rerun the run as it ran.
    public func replayArguments(_ settings: Settings) -> [String: [String]] {
        let prices = settings.prices.map { ["--prices", $0] } ?? []
        let spot = config.spotDiscount.map { ["--spot-discount", String($0)] } ?? []
        // The exports stay where they are (often gigabytes, synced from S3): an absolute path, not a copy.
        let billing = config.billing.map { ["--billing", $0] } ?? []
        var teams: [String] = []
        for label in config.teamLabels { teams += ["--team-label", label] }
        if let team = config.defaultTeam { teams += ["--default-team", team] }
        return [
            "collect-cluster": teams,
            "detect-waste": nowArguments + (settings.detection.map { ["--config", $0] } ?? []) + prices + billing,
            "detect-incidents": nowArguments + prices + spot,
            "score-risk": nowArguments + (settings.risk.map { ["--policy", $0] } ?? []),
            "build-evidence": prices + spot,
            "ledger": nowArguments + prices + spot + billing,
            "render-report": nowArguments + billing,
            "render-site": nowArguments + billing,
        ]
    }

    /// `tool`'s settings with their files' absolute paths.
    private func settings(_ tool: String, _ settings: Settings) -> [String] {
        (replayArguments(settings)[tool] ?? []).map { $0.hasPrefix("config/") ? "\(folder)/\($0)" : $0 }
    }

    // MARK: Stages

    /// One cluster's chain, from the API server to its stream file (emit-pr is `emitStage`).
    public func clusterStages(_ cluster: SiteConfig.Cluster, _ chosen: Settings) -> [PipelineStage] {
        var collect = ["--cluster", cluster.name, "--capture", "\(folder)/capture/cluster/\(cluster.name)"]
        if let context = cluster.context { collect += ["--context", context] }
        if let kubeconfig = cluster.kubeconfig { collect += ["--kubeconfig", kubeconfig] }
        collect += settings("collect-cluster", chosen)

        let prometheus = cluster.prometheus
        var metrics = ["--prometheus", prometheus.url, "--capture", "\(folder)/capture/metrics/\(cluster.name)"]
        if let region = prometheus.sigv4Region { metrics += ["--sigv4-region", region] }
        if let file = prometheus.tokenFile { metrics += ["--token-file", file] }
        if let file = prometheus.basicAuthFile { metrics += ["--basic-auth-file", file] }
        if let file = prometheus.caFile { metrics += ["--ca-file", file] }
        if let match = prometheus.match { metrics += ["--match", match] }
        if let label = prometheus.nodeLabel { metrics += ["--node-label", label] }
        if let window = prometheus.window { metrics += ["--window", window] }
        if let now { metrics += ["--end", now] }

        let detect = settings("detect-waste", chosen)
        let incidents = ["--alerts", "\(folder)/capture/alerts", "--since", "8d"] + settings("detect-incidents", chosen)
        let risk = settings("score-risk", chosen)

        // build-evidence reaches the same Prometheus as collect-metrics, with the same options (SigV4 included),
        // for the graphs the stream lacks.
        var evidence = ["--out", "\(folder)/evidence"] + settings("build-evidence", chosen) + ["--prometheus", prometheus.url]
        if let region = prometheus.sigv4Region { evidence += ["--sigv4-region", region] }
        if let file = prometheus.tokenFile { evidence += ["--token-file", file] }
        if let file = prometheus.basicAuthFile { evidence += ["--basic-auth-file", file] }
        if let file = prometheus.caFile { evidence += ["--ca-file", file] }
        if let match = prometheus.match { evidence += ["--match", match] }
        if let label = prometheus.nodeLabel { evidence += ["--node-label", label] }
        if let loki = cluster.loki {
            evidence += ["--loki", loki.url]
            if let file = loki.tokenFile { evidence += ["--loki-token-file", file] }
        }

        return [
            PipelineStage("collect-cluster", collect), PipelineStage("collect-metrics", metrics),
            PipelineStage("detect-waste", detect), PipelineStage("detect-incidents", incidents),
            PipelineStage("score-risk", risk), PipelineStage("build-evidence", evidence),
        ]
    }

    /// PR mode: emit-pr over a cluster's completed stream.
    public func emitStage(_ cluster: SiteConfig.Cluster) throws -> PipelineStage? {
        guard config.mode == .pr, let gitops = config.gitops else { return nil }
        var arguments = ["--repo", gitops.repo] + nowArguments
        if let base = gitops.base { arguments += ["--base", base] }
        if let remote = gitops.remote { arguments += ["--remote", remote] }
        if let file = gitops.valuesMap { arguments += ["--values-map", file] }
        if let file = gitops.clusterPaths { arguments += ["--cluster-paths", file] }
        for path in cluster.paths { arguments += ["--cluster-path", "\(cluster.name)=\(path)"] }
        for scope in gitops.scope { arguments += ["--scope", scope] }
        if let url = gitops.evidenceURL { arguments += ["--evidence-url", url] }
        if gitops.onlyAuto { arguments.append("--only-auto") }
        var environment: [String: String] = [:]
        if let repository = gitops.github {
            arguments += ["--github-repo", repository]
            if let url = gitops.apiURL { arguments += ["--api-url", url] }
            if let file = gitops.githubTokenFile { environment["GITHUB_TOKEN"] = try secret(file, "the GitHub token") }
        }
        return PipelineStage("emit-pr", arguments, environment: environment)
    }

    /// `--db` and, for a PostgreSQL ledger, its password file.
    var ledgerArguments: [String] {
        ["--db", config.ledger] + (config.ledgerPasswordFile.map { ["--db-password-file", $0] } ?? [])
    }

    /// Every cluster's stream in, the ledger's stream out.
    public func ledgerStage(_ chosen: Settings) -> PipelineStage {
        PipelineStage("ledger", ["record"] + ledgerArguments + settings("ledger", chosen))
    }

    /// PR mode with a `slack` section: the ledger's stream through notify-slack, once the ledger run is
    /// committed (notify-slack reads each finding's lifecycle from the ledger, which on a first run exists
    /// only after `ledger record` is done).
    public func slackStage(_ chosen: Settings) throws -> PipelineStage? {
        guard config.mode == .pr, let slack = config.slack else { return nil }
        var arguments = ledgerArguments + nowArguments
        var environment: [String: String] = [:]
        if let file = chosen.slackRouting { arguments += ["--config", "\(folder)/\(file)"] }
        if let channel = slack.channel { arguments += ["--channel", channel] }
        if let url = slack.apiURL { arguments += ["--api-url", url] }
        if let url = config.gitops?.evidenceURL { arguments += ["--evidence-url", url] }
        if let file = slack.tokenFile {
            environment["SLACK_BOT_TOKEN"] = try secret(file, "the Slack bot token")
        } else if let file = slack.webhookURLFile {
            environment["SLACK_WEBHOOK_URL"] = try secret(file, "the Slack webhook URL")
        }
        return PipelineStage("notify-slack", arguments, environment: environment)
    }

    public func reportStage(_ chosen: Settings) -> PipelineStage {
        PipelineStage("render-report", ["--out", "\(folder)/report", "--db", config.ledger] + settings("render-report", chosen))
    }

    /// The site beside the report: the week's pages, from the same ledger stream.
    public func siteStage(_ chosen: Settings) -> PipelineStage {
        PipelineStage("render-site", ["--out", "\(folder)/site", "--db", config.ledger] + settings("render-site", chosen))
    }

    /// What a dry run prints: the pipelines this config gives, as shell lines (a token file that cannot be
    /// read throws, as it would stop the run).
    public func script(_ clusters: [SiteConfig.Cluster]) throws -> String {
        let settings = try writeSettings()
        let slack = try slackStage(settings)
        let emits = try clusters.map { try emitStage($0) }
        let work = folder
        var lines: [String] = []
        for (entry, emit) in zip(clusters, emits) {
            let stream = ShellQuote.word("\(work)/streams/\(entry.name).ndjson")
            lines.append("# \(entry.name)")
            lines.append(clusterStages(entry, settings).map(\.commandLine).joined(separator: " \\\n  | ") + " > \(stream)")
            if let emit { lines.append("\(emit.commandLine) < \(stream) > \(stream).emit-pr && mv \(stream).emit-pr \(stream)") }
        }
        lines.append("# across clusters")
        let ledger = ShellQuote.word("\(work)/ledger.ndjson")
        lines.append("cat \(ShellQuote.word(work))/streams/*.ndjson | \(ledgerStage(settings).commandLine) > \(ledger)")
        lines.append(reportStage(settings).commandLine + " < \(ledger)")
        lines.append(siteStage(settings).commandLine + " < \(ledger)")
        if let slack { lines.append("\(slack.commandLine) < \(ledger) > \(ledger).notify-slack && mv \(ledger).notify-slack \(ledger)") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The environment every stage starts from: the run's own, without the tokens a stage gets only when it
    /// is the one that needs them (an inherited SLACK_WEBHOOK_URL would override the configured bot token).
    public static func baseEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> [String: String] {
        environment.filter { !["GITHUB_TOKEN", "SLACK_BOT_TOKEN", "SLACK_WEBHOOK_URL"].contains($0.key) }
    }
}
