import Foundation

/// One preflight check of autopilot-doctor: what was checked, how it came out, and what to do about it.
public struct DoctorCheck: Sendable {
    public enum Outcome: String, Sendable {
        case ok, warn, fail
    }

    /// Why a check failed, which decides the exit status (the worst one wins: see `Doctor.exitStatus`).
    public enum Failure: Sendable {
        /// autopilot.yaml or a file it names is wrong: 64.
        case config
        /// The credentials work but may not do what a tool needs: 77.
        case permission
        /// A service does not answer: 69.
        case unavailable
        /// A service answers but lacks data the detectors need (a metric, its labels): 65.
        case missingData
    }

    public var cluster: String?
    public var name: String
    public var outcome: Outcome
    public var detail: String
    public var fix: String?
    public var failure: Failure?

    public static func ok(_ name: String, _ detail: String, cluster: String? = nil) -> DoctorCheck {
        DoctorCheck(cluster: cluster, name: name, outcome: .ok, detail: detail)
    }

    public static func warn(_ name: String, _ detail: String, fix: String, cluster: String? = nil) -> DoctorCheck {
        DoctorCheck(cluster: cluster, name: name, outcome: .warn, detail: detail, fix: fix)
    }

    public static func fail(_ name: String, _ detail: String, fix: String, _ failure: Failure, cluster: String? = nil) -> DoctorCheck {
        DoctorCheck(cluster: cluster, name: name, outcome: .fail, detail: detail, fix: fix, failure: failure)
    }

    /// The NDJSON record `--json` writes.
    public var record: JSONValue {
        var fields: [(String, JSONValue)] = [("kind", "check")]
        fields.append(("cluster", cluster.map(JSONValue.string) ?? .null))
        fields += [("check", .string(name)), ("outcome", .string(outcome.rawValue)), ("detail", .string(detail))]
        fields.append(("fix", fix.map(JSONValue.string) ?? .null))
        return .object(fields.map { JSONValue.Member($0.0, $0.1) })
    }
}

/// autopilot-doctor's checks: for each cluster of autopilot.yaml, whether kubectl reaches the API server and
/// may list everything collect-cluster lists, whether Prometheus answers and holds the metrics and labels
/// collect-metrics queries (and how many days of them), Loki; then the GitOps checkout, its remote, the GitHub
/// token's access and the Slack token. Nothing is written anywhere; the only requests are reads.
public struct Doctor {
    public let config: SiteConfig
    public var kubectl = "kubectl"

    public init(config: SiteConfig) { self.config = config }

    /// The exit status for a list of checks: 0 without failures, else that of the worst failure, in the
    /// order config (64) > permission (77) > unavailable (69) > missing data (65).
    public static func exitStatus(_ checks: [DoctorCheck]) -> Int32 {
        let failures = checks.compactMap(\.failure)
        if failures.contains(where: { if case .config = $0 { true } else { false } }) { return 64 }
        if failures.contains(where: { if case .permission = $0 { true } else { false } }) { return 77 }
        if failures.contains(where: { if case .unavailable = $0 { true } else { false } }) { return 69 }
        if failures.contains(where: { if case .missingData = $0 { true } else { false } }) { return 65 }
        return 0
    }

    // MARK: Local

    public func local() -> [DoctorCheck] {
        var checks: [DoctorCheck] = []
        checks.append(writableFolder("output", config.output))
        switch LedgerLocation(config.ledger) {
        case .sqlite(let path): checks.append(writableFolder("ledger", URL(fileURLWithPath: path).deletingLastPathComponent().path))
        case .postgres: checks.append(sharedLedger())
        }
        if let metrics = config.metrics {
            checks.append(writableFolder("metrics", URL(fileURLWithPath: metrics).deletingLastPathComponent().path))
        }
        if let billing = config.billing { checks.append(billingExports(billing)) }
        for (tool, needed) in [(kubectl, true), ("git", config.mode == .pr)] where needed {
            if let path = tool.contains("/") ? (FileManager.default.isExecutableFile(atPath: tool) ? tool : nil) : Executables.onPath(tool) {
                checks.append(.ok("program \(tool)", "found at \(path)"))
            } else {
                checks.append(.fail("program \(tool)", "\(tool) is not on PATH",
                                    fix: "install it (Debian/Ubuntu: apt-get install \(tool == "git" ? "git" : "kubectl or kubernetes-client"))", .unavailable))
            }
        }
        return checks
    }

    /// The billing exports read as the tools will: files, format, period, and how many instances and
    /// volumes they price. A run with an unreadable `billing` fails at detect-waste: say it now.
    private func billingExports(_ path: String) -> DoctorCheck {
        var warnings: [String] = []
        let bill: Bill
        do { bill = try BillingReader.read(path: path) { warnings.append($0) } } catch {
            return .fail("billing", "\(error)", fix: "point 'billing' at a FOCUS or CUR 2.0 export (docs/prices-and-bills.md)", .config)
        }
        let formats = Set(bill.files.map(\.format.rawValue)).sorted().joined(separator: ", ")
        let period = [bill.start, bill.end].map { $0.map(RFC3339.string) ?? "?" }.joined(separator: " – ")
        let detail = "\(bill.files.count) file\(bill.files.count == 1 ? "" : "s") (\(formats)), \(period): "
            + "\(bill.instances.count) instances, \(bill.volumes.count) volumes"
        if bill.instances.isEmpty && bill.volumes.isEmpty {
            return .warn("billing", detail, fix: "the export has no EC2 instance-hours or EBS volumes: is it the payer account's, with resource ids?")
        }
        if let first = warnings.first { return .warn("billing", detail + "; " + first, fix: "re-export the file or leave it out") }
        return .ok("billing", detail)
    }

    /// A PostgreSQL ledger: reachable with its password, and at a schema this version can migrate.
    private func sharedLedger() -> DoctorCheck {
        let name = LedgerLocation(config.ledger).description
        do {
            let password = try config.ledgerPasswordFile.map(LedgerStore.password(fromFile:))
            let db = try PostgresDatabase(url: config.ledger, password: password)
            let version = try db.schemaVersion()
            guard version <= LedgerStore.currentVersion else {
                return .fail("ledger", "\(name) is at schema \(version), newer than this version's \(LedgerStore.currentVersion)",
                             fix: "upgrade autopilot on this host to the version the other runners use", .config)
            }
            return .ok("ledger", version == LedgerStore.currentVersion ? "\(name) answers (schema \(version), current)"
                       : "\(name) answers (schema \(version); the next run migrates it to \(LedgerStore.currentVersion))")
        } catch {
            return .fail("ledger", "\(error)", fix: "check the URL, ledgerPasswordFile (or PGPASSWORD/PGPASSFILE), sslmode, and that the server allows this host",
                         .unavailable)
        }
    }

    /// A folder a run writes to: writable if it exists, else its nearest existing parent must be.
    private func writableFolder(_ name: String, _ path: String) -> DoctorCheck {
        var folder = path
        while !FileManager.default.fileExists(atPath: folder) && folder != "/" {
            folder = URL(fileURLWithPath: folder).deletingLastPathComponent().path
        }
        if access(folder, W_OK | X_OK) == 0 {
            return .ok(name, folder == path ? "\(path) is writable" : "\(path) will be created under \(folder)")
        }
        return .fail(name, "\(folder) is not writable by this user (\(path))",
                     fix: "create \(path) owned by the user the runs use (systemd: StateDirectory=autopilot)", .permission)
    }

    // MARK: Kubernetes

    public func kubernetes(_ cluster: SiteConfig.Cluster) -> [DoctorCheck] {
        let name = cluster.name
        let client = Kubectl(executable: kubectl, kubeconfig: cluster.kubeconfig, context: cluster.context, retries: 0,
                             requestTimeout: "15s")
        if cluster.inCluster && ProcessInfo.processInfo.environment["KUBERNETES_SERVICE_HOST"] == nil {
            return [.fail("kube-api", "inCluster is set but this is not a pod (no KUBERNETES_SERVICE_HOST)",
                          fix: "run the doctor in a Job made from the CronJob (docs/onboarding.md, 'Check with autopilot-doctor'), or give the cluster a context", .config, cluster: name)]
        }
        let version: (status: Int32, stdout: String, stderrLine: String)
        do { version = try client.probe(["version", "-o", "json"]) } catch {
            return [.fail("kube-api", error.message, fix: "install kubectl (make deps does) or put it on PATH", .unavailable, cluster: name)]
        }
        let server = (try? JSON.parse(version.stdout))?["serverVersion"]?["gitVersion"]?.string
        guard version.status == 0 || server != nil, let server else {
            if version.stderrLine.contains("context"), version.stderrLine.contains("does not exist") {
                return [.fail("kube-api", "kubectl: \(version.stderrLine)",
                              fix: "set the cluster's context to one `kubectl config get-contexts` lists (EKS: aws eks update-kubeconfig --name CLUSTER --alias NAME)",
                              .config, cluster: name)]
            }
            let refused = Kubectl.isRefused(version.stderrLine)
            return [.fail("kube-api", "kubectl \(cluster.context.map { "--context \($0) " } ?? "")cannot reach the API server: \(version.stderrLine)",
                          fix: refused
                            ? "refresh the credentials (EKS: aws eks update-kubeconfig --name CLUSTER; check the IAM identity is mapped by an access entry)"
                            : "check the kubeconfig's server address and the network path from this host",
                          refused ? .permission : .unavailable, cluster: name)]
        }
        var checks: [DoctorCheck] = [.ok("kube-api", "reached the API server (Kubernetes \(server))", cluster: name)]

        // Which resource types the cluster serves: an optional CRD that is absent is fine, a core one is not.
        let served = (try? client.probe(["api-resources", "-o", "name", "--verbs=list"]))
            .flatMap { $0.status == 0 ? Set($0.stdout.split(separator: "\n").map(String.init)) : nil }
        var denied: [String] = []
        var missing: [String] = []
        var checked = 0
        for resource in Kubectl.resources {
            let typeName = resource.name
            if let served, !served.contains(typeName) {
                if resource.optional {
                    checks.append(.ok("crd \(typeName)", "not installed: its checks are skipped", cluster: name))
                } else {
                    missing.append(typeName)
                }
                continue
            }
            checked += 1
            var arguments = ["auth", "can-i", "list", typeName]
            if resource.namespaced { arguments.append("--all-namespaces") }
            guard let answer = try? client.probe(arguments) else { continue }
            if answer.stdout.trimmingCharacters(in: .whitespacesAndNewlines) != "yes" { denied.append(typeName) }
        }
        if !missing.isEmpty {
            checks.append(.fail("resources", "the API server does not serve \(missing.joined(separator: ", "))",
                                fix: "collect-cluster needs these built-in types; check the cluster's version and the kubeconfig's server", .unavailable, cluster: name))
        }
        if denied.isEmpty {
            checks.append(.ok("rbac", "may list all \(checked) resource types collect-cluster reads here", cluster: name))
        } else {
            checks.append(.fail("rbac", "may not list \(denied.joined(separator: ", "))",
                                fix: "bind the read-only ClusterRole in deploy/kubernetes/clusterrole.yaml to the identity kubectl uses (list on exactly these types)",
                                .permission, cluster: name))
        }
        return checks
    }

    // MARK: Prometheus

    /// The series collect-metrics queries, each with what is lost without it.
    struct MetricProbe {
        var name: String
        var expression: String
        var required: Bool
        var without: String
        var fix: String
    }

    /// A selector's matchers: `matchers`, then the cluster's `match` (as collect-metrics adds it to every query).
    static func selector(_ matchers: [String], match: String?) -> String {
        (matchers + (match.map { [$0] } ?? [])).joined(separator: ", ")
    }

    static func metricProbes(match: String?, nodeLabel: String) -> [MetricProbe] {
        let containers = selector(["container!=\"\"", "container!=\"POD\""], match: match)
        let labelled = selector(["container!=\"\"", "container!=\"POD\"", "namespace!=\"\"", "pod!=\"\""], match: match)
        let cadvisorFix = "scrape the kubelets' /metrics/cadvisor (kube-prometheus-stack: kubelet.serviceMonitor.cAdvisor: true) and keep the namespace, pod and container labels"
        return [
            MetricProbe(name: "cadvisor cpu", expression: "count(container_cpu_usage_seconds_total{\(labelled)})", required: true,
                        without: "no CPU usage: no CPU right-sizing, every workload looks idle", fix: cadvisorFix),
            MetricProbe(name: "cadvisor memory", expression: "count(container_memory_working_set_bytes{\(labelled)})", required: true,
                        without: "no memory usage: no memory right-sizing or OOM risk", fix: cadvisorFix),
            MetricProbe(name: "node usage", expression: "count(container_cpu_usage_seconds_total{\(selector(["id=\"/\"", "\(nodeLabel)!=\"\""], match: match))})", required: false,
                        without: "no node usage: idle-node and consolidation rest on requests alone",
                        fix: "keep cAdvisor's root cgroup (id=\"/\") series and set prometheus.nodeLabel to the label naming the node (kube-prometheus: node)"),
            MetricProbe(name: "cfs throttling", expression: "count(container_cpu_cfs_throttled_periods_total{\(containers)})", required: false,
                        without: "no throttling evidence: CPU limits are judged without it", fix: cadvisorFix),
            MetricProbe(name: "kube-state-metrics owners", expression: "count(kube_pod_owner{\(selector([], match: match))})", required: false,
                        without: "pods that came and went in the window are not attributed to their workload (shorter evidence, fewer findings)",
                        fix: "install kube-state-metrics and scrape it (kube-prometheus-stack does by default)"),
            MetricProbe(name: "kube-state-metrics terminations", expression: "count(kube_pod_container_status_last_terminated_reason{\(selector([], match: match))})", required: false,
                        without: "OOM kills only from cAdvisor's counter", fix: "install kube-state-metrics and scrape it"),
        ]
    }

    public func prometheus(_ cluster: SiteConfig.Cluster, now: Date = Date()) -> [DoctorCheck] {
        let name = cluster.name
        let settings = cluster.prometheus
        let auth: PrometheusAuth
        do {
            auth = try PrometheusAuth.resolve(sigv4Region: settings.sigv4Region, tokenFile: settings.tokenFile, basicAuthFile: settings.basicAuthFile)
        } catch {
            switch error {
            case .settings(let message):
                return [.fail("prometheus", message, fix: "fix the prometheus section's credentials", .config, cluster: name)]
            case .credentials(let failure):
                let refused = failure.description.contains("refused")
                return [.fail("prometheus", "AWS credentials for SigV4: \(failure)",
                              fix: "check the IAM role's trust policy (IRSA, Pod Identity) or the instance profile",
                              refused ? .permission : .unavailable, cluster: name)]
            }
        }
        guard let url = URL(string: settings.url) else { return [] }
        let source = LivePrometheus(baseURL: url, auth: auth, caFile: settings.caFile, retries: 0, timeout: 30)
        func value(_ expression: String) throws(PrometheusError) -> Double? {
            let bytes = try source.fetch(.instant(expression, at: now, purpose: "autopilot-doctor"))
            guard let json = try? JSON.parse(String(decoding: bytes, as: UTF8.self)),
                  let first = json["data"]?["result"]?.array.first else { return nil }
            return first["value"]?.array.last?.string.flatMap(Double.init)
        }
        do {
            _ = try value("vector(1)")
        } catch {
            // The status code, not the text: a URL's port or path may hold "401" (a flaky CI run had port 401xx).
            let refused = if case .http(let status, _) = error { status == 401 || status == 403 } else { false }
            return [.fail("prometheus", "\(settings.url) does not answer queries: \(error.description)",
                          fix: refused ? "check the credentials (tokenFile, basicAuthFile, or AWS credentials and sigv4Region for AMP)"
                                       : "check prometheus.url (for AMP the workspace URL) and the network path from this host",
                          refused ? .permission : .unavailable, cluster: name)]
        }
        var checks: [DoctorCheck] = [.ok("prometheus", "\(settings.url) answers queries", cluster: name)]
        for probe in Self.metricProbes(match: settings.match, nodeLabel: settings.nodeLabel ?? "node") {
            let count: Double?
            do { count = try value(probe.expression) } catch {
                checks.append(.fail(probe.name, "query failed: \(error.description)", fix: "check that Prometheus is healthy", .unavailable, cluster: name))
                continue
            }
            if let count, count > 0 {
                checks.append(.ok(probe.name, "\(Int(count)) series", cluster: name))
            } else if probe.required {
                checks.append(.fail(probe.name, "no series for \(probe.expression): \(probe.without)", fix: probe.fix, .missingData, cluster: name))
            } else {
                checks.append(.warn(probe.name, "no series for \(probe.expression): \(probe.without)", fix: probe.fix, cluster: name))
            }
        }
        // How far back the working set goes, an hour at a time over the last 30 days (counted first, so
        // Prometheus evaluates one series per step, not one per container).
        let containers = Self.selector(["container!=\"\"", "container!=\"POD\""], match: settings.match)
        let oldest = "min_over_time(timestamp(count(container_memory_working_set_bytes{\(containers)}))[30d:1h])"
        if let first = try? value(oldest) {
            let days = max(0, now.timeIntervalSince1970 - first) / 86_400
            let window = Duration(settings.window ?? "14d")?.seconds ?? 1_209_600
            let text = String(format: "%.1f days of container history", days)
            if days * 86_400 + 86_400 >= Double(window) {
                checks.append(.ok("history", text, cluster: name))
            } else {
                checks.append(.warn("history", "\(text), less than the \(Duration(seconds: window)) window: recommendations rest on less evidence and are held back where too short",
                                    fix: "wait, or keep Prometheus' retention at 15 days or more (--storage.tsdb.retention.time)", cluster: name))
            }
        }
        return checks
    }

    // MARK: Loki

    public func loki(_ cluster: SiteConfig.Cluster) -> [DoctorCheck] {
        guard let loki = cluster.loki else { return [] }
        let token = loki.tokenFile.flatMap { try? String(contentsOfFile: $0, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) }
        guard let url = URL(string: loki.url) else { return [] }
        let client = LokiLogs(baseURL: url, token: token, retries: 0)
        do {
            try client.ready()
            return [.ok("loki", "\(loki.url) is ready", cluster: cluster.name)]
        } catch {
            return [.warn("loki", "\(loki.url): \(error)", fix: "check loki.url and loki.tokenFile; evidence packs go without log lines until then", cluster: cluster.name)]
        }
    }

    // MARK: PR mode

    public func gitops() -> [DoctorCheck] {
        guard config.mode == .pr, let gitops = config.gitops else { return [] }
        var checks: [DoctorCheck] = []
        // emit-pr's own git runner (GitCheckout): the same environment and the same first line of complaint.
        let checkout: GitCheckout
        do { checkout = try GitCheckout(path: gitops.repo) } catch {
            return [.fail("gitops repo", "\(gitops.repo) is not a git checkout: \(error)",
                          fix: "clone the GitOps repo there (git clone …) and keep it for the runs", .config)]
        }
        let base = gitops.base ?? "HEAD"
        if checkout.commit(base) != nil {
            checks.append(.ok("gitops repo", "\(gitops.repo) is a checkout; base \(base) exists"))
        } else {
            checks.append(.fail("gitops repo", "base \(base) is not a commit in \(gitops.repo)", fix: "fetch it, or set gitops.base", .config))
        }
        if gitops.github != nil {
            // emit-pr's choice: gitops.remote, else origin, else the first remote.
            let remotes = ((try? checkout.git(["remote"])) ?? "").split(separator: "\n").map(String.init)
            let remote = gitops.remote ?? (remotes.contains("origin") ? "origin" : remotes.first ?? "origin")
            if let url = try? checkout.git(["remote", "get-url", "--", remote]) {
                do {
                    try checkout.git(["ls-remote", "--heads", "--", remote])
                    checks.append(.ok("git remote", "\(remote) answers"))
                } catch {
                    checks.append(.fail("git remote", "\(remote) (\(Self.withoutCredentials(url))) does not answer: \(Self.withoutCredentials(error.description))",
                                        fix: "check the credentials git uses for the remote (a deploy key, or a credential helper with the token)", .unavailable))
                }
            } else {
                checks.append(.fail("git remote", "no remote \(remote) in \(gitops.repo)", fix: "git remote add \(remote) URL, or set gitops.remote", .config))
            }
            checks.append(github(gitops))
        }
        return checks
    }

    private func github(_ gitops: SiteConfig.GitOps) -> DoctorCheck {
        guard let repository = gitops.github else { return .ok("github", "no GitHub repository: branches stay local") }
        guard let file = gitops.githubTokenFile else {
            return .warn("github", "no githubTokenFile: branches are made but not pushed, no PRs opened",
                         fix: "set gitops.githubTokenFile to a file holding a token with Contents and Pull requests write access")
        }
        guard let token = try? SecretFile.read(file, "the GitHub token") else {
            return .fail("github", "cannot read the token from \(file)", fix: "write the token to \(file), readable by the runs' user", .config)
        }
        let client = GitHubClient(apiURL: gitops.apiURL ?? "https://api.github.com", repository: repository, token: token)
        client.retries = 0
        do {
            let access = try client.access()
            if let scopes = access.scopes, !scopes.contains("repo") && !scopes.contains("public_repo") {
                return .fail("github", "the token's scopes are \(scopes.isEmpty ? "none" : scopes.joined(separator: ", ")); PRs need repo",
                             fix: "give the classic token the repo scope, or use a fine-grained token with Contents and Pull requests read/write on \(repository)", .permission)
            }
            guard access.permissions["push"] == true else {
                return .fail("github", "the token may not push to \(repository)",
                             fix: "grant it Contents: write and Pull requests: write on \(repository)", .permission)
            }
            return .ok("github", "the token may push to \(repository) and open PRs\(access.scopes.map { " (scopes: \($0.joined(separator: ", ")))" } ?? "")")
        } catch {
            return .fail("github", error.description,
                         fix: error.status == 401 ? "the token is refused: make a new one" : error.status == 404 ? "check gitops.github (OWNER/NAME) and that the token can see it" : "check gitops.apiURL and the network path",
                         error.status == 401 || error.status == 404 ? .permission : .unavailable)
        }
    }

    public func slack() -> [DoctorCheck] {
        guard config.mode == .pr, let slack = config.slack else { return [] }
        guard let file = slack.tokenFile else {
            return [.ok("slack", "incoming webhook: not checked (a check would post a message)")]
        }
        guard let token = try? SecretFile.read(file, "the Slack bot token") else {
            return [.fail("slack", "cannot read the bot token from \(file)", fix: "write the xoxb- token to \(file)", .config)]
        }
        let client = SlackClient(apiURL: slack.apiURL ?? "https://slack.com/api", token: token)
        client.retries = 0
        do {
            let answer = try client.api("auth.test", .object([]))
            return [.ok("slack", "the bot token works (team \(answer["team"]?.string ?? "?"), user \(answer["user"]?.string ?? "?"))")]
        } catch {
            return [.fail("slack", error.description, fix: error.unreachable ? "check slack.apiURL and the network path" : "reinstall the Slack app and copy its bot token (scopes chat:write)",
                          error.unreachable ? .unavailable : .permission)]
        }
    }

    /// A URL (or a line holding one) with any `user:password@` taken out: remotes often carry a token.
    static func withoutCredentials(_ text: String) -> String {
        text.replacingOccurrences(of: #"://[^/@\s]+@"#, with: "://", options: .regularExpression)
    }
}
