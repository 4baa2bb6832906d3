@testable import AutopilotKit
import XCTest

/// The run's own metrics: text exposition a textfile collector takes, label values escaped, savings by the
/// ledger state they are in, cost from the latest run only.
final class RunMetricsTests: XCTestCase {
    private func records(_ lines: [String]) throws -> [JSON] { try lines.map { try JSON.parse($0) } }

    func testExpositionOfARun() throws {
        var metrics = RunMetrics(finished: Date(timeIntervalSince1970: 1_795_000_000), seconds: 12.5, success: true, mode: "read-only", version: "1.2.3")
        metrics.clusters = ["prod \"us\"": true]
        metrics.stages = [RunMetrics.Stage(cluster: "prod \"us\"", result: PipelineStageResult(tool: "collect-cluster", status: 0, seconds: 1.25, records: 42, stderrLines: 0))]
        let ledger = try records([
            #"{"kind":"ledger","cluster":"prod","team":"shop","detector":"orphan-volume","status":"detected","monthlySavings":10.006}"#,
            #"{"kind":"ledger","cluster":"prod","team":"shop","detector":"orphan-volume","status":"approved","monthlySavings":5}"#,
            #"{"kind":"ledger","cluster":"prod","team":"shop","detector":"orphan-volume","status":"verified","monthlySavings":7,"realizedMonthlySavings":6.5}"#,
            #"{"kind":"ledger","cluster":"prod","team":"shop","detector":"orphan-volume","status":"rejected","monthlySavings":99}"#,
            #"{"kind":"ledger","cluster":"prod","team":"shop","detector":"idle-node","status":"approved","monthlySavings":3,"change":{"state":"not-patchable"}}"#,
            #"{"kind":"costhistory","run":1,"cluster":"prod","team":"shop","monthlyCost":100}"#,
            #"{"kind":"costhistory","run":2,"cluster":"prod","team":"shop","monthlyCost":90.5}"#,
            #"{"kind":"incident","cluster":"prod","category":"oom","severity":"critical"}"#,
        ])
        let text = metrics.exposition(ledgerRecords: ledger)
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains("autopilot_run_last_timestamp_seconds 1795000000"))
        XCTAssertTrue(lines.contains("autopilot_run_duration_seconds 12.5"))
        XCTAssertTrue(lines.contains(#"autopilot_run_info{mode="read-only",version="1.2.3"} 1"#))
        XCTAssertTrue(lines.contains(#"autopilot_cluster_last_success{cluster="prod \"us\""} 1"#), "quotes escaped")
        XCTAssertTrue(lines.contains(#"autopilot_stage_records{cluster="prod \"us\"",stage="collect-cluster"} 42"#))
        XCTAssertTrue(lines.contains(#"autopilot_stage_duration_seconds{cluster="prod \"us\"",stage="collect-cluster"} 1.25"#))
        let savings = "autopilot_savings_monthly_dollars{cluster=\"prod\",detector=\"orphan-volume\",state="
        XCTAssertTrue(lines.contains(savings + #""identified",team="shop"} 10.01"#), "rounded to the cent")
        XCTAssertTrue(lines.contains(savings + #""projected",team="shop"} 5"#))
        XCTAssertTrue(lines.contains(savings + #""verified",team="shop"} 6.5"#), "verified is what was realized")
        XCTAssertTrue(lines.contains("autopilot_savings_monthly_dollars{cluster=\"prod\",detector=\"idle-node\",state=\"identified\",team=\"shop\"} 3"),
                      "an approval emit-pr cannot patch is not on its way: identified, as in the report")
        XCTAssertTrue(lines.contains(#"autopilot_findings{cluster="prod",detector="orphan-volume",status="rejected",team="shop"} 1"#))
        XCTAssertTrue(lines.contains(#"autopilot_cost_monthly_dollars{cluster="prod",team="shop"} 90.5"#), "the latest run's cost only")
        XCTAssertTrue(lines.contains(#"autopilot_incidents{category="oom",cluster="prod",severity="critical"} 1"#))
        // Every family has HELP and TYPE before its samples.
        for family in Set(lines.filter { !$0.hasPrefix("#") }.map { String($0.prefix { $0 != "{" && $0 != " " }) }) {
            XCTAssertTrue(text.contains("# HELP \(family) "), family)
            XCTAssertTrue(text.contains("# TYPE \(family) gauge\n"), family)
        }
    }

    func testEverySavingsStateIsThereEvenAtZero() throws {
        let metrics = RunMetrics(finished: Date(), seconds: 1, success: false, mode: "pr", version: "1")
        let text = metrics.exposition(ledgerRecords: try records([
            #"{"kind":"ledger","cluster":"c","team":"t","detector":"idle-node","status":"detected","monthlySavings":null}"#,
        ]))
        for state in ["identified", "projected", "verified"] {
            XCTAssertTrue(text.contains(#"autopilot_savings_monthly_dollars{cluster="c",detector="idle-node",state="\#(state)",team="t"} 0"#), state)
        }
        XCTAssertTrue(text.contains("autopilot_run_last_success 0\n"))
    }
}
