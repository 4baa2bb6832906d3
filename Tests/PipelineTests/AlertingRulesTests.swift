import Foundation
import XCTest

/// pipelines/alerting/ checked by the real tools: promtool (Debian's prometheus) parses the rules and runs
/// their unit tests, amtool (prometheus-alertmanager) loads the routing; and the unit tests are shown to
/// fail on a wrong rule or a wrong expectation, so their SUCCESS means something.
final class AlertingRulesTests: XCTestCase {
    private var folder: URL { repositoryRoot.appendingPathComponent("pipelines/alerting") }
    private var rulesFile: URL { folder.appendingPathComponent("prometheus-rules.yaml") }
    private var ruleTestsFile: URL { folder.appendingPathComponent("prometheus-rules.test.yaml") }

    /// The path of `name` on PATH (skipped without it; a failure under CI).
    private func tool(_ name: String) throws -> String {
        try MissingComponent.executable(name, "apt-get install -y prometheus prometheus-alertmanager; make deps does")
    }

    /// A file's lines with their indentation removed.
    private func trimmedLines(_ url: URL) throws -> [String] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
            .map { String($0).trimmingCharacters(in: .whitespaces) }
    }

    /// The alert names of prometheus-rules.yaml, in order.
    private func alertNames() throws -> [String] {
        try trimmedLines(rulesFile).filter { $0.hasPrefix("- alert: ") }.map { String($0.dropFirst("- alert: ".count)) }
    }

    func testRulesParseWithPromtool() throws {
        let promtool = try tool("promtool")
        let count = try alertNames().count
        let result = try PrometheusServer.run(promtool, ["check", "rules", rulesFile.path])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("SUCCESS: \(count) rules found"), result.output)
    }

    func testEveryAlertFiresAndStaysQuietInItsUnitTests() throws {
        let promtool = try tool("promtool")
        let result = try PrometheusServer.run(promtool, ["test", "rules", ruleTestsFile.path])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("SUCCESS"), result.output)
        XCTAssertFalse(result.output.contains("FAILED"), result.output)
    }

    func testAlertmanagerConfigLoadsAndRoutesEveryAlertToAutopilot() throws {
        let amtool = try tool("amtool")
        let config = folder.appendingPathComponent("alertmanager.yaml")
        let check = try PrometheusServer.run(amtool, ["check-config", config.path])
        XCTAssertEqual(check.status, 0, check.output)
        XCTAssertTrue(check.output.contains("SUCCESS"), check.output)
        XCTAssertTrue(check.output.contains(" - 1 receivers"), check.output)
        for alert in try alertNames() {
            let route = try PrometheusServer.run(
                amtool,
                ["config", "routes", "test", "--config.file=\(config.path)", "--verify.receivers=autopilot",
                 "alertname=\(alert)", "cluster=prod-us", "namespace=payments"])
            XCTAssertEqual(route.status, 0, "\(alert): \(route.output)")
        }
        let text = try String(contentsOf: config, encoding: .utf8)
        XCTAssertTrue(text.contains("- url: http://127.0.0.1:9095/alerts\n"), "receive-alerts' address")
        XCTAssertTrue(text.contains("send_resolved: true\n"))
    }

    func testCheckScriptPasses() throws {
        _ = try tool("promtool")
        _ = try tool("amtool")
        let result = try PrometheusServer.run("/bin/bash", [folder.appendingPathComponent("check.sh").path])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("check.sh: rules, rule tests and Alertmanager config OK"), result.output)
    }

    /// Needs no tool: every alert has a severity, a runbook in docs/runbooks/ under its own name, and at
    /// least two evaluations in the unit tests (one where it fires, one where it must not).
    func testEveryAlertHasASeverityARunbookAndUnitTests() throws {
        let lines = try trimmedLines(rulesFile)
        let alerts = try alertNames()
        XCTAssertEqual(alerts, [
            "KubePodCrashLooping", "KubeContainerOOMKilled", "KubePodEvicted", "ContainerCPUNearLimit",
            "ContainerCPUNearRequest", "ContainerMemoryNearLimit", "KubeNodeNotReady", "ServiceLatencyHigh",
        ])
        XCTAssertEqual(lines.filter { $0.hasPrefix("severity: ") }.count, alerts.count)
        let runbooks = lines.filter { $0.hasPrefix("runbook_url: ") }.map { String($0.dropFirst("runbook_url: ".count)) }
        XCTAssertEqual(runbooks.count, alerts.count)
        for (alert, url) in zip(alerts, runbooks) {
            let file = "docs/runbooks/\(alert.lowercased()).md"
            XCTAssertEqual(url, "https://github.com/autopilot-dev/autopilot/blob/main/\(file)")
            let runbook = try String(contentsOf: repositoryRoot.appendingPathComponent(file), encoding: .utf8)
            XCTAssertTrue(runbook.hasPrefix("# \(alert)\n"), file)
        }
        let tested = try trimmedLines(ruleTestsFile)
        for alert in alerts {
            XCTAssertGreaterThanOrEqual(tested.filter { $0 == "alertname: \(alert)" }.count, 2, "\(alert): a firing and a quiet case")
        }
    }

    /// The unit tests catch a wrong rule: with the memory threshold raised past the tested 90%, the
    /// container that should alert does not, and promtool fails.
    func testRuleUnitTestsFailOnAWrongThreshold() throws {
        let promtool = try tool("promtool")
        let scratch = try makeScratchDirectory(self)
        let rules = try String(contentsOf: rulesFile, encoding: .utf8)
        let threshold = "> 0.85\n"
        XCTAssertEqual(rules.components(separatedBy: threshold).count, 2, "exactly one memory threshold to change")
        try rules.replacingOccurrences(of: threshold, with: "> 0.95\n")
            .write(to: scratch.appendingPathComponent("prometheus-rules.yaml"), atomically: true, encoding: .utf8)
        let tests = scratch.appendingPathComponent("prometheus-rules.test.yaml")
        try FileManager.default.copyItem(at: ruleTestsFile, to: tests)

        let result = try PrometheusServer.run(promtool, ["test", "rules", tests.path])
        XCTAssertNotEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("FAILED"), result.output)
        XCTAssertTrue(result.output.contains("alertname: ContainerMemoryNearLimit, time: 20m"), result.output)
    }

    /// The unit tests catch a wrong expectation: the same OOM kill passes at 15 minutes (4 after the
    /// restart) and fails when an alert is expected at 25 minutes, after the rule has resolved.
    func testRuleUnitTestsFailOnAnAlertThatMustNotFire() throws {
        let promtool = try tool("promtool")
        let scratch = try makeScratchDirectory(self)
        let tests = scratch.appendingPathComponent("oom.test.yaml")

        try oomUnitTest(evalTime: "15m").write(to: tests, atomically: true, encoding: .utf8)
        let control = try PrometheusServer.run(promtool, ["test", "rules", tests.path])
        XCTAssertEqual(control.status, 0, "the expectation holds while the alert fires: \(control.output)")

        try oomUnitTest(evalTime: "25m").write(to: tests, atomically: true, encoding: .utf8)
        let result = try PrometheusServer.run(promtool, ["test", "rules", tests.path])
        XCTAssertNotEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("FAILED"), result.output)
        XCTAssertTrue(result.output.contains("alertname: KubeContainerOOMKilled, time: 25m"), result.output)
    }

    /// A promtool unit test over the real rules: a container restarted at 11m after an OOM kill, and the
    /// alert expected at `evalTime`.
    private func oomUnitTest(evalTime: String) -> String {
        """
        rule_files:
          - '\(rulesFile.path)'
        evaluation_interval: 1m
        tests:
          - interval: 1m
            input_series:
              - series: 'kube_pod_container_status_restarts_total{cluster="prod-us",container="api",namespace="payments",pod="api-0"}'
                values: '0x10 1x20'
              - series: 'kube_pod_container_status_last_terminated_reason{cluster="prod-us",container="api",namespace="payments",pod="api-0",reason="OOMKilled"}'
                values: '_x10 1x20'
            alert_rule_test:
              - eval_time: \(evalTime)
                alertname: KubeContainerOOMKilled
                exp_alerts:
                  - exp_labels: {severity: warning, cluster: prod-us, namespace: payments, pod: api-0, container: api}
                    exp_annotations:
                      summary: Container payments/api-0/api was OOMKilled
                      description: 'Container api of pod payments/api-0 in cluster prod-us restarted 1 time(s) in the last 10 minutes and its last termination was OOMKilled: its memory limit is below what it needs.'
                      runbook_url: https://github.com/autopilot-dev/autopilot/blob/main/docs/runbooks/kubecontaineroomkilled.md

        """
    }
}
