import Foundation
import XCTest

/// autopilot-doctor against the fake API server (RBAC answers by `kubectl auth can-i`, CRDs present or not),
/// a real Prometheus with and without kube-state-metrics and cAdvisor's labels, and a local GitHub and Slack.
final class AutopilotDoctorTests: XCTestCase {
    private static let mib = 1_048_576.0

    /// A day of two containers' usage ending now; with kube-state-metrics' owner series or without, with
    /// cAdvisor's namespace/pod labels or with them relabelled away.
    private func prometheus(_ scratch: URL, kubeStateMetrics: Bool, podLabels: Bool = true) throws -> PrometheusServer {
        let end = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 60).rounded(.down) * 60)
        var metrics = SyntheticMetrics(end: end, window: 86_400)
        let all = 1...metrics.blockCount
        metrics.containers = [
            .init(namespace: "shop", pod: "api-7c9d8-aaaaa", container: "app", cpu: { _ in 0.2 }, memory: { _ in 300 * Self.mib },
                  blocks: all, throttledShare: 0.1),
            .init(namespace: "shop", pod: "db-0", container: "postgres", cpu: { _ in 1 }, memory: { _ in 2048 * Self.mib },
                  blocks: all, throttledShare: 0),
        ]
        metrics.nodes = [("ip-10-0-1-1.ec2.internal", { _ in 1.5 }, { _ in 8192 * Self.mib })]
        if kubeStateMetrics {
            metrics.owners = [("shop", "api-7c9d8-aaaaa", "ReplicaSet", "api-7c9d8"), ("shop", "db-0", "StatefulSet", "db")]
            metrics.oomKills = [("shop", "db-0", "postgres", [30])]
        }
        var text = metrics.openMetrics
        if !podLabels {
            // A relabelling that drops cAdvisor's pod and namespace labels (seen in hand-written scrape configs).
            text = text.replacingOccurrences(of: #"namespace="shop",pod="api-7c9d8-aaaaa","#, with: "")
                .replacingOccurrences(of: #"namespace="shop",pod="db-0","#, with: "")
        }
        let server = try PrometheusServer(openMetrics: text, scratch: scratch)
        addTeardownBlock { server.stop() }
        return server
    }

    private func kube(_ scratch: URL, _ arguments: [String] = []) throws -> FakeKubeAPIServer {
        _ = try MissingComponent.executable("kubectl", "make deps installs it (Debian's kubernetes-client)")
        let server = try FakeKubeAPIServer(fixtures: repositoryRoot.appendingPathComponent("fixtures/demo"), scratch: scratch,
                                           extraArguments: arguments)
        addTeardownBlock { server.stop() }
        return server
    }

    private func writeConfig(_ scratch: URL, kubeconfig: URL, prometheus: String, loki: String? = nil, extra: String = "") throws -> URL {
        let config = scratch.appendingPathComponent("autopilot.yaml")
        try "loki-token\n".write(to: scratch.appendingPathComponent("loki-token"), atomically: true, encoding: .utf8)
        try """
            output: out
            clusters:
              - name: demo
                context: demo
                kubeconfig: \(kubeconfig.path)
                prometheus: {url: "\(prometheus)", window: 1d}
            \(loki.map { "    loki: {url: \"\($0)\", tokenFile: loki-token}" } ?? "")
            \(extra)
            """.write(to: config, atomically: true, encoding: .utf8)
        return config
    }

    private func doctor(_ config: URL, _ extra: [String] = []) throws -> (status: Int32, checks: [String: [String: Any]], stdout: String) {
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = config.deletingLastPathComponent().path
        let result = try Tool.run("autopilot-doctor", ["--config", config.path, "--json"] + extra, environment: environment)
        var checks: [String: [String: Any]] = [:]
        for record in try decodeRecords(result.lines) {
            XCTAssertEqual(record["kind"] as? String, "check")
            checks[record["check"] as? String ?? "?"] = record
        }
        return (result.status, checks, result.stdout)
    }

    private func outcome(_ checks: [String: [String: Any]], _ name: String) -> String? { checks[name]?["outcome"] as? String }

    func testAClusterWithEverythingItNeedsIsAllOk() throws {
        let scratch = try makeScratchDirectory(self)
        let api = try kube(scratch)
        let prom = try prometheus(scratch, kubeStateMetrics: true)
        let (loki, lokiURL, lokiLog) = try FakeLoki.start(scratch)
        defer { loki.terminate() }
        let config = try writeConfig(scratch, kubeconfig: api.kubeconfig, prometheus: prom.url.absoluteString, loki: lokiURL.absoluteString)
        let result = try doctor(config)
        XCTAssertEqual(result.status, 0, result.stdout)
        for name in ["config", "output", "kube-api", "rbac", "prometheus", "cadvisor cpu", "cadvisor memory", "node usage",
                     "cfs throttling", "kube-state-metrics owners", "kube-state-metrics terminations", "history", "loki"] {
            XCTAssertEqual(outcome(result.checks, name), "ok", "\(name): \(result.checks[name] ?? [:])")
        }
        XCTAssertEqual(result.checks["rbac"]?["detail"] as? String, "may list all 18 resource types collect-cluster reads here")
        XCTAssertEqual(result.checks["cadvisor cpu"]?["detail"] as? String, "2 series")
        XCTAssertTrue((result.checks["history"]?["detail"] as? String ?? "").hasSuffix("days of container history"))
        let lokiRequests = try decodeRecords(String(contentsOf: lokiLog, encoding: .utf8).split(separator: "\n").map(String.init))
        XCTAssertEqual(lokiRequests.first?["path"] as? String, "/ready")
        XCTAssertEqual(lokiRequests.first?["authorization"] as? String, "Bearer loki-token")

        // The checklist people read: a line per check, a count at the end, nothing on stderr.
        let human = try Tool.run("autopilot-doctor", ["--config", config.path])
        XCTAssertEqual(human.status, 0)
        XCTAssertEqual(human.stderr, "")
        XCTAssertTrue(human.stdout.contains("cluster demo\n  ok    kube-api: reached the API server (Kubernetes v1.32.0)\n"), human.stdout)
        XCTAssertTrue(human.lines.last?.hasSuffix("checks: 0 failed, 0 warnings") == true, human.stdout)
    }

    func testDeniedListsAndAMissingKubeStateMetricsAreNamedWithTheirFix() throws {
        let scratch = try makeScratchDirectory(self)
        let api = try kube(scratch, ["--deny", "pods", "--deny", "events", "--omit", "scaledobjects"])
        let prom = try prometheus(scratch, kubeStateMetrics: false)
        let config = try writeConfig(scratch, kubeconfig: api.kubeconfig, prometheus: prom.url.absoluteString)
        let result = try doctor(config)
        XCTAssertEqual(result.status, 77, "a permission failure is the worst here")
        XCTAssertEqual(outcome(result.checks, "rbac"), "fail")
        XCTAssertEqual(result.checks["rbac"]?["detail"] as? String, "may not list pods, events")
        XCTAssertTrue((result.checks["rbac"]?["fix"] as? String ?? "").contains("deploy/kubernetes/clusterrole.yaml"))
        XCTAssertEqual(outcome(result.checks, "crd scaledobjects.keda.sh"), "ok", "an optional CRD may be absent")
        XCTAssertEqual(result.checks["crd scaledobjects.keda.sh"]?["detail"] as? String, "not installed: its checks are skipped")
        XCTAssertEqual(outcome(result.checks, "kube-state-metrics owners"), "warn")
        XCTAssertTrue((result.checks["kube-state-metrics owners"]?["fix"] as? String ?? "").contains("install kube-state-metrics"))
        XCTAssertEqual(outcome(result.checks, "cadvisor cpu"), "ok")
    }

    func testCadvisorSeriesWithoutPodLabelsFailAsMissingData() throws {
        let scratch = try makeScratchDirectory(self)
        let api = try kube(scratch)
        let prom = try prometheus(scratch, kubeStateMetrics: true, podLabels: false)
        let config = try writeConfig(scratch, kubeconfig: api.kubeconfig, prometheus: prom.url.absoluteString)
        let result = try doctor(config)
        XCTAssertEqual(result.status, 65)
        XCTAssertEqual(outcome(result.checks, "cadvisor cpu"), "fail")
        XCTAssertEqual(outcome(result.checks, "cadvisor memory"), "fail")
        XCTAssertTrue((result.checks["cadvisor cpu"]?["detail"] as? String ?? "").contains("no CPU right-sizing"))
        XCTAssertTrue((result.checks["cadvisor cpu"]?["fix"] as? String ?? "").contains("keep the namespace, pod and container labels"))
    }

    func testUnreachableServicesExit69AndNameTheAddress() throws {
        let scratch = try makeScratchDirectory(self)
        let refused = try RefusingPort(self)
        let kubeconfig = scratch.appendingPathComponent("kubeconfig")
        try FakeKubeAPIServer.kubeconfig(port: refused.port, tls: false, token: nil).write(to: kubeconfig, atomically: true, encoding: .utf8)
        // "401" in the URL's path (or its port: a CI run drew port 401xx) is no HTTP 401: unreachable, not refused.
        let config = try writeConfig(scratch, kubeconfig: kubeconfig, prometheus: "http://127.0.0.1:\(refused.port)/prom-401-403",
                                     loki: "http://127.0.0.1:\(refused.port)")
        let result = try doctor(config)
        XCTAssertEqual(result.status, 69)
        XCTAssertEqual(outcome(result.checks, "loki"), "warn", "evidence packs go without log lines; the run goes on")
        XCTAssertEqual(outcome(result.checks, "kube-api"), "fail")
        XCTAssertTrue((result.checks["kube-api"]?["detail"] as? String ?? "").contains("127.0.0.1:\(refused.port)"))
        XCTAssertEqual(outcome(result.checks, "prometheus"), "fail")
        XCTAssertNil(result.checks["rbac"], "nothing more is asked of a server that does not answer")
    }

    func testPRModeChecksTheCheckoutTheGitHubTokenAndSlack() throws {
        let scratch = try makeScratchDirectory(self)
        let api = try kube(scratch)
        let prom = try prometheus(scratch, kubeStateMetrics: true)
        let (repo, _) = try EmitPRFixtures.makeRepoWithRemote(["manifests"], in: scratch)
        try EmitPRFixtures.git(["push", "--quiet", "origin", "main"], in: repo)
        let readOnly = try FakeGitHub(scratch: scratch, token: "ghp-doctor", extraArguments: ["--permission-push", "false", "--scopes", "repo"])
        defer { readOnly.stop() }
        let slack = try FakeSlack(scratch: scratch, token: "xoxb-doctor")
        defer { slack.stop() }
        try "ghp-doctor\n".write(to: scratch.appendingPathComponent("github-token"), atomically: true, encoding: .utf8)
        try "xoxb-doctor\n".write(to: scratch.appendingPathComponent("slack-token"), atomically: true, encoding: .utf8)
        func config(github: String, slackToken: String) throws -> URL {
            try writeConfig(scratch, kubeconfig: api.kubeconfig, prometheus: prom.url.absoluteString, extra: """
                mode: pr
                gitops:
                  repo: \(repo.path)
                  base: main
                  github: acme/infra
                  githubTokenFile: github-token
                  apiURL: \(github)
                slack:
                  tokenFile: \(slackToken)
                  apiURL: \(slack.apiURL)
                """)
        }

        let denied = try doctor(try config(github: readOnly.baseURL, slackToken: "slack-token"))
        XCTAssertEqual(denied.status, 77, denied.stdout)
        XCTAssertEqual(outcome(denied.checks, "gitops repo"), "ok")
        XCTAssertEqual(outcome(denied.checks, "git remote"), "ok")
        XCTAssertEqual(outcome(denied.checks, "github"), "fail")
        XCTAssertEqual(denied.checks["github"]?["detail"] as? String, "the token may not push to acme/infra")
        XCTAssertEqual(outcome(denied.checks, "slack"), "ok")
        XCTAssertEqual(denied.checks["slack"]?["detail"] as? String, "the bot token works (team Fake, user autopilot)")

        let writerScratch = scratch.appendingPathComponent("writer")
        try FileManager.default.createDirectory(at: writerScratch, withIntermediateDirectories: true)
        let writer = try FakeGitHub(scratch: writerScratch, token: "ghp-doctor", extraArguments: ["--scopes", "repo, workflow"])
        defer { writer.stop() }
        try "xoxb-wrong\n".write(to: scratch.appendingPathComponent("wrong-slack-token"), atomically: true, encoding: .utf8)
        let wrongSlack = try doctor(try config(github: writer.baseURL, slackToken: "wrong-slack-token"))
        XCTAssertEqual(outcome(wrongSlack.checks, "github"), "ok")
        XCTAssertEqual(wrongSlack.checks["github"]?["detail"] as? String, "the token may push to acme/infra and open PRs (scopes: repo, workflow)")
        XCTAssertEqual(outcome(wrongSlack.checks, "slack"), "fail")
        XCTAssertTrue((wrongSlack.checks["slack"]?["detail"] as? String ?? "").contains("invalid_auth"))
        XCTAssertEqual(wrongSlack.status, 77)
    }

    func testABadConfigIsAConfigFailure() throws {
        let scratch = try makeScratchDirectory(self)
        let config = scratch.appendingPathComponent("autopilot.yaml")
        try "output: out\nclusters: []\n".write(to: config, atomically: true, encoding: .utf8)
        let result = try doctor(config)
        XCTAssertEqual(result.status, 64)
        XCTAssertEqual(outcome(result.checks, "config"), "fail")
        XCTAssertEqual(result.checks["config"]?["detail"] as? String, "\(config.path):2:11: 'clusters' must be a list of at least one cluster")
    }
}
