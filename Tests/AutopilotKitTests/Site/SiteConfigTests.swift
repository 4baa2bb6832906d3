@testable import AutopilotKit
import XCTest

/// autopilot.yaml: every key read, every mistake named at its line and column, inline sections handed to
/// the tools' own readers unchanged.
final class SiteConfigTests: XCTestCase {
    private func parse(_ text: String, path: String = "/etc/autopilot/autopilot.yaml") throws -> SiteConfig {
        try SiteConfig.parse(Array(text.utf8), path: path)
    }

    private func error(_ text: String) -> String {
        do {
            _ = try parse(text)
            return "no error"
        } catch {
            return (error as? ConfigError)?.message ?? "\(error)"
        }
    }

    func testAFullConfigIsReadWithPathsRelativeToItsFolder() throws {
        let config = try parse("""
            mode: pr
            output: /var/lib/autopilot
            metrics: /var/lib/node-exporter/autopilot.prom
            retention: 12w
            teamLabels: [team, app.kubernetes.io/part-of]
            defaultTeam: platform
            prices: prices/negotiated.csv
            clusters:
              - name: prod-us
                context: arn:aws:eks:us-east-1:123456789012:cluster/prod-us
                region: us-east-1
                prometheus:
                  url: https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1
                  sigv4Region: us-east-1
                  window: 14d
                loki: {url: "http://loki.monitoring:3100", tokenFile: loki-token}
                paths: [clusters/prod-us, apps/overlays/prod-us]
              - name: in-here
                inCluster: true
                prometheus: {url: "http://prometheus:9090", tokenFile: /var/run/secrets/prom-token}
            gitops:
              repo: ../gitops
              github: acme/infra
              githubTokenFile: github-token
              scope: [clusters]
              onlyAuto: true
            slack:
              tokenFile: slack-token
              defaultChannel: "#cloud-savings"
              teams:
                checkout: {channel: C0CHECKOUT, approvers: [U01ALICE]}
            """)
        XCTAssertEqual(config.mode, .pr)
        XCTAssertEqual(config.ledger, "/var/lib/autopilot/autopilot.db", "the ledger defaults to beside the runs")
        XCTAssertEqual(config.alerts, "/var/lib/autopilot/alerts")
        XCTAssertEqual(config.retention?.seconds, 12 * 604_800)
        XCTAssertEqual(config.prices, "/etc/autopilot/prices/negotiated.csv")
        XCTAssertEqual(config.clusterNames, ["prod-us", "in-here"])
        XCTAssertEqual(config.clusters[0].loki?.tokenFile, "/etc/autopilot/loki-token")
        XCTAssertEqual(config.clusters[0].paths, ["clusters/prod-us", "apps/overlays/prod-us"], "paths are the repo's, not files here")
        XCTAssertTrue(config.clusters[1].inCluster)
        XCTAssertNil(config.clusters[1].context)
        XCTAssertEqual(config.gitops?.repo, "/etc/autopilot/../gitops")
        XCTAssertEqual(config.gitops?.onlyAuto, true)
        XCTAssertEqual(config.slack?.routing, .inline("""
            defaultChannel: "#cloud-savings"
            teams:
              checkout: {channel: C0CHECKOUT, approvers: [U01ALICE]}

            """))
    }

    /// `billing` goes, where it is (not copied), to the three tools that read a bill.
    func testBillingGoesToDetectWasteLedgerAndRenderReport() throws {
        let config = try parse("output: /var/lib/autopilot\nbilling: bills/focus\nclusters:\n  - name: a\n    context: a\n    prometheus: {url: \"http://p:9090\"}\n")
        XCTAssertEqual(config.billing, "/etc/autopilot/bills/focus")
        let plan = WeeklyPlan(config: config, folder: "/var/lib/autopilot/runs/2026-12-06.tmp", dryRun: true)
        let arguments = plan.replayArguments(WeeklyPlan.Settings())
        for tool in ["detect-waste", "ledger", "render-report", "render-site"] {
            XCTAssertEqual(arguments[tool]?.suffix(2), ["--billing", "/etc/autopilot/bills/focus"], tool)
        }
        XCTAssertFalse(arguments["build-evidence"]?.contains("--billing") ?? true)
    }

    /// A fleet's shared ledger: a postgresql:// URL is kept as it is (a path would be made absolute), its
    /// password comes from a file, and both reach ledger record and notify-slack; a password in the URL is refused.
    func testAPostgreSQLLedgerIsAURLWithItsPasswordInAFile() throws {
        let base = "output: /var/lib/autopilot\nclusters:\n  - name: a\n    context: a\n    prometheus: {url: \"http://p:9090\"}\n"
        let url = "postgresql://autopilot@db.internal:5432/autopilot?sslmode=verify-full"
        let config = try parse(base + "ledger: \"\(url)\"\nledgerPasswordFile: secrets/pg\n")
        XCTAssertEqual(config.ledger, url)
        XCTAssertEqual(config.ledgerPasswordFile, "/etc/autopilot/secrets/pg")
        let plan = WeeklyPlan(config: config, folder: "/var/lib/autopilot/runs/2026-12-06.tmp", dryRun: true)
        XCTAssertEqual(Array(plan.ledgerStage(WeeklyPlan.Settings()).arguments.prefix(5)),
                       ["record", "--db", url, "--db-password-file", "/etc/autopilot/secrets/pg"])
        XCTAssertEqual(try parse(base + "ledger: ledger.db\n").ledger, "/etc/autopilot/ledger.db")
        XCTAssertEqual(try parse(base + "ledger: \"sqlite:/var/lib/a.db\"\n").ledger, "/var/lib/a.db")
        XCTAssertEqual(try parse(base + "ledger: \"sqlite:a.db\"\n").ledger, "/etc/autopilot/a.db")
        XCTAssertEqual(error(base + "ledger: \"postgresql://autopilot:s3cret@db/autopilot\"\n"),
                       "/etc/autopilot/autopilot.yaml:6:9: 'ledger' must not hold a password: put it in a file (ledgerPasswordFile)")
        XCTAssertEqual(error(base + "ledger: \"postgresql://db/autopilot?password=s3cret\"\n"),
                       "/etc/autopilot/autopilot.yaml:6:9: 'ledger' must not hold a password: put it in a file (ledgerPasswordFile)")
    }

    /// autopilot-doctor reads the bill as the tools will, and says what it holds or why it cannot be read.
    func testTheDoctorReadsTheBill() throws {
        let demo = repositoryRoot.appendingPathComponent("fixtures/billing/demo").path
        func check(_ billing: String) throws -> DoctorCheck {
            let config = try parse("output: /tmp/autopilot-doctor-test\nbilling: \(billing)\nclusters:\n  - name: a\n    context: a\n"
                                   + "    prometheus: {url: \"http://p:9090\"}\n")
            return try XCTUnwrap(Doctor(config: config).local().first { $0.name == "billing" })
        }
        let good = try check(demo + "/cur2")
        XCTAssertEqual(good.outcome, .ok, good.detail)
        XCTAssertEqual(good.detail, "2 files (CUR 2.0), 2026-11-01T00:00:00Z – 2026-12-08T00:00:00Z: 17 instances, 10 volumes")
        let mixed = try check(demo)
        XCTAssertEqual(mixed.outcome, .fail)
        XCTAssertTrue(mixed.detail.contains("CUR 2.0 and FOCUS exports"), mixed.detail)
    }

    func testEveryMistakeIsNamedAtItsLineAndColumn() {
        let base = "output: out\nclusters:\n  - name: a\n    context: a\n    prometheus: {url: \"http://p:9090\"}\n"
        XCTAssertEqual(error(base + "modes: pr\n"), "/etc/autopilot/autopilot.yaml:6:1: unknown key 'modes' (known here: mode, output, ledger, ledgerPasswordFile, alerts, metrics, retention, teamLabels, defaultTeam, prices, billing, detection, risk, clusters, gitops, slack)")
        XCTAssertEqual(error(base + "mode: write\n"), "/etc/autopilot/autopilot.yaml:6:7: 'mode' must be read-only or pr")
        XCTAssertEqual(error(base + "mode: pr\n"), "/etc/autopilot/autopilot.yaml:6:7: mode pr needs a 'gitops' section (the repo the PRs change)")
        XCTAssertEqual(error(base + "retention: 3h\n"), "/etc/autopilot/autopilot.yaml:6:12: 'retention' must be a duration of a day or more, like 12w or 90d")
        XCTAssertEqual(error(base + "output: again\n"), "/etc/autopilot/autopilot.yaml:6:1: 'output' is given twice")
        XCTAssertEqual(error("clusters: []\n"), "/etc/autopilot/autopilot.yaml:1:1: 'output' is required: the folder runs, reports and the ledger go to")
        XCTAssertEqual(error("output: out\nclusters:\n  - name: a\n    prometheus: {url: \"http://p\"}\n"),
                       "/etc/autopilot/autopilot.yaml:3:5: cluster 'a': give either 'context' (a kubeconfig context) or 'inCluster: true'")
        XCTAssertEqual(error("output: out\nclusters:\n  - name: a/b\n    context: a\n    prometheus: {url: \"http://p\"}\n"),
                       "/etc/autopilot/autopilot.yaml:3:11: cluster name 'a/b' must start with a letter or digit and hold only letters, digits, '-', '_' and '.' (it names folders)")
        XCTAssertEqual(error("output: out\nclusters:\n  - name: all\n    context: a\n    prometheus: {url: \"http://p\"}\n"),
                       "/etc/autopilot/autopilot.yaml:3:11: cluster name 'all' is taken: the run's own metrics label the steps across clusters so")
        XCTAssertEqual(error("output: out\nclusters:\n  - name: a\n    context: a\n    prometheus: {url: \"https://me:s3cret@p\"}\n"),
                       "/etc/autopilot/autopilot.yaml:5:23: 'prometheus.url' must not hold a user or password: put credentials in a file (tokenFile, basicAuthFile)")
        XCTAssertEqual(error("output: out\nclusters:\n  - name: a\n    context: a\n    prometheus: {url: \"http://p\", tokenFile: t, sigv4Region: us-east-1}\n"),
                       "/etc/autopilot/autopilot.yaml:5:17: 'prometheus' takes one kind of credentials, not sigv4Region and tokenFile")
        XCTAssertEqual(error("output: out\nclusters:\n  - name: a\n    context: a\n    prometheus: {url: \"http://p\", match: \"{cluster='a'}\"}\n"),
                       "/etc/autopilot/autopilot.yaml:5:42: 'prometheus.match' is matchers without braces, like cluster=\"prod\"")
        XCTAssertEqual(error("output: out\nclusters:\n  - name: a\n    inCluster: true\n    kubeconfig: k\n    prometheus: {url: \"http://p\"}\n"),
                       "/etc/autopilot/autopilot.yaml:5:5: cluster 'a': inCluster uses the pod's service account; a kubeconfig goes with a context")
        XCTAssertEqual(error("output: out\nclusters:\n  - name: a\n    context: a\n    prometheus: {url: \"prom:9090\"}\n"),
                       "/etc/autopilot/autopilot.yaml:5:23: 'prometheus.url' must be an http:// or https:// URL")
        XCTAssertEqual(error(base + "  - name: a\n    context: b\n    prometheus: {url: \"http://q\"}\n"),
                       "/etc/autopilot/autopilot.yaml:6:5: cluster 'a' is listed twice")
        XCTAssertEqual(error(base + "gitops: {repo: r, github: acme}\n"), "/etc/autopilot/autopilot.yaml:6:27: 'gitops.github' must be OWNER/NAME")
        XCTAssertEqual(error(base + "slack: {defaultChannel: x}\n"),
                       "/etc/autopilot/autopilot.yaml:6:8: 'slack' needs 'tokenFile' (a bot token, xoxb-…) or 'webhookURLFile'")
        XCTAssertEqual(error("output: out\nclusters: [\n"), "/etc/autopilot/autopilot.yaml:3:1: while parsing a flow node: did not find expected node content")
    }

    func testInlineSectionsAreCheckedByTheToolsReadersAtTheSettingsLine() throws {
        let base = "output: out\nclusters:\n  - name: a\n    context: a\n    prometheus: {url: \"http://p:9090\"}\n"
        XCTAssertEqual(error(base + "detection:\n  cpu:\n    margn: 0.2\n"),
                       "/etc/autopilot/autopilot.yaml:8:5: detection: unknown setting 'cpu.margn'")
        XCTAssertEqual(error(base + "detection:\n  cpu:\n    margin: lots\n"),
                       "/etc/autopilot/autopilot.yaml:8:5: detection: 'cpu.margin' must be a number of 0 or more")
        XCTAssertEqual(error(base + "risk:\n  minReplicas: 0\n"),
                       "/etc/autopilot/autopilot.yaml:7:3: risk: 'minReplicas' must be 1 or more")

        // What the tools get is the section's own text: it reads to the same settings as a file of it would.
        let config = try parse(base + "detection:\n  cpu:\n    margin: 0.3   # more headroom\n  memory: {margin: 0.25}\nrisk:\n  protectedNamespaces: [kube-system, payments]\n")
        guard case .inline(let detection)? = config.detection, case .inline(let risk)? = config.risk else {
            return XCTFail("inline sections expected")
        }
        XCTAssertEqual(detection, "cpu:\n  margin: 0.3   # more headroom\nmemory: {margin: 0.25}\n")
        var settings = DetectionConfig()
        try settings.apply(yaml: Array(detection.utf8), source: "detection")
        XCTAssertEqual(settings.cpu.margin, 0.3)
        XCTAssertEqual(settings.memory.margin, 0.25)
        var policy = RiskPolicy()
        try policy.apply(yaml: Array(risk.utf8), source: "risk")
        XCTAssertEqual(policy.protectedNamespaces, ["kube-system", "payments"])
        XCTAssertEqual(config.spotDiscount, 0.65, "the detection section's spot discount (here its default) goes to every tool that prices")
        XCTAssertEqual(try parse(base + "detection: {spotDiscount: 0.7}\n").spotDiscount, 0.7)
        XCTAssertNil(try parse(base).spotDiscount)
    }

    func testASectionGivenAsAFileIsReadFromTheConfigsFolder() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("site-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "cpu: {margin: 0.4}\n".write(to: folder.appendingPathComponent("detection.yaml"), atomically: true, encoding: .utf8)
        try "cpu: {margin: -1}\n".write(to: folder.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
        let base = "output: out\nclusters:\n  - name: a\n    context: a\n    prometheus: {url: \"http://p:9090\"}\n"
        let path = folder.appendingPathComponent("autopilot.yaml").path
        let config = try parse(base + "detection: detection.yaml\n", path: path)
        XCTAssertEqual(config.detection, .file(folder.appendingPathComponent("detection.yaml").path))
        XCTAssertThrowsError(try parse(base + "detection: bad.yaml\n", path: path)) { error in
            XCTAssertEqual((error as? ConfigError)?.message,
                           "\(path):6:12: 'detection': \(folder.path)/bad.yaml: 'cpu.margin' must be a number of 0 or more")
        }
        XCTAssertThrowsError(try parse(base + "risk: missing.yaml\n", path: path)) { error in
            XCTAssertEqual((error as? ConfigError)?.message, "\(path):6:7: 'risk': cannot read \(folder.path)/missing.yaml")
        }
    }
}
