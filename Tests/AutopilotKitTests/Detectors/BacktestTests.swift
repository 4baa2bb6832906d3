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
