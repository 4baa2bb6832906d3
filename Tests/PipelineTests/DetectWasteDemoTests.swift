import Foundation
import XCTest

/// The demo pipeline through detect-waste: exactly the findings fixtures/demo/README.md lists, pinned
/// byte for byte, with a stderr total that reconciles to the cent.
final class DetectWasteDemoTests: XCTestCase {
    /// collect-cluster | collect-metrics over the demo, once for all tests of this class.
    static let demoInput: String = {
        let cluster = FileManager.default.temporaryDirectory.appendingPathComponent("demo-cluster-\(UUID().uuidString).ndjson")
        defer { try? FileManager.default.removeItem(at: cluster) }
        let collected = try! Tool.run("collect-cluster", ["--from", "fixtures/demo", "--cluster", "demo"], stdoutPath: cluster.path)
        precondition(collected.status == 0, collected.stderr)
        let metrics = try! Tool.run("collect-metrics", ["--from", "fixtures/demo/prometheus"], stdinPath: cluster.path)
        precondition(metrics.status == 0, metrics.stderr)
        return metrics.stdout
    }()

    func testDemoFindingsMatchTheGoldenFileByteForByte() throws {
        let result = try Tool.run("detect-waste", [], stdin: Self.demoInput)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.hasPrefix(Self.demoInput), "the input is forwarded unchanged, findings appended")
        let findings = result.lines.filter { $0.hasPrefix(#"{"kind":"finding""#) }
        let golden = try String(contentsOf: repositoryRoot.appendingPathComponent("fixtures/demo/findings.golden.ndjson"), encoding: .utf8)
        XCTAssertEqual(findings.joined(separator: "\n") + "\n", golden,
                       "findings changed: review, then run pipelines/update-golden.sh and commit the diff")
        // The rest of the stream is what went in, line for line.
        XCTAssertEqual(result.lines.count - findings.count, Self.demoInput.split(separator: "\n").count)
    }

    /// Every right-sizing finding spells out its arithmetic, ending at the value it recommends, and
    /// carries its backtest; no recommendation is below the window's peak (memory) or p95 (CPU).
    func testEveryRightSizingFindingStatesItsFormulaAndItsBacktest() throws {
        let result = try Tool.run("detect-waste", ["--quiet"], stdin: Self.demoInput)
        let findings = try decodeRecords(result.lines).filter { $0["kind"] as? String == "finding" }
        var checked = 0
        for finding in findings {
            let detector = finding["detector"] as! String
            let basis = finding["basis"] as! [String: Any]
            let recommended = finding["recommended"] as! [String: Any]
            let usage = basis["usage"] as? [String: Any]
            switch detector {
            case "over-requested-cpu":
                let cores = try XCTUnwrap(recommended["cpu"] as? Double)
                let formula = try XCTUnwrap(basis["formula"] as? String)
                // As Units.cpu prints it: millicores below one core or off a 100m step, else cores (`1.5`, `2`).
                let millis = Int((cores * 1000).rounded())
                let printed = millis < 1000 || (millis % 1000 != 0 && millis % 100 != 0)
                    ? "\(millis)m" : millis % 1000 == 0 ? "\(millis / 1000)" : "\(Double(millis) / 1000)"
                XCTAssertTrue(formula.hasSuffix("= " + printed), formula)
                XCTAssertGreaterThanOrEqual(cores, try XCTUnwrap(usage?["p95"] as? Double))
                XCTAssertEqual((finding["backtest"] as? [String: Any])?["request"] as? Double, cores)
            case "over-requested-memory", "under-provisioned-memory":
                let bytes = try XCTUnwrap(recommended["memory"] as? Int)
                let formula = try XCTUnwrap(basis["formula"] as? String)
                XCTAssertTrue(formula.contains("= \(bytes) ("), formula)
                XCTAssertGreaterThanOrEqual(Double(bytes), try XCTUnwrap(usage?["max"] as? Double))
                XCTAssertEqual((finding["backtest"] as? [String: Any])?["request"] as? Int, bytes)
            case "idle-node", "node-consolidation":
                XCTAssertNotNil(basis["formula"] as? String, detector)
            default:
                continue
            }
            checked += 1
        }
        XCTAssertGreaterThan(checked, 30)
    }

    /// The config example of detect-waste's reference page (docs/tools/detect-waste.md, linked from the README)
    /// spells out the defaults: it parses, and changes nothing.
    func testTheDocumentedConfigExampleIsTheDefaults() throws {
        let readme = try String(contentsOf: repositoryRoot.appendingPathComponent("docs/tools/detect-waste.md"), encoding: .utf8)
        let start = try XCTUnwrap(readme.range(of: "```yaml\n"))
        let end = try XCTUnwrap(readme.range(of: "```", range: start.upperBound..<readme.endIndex))
        let scratch = try makeScratchDirectory(self)
        let config = scratch.appendingPathComponent("autopilot.yaml")
        try String(readme[start.upperBound..<end.lowerBound]).write(to: config, atomically: true, encoding: .utf8)
        let withConfig = try Tool.run("detect-waste", ["--quiet", "--config", config.path], stdin: Self.demoInput)
        XCTAssertEqual(withConfig.status, 0, withConfig.stderr)
        let plain = try Tool.run("detect-waste", ["--quiet"], stdin: Self.demoInput)
        XCTAssertEqual(withConfig.stdout, plain.stdout)
    }

    func testStderrTotalEqualsTheSumOfTheRecordsToTheCent() throws {
        let result = try Tool.run("detect-waste", ["--summary"], stdin: Self.demoInput)
        let records = try decodeRecords(result.lines.filter { $0.hasPrefix(#"{"kind":"finding""#) })
        let cents = records.compactMap { $0["monthlySavings"] as? Double }.map { Int(($0 * 100).rounded()) }.reduce(0, +)
        let summary = try XCTUnwrap(result.errorLines.last)
        XCTAssertTrue(summary.hasPrefix("detect-waste: 48 findings ("), summary)
        var whole = String(cents / 100)
        var grouped = ""
        while whole.count > 3 {
            grouped = "," + whole.suffix(3) + grouped
            whole.removeLast(3)
        }
        let expected = "$" + whole + grouped + "." + String(format: "%02d", cents % 100)
        XCTAssertTrue(summary.contains("monthly savings \(expected) across"), "\(summary) vs \(expected)")
        // Each finding's savings is its cost before minus after, to the cent.
        for record in records {
            guard let cost = record["monthlyCost"] as? [String: Double], let savings = record["monthlySavings"] as? Double else { continue }
            XCTAssertEqual(Int((cost["current"]! * 100).rounded()) - Int((cost["recommended"]! * 100).rounded()),
                           Int((savings * 100).rounded()), "\(record["id"]!)")
        }
    }

    func testThePlantedFindingsAndNoTrap() throws {
        let result = try Tool.run("detect-waste", ["--quiet"], stdin: Self.demoInput)
        XCTAssertEqual(result.stderr, "")
        let records = try decodeRecords(result.lines.filter { $0.hasPrefix(#"{"kind":"finding""#) })
        func keys(_ detector: String) -> Set<String> {
            Set(records.filter { $0["detector"] as? String == detector }.map { record in
                let target = record["target"] as! [String: Any]
                return [record["namespace"] as? String ?? "", target["name"] as! String, target["container"] as? String ?? ""]
                    .joined(separator: "/")
            })
        }
        XCTAssertTrue(keys("over-requested-cpu").isSuperset(of: ["search/search-api/api", "data/feature-store-api/server"]))
        XCTAssertTrue(keys("over-requested-memory").isSuperset(of: ["search/search-api/api", "data/feature-store-api/server",
                                                                    "monitoring/grafana/grafana", "search/indexer/indexer"]))
        XCTAssertEqual(keys("under-provisioned-memory"), ["payments/fraud-scorer/scorer"])
        XCTAssertEqual(keys("idle-node"), ["/ip-10-0-70-18.ec2.internal/", "/ip-10-0-3-250.ec2.internal/"])
        XCTAssertEqual(keys("orphan-volume"), ["/pvc-b9819e03-e841-5aeb-8e36-aaeb4e3ccc17/", "/pvc-a226a192-9237-5838-ab56-b18137a4319e/",
                                               "/orders-restore-20261014/", "data/old-etl-scratch/"])
        XCTAssertEqual(keys("misconfigured-autoscaling"), ["web/frontend/", "search/indexer/", "web/thumbnailer/", "data/etl-transformer/"])
        XCTAssertTrue(keys("node-consolidation").contains("/default/"))

        // Traps: never flagged by any detector.
        let all = records.map { record -> String in
            "\(record["namespace"] as? String ?? "")/\((record["target"] as! [String: Any])["name"] as! String)"
        }
        for trap in ["web/bff", "payments/payments-api", "payments/ledger-service", "checkout/cart-api", "payments/postgres",
                     "data/kafka", "checkout/promo-engine", "data/nightly-report", "data/backfill-orders-2026-11", "kube-system/aws-node",
                     "kube-system/ebs-csi-node", "data/keda-hpa-queue-worker", "data/queue-worker-scaledobject"] {
            XCTAssertFalse(all.contains(trap), "\(trap) must not be flagged")
        }

        // Dollar figures from the embedded table: m6i.2xlarge on-demand us-east-1 is $0.384/h × 730.
        let idle = try XCTUnwrap(records.first { ($0["target"] as! [String: Any])["name"] as? String == "ip-10-0-70-18.ec2.internal" })
        XCTAssertEqual(idle["monthlySavings"] as? Double, 280.32)
        XCTAssertTrue((idle["notes"] as! [String]).contains { $0.contains("do-not-disrupt") })
        let gp2 = try XCTUnwrap(records.first { ($0["target"] as! [String: Any])["name"] as? String == "pvc-b9819e03-e841-5aeb-8e36-aaeb4e3ccc17" })
        XCTAssertEqual(gp2["monthlySavings"] as? Double, 50.0, "500Gi gp2 at $0.10 per GB-month")
        XCTAssertEqual((gp2["current"] as! [String: Any])["volumeId"] as? String, "vol-02769b70f25d91212")
    }

    /// No recommendation goes below what the container was seen to use: CPU p95, memory max.
    func testNoRecommendationBelowObservedUsage() throws {
        let result = try Tool.run("detect-waste", ["--quiet"], stdin: Self.demoInput)
        let records = try decodeRecords(result.lines)
        var usage: [String: [String: Any]] = [:]
        for record in records where record["kind"] as? String == "usage" {
            let workload = record["workload"] as! [String: String]
            usage["\(record["namespace"]!)/\(workload["name"]!)/\(record["container"]!)"] = record
        }
        var checked = 0
        for finding in records where finding["kind"] as? String == "finding" {
            let target = finding["target"] as! [String: Any]
            guard let container = target["container"] as? String,
                let observed = usage["\(finding["namespace"]!)/\(target["name"]!)/\(container)"] else { continue }
            let recommended = finding["recommended"] as! [String: Any]
            if let cpu = recommended["cpu"] as? Double {
                XCTAssertGreaterThanOrEqual(cpu, (observed["cpu"] as! [String: Double])["p95"]!, "\(target)")
                checked += 1
            }
            if let memory = recommended["memory"] as? Int {
                XCTAssertGreaterThanOrEqual(memory, (observed["memory"] as! [String: Int])["max"]!, "\(target)")
                checked += 1
            }
        }
        XCTAssertEqual(checked, 34)
    }
}
