import AutopilotKit
import XCTest

/// The anomaly rule (modified z-score over the median and MAD, above the series' usual high) and the leak
/// rule (steady climbs reset by restarts), on series shaped as collect-metrics writes them.
final class RobustAnomalyTests: XCTestCase {
    /// A day of 15-minute points with a daytime hump (nights at 0.1 core, afternoons to 0.16) and ±3% noise.
    private func diurnal(days: Int = 1) -> [Double?] {
        (0..<(96 * days)).map { index in
            let hour = Double(index % 96) / 4
            let hump = max(0, sin((hour - 7) / 12 * .pi))
            return 0.1 * (1 + 0.6 * hump) * (1 + 0.03 * sin(Double(index) * 1.7))
        }
    }

    func testASpikeIsFoundWithItsExtentAndPeak() {
        var series = diurnal()
        for index in 40...42 { series[index] = 0.5 }
        series[41] = 0.52
        let anomalies = RobustAnomaly.detect(series)
        XCTAssertEqual(anomalies.count, 1)
        XCTAssertEqual(anomalies.first?.first, 40)
        XCTAssertEqual(anomalies.first?.last, 42)
        XCTAssertEqual(anomalies.first?.peakIndex, 41)
        XCTAssertEqual(anomalies.first?.peak, 0.52)
        XCTAssertGreaterThan(anomalies.first?.score ?? 0, 3.5)
    }

    func testADailyPatternIsNotAnAnomaly() {
        XCTAssertEqual(RobustAnomaly.detect(diurnal(days: 2)), [])
    }

    func testMissingPointsAndShortOrFlatSeriesGiveNothing() {
        var series = diurnal()
        for index in stride(from: 0, to: 96, by: 3) { series[index] = nil }
        XCTAssertEqual(RobustAnomaly.detect(series), [])
        XCTAssertEqual(RobustAnomaly.detect([1, 1, 1, 9]), [], "too few points to judge")
        XCTAssertEqual(RobustAnomaly.detect(Array(repeating: 0.2, count: 50)), [])
    }

    func testASpikeOnAFlatSeriesIsFoundThroughTheMeanDeviationFallback() {
        var series: [Double?] = Array(repeating: 0.2, count: 50)
        series[30] = 0.9
        XCTAssertEqual(RobustAnomaly.detect(series).map(\.peakIndex), [30])
    }

    func testRecurringBurstsAreTheWorkloadsRhythmUnlessOneTowers() {
        var series: [Double?] = Array(repeating: 0.1, count: 96)
        for start in [10, 40, 70] { for index in start..<(start + 2) { series[index] = 0.6 } }
        XCTAssertEqual(RobustAnomaly.detect(series), [], "three like bursts: a batch every few hours")
        series[85] = 1.5
        XCTAssertEqual(RobustAnomaly.detect(series).map(\.peakIndex), [85])
    }

    func testTheilSenSlopeIgnoresAnOutlier() {
        var values = (0..<20).map { Double($0) * 2 }
        values[10] = 500
        XCTAssertEqual(RobustAnomaly.theilSenSlope(values), 2, accuracy: 1e-9)
    }

    func testALeakIsSteadyClimbsResetByRestarts() throws {
        // 300 MiB + 50 MiB a point until 1 GiB, then a restart: four climbs in 60 points.
        let mib = 1_048_576.0
        let saw: [Double?] = (0..<60).map { 300 * mib + Double($0 % 15) * 50 * mib }
        let leak = try XCTUnwrap(MemoryTrend.leak(in: saw))
        XCTAssertEqual(leak.slopePerStep, 50 * mib, accuracy: 1)
        XCTAssertEqual(leak.climbs, 4)
        XCTAssertEqual(leak.from, 300 * mib)
        XCTAssertEqual(leak.to, 1000 * mib)
    }

    func testAContainerSittingNearItsLimitIsNoLeak() {
        let mib = 1_048_576.0
        let flat: [Double?] = (0..<60).map { 950 * mib + sin(Double($0)) * 20 * mib }
        XCTAssertNil(MemoryTrend.leak(in: flat))
        // A warm-up that levels off is no leak either: it does not gain 30% of its peak in a run that keeps rising.
        let warmup: [Double?] = (0..<60).map { 900 * mib + min(Double($0), 5) * 10 * mib }
        XCTAssertNil(MemoryTrend.leak(in: warmup))
    }
}
