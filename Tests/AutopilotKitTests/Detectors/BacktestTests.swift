import XCTest
@testable import AutopilotKit

/// The backtest's arithmetic, by hand: collect-metrics' tail of a series, and the replay of a request
/// against a usage record.
final class BacktestTests: XCTestCase {
    private let key = Observed.WorkloadKey(namespace: "apps", kind: "Deployment", name: "web")

    func testTailCountsStepsAtOrAboveEachLevelAndTheLongestRun() throws {
        // Levels are 2^(k/16): level 0 is 1 core, level 16 is 2 cores, level 8 is √2 ≈ 1.414.
        XCTAssertEqual(TailGrid.level(1), 0)
        XCTAssertEqual(TailGrid.level(2), 16)
        XCTAssertEqual(TailGrid.level(1.99), 15)
        XCTAssertEqual(TailGrid.threshold(8), 2.0.squareRoot(), accuracy: 1e-12)
        // Five-minute steps; the step at 1500 is missing, so the run of three 2.0s is broken into 2 + 1.
        let samples: [(time: Double, value: Double)] = [(0, 0.5), (300, 2.0), (600, 2.0), (900, 1.0), (1200, 2.0), (1800, 2.0), (2100, 0.1)]
        let points = TailGrid.points(samples, from: 1.0, to: 2.0, step: 300)
        XCTAssertEqual(points.first, TailGrid.Point(level: 0, steps: 5, longestRun: 4), "1 core: the 1.0 and the four 2.0s; 300–1200 in a row")
        XCTAssertEqual(points.last, TailGrid.Point(level: 16, steps: 4, longestRun: 2), "2 cores: four steps, at most two in a row")
        XCTAssertEqual(points.count, 17, "every level from 1 to 2 cores")
        XCTAssertEqual(points[8], TailGrid.Point(level: 8, steps: 4, longestRun: 2), "√2 cores: only the 2.0s")
        XCTAssertTrue(TailGrid.points([(0, 0)], from: 0, to: 0, step: 300).isEmpty, "a series at zero has no tail")
    }

    func testCollectMetricsWritesTheTailFromTheWorkloadsP95() throws {
        // One pod: twenty 5-minute steps at 0.1 and, in the middle, four at 0.4 then one at 0.8.
        var samples: [(time: Double, value: Double)] = (0..<20).map { (Double($0) * 300, 0.1) }
        for index in 8..<12 { samples[index].value = 0.4 }
        samples[12].value = 0.8
        let series = PromSeries(labels: [:], samples: samples)
        let summary = try XCTUnwrap(StepSummary(series, quantiles: [0.95], grid: nil, combine: .mean, tailStep: 300))
        // Sorted: fifteen 0.1, four 0.4, one 0.8. p95's rank is 0.95 × 19 = 18.05: 0.4 + 0.05 × (0.8 − 0.4) = 0.42.
        XCTAssertEqual(summary.quantiles[0], 0.4 + 0.05 * 0.4, accuracy: 1e-9)
        let atHalfCore = try XCTUnwrap(summary.tail.first { TailGrid.threshold($0.level) <= 0.5 && TailGrid.threshold($0.level + 1) > 0.5 })
        XCTAssertEqual(atHalfCore.steps, 1, "only the 0.8 step is above half a core")
        XCTAssertEqual(summary.tail.first?.steps, 1, "the tail starts at the p95 (0.42): only the 0.8 step reaches it")
    }

    func testCPURequestAtOrAboveTheMaxHasExactlyNoStepAbove() {
        let usage = Fixtures.usage(key, samples: 4000, cpu: Fixtures.figures(p50: 0.1, p90: 0.15, p95: 0.2, p99: 0.25, max: 0.3))
        let backtest = Backtest.cpu(request: 0.3, limit: nil, usage: usage)
        XCTAssertEqual(backtest.stepsAbove, 0)
        XCTAssertTrue(backtest.exact)
        XCTAssertEqual(backtest.json["bound"]?.stringValue, "exact")
    }

    func testCPURequestInsideTheTailTakesTheCountAtTheHighestThresholdBelowIt() {
        var usage = Fixtures.usage(key, samples: 4000, cpu: Fixtures.figures(p50: 0.1, p90: 0.15, p95: 0.2, p99: 0.25, max: 0.3))
        usage.cpuTail = [.init(cores: 0.2, steps: 200, longestRun: 12), .init(cores: 0.22, steps: 90, longestRun: 6),
                         .init(cores: 0.24, steps: 40, longestRun: 3), .init(cores: 0.29, steps: 2, longestRun: 1)]
        // 0.23 lies between 0.22 and 0.24: the 90 steps at or above 0.22 bound those above 0.23.
        let backtest = Backtest.cpu(request: 0.23, limit: 0.5, usage: usage)
        XCTAssertEqual(backtest.stepsAbove, 90)
        XCTAssertEqual(backtest.longestRunAbove, 6)
        XCTAssertFalse(backtest.exact)
        XCTAssertEqual(backtest.shareAbove ?? -1, 0.0225, accuracy: 1e-12)  // 90 / 4000
        XCTAssertEqual(backtest.stepsAtLimit, 0, "the limit 0.5 is above the max")
        let json = backtest.json
        XCTAssertEqual(json["podMinutesAbove"]?.doubleValue, 450)  // 90 steps × 5 minutes
        XCTAssertEqual(json["longestMinutesAbove"]?.doubleValue, 30)
        XCTAssertEqual(json["bound"]?.stringValue, "at most")
        XCTAssertTrue(backtest.summary.contains("at most 90 of 4000 pod-steps"), backtest.summary)
        XCTAssertTrue(backtest.summary.contains("30 minutes in a row"), backtest.summary)
    }

    func testFewerPodsAfterAnHPAForecastCarryMoreLoadEach() {
        // 10 replicas forecast to 8: each pod carries 1.25× today's load, so a 0.25 request is exceeded where
        // today's load was above 0.25 ÷ 1.25 = 0.2: the 200 steps at or above the 0.2 threshold.
        var usage = Fixtures.usage(key, samples: 4000, cpu: Fixtures.figures(p50: 0.1, p90: 0.15, p95: 0.2, p99: 0.25, max: 0.3))
        usage.cpuTail = [.init(cores: 0.2, steps: 200, longestRun: 12), .init(cores: 0.24, steps: 40, longestRun: 3)]
        let forecast = Backtest.cpu(request: 0.25, limit: nil, loadFactor: 10.0 / 8, usage: usage)
        XCTAssertEqual(forecast.stepsAbove, 200)
        XCTAssertEqual(forecast.json["loadFactor"]?.doubleValue, 1.25)
        XCTAssertEqual(forecast.json["request"]?.doubleValue, 0.25, "the request is the one recommended")
        XCTAssertTrue(forecast.summary.contains("at 1.25× today's load per pod"), forecast.summary)
        // The same request with today's pods: only the 40 steps at or above 0.24.
        XCTAssertEqual(Backtest.cpu(request: 0.25, limit: nil, usage: usage).stepsAbove, 40)
        // A factor below 1 (more pods) or not a number replays today's load, never less.
        XCTAssertEqual(Backtest.cpu(request: 0.25, limit: nil, loadFactor: 0.5, usage: usage).loadFactor, 1)
        XCTAssertEqual(Backtest.cpu(request: 0.25, limit: nil, loadFactor: .nan, usage: usage).loadFactor, 1)
    }

    func testCPUWithoutATailSaysItCannotTell() {
        let usage = Fixtures.usage(key, samples: 4000, cpu: Fixtures.figures(p50: 0.1, p90: 0.15, p95: 0.2, p99: 0.25, max: 0.3))
        let backtest = Backtest.cpu(request: 0.23, limit: nil, usage: usage)
        XCTAssertNil(backtest.stepsAbove)
        XCTAssertEqual(backtest.json["bound"]?.stringValue, "unknown")
    }

    func testMemoryAboveThePeakPassesAndAPeakAtTheLimitIsAnOOMKill() throws {
        let mib = Fixtures.mib
        let usage = Fixtures.usage(key, memory: Fixtures.memoryFigures(max: Double(300 * mib)))
        let fits = try XCTUnwrap(Backtest.memory(request: 352 * mib, limit: 512 * mib, usage: usage))
        XCTAssertEqual(fits.stepsAbove, 0)
        XCTAssertEqual(fits.limitMargin, Double(212 * mib))
        XCTAssertFalse(fits.crossesLimit)
        XCTAssertTrue(fits.allowsCut)
        let atLimit = try XCTUnwrap(Backtest.memory(request: 352 * mib, limit: 300 * mib, usage: usage))
        XCTAssertTrue(atLimit.crossesLimit)
        XCTAssertFalse(atLimit.allowsCut)
        XCTAssertTrue(atLimit.summary.contains("OOM kill"), atLimit.summary)
        let below = try XCTUnwrap(Backtest.memory(request: 256 * mib, limit: nil, usage: usage))
        XCTAssertNil(below.stepsAbove, "below the peak: the record cannot count the steps, and no cut goes there")
        XCTAssertFalse(below.allowsCut)
    }

    func testUsageRecordsReadTheTailAndRefuseAMalformedOne() throws {
        let base = #"{"kind":"usage","namespace":"apps","workload":{"kind":"Deployment","name":"web"},"container":"app","samples":10,"cpu":{"p95":0.2},"memory":{},"#
        let usage = try Observed.Usage(JSON.parse(base + #""cpuTail":[[0.25,3,2],[0.2,9,4]]}"#))
        XCTAssertEqual(usage.cpuTail, [.init(cores: 0.2, steps: 9, longestRun: 4), .init(cores: 0.25, steps: 3, longestRun: 2)])
        XCTAssertThrowsError(try Observed.Usage(JSON.parse(base + #""cpuTail":[[0.25,3,7]]}"#))) {
            XCTAssertTrue("\($0)".contains("cpuTail[0]"), "\($0)")
        }
        XCTAssertThrowsError(try Observed.Usage(JSON.parse(base + #""cpuTail":[["x",3,1]]}"#)))
    }
}

/// Hostile values reaching the backtest, the runtime parser and the node plan: an answer, never a trap.
final class BacktestHostileInputTests: XCTestCase {
    func testAnIdleOrSubnormalSeriesHasNoTail() {
        var samples: [(time: Double, value: Double)] = (0..<99).map { (Double($0) * 300, 0) }
        samples.append((99 * 300, 1e-320))
        XCTAssertTrue(TailGrid.points(samples, from: 0, to: 1e-320, step: 300).isEmpty)
        XCTAssertTrue(TailGrid.points(samples, from: 0, to: .infinity, step: 300).isEmpty)
        // A max 2^20 times the p95: the tail keeps the top 256 levels and says where it starts.
        let wide = TailGrid.points([(0, 1e-3), (300, 1e3)], from: 1e-3, to: 1e3, step: 300)
        XCTAssertEqual(wide.count, TailGrid.maxLevels)
        XCTAssertEqual(wide.last?.level, TailGrid.level(1e3))
    }

    func testABacktestReadFromARecordWithAZeroStepPrintsWithoutCrashing() {
        let hostile: JSONValue = ["resource": "cpu", "request": 0.2, "steps": 10, "stepMinutes": 0, "longestMinutesAbove": 30,
                                  "stepsAbove": 3, "bound": "at most"]
        XCTAssertEqual(Backtest.lines(hostile), ["CPU: at most 3 of 10 pod-steps (30.0%) above 200m."])
        let huge: JSONValue = ["resource": "cpu", "request": 0.2, "steps": 10, "stepMinutes": 1e-14, "longestMinutesAbove": 1e14, "stepsAbove": 3]
        XCTAssertEqual(Backtest.lines(huge).count, 1)
        XCTAssertEqual(Backtest.lines(["resource": "memory", "request": 1, "maxWorkingSet": 1e300]).count, 1)
        XCTAssertTrue(Backtest.lines(["resource": "gpu"]).isEmpty)
    }

    func testHostileRuntimeSettingsAreReadOrIgnored() throws {
        func detect(_ spec: String, limit: Int64? = 1 << 30) throws -> RuntimeMemory? {
            RuntimeMemory.detect(spec: try JSON.parse(spec), limits: Observed.Resources(memory: limit), requests: Observed.Resources())
        }
        for image in ["", "@", "repo/:", ":", "/", "@sha256:abc"] {
            XCTAssertNil(try detect("{\"name\":\"a\",\"image\":\"\(image)\"}"), image)
        }
        XCTAssertNil(try detect(#"{"name":"a","env":[{"name":"NODE_OPTIONS","value":"--max-old-space-size="}]}"#))
        XCTAssertNil(try detect(#"{"name":"a","args":["node","--max-old-space-size=","x.js"]}"#))
        // A divisor near Int64.max: no overflow, the heap is 1 (a whole unit) of it.
        let divisor = try detect(#"""
            {"name":"a","env":[{"name":"L","valueFrom":{"resourceFieldRef":{"resource":"limits.memory","divisor":"9223372036854775000"}}},
             {"name":"JAVA_OPTS","value":"-Xmx$(L)m"}]}
            """#)
        XCTAssertEqual(divisor?.runtime, .jvm)
        // Sixty variables each doubling the last: expansion stops at 64 KiB, and quickly.
        var env = [#"{"name":"A0","value":"xxxxxxxx"}"#]
        for index in 1...60 { env.append("{\"name\":\"A\(index)\",\"value\":\"$(A\(index - 1))$(A\(index - 1))\"}") }
        env.append(#"{"name":"JAVA_OPTS","value":"-Xmx1g $(A60)"}"#)
        let started = Date()
        XCTAssertEqual(try detect("{\"name\":\"a\",\"env\":[\(env.joined(separator: ","))]}")?.bytes, 1 << 30)
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        // A heap built from the limit and larger than it is read back, not refused.
        let over = try XCTUnwrap(try detect(#"""
            {"name":"a","env":[{"name":"L","valueFrom":{"resourceFieldRef":{"resource":"limits.memory","divisor":"1M"}}},
             {"name":"JAVA_OPTS","value":"-Xmx$(L)m"}]}
            """#))
        XCTAssertEqual(over.percentOfLimit ?? 0, 104.88, accuracy: 0.01)  // ⌈1073741824 ÷ 1e6⌉ = 1074 MiB of 1024
        XCTAssertEqual(try RuntimeMemory(record: JSON.parse(#"{"runtime":"jvm","percentOfLimit":104.88,"setting":"-Xmx1074m","source":"env JAVA_OPTS"}"#))?
                        .percentOfLimit, 104.88)
    }

    func testHotSpotsPrecedenceDecidesTheHeap() throws {
        func heap(_ options: String, limit: Int64? = 4 << 30) throws -> RuntimeMemory? {
            RuntimeMemory.detect(spec: try JSON.parse("{\"name\":\"a\",\"env\":[{\"name\":\"JAVA_OPTS\",\"value\":\"\(options)\"}]}"),
                                 limits: Observed.Resources(memory: limit), requests: Observed.Resources())
        }
        // MaxRAM with a percentage: 75% of 4g = 3g (not a quarter of 4g).
        XCTAssertEqual(try heap("-XX:MaxRAM=4g -XX:MaxRAMPercentage=75")?.bytes, 3 << 30)
        XCTAssertEqual(try heap("-XX:MaxRAMPercentage=75 -XX:MaxRAM=4g")?.bytes, 3 << 30, "order does not matter")
        XCTAssertEqual(try heap("-XX:MaxRAM=4g")?.bytes, 1 << 30, "the default 25%")
        // An explicit size wins over any percentage, before or after it.
        XCTAssertEqual(try heap("-XX:MaxRAMPercentage=50 -Xmx1g")?.bytes, 1 << 30)
        XCTAssertEqual(try heap("-Xmx1g -XX:MaxRAMPercentage=50")?.bytes, 1 << 30)
        XCTAssertEqual(try heap("-XX:MaxRAMPercentage=50")?.percentOfLimit, 50)
    }

    func testAReceivingNodeWithNoAllocatableTakesNothingByUse() {
        let web = Fixtures.deployment("web")
        var cluster = Fixtures.cluster()
        cluster.add(Fixtures.node("a"))
        var empty = Fixtures.node("b")
        empty.allocatable = Observed.Resources()
        cluster.add(empty)
        cluster.add(Fixtures.workload(web, containers: [Fixtures.container("app", cpu: 0, memory: 0)]))
        cluster.add(Fixtures.pod("web-0", of: web, on: "a", cpu: 0, memory: 0))
        cluster.add(Fixtures.usage(web, cpu: Fixtures.cpuFigures(p95: 0.2), memory: Fixtures.memoryFigures(max: 1e8)))
        cluster.add(Fixtures.nodeUsage("a", cpuP95: 0.1, memoryP95: 1e8))
        cluster.add(Fixtures.nodeUsage("b", cpuP95: 0.1, memoryP95: 1e8))
        _ = NodePlan.make(Fixtures.context(cluster))  // no trap: b is no destination by use
    }
}
