import Foundation
import XCTest

/// autopilot-run from one autopilot.yaml, started the way cron starts it (an empty environment but HOME,
/// LOGNAME, SHELL and PATH=/usr/bin:/bin), against the fake API server serving the demo cluster and a real
/// Prometheus; PR mode against a local GitHub and Slack; its own metrics checked with promtool.
final class AutopilotRunTests: XCTestCase {
    private typealias F = EmitPRFixtures
    private let date = "2026-11-23"

    /// Runs autopilot-run as cron would; stdout and stderr together. `asUser` runs it as that uid and gid
    /// (systemd's User=, the CronJob's runAsUser) through setpriv.
    private func cron(_ arguments: [String], home: URL, asUser user: Int? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let become = user.map { ["/usr/bin/setpriv", "--reuid=\($0)", "--regid=\($0)", "--clear-groups", "/usr/bin/env"] } ?? []
        process.arguments = become + ["-i", "HOME=\(home.path)", "LOGNAME=root", "SHELL=/bin/sh", "PATH=/usr/bin:/bin",
                                      Tool.binDirectory.appendingPathComponent("autopilot-run").path] + arguments
        let log = home.appendingPathComponent("cron-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, try String(contentsOf: log, encoding: .utf8))
    }

    /// The fake API server over the demo and a Prometheus that answers but holds no container data (usage
    /// records say `samples: 0`; the findings that need no usage still come).
    private func services(_ scratch: URL) throws -> (kube: FakeKubeAPIServer, prometheus: PrometheusServer) {
        _ = try MissingComponent.executable("kubectl", "make deps installs it (Debian's kubernetes-client)")
        let kube = try FakeKubeAPIServer(fixtures: repositoryRoot.appendingPathComponent("fixtures/demo"), scratch: scratch)
        addTeardownBlock { kube.stop() }
        let end = Int(Date().timeIntervalSince1970 / 60) * 60
        let metrics = (0..<30).map { "up{job=\"x\"} 1 \(end - 3600 + $0 * 60)" }.joined(separator: "\n") + "\n# EOF\n"
        let prometheus = try PrometheusServer(openMetrics: metrics, scratch: scratch)
        addTeardownBlock { prometheus.stop() }
        return (kube, prometheus)
    }

    private func lines(_ url: URL) throws -> [[String: Any]] {
        try decodeRecords(String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init))
    }

    /// Sample values of `name` with exactly `labels` in a text exposition.
    private func sample(_ exposition: String, _ name: String, _ labels: String = "") -> Double? {
        let prefix = labels.isEmpty ? "\(name) " : "\(name){\(labels)} "
        return exposition.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { Double($0.dropFirst(prefix.count)) }
    }

    /// The sum of every sample of `name` whose labels contain `label`.
    private func sum(_ exposition: String, _ name: String, _ label: String) -> Double {
        exposition.split(separator: "\n").filter { $0.hasPrefix(name + "{") && $0.contains(label) }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
    }

    private func promtoolCheck(_ file: URL) throws {
        let check = try PrometheusServer.run("/bin/sh", ["-c", "/usr/bin/promtool check metrics < \"$0\"", file.path])
        XCTAssertEqual(check.status, 0, "promtool check metrics: \(check.output)")
    }

    func testReadOnlyWeekRunsFromOneConfigUnderCronAndReportsItsOwnMetrics() throws {
        let scratch = try makeScratchDirectory(self)
        let (kube, prometheus) = try services(scratch)
        let out = scratch.appendingPathComponent("autopilot")
        let metricsFile = scratch.appendingPathComponent("textfile/autopilot.prom")
        let config = scratch.appendingPathComponent("autopilot.yaml")
        try """
            # The first week of a pilot: read-only.
            mode: read-only
            output: autopilot
            metrics: textfile/autopilot.prom
            retention: 12w
            clusters:
              - name: demo
                context: demo
                kubeconfig: \(kube.kubeconfig.path)
                prometheus:
                  url: \(prometheus.url.absoluteString)
            detection:
              orphanVolume: {minAge: 50d}   # not the default: the replay must use it too
            """.write(to: config, atomically: true, encoding: .utf8)

        // Two earlier runs: one within the 12 weeks kept, one before them.
        let runs = out.appendingPathComponent("runs")
        for old in ["2026-06-01", "2026-11-16"] {
            try FileManager.default.createDirectory(at: runs.appendingPathComponent("\(old)/report"), withIntermediateDirectories: true)
        }
        let run = try cron(["--config", config.path, "--date", date, "--now", "2026-11-23T06:00:00Z"], home: scratch)
        XCTAssertEqual(run.status, 0, run.output)
        XCTAssertEqual(run.output, "", "quiet on success")
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: "/dev/null")[.type] as? FileAttributeType, .typeCharacterSpecial)
        let folder = runs.appendingPathComponent(date)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: runs.path).sorted(), ["2026-11-16", date],
                       "no .tmp left; the run older than the retention removed")
        for file in ["report/report.html", "report/report.json", "site/index.html", "site/findings.html", "ledger.ndjson", "streams/demo.ndjson",
                     "config/detection.yaml", "config/render-site.args",
                     "config/detect-waste.args",
                     "capture/metrics/demo/queries.ndjson", "capture/cluster/demo/demo/pods.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path), file)
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("autopilot.db").path), "the ledger beside the runs")
        let ledger = try lines(folder.appendingPathComponent("ledger.ndjson"))
        let findings = ledger.filter { $0["kind"] as? String == "finding" }
        XCTAssertEqual(findings.filter { $0["detector"] as? String == "orphan-volume" }.count, 2,
                       "the demo's orphans released 50 days or more before --now, found without usage (7 days: 4)")
        XCTAssertTrue(ledger.allSatisfy { $0["kind"] as? String != "change" }, "read-only: emit-pr did not run")
        XCTAssertTrue(findings.allSatisfy { $0["notified"] == nil }, "read-only: notify-slack did not run")

        // Its own metrics: valid exposition, and figures that match the run's files.
        try promtoolCheck(metricsFile)
        let exposition = try String(contentsOf: metricsFile, encoding: .utf8)
        XCTAssertEqual(sample(exposition, "autopilot_run_last_success"), 1)
        XCTAssertEqual(sample(exposition, "autopilot_cluster_last_success", #"cluster="demo""#), 1)
        let streamLines = try String(contentsOf: folder.appendingPathComponent("streams/demo.ndjson"), encoding: .utf8)
            .split(separator: "\n").count
        XCTAssertEqual(sample(exposition, "autopilot_stage_records", #"cluster="demo",stage="build-evidence""#), Double(streamLines))
        XCTAssertEqual(sample(exposition, "autopilot_stage_exit_code", #"cluster="demo",stage="collect-cluster""#), 0)
        let ledgerRecords = ledger.filter { $0["kind"] as? String == "ledger" }
        XCTAssertEqual(sum(exposition, "autopilot_findings", #"detector="orphan-volume""#),
                       Double(ledgerRecords.filter { $0["detector"] as? String == "orphan-volume" }.count))
        let identified = ledgerRecords.filter { $0["status"] as? String == "detected" }.compactMap { $0["monthlySavings"] as? Double }.reduce(0, +)
        XCTAssertGreaterThan(identified, 0)
        XCTAssertEqual(sum(exposition, "autopilot_savings_monthly_dollars", #"state="identified""#), identified, accuracy: 0.005 * Double(ledgerRecords.count),
                       "identified savings by team and detector add up to the ledger's (each rounded to the cent)")

        try checkDashboard(metricsFile.deletingLastPathComponent(), scratch: scratch, incidents: ledger.contains { $0["kind"] as? String == "incident" })

        // The same week again is refused; the folder is the week's record.
        let again = try cron(["--config", config.path, "--date", date], home: scratch)
        XCTAssertEqual(again.status, 73)
        XCTAssertTrue(again.output.hasPrefix("autopilot-run: ") && again.output.contains("this week's run is done"), again.output)

        // pipelines/replay.sh reruns it offline: the same findings.
        kube.stop()
        prometheus.stop()
        let replayed = scratch.appendingPathComponent("replay")
        let replay = try PrometheusServer.run("/bin/bash", [repositoryRoot.appendingPathComponent("pipelines/replay.sh").path,
                                                           folder.path, replayed.path, Tool.binDirectory.path])
        XCTAssertEqual(replay.status, 0, replay.output)
        let replayFindings = try lines(replayed.appendingPathComponent("ledger.ndjson")).filter { $0["kind"] as? String == "finding" }
        XCTAssertEqual(Set(replayFindings.compactMap { $0["id"] as? String }), Set(findings.compactMap { $0["id"] as? String }),
                       "the replay runs with the run's settings and its now")
    }

    /// The metrics file served by a real node_exporter's textfile collector and scraped by a real Prometheus:
    /// every query of the Grafana dashboard (and its cluster variable) answers with data.
    private func checkDashboard(_ textfiles: URL, scratch: URL, incidents: Bool) throws {
        let exporterScratch = scratch.appendingPathComponent("node-exporter")
        try FileManager.default.createDirectory(at: exporterScratch, withIntermediateDirectories: true)
        let exporter = try NodeExporter(textfileDirectory: textfiles, scratch: exporterScratch)
        defer { exporter.stop() }
        let promScratch = scratch.appendingPathComponent("prometheus-own")
        try FileManager.default.createDirectory(at: promScratch, withIntermediateDirectories: true)
        let prometheus = try PrometheusServer(openMetrics: nil, scratch: promScratch, configuration: """
            global: {scrape_interval: 1s}
            scrape_configs:
              - job_name: node
                static_configs: [{targets: ["\(exporter.target)"]}]
            """)
        defer { prometheus.stop() }
        func query(_ path: String) throws -> [String: Any] {
            let result = try PrometheusServer.run("/usr/bin/env", ["python3", "-c",
                "import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())",
                prometheus.url.absoluteString + path])
            guard result.status == 0, let json = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any] else {
                throw PrometheusServer.failure("\(path): \(result.output)")
            }
            return json
        }
        func instant(_ expression: String) throws -> [[String: Any]] {
            let encoded = expression.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? expression
            let answer = try query("/api/v1/query?query=\(encoded)")
            XCTAssertEqual(answer["status"] as? String, "success", expression)
            return ((answer["data"] as? [String: Any])?["result"] as? [[String: Any]]) ?? []
        }
        let deadline = Date().addingTimeInterval(30)
        while try instant("autopilot_run_last_success").isEmpty && Date() < deadline { Thread.sleep(forTimeInterval: 0.5) }

        let dashboard = try XCTUnwrap(try JSONSerialization.jsonObject(
            with: Data(contentsOf: repositoryRoot.appendingPathComponent("deploy/grafana/autopilot-dashboard.json"))) as? [String: Any])
        var expressions: [String] = []
        func collect(_ panels: [[String: Any]]) {
            for panel in panels {
                expressions += ((panel["targets"] as? [[String: Any]]) ?? []).compactMap { $0["expr"] as? String }
                collect((panel["panels"] as? [[String: Any]]) ?? [])
            }
        }
        collect((dashboard["panels"] as? [[String: Any]]) ?? [])
        XCTAssertGreaterThanOrEqual(expressions.count, 10)
        for expression in expressions {
            let result = try instant(expression.replacingOccurrences(of: "$cluster", with: ".*"))
            if expression.contains("autopilot_incidents") && !incidents { continue }
            XCTAssertFalse(result.isEmpty, "no data for the dashboard's \(expression)")
        }
        let clusters = try query("/api/v1/label/cluster/values?match[]=autopilot_cluster_last_success")
        XCTAssertEqual(clusters["data"] as? [String], ["demo"], "the dashboard's cluster variable")
    }

    func testPRModeAddsPullRequestsAndSlackMessages() throws {
        let scratch = try makeScratchDirectory(self)
        let (kube, prometheus) = try services(scratch)
        let remote = scratch.appendingPathComponent("remote.git")
        try FileManager.default.createDirectory(at: remote, withIntermediateDirectories: true)
        try F.git(["init", "--quiet", "--bare", "--initial-branch=main"], in: remote)
        let repo = try F.makeRepo(["manifests", "kustomize", "helm", "terraform"], in: scratch, name: "gitops", asFolders: true)
        try F.git(["config", "user.name", "Autopilot"], in: repo)
        try F.git(["config", "user.email", "autopilot@example.com"], in: repo)
        try F.git(["remote", "add", "origin", remote.path], in: repo)
        try F.git(["push", "--quiet", "origin", "main"], in: repo)
        let github = try FakeGitHub(scratch: scratch, token: "ghp-run-token")
        defer { github.stop() }
        let slack = try FakeSlack(scratch: scratch, token: "xoxb-run-token")
        defer { slack.stop() }
        try "ghp-run-token\n".write(to: scratch.appendingPathComponent("github-token"), atomically: true, encoding: .utf8)
        try "xoxb-run-token\n".write(to: scratch.appendingPathComponent("slack-token"), atomically: true, encoding: .utf8)
        let config = scratch.appendingPathComponent("autopilot.yaml")
        try """
            mode: pr
            output: autopilot
            clusters:
              - name: demo
                context: demo
                kubeconfig: \(kube.kubeconfig.path)
                prometheus: {url: "\(prometheus.url.absoluteString)"}
            gitops:
              repo: gitops
              base: main
              scope: [manifests, kustomize, helm, terraform]
              valuesMap: gitops/helm/autopilot-values-map.yaml
              github: acme/infra
              githubTokenFile: github-token
              apiURL: \(github.baseURL)
            slack:
              tokenFile: slack-token
              apiURL: \(slack.apiURL)
              defaultChannel: "#cloud-savings"
            """.write(to: config, atomically: true, encoding: .utf8)

        let run = try cron(["--config", config.path, "--date", date], home: scratch)
        XCTAssertEqual(run.status, 0, run.output)
        let ledger = try lines(scratch.appendingPathComponent("autopilot/runs/\(date)/ledger.ndjson"))
        let opened = ledger.filter { $0["kind"] as? String == "change" && $0["branch"] is String }
        XCTAssertFalse(opened.isEmpty, "PR mode: emit-pr made branches")
        let pulls = try github.pulls()
        XCTAssertEqual(Set(pulls.compactMap { ($0["head"] as? [String: Any])?["ref"] as? String }),
                       Set(opened.compactMap { $0["branch"] as? String }), "each branch has its PR")
        for change in opened {
            let branch = try XCTUnwrap(change["branch"] as? String)
            XCTAssertEqual(try F.git(["rev-parse", "refs/heads/" + branch], in: remote), change["commit"] as? String, "pushed")
        }
        // The token reached emit-pr through its environment, never a command line.
        XCTAssertFalse(try String(contentsOf: scratch.appendingPathComponent("autopilot/runs/\(date)/ledger.ndjson"), encoding: .utf8)
            .contains("ghp-run-token"))
        let asked = ledger.filter { $0["kind"] as? String == "finding" && ($0["risk"] as? [String: Any])?["gate"] as? String == "approve" }
        XCTAssertFalse(asked.isEmpty)
        XCTAssertEqual(try slack.messages().count, asked.count, "one Slack message per finding that asks a person")
        XCTAssertTrue(asked.allSatisfy { $0["notified"] as? Bool == true })
    }

    /// As the deployed runs are: not root (systemd's User=autopilot, the CronJob's uid 65532). Nothing of the
    /// run may need more than its own folders (a run as root once replaced /dev/null through a rename).
    func testARunAsAnUnprivilegedUserCompletes() throws {
        try MissingComponent.check(getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"),
                                   "needs root and setpriv (util-linux) to become another user")
        let scratch = try makeScratchDirectory(self)
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: scratch.path)
        let (kube, prometheus) = try services(scratch)
        let config = scratch.appendingPathComponent("autopilot.yaml")
        try """
            output: out
            metrics: out/autopilot.prom
            clusters:
              - name: demo
                context: demo
                kubeconfig: \(kube.kubeconfig.path)
                prometheus: {url: "\(prometheus.url.absoluteString)"}
            """.write(to: config, atomically: true, encoding: .utf8)
        let run = try cron(["--config", config.path, "--date", date], home: scratch, asUser: 65534)
        XCTAssertEqual(run.status, 0, run.output)
        let report = scratch.appendingPathComponent("out/runs/\(date)/report/report.html")
        XCTAssertTrue(FileManager.default.fileExists(atPath: report.path))
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: report.path)[.ownerAccountID] as? Int, 65534)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: "/dev/null")[.type] as? FileAttributeType, .typeCharacterSpecial)
    }

    /// A fleet: two runners (two bastions, or two clusters' CronJobs), each with its own autopilot.yaml and
    /// cluster, started together under cron with one PostgreSQL ledger (`ledger:` a URL, the password from
    /// `ledgerPasswordFile`). Both runs land in it, and the fleet's report reads both clusters from it.
    func testTwoRunnersShareOnePostgreSQLLedger() throws {
        let scratch = try makeScratchDirectory(self)
        let (kube, prometheus) = try services(scratch)
        let server = try PostgresServer.shared()
        addTeardownBlock { PostgresServer.stopShared() }
        let db = try server.newDatabase()
        let bare = server.withoutPassword(db)
        let password = scratch.appendingPathComponent("ledger-password")
        try (PostgresServer.password + "\n").write(to: password, atomically: true, encoding: .utf8)
        var runners: [(Process, URL)] = []
        for cluster in ["prod-us", "prod-eu"] {
            let home = scratch.appendingPathComponent(cluster)
            try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
            let config = home.appendingPathComponent("autopilot.yaml")
            try """
                output: out
                ledger: "\(bare)"
                ledgerPasswordFile: \(password.path)
                clusters:
                  - name: \(cluster)
                    context: demo
                    kubeconfig: \(kube.kubeconfig.path)
                    prometheus: {url: "\(prometheus.url.absoluteString)"}
                """.write(to: config, atomically: true, encoding: .utf8)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["-i", "HOME=\(home.path)", "LOGNAME=root", "SHELL=/bin/sh", "PATH=/usr/bin:/bin",
                                 Tool.binDirectory.appendingPathComponent("autopilot-run").path, "--config", config.path, "--date", date]
            let log = home.appendingPathComponent("cron.log")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            process.standardOutput = try FileHandle(forWritingTo: log)
            process.standardError = try FileHandle(forWritingTo: log)
            runners.append((process, log))
        }
        for (process, _) in runners { try process.run() }
        for (process, log) in runners {
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
        }

        let export = try Tool.run("ledger", ["export", "--db", db])
        XCTAssertEqual(export.status, 0, export.stderr)
        let records = try decodeRecords(export.lines)
        let ledger = records.filter { $0["kind"] as? String == "ledger" }
        let byCluster = Dictionary(grouping: ledger) { $0["cluster"] as? String ?? "" }
        XCTAssertEqual(Set(byCluster.keys), ["prod-us", "prod-eu"], "both runners' findings in the one ledger")
        XCTAssertEqual(byCluster["prod-us"]?.count, byCluster["prod-eu"]?.count, "the same cluster seen by both: the same findings")
        XCTAssertFalse(ledger.isEmpty)
        let runs = Set(records.filter { $0["kind"] as? String == "costhistory" }.compactMap { $0["run"] as? Int })
        XCTAssertEqual(runs.count, 2, "two runs")
        let report = scratch.appendingPathComponent("fleet-report")
        let rendered = try Tool.run("render-report", ["--out", report.path, "--now", "\(date)T12:00:00Z"], stdin: export.stdout)
        XCTAssertEqual(rendered.status, 0, rendered.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: report.appendingPathComponent("report.json"))) as? [String: Any])
        XCTAssertEqual(json["clusters"] as? [String], ["prod-eu", "prod-us"], "the fleet's report has both")
        for (_, log) in runners {
            XCTAssertFalse(try String(contentsOf: log, encoding: .utf8).contains(PostgresServer.password), "no password in the run's log")
        }
    }

    func testAnUnreachableClusterIsLeftOutAndTheOtherIsRecorded() throws {
        let scratch = try makeScratchDirectory(self)
        let (kube, prometheus) = try services(scratch)
        let refused = try RefusingPort(self)
        let brokenConfig = scratch.appendingPathComponent("broken-kubeconfig")
        try FakeKubeAPIServer.kubeconfig(port: refused.port, tls: false, token: nil).write(to: brokenConfig, atomically: true, encoding: .utf8)
        let config = scratch.appendingPathComponent("autopilot.yaml")
        try """
            output: autopilot
            metrics: autopilot.prom
            clusters:
              - name: demo
                context: demo
                kubeconfig: \(kube.kubeconfig.path)
                prometheus: {url: "\(prometheus.url.absoluteString)"}
              - name: broken
                context: demo
                kubeconfig: \(brokenConfig.path)
                prometheus: {url: "\(prometheus.url.absoluteString)"}
            """.write(to: config, atomically: true, encoding: .utf8)

        let run = try cron(["--config", config.path, "--date", date], home: scratch)
        XCTAssertEqual(run.status, 69, run.output)
        XCTAssertTrue(run.output.contains("autopilot-run: broken: collect-cluster exited 69; this cluster is left out"), run.output)
        XCTAssertTrue(run.output.contains("collect-cluster: "), "the tool's own line says why: \(run.output)")
        let folder = scratch.appendingPathComponent("autopilot/runs/\(date)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("failed/broken.ndjson").path))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("streams").path), ["demo.ndjson"],
                       "what a failed chain wrote is out of the streams/*.ndjson a hand replay would record")
        let ledger = try lines(folder.appendingPathComponent("ledger.ndjson"))
        let clusters = Set(ledger.filter { $0["kind"] as? String == "finding" }.compactMap { $0["cluster"] as? String })
        XCTAssertEqual(clusters, ["demo"], "the reachable cluster is recorded")
        let metricsFile = scratch.appendingPathComponent("autopilot.prom")
        try promtoolCheck(metricsFile)
        let exposition = try String(contentsOf: metricsFile, encoding: .utf8)
        XCTAssertEqual(sample(exposition, "autopilot_run_last_success"), 0)
        XCTAssertEqual(sample(exposition, "autopilot_cluster_last_success", #"cluster="broken""#), 0)
        XCTAssertEqual(sample(exposition, "autopilot_cluster_last_success", #"cluster="demo""#), 1)
        XCTAssertEqual(sample(exposition, "autopilot_stage_exit_code", #"cluster="broken",stage="collect-cluster""#), 69)
    }

    func testABadConfigIsOneLineNamingItsPositionAndNothingRuns() throws {
        let scratch = try makeScratchDirectory(self)
        let config = scratch.appendingPathComponent("autopilot.yaml")
        try """
            output: autopilot
            clusters:
              - name: demo
                context: demo
                promethus: {url: "http://127.0.0.1:9090"}
            """.write(to: config, atomically: true, encoding: .utf8)
        let run = try cron(["--config", config.path], home: scratch)
        XCTAssertEqual(run.status, 64)
        XCTAssertEqual(run.output, "autopilot-run: \(config.path):5:5: unknown key 'clusters[].promethus' (known here: name, context, inCluster, kubeconfig, region, prometheus, loki, paths)\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.appendingPathComponent("autopilot").path), "nothing was created")
    }

    func testDryRunPrintsEveryPipelineQuotedAndWritesNothing() throws {
        let scratch = try makeScratchDirectory(self)
        let config = scratch.appendingPathComponent("autopilot.yaml")
        try """
            mode: pr
            output: /srv/autopilot
            clusters:
              - name: prod-us
                context: arn:aws:eks:us-east-1:123456789012:cluster/prod-us
                prometheus:
                  url: https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1
                  sigv4Region: us-east-1
                  match: 'cluster="prod us"'
                paths: [clusters/prod-us]
            gitops:
              repo: /srv/gitops
              github: acme/infra
              githubTokenFile: /etc/autopilot/github-token
            """.write(to: config, atomically: true, encoding: .utf8)
        let run = try cron(["--config", config.path, "--dry-run", "--date", date], home: scratch)
        XCTAssertEqual(run.status, 0, run.output)
        let work = "/srv/autopilot/runs/\(date).tmp"
        XCTAssertEqual(run.output, """
            # prod-us
            collect-cluster --cluster prod-us --capture \(work)/capture/cluster/prod-us --context arn:aws:eks:us-east-1:123456789012:cluster/prod-us \\
              | collect-metrics --prometheus https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1 --capture \(work)/capture/metrics/prod-us --sigv4-region us-east-1 --match 'cluster="prod us"' \\
              | detect-waste \\
              | detect-incidents --alerts \(work)/capture/alerts --since 8d \\
              | score-risk \\
              | build-evidence --out \(work)/evidence --prometheus https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1 --sigv4-region us-east-1 --match 'cluster="prod us"' > \(work)/streams/prod-us.ndjson
            emit-pr --repo /srv/gitops --cluster-path prod-us=clusters/prod-us --github-repo acme/infra < \(work)/streams/prod-us.ndjson > \(work)/streams/prod-us.ndjson.emit-pr && mv \(work)/streams/prod-us.ndjson.emit-pr \(work)/streams/prod-us.ndjson
            # across clusters
            cat \(work)/streams/*.ndjson | ledger record --db /srv/autopilot/autopilot.db > \(work)/ledger.ndjson
            render-report --out \(work)/report --db /srv/autopilot/autopilot.db < \(work)/ledger.ndjson
            render-site --out \(work)/site --db /srv/autopilot/autopilot.db < \(work)/ledger.ndjson

            """)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/srv/autopilot"), "a dry run writes nothing")
    }
}
