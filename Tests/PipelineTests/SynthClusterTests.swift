import Foundation
import XCTest

/// synth-cluster: the same seed gives the same bytes; the pipeline finds exactly the waste it planted;
/// its captured answers agree with what a real Prometheus, backfilled from its OpenMetrics text, answers.
final class SynthClusterTests: XCTestCase {
    static let now = "2026-11-20T12:00:00Z"

    private func generate(_ directory: URL, _ arguments: [String]) throws {
        let result = try Tool.run("synth-cluster", arguments + ["--out", directory.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("planted waste items"), result.stderr)
    }

    /// Every file under `directory` with its bytes, by relative path.
    private func contents(_ directory: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey])!
        for case let url as URL in enumerator where (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true {
            files[String(url.path.dropFirst(directory.path.count))] = try Data(contentsOf: url)
        }
        return files
    }

    func testTheSameSeedWritesTheSameBytes() throws {
        let scratch = try makeScratchDirectory(self)
        let small = ["--nodes", "10", "--workloads", "40", "--pods", "200", "--days", "2"]
        try generate(scratch.appendingPathComponent("a"), small)
        try generate(scratch.appendingPathComponent("b"), small)
        try generate(scratch.appendingPathComponent("c"), small + ["--seed", "2"])
        let a = try contents(scratch.appendingPathComponent("a"))
        XCTAssertGreaterThan(a.count, 20)
        XCTAssertNotNil(a["/pods.json"])
        XCTAssertNotNil(a["/prometheus/queries.ndjson"])
        XCTAssertNotNil(a["/expected/waste.ndjson"])
        XCTAssertEqual(a, try contents(scratch.appendingPathComponent("b")))
        XCTAssertNotEqual(a["/pods.json"], try contents(scratch.appendingPathComponent("c"))["/pods.json"])
    }

    func testUsageMistakesAreRefused() throws {
        let scratch = try makeScratchDirectory(self)
        let tooFewPods = try Tool.run("synth-cluster", ["--nodes", "10", "--workloads", "100", "--pods", "50", "--out", scratch.path])
        XCTAssertEqual(tooFewPods.status, 64)
        XCTAssertTrue(tooFewPods.stderr.contains("--pods 50"), tooFewPods.stderr)
        let badStep = try Tool.run("synth-cluster", ["--step", "7m", "--out", scratch.path])
        XCTAssertEqual(badStep.status, 64)
        XCTAssertTrue(badStep.stderr.contains("--step"), badStep.stderr)
    }

    /// The detectors find every piece of planted waste and nothing else: the generator's claim that
    /// everything else is right-sized, and the detectors' precision, checked together.
    func testThePipelineFindsExactlyThePlantedWaste() throws {
        let scratch = try makeScratchDirectory(self)
        let cluster = scratch.appendingPathComponent("synth")
        try generate(cluster, ["--nodes", "30", "--workloads", "200", "--pods", "1200", "--waste", "0.3", "--seed", "7"])
        let stream = scratch.appendingPathComponent("cluster.ndjson")
        let collected = try Tool.run("collect-cluster", ["--from", cluster.path], stdoutPath: stream.path)
        XCTAssertEqual(collected.status, 0, collected.stderr)
        let metrics = scratch.appendingPathComponent("metrics.ndjson")
        let measured = try Tool.run("collect-metrics", ["--from", cluster.appendingPathComponent("prometheus").path],
                                    stdinPath: stream.path, stdoutPath: metrics.path)
        XCTAssertEqual(measured.status, 0, measured.stderr)
        XCTAssertEqual(measured.stderr, "", "every query the plan makes has a captured answer")
        let detected = try Tool.run("detect-waste", ["--now", Self.now], stdinPath: metrics.path)
        XCTAssertEqual(detected.status, 0, detected.stderr)

        let findings = try decodeRecords(detected.lines).filter { $0["kind"] as? String == "finding" }
        func key(_ finding: [String: Any]) -> String {
            let target = finding["target"] as! [String: Any]
            let container = (target["container"] as? String).map { "/\($0)" } ?? ""
            return "\(finding["detector"]!) \(finding["namespace"] as? String ?? "")/\(target["kind"]!)/\(target["name"]!)\(container)"
        }
        let planted = try decodeRecords(try String(contentsOf: cluster.appendingPathComponent("expected/waste.ndjson"), encoding: .utf8)
            .split(separator: "\n").map(String.init))
        XCTAssertEqual(Set(findings.map(key)), Set(planted.map { $0["key"] as! String }))
        XCTAssertEqual(findings.count, planted.count, "one finding per planted item")
        let detectors = Set(planted.map { $0["detector"] as! String })
        for detector in ["over-requested-cpu", "over-requested-memory", "idle-node", "orphan-volume", "node-consolidation",
                         "misconfigured-autoscaling"] {
            XCTAssertTrue(detectors.contains(detector), "seed 7 plants \(detector)")
        }
        // The NodePool finding names exactly the underused nodes.
        let consolidation = try XCTUnwrap(findings.first { $0["detector"] as? String == "node-consolidation" })
        let expectedNodes = try XCTUnwrap(planted.first { $0["detector"] as? String == "node-consolidation" }?["nodes"] as? [String])
        let recommended = consolidation["recommended"] as! [String: Any]
        XCTAssertEqual(Set(recommended["removeNodes"] as! [String]), Set(expectedNodes))
    }

    /// The OpenMetrics text backfilled into a real Prometheus answers collect-metrics' live queries with
    /// the figures the captured answers give offline.
    func testOpenMetricsAndTheCaptureAgree() throws {
        let scratch = try makeScratchDirectory(self)
        let cluster = scratch.appendingPathComponent("synth")
        try generate(cluster, ["--nodes", "8", "--workloads", "24", "--pods", "80", "--days", "2", "--openmetrics", "--seed", "3"])
        let stream = scratch.appendingPathComponent("cluster.ndjson")
        XCTAssertEqual(try Tool.run("collect-cluster", ["--from", cluster.path], stdoutPath: stream.path).status, 0)

        let offline = try Tool.run("collect-metrics", ["--from", cluster.appendingPathComponent("prometheus").path], stdinPath: stream.path)
        XCTAssertEqual(offline.status, 0, offline.stderr)
        let openMetrics = try String(contentsOf: cluster.appendingPathComponent("openmetrics/metrics.om"), encoding: .utf8)
        let server = try PrometheusServer(openMetrics: openMetrics, scratch: scratch)
        defer { server.stop() }
        let live = try Tool.run("collect-metrics", ["--prometheus", server.url.absoluteString, "--window", "2d", "--step", "1h", "--end", Self.now],
                                stdinPath: stream.path)
        XCTAssertEqual(live.status, 0, live.stderr)

        func usage(_ result: ToolResult) throws -> [String: [String: Any]] {
            var byContainer: [String: [String: Any]] = [:]
            for record in try decodeRecords(result.lines) where record["kind"] as? String == "usage" {
                let workload = record["workload"] as! [String: Any]
                byContainer["\(record["namespace"]!)/\(workload["name"]!)/\(record["container"]!)"] = record
            }
            return byContainer
        }
        let replayed = try usage(offline)
        let asked = try usage(live)
        XCTAssertEqual(Set(replayed.keys), Set(asked.keys))
        var compared = 0
        for (key, record) in replayed where (record["samples"] as? Int ?? 0) > 0 {
            let other = try XCTUnwrap(asked[key])
            XCTAssertEqual(record["samples"] as? Int, other["samples"] as? Int, key)
            for (resource, names) in [("cpu", ["p50", "p95", "p99", "max"]), ("memory", ["p50", "p95", "max"])] {
                let mine = record[resource] as! [String: Any]
                let theirs = other[resource] as! [String: Any]
                for name in names {
                    let a = try XCTUnwrap(mine[name] as? Double, "\(key) \(resource) \(name)")
                    let b = try XCTUnwrap(theirs[name] as? Double, "\(key) \(resource) \(name) live")
                    XCTAssertEqual(a, b, accuracy: max(abs(a), 1) * 1e-5, "\(key) \(resource) \(name)")
                }
            }
            compared += 1
        }
        XCTAssertGreaterThan(compared, 20)
    }
}
