import Foundation
import XCTest

/// collect-metrics against a real Prometheus, backfilled with series whose percentiles the test
/// computes itself.
final class CollectMetricsPrometheusTests: XCTestCase {
    private static let mib = 1_048_576.0

    /// Two days ending on an hour boundary an hour ago: a past window, as a real cluster's would be.
    private let end: Date = {
        let now = Date().timeIntervalSince1970
        return Date(timeIntervalSince1970: (now / 3600).rounded(.down) * 3600 - 3600)
    }()
    private let window: TimeInterval = 2 * 86400

    private func metrics() -> SyntheticMetrics {
        var metrics = SyntheticMetrics(end: end, window: window)
        let half = metrics.blockCount / 2
        let all = 1...metrics.blockCount
        // api: two current pods and one of an older ReplicaSet that went away halfway through.
        metrics.containers = [
            .init(namespace: "shop", pod: "api-7c9d8-aaaaa", container: "app",
                  cpu: { $0 % 10 == 0 ? 0.8 : 0.2 + 0.01 * Double(($0 + 70) % 7) },
                  memory: { (300 + Double(($0 + 130) % 13) + ($0 % 50 == 0 ? 300 : 0)) * Self.mib },
                  blocks: all, throttledShare: 0.25),
            .init(namespace: "shop", pod: "api-7c9d8-ccccc", container: "app",
                  cpu: { _ in 0.1 }, memory: { _ in 200 * Self.mib }, blocks: all, throttledShare: 0.25),
            .init(namespace: "shop", pod: "api-5f6b7-bbbbb", container: "app",
                  cpu: { 0.3 + 0.01 * Double(($0 + 50) % 5) }, memory: { (400 + Double(($0 + 110) % 11)) * Self.mib },
                  blocks: 1...half, throttledShare: 0.25),
            .init(namespace: "shop", pod: "db-0", container: "postgres",
                  cpu: { 1.0 + 0.05 * Double(($0 + 40) % 4) }, memory: { _ in 2048 * Self.mib }, blocks: all, throttledShare: 0),
        ]
        metrics.owners = [
            ("shop", "api-7c9d8-aaaaa", "ReplicaSet", "api-7c9d8"), ("shop", "api-7c9d8-ccccc", "ReplicaSet", "api-7c9d8"),
            ("shop", "api-5f6b7-bbbbb", "ReplicaSet", "api-5f6b7"), ("shop", "db-0", "StatefulSet", "db"),
        ]
        metrics.replicaSets = [("shop", "api-7c9d8", "api"), ("shop", "api-5f6b7", "api")]
        metrics.nodes = [("n1", { 3.0 + 0.1 * Double(($0 + 100) % 10) }, { (10_240 + Double(($0 + 50) % 5)) * Self.mib })]
        metrics.oomKills = [("shop", "db-0", "postgres", [Int(window / 60 / 3), Int(window / 60 * 2 / 3)])]
        // db runs on a JVM that reports its heap as Micrometer does, one series per G1 pool: a 1Gi old
        // generation (eden and survivor have no maximum: -1), old-generation use climbing 300-480Mi every ten
        // blocks, eden at 100Mi. Heap max 1Gi; highest use 480 + 100 = 580Mi.
        let heap = "namespace=\"shop\",pod=\"db-0\",area=\"heap\""
        metrics.gauges = [
            ("jvm_memory_max_bytes{\(heap),id=\"G1 Old Gen\"}", { _ in 1024 * Self.mib }),
            ("jvm_memory_max_bytes{\(heap),id=\"G1 Eden Space\"}", { _ in -1 }),
            ("jvm_memory_used_bytes{\(heap),id=\"G1 Old Gen\"}", { (300 + 20 * Double($0 % 10)) * Self.mib }),
            ("jvm_memory_used_bytes{\(heap),id=\"G1 Eden Space\"}", { _ in 100 * Self.mib }),
        ]
        return metrics
    }

    /// The stream collect-metrics reads: what collect-cluster would say of the same cluster today.
    private let input = [
        #"{"kind":"node","cluster":"t","name":"n1","instanceType":"m6i.xlarge"}"#,
        #"{"kind":"pod","cluster":"t","namespace":"shop","name":"api-7c9d8-aaaaa","owner":{"kind":"Deployment","name":"api"}}"#,
        #"{"kind":"pod","cluster":"t","namespace":"shop","name":"api-7c9d8-ccccc","owner":{"kind":"Deployment","name":"api"}}"#,
        #"{"kind":"pod","cluster":"t","namespace":"shop","name":"db-0","owner":{"kind":"StatefulSet","name":"db"}}"#,
        #"{"kind":"workload","cluster":"t","namespace":"shop","name":"api","workloadKind":"Deployment","containers":[{"name":"app"}]}"#,
        #"{"kind":"workload","cluster":"t","namespace":"shop","name":"db","workloadKind":"StatefulSet","containers":[{"name":"postgres","runtime":{"runtime":"jvm","percentOfLimit":25,"setting":"default MaxRAMPercentage=25","source":"image t"}}]}"#,
        #"{"kind":"workload","cluster":"t","namespace":"shop","name":"idle","workloadKind":"Deployment","containers":[{"name":"x"}]}"#,
        #"{"kind":"service","cluster":"t","namespace":"shop","name":"api","selector":{"app":"api"}}"#,
    ].joined(separator: "\n") + "\n"

    /// The range a CPU percentile may fall in: exact over the window's 5-minute steps, allowing the
    /// subquery to include the step at the window's very start.
    private func expectedCPU(_ q: Double, _ container: SyntheticMetrics.Container, _ metrics: SyntheticMetrics) -> ClosedRange<Double> {
        let base = metrics.steps(container, container.cpu)
        let results = [base, base + [container.cpu(0)]].map { SyntheticMetrics.quantile(q, $0) }
        return (results.min()! - 1e-6)...(results.max()! + 1e-6)
    }

    /// The memory percentile: exact over the highest sample of each step's range, the window's first
    /// instant included.
    private func expectedMemory(_ q: Double, _ container: SyntheticMetrics.Container, _ metrics: SyntheticMetrics) -> ClosedRange<Double> {
        let value = SyntheticMetrics.quantile(q, metrics.stepPeaks(container, container.memory))
        return (value - 1)...(value + 1)  // bytes are written as whole numbers
    }

    func testPercentilesMatchTheSamplesPrometheusHolds() throws {
        let scratch = try makeScratchDirectory(self)
        let metrics = metrics()
        let server = try PrometheusServer(openMetrics: metrics.openMetrics, scratch: scratch)
        addTeardownBlock { server.stop() }
        let endText = String(Int(end.timeIntervalSince1970))
        let capture = scratch.appendingPathComponent("capture")
        let result = try Tool.run(
            "collect-metrics",
            ["--prometheus", server.url.absoluteString, "--window", "2d", "--end", endText, "--capture", capture.path],
            stdin: input)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "")
        XCTAssertTrue(result.stdout.hasPrefix(input), "the input is forwarded byte for byte, first")

        let records = try decodeRecords(Array(result.lines.dropFirst(8)))
        let usage = Dictionary(uniqueKeysWithValues: records.filter { $0["kind"] as? String == "usage" }.map {
            (($0["workload"] as! [String: String])["name"]!, $0)
        })
        XCTAssertEqual(Set(usage.keys), ["api", "db", "idle"])

        // api: the highest of its three pods' percentiles, the vanished pod included.
        let api = usage["api"]!
        XCTAssertEqual(api["pods"] as? Int, 3)
        let apiCPU = api["cpu"] as! [String: Double]
        let apiMemory = api["memory"] as! [String: Int]
        for (name, q) in [("p50", 0.5), ("p90", 0.9), ("p95", 0.95), ("p99", 0.99), ("max", 1.0)] {
            let cpuRanges = metrics.containers.prefix(3).map { expectedCPU(q, $0, metrics) }
            let cpuExpected = cpuRanges.map(\.lowerBound).max()!...cpuRanges.map(\.upperBound).max()!
            XCTAssertTrue(cpuExpected.contains(apiCPU[name]!), "api cpu \(name) \(apiCPU[name]!) not in \(cpuExpected)")
            guard name != "p90" else { continue }
            let memoryRanges = metrics.containers.prefix(3).map { expectedMemory(q, $0, metrics) }
            let memoryExpected = memoryRanges.map(\.lowerBound).max()!...memoryRanges.map(\.upperBound).max()!
            XCTAssertTrue(memoryExpected.contains(Double(apiMemory[name]!)), "api memory \(name) \(apiMemory[name]!) not in \(memoryExpected)")
        }
        XCTAssertEqual(apiCPU["max"]!, 0.8, accuracy: 1e-6)
        XCTAssertEqual(Double(apiMemory["max"]!), 612 * Self.mib, accuracy: 13 * Self.mib)
        // Samples: 5-minute steps with data (576 + 576 + 288), give or take the edges; not raw scrapes,
        // so the figure does not depend on the scrape interval.
        XCTAssertEqual(Double(api["samples"] as! Int), window / 300 * 2.5, accuracy: 4)
        XCTAssertEqual(api["throttledRatio"] as! Double, 0.25, accuracy: 0.005)
        XCTAssertEqual(api["oomKills"] as? Int, 0)
        let series = api["series"] as! [String: Any]
        XCTAssertEqual(series["step"] as? String, "1h")
        XCTAssertEqual((series["cpu"] as! [Any]).count, 48)
        for point in series["cpu"] as! [Any] {
            let value = try XCTUnwrap(point as? Double, "every hour has data")
            XCTAssertTrue((0.1...0.8).contains(value), "\(value)")
        }

        let db = usage["db"]!
        XCTAssertEqual(db["oomKills"] as? Int, 2)
        XCTAssertEqual(db["throttledRatio"] as? Double, 0)
        XCTAssertEqual((db["cpu"] as! [String: Double])["max"]!, 1.15, accuracy: 1e-6)
        XCTAssertEqual((db["memory"] as! [String: Int])["p50"], 2048 * 1_048_576)
        // The JVM's own heap figures, on its container.
        let heap = try XCTUnwrap(db["jvmHeap"] as? [String: Int])
        XCTAssertEqual(heap["max"], 1024 * 1_048_576)
        XCTAssertEqual(heap["usedMax"], 580 * 1_048_576)
        XCTAssertNil(api["jvmHeap"], "only a JVM container has one")

        // api's CPU tail: p95 is aaaaa's 0.8 (one 5-minute block in ten), so the tail is its single level
        // at or under 0.8: the 57 blocks 10, 20, … 570 of 576, none next to another.
        let tail = try XCTUnwrap(api["cpuTail"] as? [[Double]])
        XCTAssertEqual(tail.count, 1, "\(tail)")
        XCTAssertTrue((0.8 / pow(2, 1.0 / 16)...0.8).contains(tail[0][0]), "\(tail)")
        XCTAssertEqual(tail[0][1], 57, accuracy: 1, "\(tail)")
        XCTAssertEqual(tail[0][2], 1, "\(tail)")

        let idle = usage["idle"]!
        XCTAssertEqual(idle["samples"] as? Int, 0)
        XCTAssertTrue((idle["cpu"] as! [String: Any])["p95"] is NSNull, "no data is null, never zero")
        XCTAssertTrue(idle["series"] is NSNull)

        let node = try XCTUnwrap(records.first { $0["kind"] as? String == "nodeusage" })
        XCTAssertEqual(node["node"] as? String, "n1")
        let nodeCPU = node["cpu"] as! [String: Double]
        XCTAssertEqual(nodeCPU["avg"]!, 3.45, accuracy: 0.01)
        XCTAssertEqual(nodeCPU["max"]!, 3.9, accuracy: 1e-6)
        XCTAssertEqual(nodeCPU["p95"]!, 3.9, accuracy: 1e-6)

        // The capture replays to the same bytes with no server at all.
        server.stop()
        let replay = try Tool.run("collect-metrics", ["--from", capture.path], stdin: input)
        XCTAssertEqual(replay.status, 0, replay.stderr)
        XCTAssertEqual(replay.stdout, result.stdout)
    }
}
