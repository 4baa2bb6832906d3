import Foundation

/// `autopilot.yaml`: one file that says which clusters to analyse and how to reach them, where the GitOps
/// repo, GitHub and Slack are, the detector and risk settings, the mode and where outputs go.
/// autopilot-run and autopilot-doctor read it; the schema is in docs/site-config.md and examples/.
///
/// Every key is checked: an unknown key or a value of the wrong kind is an error naming the file, line and
/// column. Relative paths are relative to the file's folder.
public struct SiteConfig: Sendable {
    /// read-only: detectors, evidence, ledger and report, nothing leaves the bastion (days 1–5 of a pilot).
    /// pr: also emit-pr (branches, PRs with a GitHub token) and notify-slack.
    public enum Mode: String, Sendable { case readOnly = "read-only", pr }

    /// A config section kept as YAML text for the tool that reads it (detect-waste --config,
    /// score-risk --policy, notify-slack --config): written inline or given as a file.
    public enum Section: Sendable, Equatable {
        case inline(String)
        case file(String)
    }

    public struct Prometheus: Sendable {
        public var url: String
        public var sigv4Region: String?
        public var tokenFile: String?
        public var basicAuthFile: String?
        public var caFile: String?
        public var match: String?
        public var nodeLabel: String?
        public var window: String?
    }

    public struct Loki: Sendable {
        public var url: String
        public var tokenFile: String?
    }

    public struct Cluster: Sendable {
        public var name: String
        /// The kubeconfig context; nil with `inCluster` (the pod's service account).
        public var context: String?
        public var inCluster: Bool
        public var kubeconfig: String?
        public var region: String?
        public var prometheus: Prometheus
        public var loki: Loki?
        /// Folders or files of the GitOps repo that are this cluster's (emit-pr --cluster-path).
        public var paths: [String]
    }

    public struct GitOps: Sendable {
        public var repo: String
        public var base: String?
        public var remote: String?
        public var github: String?
        public var githubTokenFile: String?
        public var apiURL: String?
        public var valuesMap: String?
        public var clusterPaths: String?
        public var scope: [String]
        public var evidenceURL: String?
        public var onlyAuto: Bool
    }

    public struct Slack: Sendable {
        public var tokenFile: String?
        public var webhookURLFile: String?
        public var apiURL: String?
        public var channel: String?
        public var routing: Section?
    }

    public var mode: Mode = .readOnly
    public var output: String
    /// A SQLite path, or a PostgreSQL URL (no password in it: `ledgerPasswordFile`) shared by the fleet's runs.
    public var ledger: String
    public var ledgerPasswordFile: String?
    public var alerts: String
    public var metrics: String?
    public var retention: Duration?
    public var teamLabels: [String] = []
    public var defaultTeam: String?
    public var prices: String?
    /// The customer's billing exports (a FOCUS or CUR 2.0 file or folder, e.g. an `aws s3 sync` of the
    /// Data Export): detect-waste, ledger record and render-report price and reconcile by them.
    public var billing: String?
    public var detection: Section?
    /// The detection section's spotDiscount, for the tools that price nodes after detect-waste
    /// (build-evidence, ledger record), so every figure of a run uses the same one.
    public var spotDiscount: Double?
    public var risk: Section?
    public var clusters: [Cluster] = []
    public var gitops: GitOps?
    public var slack: Slack?

    /// Reads and checks `path`; every error names `path:line:column`.
    public static func load(_ path: String) throws(ConfigError) -> SiteConfig {
        let bytes: [UInt8]
        do { bytes = try FileIO.readAll(path) } catch { throw ConfigError("\(path): cannot read: \(error)") }
        return try parse(bytes, path: path)
    }

    public static func parse(_ bytes: [UInt8], path: String) throws(ConfigError) -> SiteConfig {
        let source: YAMLSource
        do { source = try YAMLSource(bytes: bytes) } catch {
            throw ConfigError("\(path):\(error.line):\(error.column): \(error.message)")
        }
        guard source.documents.count == 1, let root = source.documents.first else {
            throw ConfigError("\(path): expected one YAML document (a mapping of settings), found \(source.documents.count)")
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try SiteConfigReader(path: path, source: source, folder: folder).config(root)
    }

    /// The cluster names, in file order.
    public var clusterNames: [String] { clusters.map(\.name) }
}

/// Walks autopilot.yaml's node tree, keeping each node's position for the error messages.
struct SiteConfigReader {
    let path: String
    let source: YAMLSource
    let folder: String

    func error(_ node: YAMLNode, _ message: String) -> ConfigError {
        let line = source.line(at: node.start)
        let lineStart = source.bytes[..<min(node.start, source.bytes.count)].lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
        return ConfigError("\(path):\(line):\(node.start - lineStart + 1): \(message)")
    }

    /// A mapping's pairs by key; a key outside `allowed` or given twice is an error at its line.
    func mapping(_ node: YAMLNode, _ name: String, allowed: [String]) throws(ConfigError) -> [String: (key: YAMLNode, value: YAMLNode)] {
        guard case .mapping(let mapping) = node else { throw error(node, "'\(name)' must be a mapping") }
        var pairs: [String: (key: YAMLNode, value: YAMLNode)] = [:]
        for pair in mapping.pairs {
            let key = YAMLNode.scalar(pair.key)
            let qualified = name.isEmpty ? pair.key.value : "\(name).\(pair.key.value)"
            guard allowed.contains(pair.key.value) else {
                throw error(key, "unknown key '\(qualified)' (known here: \(allowed.joined(separator: ", ")))")
            }
            guard pairs[pair.key.value] == nil else { throw error(key, "'\(qualified)' is given twice") }
            pairs[pair.key.value] = (key, pair.value)
        }
        return pairs
    }

    func string(_ node: YAMLNode, _ name: String) throws(ConfigError) -> String {
        guard case .scalar(let scalar) = node, !scalar.value.isEmpty else { throw error(node, "'\(name)' must be a non-empty string") }
        return scalar.value
    }

    func bool(_ node: YAMLNode, _ name: String) throws(ConfigError) -> Bool {
        switch node.scalarValue {
        case "true": return true
        case "false": return false
        default: throw error(node, "'\(name)' must be true or false")
        }
    }

    func strings(_ node: YAMLNode, _ name: String) throws(ConfigError) -> [String] {
        if case .scalar = node { return [try string(node, name)] }
        guard case .sequence(let sequence) = node else { throw error(node, "'\(name)' must be a list of strings") }
        var values: [String] = []
        for item in sequence.items { values.append(try string(item, name)) }
        return values
    }

    /// A file path, relative to the config's folder unless absolute.
    func file(_ node: YAMLNode, _ name: String) throws(ConfigError) -> String {
        resolved(try string(node, name))
    }

    /// A path relative to the config's folder made absolute; an absolute one kept.
    func resolved(_ path: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: folder).appendingPathComponent(path).path
    }

    /// `ledger`: a file (relative to the config's folder) or a postgresql:// URL without a password.
    func ledgerLocation(_ node: YAMLNode) throws(ConfigError) -> String {
        let value = try string(node, "ledger")
        switch LedgerLocation(value) {
        case .sqlite(let path):
            guard !path.isEmpty else { throw error(node, "'ledger' names no file") }
            return resolved(path)
        case .postgres: break
        }
        guard let url = URLComponents(string: value), url.host != nil else { throw error(node, "'ledger' is not a postgresql:// URL") }
        guard url.password == nil, url.queryItems?.contains(where: { $0.name == "password" }) != true else {
            throw error(node, "'ledger' must not hold a password: put it in a file (ledgerPasswordFile)")
        }
        return value
    }

    func url(_ node: YAMLNode, _ name: String) throws(ConfigError) -> String {
        let value = try string(node, name)
        guard let url = URL(string: value), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw error(node, "'\(name)' must be an http:// or https:// URL")
        }
        // A password in a URL would reach command lines, dry runs and logs: credentials go in files.
        guard url.user == nil && url.password == nil else {
            throw error(node, "'\(name)' must not hold a user or password: put credentials in a file (tokenFile, basicAuthFile)")
        }
        return value
    }

    func config(_ root: YAMLNode) throws(ConfigError) -> SiteConfig {
        let top = try mapping(root, "", allowed: [
            "mode", "output", "ledger", "ledgerPasswordFile", "alerts", "metrics", "retention", "teamLabels", "defaultTeam", "prices", "billing",
            "detection", "risk", "clusters", "gitops", "slack",
        ])
        guard let output = top["output"] else { throw error(root, "'output' is required: the folder runs, reports and the ledger go to") }
        let outputPath = try file(output.value, "output")
        var config = SiteConfig(
            output: outputPath, ledger: outputPath + "/autopilot.db", alerts: outputPath + "/alerts")
        if let mode = top["mode"] {
            guard let value = mode.value.scalarValue.flatMap(SiteConfig.Mode.init(rawValue:)) else {
                throw error(mode.value, "'mode' must be read-only or pr")
            }
            config.mode = value
        }
        if let ledger = top["ledger"] { config.ledger = try ledgerLocation(ledger.value) }
        if let file = top["ledgerPasswordFile"] { config.ledgerPasswordFile = try self.file(file.value, "ledgerPasswordFile") }
        if let alerts = top["alerts"] { config.alerts = try file(alerts.value, "alerts") }
        if let metrics = top["metrics"] { config.metrics = try file(metrics.value, "metrics") }
        if let retention = top["retention"] {
            guard let value = retention.value.scalarValue.flatMap(Duration.init), value.seconds >= 86_400 else {
                throw error(retention.value, "'retention' must be a duration of a day or more, like 12w or 90d")
            }
            config.retention = value
        }
        if let labels = top["teamLabels"] { config.teamLabels = try strings(labels.value, "teamLabels") }
        if let team = top["defaultTeam"] { config.defaultTeam = try string(team.value, "defaultTeam") }
        if let prices = top["prices"] { config.prices = try file(prices.value, "prices") }
        if let billing = top["billing"] { config.billing = try file(billing.value, "billing") }
        if let detection = top["detection"] {
            var spotDiscount: Double?
            config.detection = try section(detection.value, "detection") { bytes, source throws(ConfigError) in
                var settings = DetectionConfig()
                try settings.apply(yaml: bytes, source: source)
                spotDiscount = settings.spotDiscount
            }
            config.spotDiscount = spotDiscount
        }
        if let risk = top["risk"] {
            config.risk = try section(risk.value, "risk") { bytes, source throws(ConfigError) in
                var policy = RiskPolicy()
                try policy.apply(yaml: bytes, source: source)
            }
        }
        guard let clusters = top["clusters"], case .sequence(let list) = clusters.value, !list.items.isEmpty else {
            throw error(top["clusters"]?.value ?? root, "'clusters' must be a list of at least one cluster")
        }
        for item in list.items {
            let cluster = try self.cluster(item)
            guard !config.clusters.contains(where: { $0.name == cluster.name }) else {
                throw error(item, "cluster '\(cluster.name)' is listed twice")
            }
            config.clusters.append(cluster)
        }
        if let gitops = top["gitops"] { config.gitops = try self.gitops(gitops.value) }
        if let slack = top["slack"] { config.slack = try self.slack(slack.value) }
        if config.mode == .pr && config.gitops == nil {
            throw error(top["mode"]?.value ?? root, "mode pr needs a 'gitops' section (the repo the PRs change)")
        }
        return config
    }

    func cluster(_ node: YAMLNode) throws(ConfigError) -> SiteConfig.Cluster {
        let keys = try mapping(node, "clusters[]", allowed: [
            "name", "context", "inCluster", "kubeconfig", "region", "prometheus", "loki", "paths",
        ])
        guard let name = keys["name"] else { throw error(node, "every cluster needs a 'name' (the name its findings carry)") }
        let clusterName = try string(name.value, "name")
        guard clusterName.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }), clusterName.first?.isLetter == true
                || clusterName.first?.isNumber == true else {
            throw error(name.value, "cluster name '\(clusterName)' must start with a letter or digit and hold only letters, digits, '-', '_' and '.' (it names folders)")
        }
        guard clusterName != "all" else {
            throw error(name.value, "cluster name 'all' is taken: the run's own metrics label the steps across clusters so")
        }
        let inCluster = try keys["inCluster"].map { pair throws(ConfigError) in try bool(pair.value, "inCluster") } ?? false
        let context = try keys["context"].map { pair throws(ConfigError) in try string(pair.value, "context") }
        if inCluster == (context != nil) {
            throw error(node, "cluster '\(clusterName)': give either 'context' (a kubeconfig context) or 'inCluster: true'")
        }
        if inCluster, let kubeconfig = keys["kubeconfig"] {
            throw error(kubeconfig.key, "cluster '\(clusterName)': inCluster uses the pod's service account; a kubeconfig goes with a context")
        }
        guard let prometheusNode = keys["prometheus"] else {
            throw error(node, "cluster '\(clusterName)' needs 'prometheus' (at least its url)")
        }
        let promKeys = try mapping(prometheusNode.value, "prometheus", allowed: [
            "url", "sigv4Region", "tokenFile", "basicAuthFile", "caFile", "match", "nodeLabel", "window",
        ])
        guard let promURL = promKeys["url"] else { throw error(prometheusNode.value, "'prometheus.url' is required") }
        let credentials = ["sigv4Region", "tokenFile", "basicAuthFile"].filter { promKeys[$0] != nil }
        if credentials.count > 1 {
            throw error(prometheusNode.value, "'prometheus' takes one kind of credentials, not \(credentials.joined(separator: " and "))")
        }
        var prometheus = SiteConfig.Prometheus(url: try url(promURL.value, "prometheus.url"))
        prometheus.sigv4Region = try promKeys["sigv4Region"].map { pair throws(ConfigError) in try string(pair.value, "sigv4Region") }
        prometheus.tokenFile = try promKeys["tokenFile"].map { pair throws(ConfigError) in try file(pair.value, "tokenFile") }
        prometheus.basicAuthFile = try promKeys["basicAuthFile"].map { pair throws(ConfigError) in try file(pair.value, "basicAuthFile") }
        prometheus.caFile = try promKeys["caFile"].map { pair throws(ConfigError) in try file(pair.value, "caFile") }
        prometheus.match = try promKeys["match"].map { pair throws(ConfigError) in try string(pair.value, "match") }
        // The tools add these matchers inside their own selectors: `{…}` around them would break every query.
        if let match = prometheus.match, match.hasPrefix("{") || match.hasSuffix("}"), let node = promKeys["match"]?.value {
            throw error(node, "'prometheus.match' is matchers without braces, like cluster=\"prod\"")
        }
        prometheus.nodeLabel = try promKeys["nodeLabel"].map { pair throws(ConfigError) in try string(pair.value, "nodeLabel") }
        if let window = promKeys["window"] {
            guard window.value.scalarValue.flatMap(Duration.init) != nil else {
                throw error(window.value, "'prometheus.window' must be a duration like 14d")
            }
            prometheus.window = window.value.scalarValue
        }
        var loki: SiteConfig.Loki?
        if let lokiNode = keys["loki"] {
            let lokiKeys = try mapping(lokiNode.value, "loki", allowed: ["url", "tokenFile"])
            guard let lokiURL = lokiKeys["url"] else { throw error(lokiNode.value, "'loki.url' is required") }
            loki = SiteConfig.Loki(
                url: try url(lokiURL.value, "loki.url"),
                tokenFile: try lokiKeys["tokenFile"].map { pair throws(ConfigError) in try file(pair.value, "loki.tokenFile") })
        }
        return SiteConfig.Cluster(
            name: clusterName, context: context, inCluster: inCluster,
            kubeconfig: try keys["kubeconfig"].map { pair throws(ConfigError) in try file(pair.value, "kubeconfig") },
            region: try keys["region"].map { pair throws(ConfigError) in try string(pair.value, "region") },
            prometheus: prometheus, loki: loki,
            paths: try keys["paths"].map { pair throws(ConfigError) in try strings(pair.value, "paths") } ?? [])
    }

    func gitops(_ node: YAMLNode) throws(ConfigError) -> SiteConfig.GitOps {
        let keys = try mapping(node, "gitops", allowed: [
            "repo", "base", "remote", "github", "githubTokenFile", "apiURL", "valuesMap", "clusterPaths", "scope",
            "evidenceURL", "onlyAuto",
        ])
        guard let repo = keys["repo"] else { throw error(node, "'gitops.repo' is required: the local clone of the GitOps repo") }
        func optional(_ key: String, _ read: (YAMLNode, String) throws(ConfigError) -> String) throws(ConfigError) -> String? {
            guard let pair = keys[key] else { return nil }
            return try read(pair.value, "gitops.\(key)")
        }
        if let github = keys["github"] {
            let value = try string(github.value, "gitops.github")
            let parts = value.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty }) else {
                throw error(github.value, "'gitops.github' must be OWNER/NAME")
            }
        }
        return SiteConfig.GitOps(
            repo: try file(repo.value, "gitops.repo"),
            base: try optional("base", string), remote: try optional("remote", string),
            github: try optional("github", string), githubTokenFile: try optional("githubTokenFile", file),
            apiURL: try optional("apiURL", url), valuesMap: try optional("valuesMap", file),
            clusterPaths: try optional("clusterPaths", file),
            scope: try keys["scope"].map { pair throws(ConfigError) in try strings(pair.value, "gitops.scope") } ?? [],
            evidenceURL: try optional("evidenceURL", url),
            onlyAuto: try keys["onlyAuto"].map { pair throws(ConfigError) in try bool(pair.value, "gitops.onlyAuto") } ?? false)
    }

    func slack(_ node: YAMLNode) throws(ConfigError) -> SiteConfig.Slack {
        let keys = try mapping(node, "slack", allowed: [
            "tokenFile", "webhookURLFile", "apiURL", "channel", "defaultChannel", "approvers", "teams",
        ])
        var slack = SiteConfig.Slack()
        slack.tokenFile = try keys["tokenFile"].map { pair throws(ConfigError) in try file(pair.value, "slack.tokenFile") }
        slack.webhookURLFile = try keys["webhookURLFile"].map { pair throws(ConfigError) in try file(pair.value, "slack.webhookURLFile") }
        slack.apiURL = try keys["apiURL"].map { pair throws(ConfigError) in try url(pair.value, "slack.apiURL") }
        slack.channel = try keys["channel"].map { pair throws(ConfigError) in try string(pair.value, "slack.channel") }
        if slack.tokenFile == nil && slack.webhookURLFile == nil {
            throw error(node, "'slack' needs 'tokenFile' (a bot token, xoxb-…) or 'webhookURLFile'")
        }
        // Routing (who is asked, in which channel) is notify-slack's --config, written from these keys.
        if let defaultChannel = keys["defaultChannel"] { _ = try string(defaultChannel.value, "slack.defaultChannel") }
        if let approvers = keys["approvers"] { _ = try strings(approvers.value, "slack.approvers") }
        if let teams = keys["teams"] {
            guard case .mapping(let teamMap) = teams.value else { throw error(teams.value, "'slack.teams' must be a mapping of team to {channel, approvers}") }
            for pair in teamMap.pairs {
                let team = try mapping(pair.value, "slack.teams.\(pair.key.value)", allowed: ["channel", "approvers"])
                if let channel = team["channel"] { _ = try string(channel.value, "channel") }
                if let approvers = team["approvers"] { _ = try strings(approvers.value, "approvers") }
            }
        }
        let routing = ["defaultChannel", "approvers", "teams"].compactMap { keys[$0] }
        if !routing.isEmpty {
            slack.routing = .inline(routing.sorted { $0.key.start < $1.key.start }.map { text(of: $0) }.joined(separator: "\n") + "\n")
        }
        return slack
    }

    /// A section given inline (a mapping) or as a file name; checked by `validate` either way, an inline
    /// section's errors pointing at the line of the setting they are about.
    func section(_ node: YAMLNode, _ name: String, validate: ([UInt8], String) throws(ConfigError) -> Void) throws(ConfigError) -> SiteConfig.Section {
        if case .scalar = node {
            let filePath = try file(node, name)
            let bytes: [UInt8]
            do { bytes = try FileIO.readAll(filePath) } catch { throw self.error(node, "'\(name)': cannot read \(filePath)") }
            do { try validate(bytes, filePath) } catch { throw self.error(node, "'\(name)': \(error.message)") }
            return .file(filePath)
        }
        guard case .mapping = node else { throw error(node, "'\(name)' must be a mapping of settings or a file name") }
        let text = blockText(node)
        do {
            try validate(Array(text.utf8), name)
        } catch {
            let culprit = error.setting.flatMap { setting in lookup(node, setting.split(separator: ".").map(String.init)) } ?? node
            let detail = error.message.hasPrefix("\(name): ") ? String(error.message.dropFirst(name.count + 2)) : error.message
            throw self.error(culprit, "\(name): \(detail)")
        }
        return .inline(text)
    }

    /// The key at `keys` under `node` (`cpu.margin`), for pointing at a nested setting; the deepest one found.
    func lookup(_ node: YAMLNode, _ keys: [String]) -> YAMLNode? {
        guard let first = keys.first, case .mapping(let mapping) = node,
              let pair = mapping.pairs.first(where: { $0.key.value == first }) else { return nil }
        return lookup(pair.value, Array(keys.dropFirst())) ?? .scalar(pair.key)
    }

    /// A mapping's own text, dedented to column 0, so the tool that reads it sees a document of its own.
    func blockText(_ node: YAMLNode) -> String {
        guard case .mapping(let mapping) = node else { return "" }
        if mapping.flow { return String(decoding: source.bytes[mapping.start..<node.contentEnd], as: UTF8.self) + "\n" }
        let lineStart = source.bytes[..<mapping.start].lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
        let text = String(decoding: source.bytes[lineStart..<node.contentEnd], as: UTF8.self)
        return Self.dedent(text, by: mapping.column) + "\n"
    }

    /// `key: value` text of one pair, dedented, for a section assembled from several keys.
    func text(of pair: (key: YAMLNode, value: YAMLNode)) -> String {
        let lineStart = source.bytes[..<pair.key.start].lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
        let indent = pair.key.start - lineStart
        let text = String(decoding: source.bytes[lineStart..<pair.value.contentEnd], as: UTF8.self)
        return Self.dedent(text, by: indent)
    }

    /// `text` with up to `columns` leading spaces taken off each line.
    static func dedent(_ text: String, by columns: Int) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let spaces = line.prefix(while: { $0 == " " }).count
            return String(line.dropFirst(min(spaces, columns)))
        }.joined(separator: "\n")
    }
}
