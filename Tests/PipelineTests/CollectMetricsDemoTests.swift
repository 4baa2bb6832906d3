import Foundation
import XCTest

/// The demo pipeline: collect-cluster | collect-metrics over the captured Prometheus answers.
final class CollectMetricsDemoTests: XCTestCase {
    func testDemoUsageCarriesThePlantedFigures() throws {
        let scratch = try makeScratchDirectory(self)
        let cluster = scratch.appendingPathComponent("cluster.ndjson")
        let collected = try Tool.run("collect-cluster", ["--from", "fixtures/demo", "--cluster", "demo"], stdoutPath: cluster.path)
        XCTAssertEqual(collected.status, 0, collected.stderr)
        let result = try Tool.run("collect-metrics", ["--from", "fixtures/demo/prometheus"], stdinPath: cluster.path)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "", "quiet on success")
        XCTAssertTrue(result.stdout.hasPrefix(try String(contentsOf: cluster, encoding: .utf8)))

        let records = try decodeRecords(result.lines)
        let workloads = records.filter { $0["kind"] as? String == "workload" }
        let usage = records.filter { $0["kind"] as? String == "usage" }
        func find(_ namespace: String, _ name: String, _ container: String) throws -> [String: Any] {
            try XCTUnwrap(usage.first {
                $0["namespace"] as? String == namespace && ($0["workload"] as? [String: String])?["name"] == name
                    && $0["container"] as? String == container
            }, "\(namespace)/\(name)/\(container)")
        }
        // Every workload has a usage record for each of its containers.
        let expected = workloads.reduce(0) { $0 + (($1["containers"] as? [Any])?.count ?? 0) }
        XCTAssertEqual(usage.count, expected)
        XCTAssertEqual(records.filter { $0["kind"] as? String == "nodeusage" }.count, 16)

        // Planted waste (fixtures/demo/README.md): intended p95s.
        let searchAPI = try find("search", "search-api", "api")
        XCTAssertEqual((searchAPI["cpu"] as! [String: Double])["p95"]!, 0.18, accuracy: 0.018)
        XCTAssertEqual(Double((searchAPI["memory"] as! [String: Int])["p95"]!) / 1_048_576, 420, accuracy: 42)
        XCTAssertEqual((try find("data", "feature-store-api", "server")["cpu"] as! [String: Double])["p95"]!, 0.15, accuracy: 0.015)
        // The OOM-killed one: 7 + 5 kills, and a max above its 512Mi limit's p95.
        let scorer = try find("payments", "fraud-scorer", "scorer")
        XCTAssertEqual(scorer["oomKills"] as? Int, 12)
        XCTAssertGreaterThan((scorer["memory"] as! [String: Int])["max"]!, 540 * 1_048_576)
        // The spiky one: p99 far above p50.
        let suggest = try find("search", "query-suggest", "suggest")["cpu"] as! [String: Double]
        XCTAssertGreaterThan(suggest["p99"]!, 5 * suggest["p50"]!)
        // Pods that came and went count: web/frontend ran 8 pods now, 10 over the window.
        XCTAssertEqual(try find("web", "frontend", "nginx")["pods"] as? Int, 10)
        // The pod that never ran has no samples and no figures.
        let renderer = try find("data", "report-renderer", "renderer")
        XCTAssertEqual(renderer["samples"] as? Int, 0)
        XCTAssertTrue((renderer["cpu"] as! [String: Any])["p95"] is NSNull)
        // The idle node: about 0.1 cores used.
        let idle = try XCTUnwrap(records.first { $0["kind"] as? String == "nodeusage" && $0["node"] as? String == "ip-10-0-70-18.ec2.internal" })
        XCTAssertLessThan((idle["cpu"] as! [String: Double])["avg"]!, 0.15)
    }
}
