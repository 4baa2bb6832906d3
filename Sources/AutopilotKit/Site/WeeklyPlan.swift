import Foundation

/// The weekly pipeline autopilot.yaml describes, as the tools' command lines, in the run folder layout
/// pipelines/replay.sh reads (the same as pipelines/weekly.mk's):
///
///     runs/<date>/capture/cluster/<cluster>/<cluster>/…   kubectl's raw answers
///     runs/<date>/capture/metrics/<cluster>/…             Prometheus' raw answers
///     runs/<date>/capture/alerts/alerts-<day>.ndjson      the alert spool's last 8 days
///     runs/<date>/config/                                 the sections the tools read, as files
///     runs/<date>/streams/<cluster>.ndjson                each cluster's records after its chain
///     runs/<date>/evidence/<finding id>/                  evidence packs
///     runs/<date>/ledger.ndjson, report/                  the ledger run and the weekly report
///
/// Per cluster: collect-cluster | collect-metrics | detect-waste | detect-incidents | score-risk |
/// build-evidence, and in PR mode | emit-pr. Across clusters: ledger record, then in PR mode with Slack
/// configured notify-slack over its output; then render-report.
public struct WeeklyPlan: Sendable {
    public let config: SiteConfig
    /// The folder being filled (`runs/<date>.tmp`, renamed when complete).
    public let folder: String
    /// Fixed "now" for every tool that takes one (tests and replays); nil is the clock.
    public let now: String?
    /// Only show the command lines: inline sections are not written out, secrets not read.
    public let dryRun: Bool

    public init(config: SiteConfig, folder: String, now: String? = nil, dryRun: Bool = false) {
        self.config = config
        self.folder = folder
        self.now = now
        self.dryRun = dryRun
    }

    /// A secret read from a file: its first line, trimmed (files written by `echo` end in a newline).
    public struct Secret: Error, CustomStringConvertible {
        public let description: String
    }

    func secret(_ path: String, _ what: String) throws(Secret) -> String {
        if dryRun { return "<\(what) from \(path)>" }
        guard let bytes = try? FileIO.readAll(path) else { throw Secret(description: "cannot read \(what) from \(path)") }
        let value = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline).first.map {
            $0.trimmingCharacters(in: .whitespaces)
        } ?? ""
        guard !value.isEmpty else { throw Secret(description: "\(path) (\(what)) is empty") }
        return value
    }

    private var nowArguments: [String] { now.map { ["--now", $0] } ?? [] }

    /// Where a config section is for the tool: its file, or the inline text written under config/.
    public func sectionFile(_ section: SiteConfig.Section?, name: String) throws -> String? {
        switch section {
        case nil: return nil
        case .file(let path): return path
        case .inline(let text):
            let path = "\(folder)/config/\(name).yaml"
            if dryRun { return path }
            try FileManager.default.createDirectory(atPath: "\(folder)/config", withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            return path
        }
    }

    /// One cluster's chain, from the API server to its stream file.
    public func clusterStages(_ cluster: SiteConfig.Cluster) throws -> [PipelineStage] {
        var collect = ["--cluster", cluster.name, "--capture", "\(folder)/capture/cluster/\(cluster.name)"]
        if let context = cluster.context { collect += ["--context", context] }
        if let kubeconfig = cluster.kubeconfig { collect += ["--kubeconfig", kubeconfig] }
        for label in config.teamLabels { collect += ["--team-label", label] }
        if let team = config.defaultTeam { collect += ["--default-team", team] }

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

        let prices = config.prices.map { ["--prices", $0] } ?? []
        var detect = ["--quiet"] + nowArguments + prices
        if let file = try sectionFile(config.detection, name: "detection") { detect += ["--config", file] }
        let incidents = ["--quiet", "--alerts", "\(folder)/capture/alerts", "--since", "8d"] + nowArguments + prices
        var risk = nowArguments
        if let file = try sectionFile(config.risk, name: "risk") { risk += ["--policy", file] }

        var evidence = ["--out", "\(folder)/evidence"] + prices
        // build-evidence fetches missing graphs with a bearer token at most; behind SigV4 or basic auth the
        // packs are drawn from the series collect-metrics already put in the stream.
        if prometheus.sigv4Region == nil && prometheus.basicAuthFile == nil {
            evidence += ["--prometheus", prometheus.url]
            if let file = prometheus.tokenFile { evidence += ["--token-file", file] }
            if let file = prometheus.caFile { evidence += ["--ca-file", file] }
            if let match = prometheus.match { evidence += ["--match", match] }
            if let label = prometheus.nodeLabel { evidence += ["--node-label", label] }
        }
        if let loki = cluster.loki {
            evidence += ["--loki", loki.url]
            if let file = loki.tokenFile { evidence += ["--loki-token-file", file] }
        }

        var stages = [
            PipelineStage("collect-cluster", collect), PipelineStage("collect-metrics", metrics),
            PipelineStage("detect-waste", detect), PipelineStage("detect-incidents", incidents),
            PipelineStage("score-risk", risk), PipelineStage("build-evidence", evidence),
        ]
        if config.mode == .pr, let gitops = config.gitops {
            stages.append(try emitPR(gitops, cluster))
        }
        return stages
    }

    private func emitPR(_ gitops: SiteConfig.GitOps, _ cluster: SiteConfig.Cluster) throws -> PipelineStage {
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

    /// Every cluster's stream in, the ledger's stream out.
    public var ledgerStage: PipelineStage {
        // The cost history prices nodes as the detectors did.
        let prices = config.prices.map { ["--prices", $0] } ?? []
        return PipelineStage("ledger", ["record", "--db", config.ledger] + nowArguments + prices)
    }

    /// PR mode with a `slack` section: the ledger's stream through notify-slack, once the ledger run is
    /// committed (notify-slack reads each finding's lifecycle from the ledger, which on a first run exists
    /// only after `ledger record` is done).
    public func slackStage() throws -> PipelineStage? {
        guard config.mode == .pr, let slack = config.slack else { return nil }
        var arguments = ["--db", config.ledger] + nowArguments
        var environment: [String: String] = [:]
        if let file = try sectionFile(slack.routing, name: "slack") { arguments += ["--config", file] }
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

    public var reportStage: PipelineStage {
        PipelineStage("render-report", ["--out", "\(folder)/report"] + nowArguments)
    }
}
