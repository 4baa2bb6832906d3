import Foundation

/// One series of a range query at the window's step, reduced on arrival to what the records need:
/// percentiles, the max, the mean, how many steps had data, and the evidence series. Holding this
/// instead of the points frees a chunk's answer at once.
package struct StepSummary: Sendable {
    /// How an evidence point combines the steps of its interval: CPU averages them (as `rate()` over
    /// the interval would), memory keeps the highest (as `max_over_time` would).
    enum Combine: Sendable { case mean, max }

    var labels: [String: String]
    /// The requested quantiles, in order; quantiles interpolate between closest ranks, as Prometheus'
    /// `quantile_over_time` does.
    var quantiles: [Double]
    var max: Double
    var mean: Double
    var steps: Int
    /// One value per evidence-grid point, NaN where no step fell (an array: 40,000 small dictionaries
    /// were most of the client's memory at 20,000 pods).
    var series: [Double]
    /// The steps at or above each `TailGrid` level from the series' own p95 up (empty unless asked for).
    var tail: [TailGrid.Point] = []
    /// Set when the tail could not reach down to the p95 (more than `TailGrid.maxLevels` below the max):
    /// the lowest level it covers.
    var tailCutAt: Int?

    /// Nil when the series has no points. `tailStep` (seconds) asks for the exceedance tail above the
    /// series' p95, runs counted over steps `tailStep` apart.
    init?(_ source: PromSeries, quantiles asked: [Double], grid: EvidenceGrid?, combine: Combine, tailStep: Double? = nil) {
        let values = source.samples.map(\.value).sorted()
        guard let highest = values.last else { return nil }
        labels = source.labels
        quantiles = asked.map { Self.quantile($0, sorted: values) }
        max = highest
        mean = values.reduce(0, +) / Double(values.count)
        steps = values.count
        series = []
        if let tailStep {
            let p95 = Self.quantile(0.95, sorted: values)
            tail = TailGrid.points(source.samples, from: p95, to: highest, step: tailStep)
            if let first = tail.first, TailGrid.isCut(from: p95, to: highest) { tailCutAt = first.level }
        }
        guard let grid else { return }
        series = Array(repeating: .nan, count: grid.count)
        var counts = Array(repeating: 0, count: combine == .mean ? grid.count : 0)
        for sample in source.samples {
            guard let slot = grid.slot(containing: sample.time) else { continue }
            switch combine {
            case .max: series[slot] = series[slot].isNaN ? sample.value : Swift.max(series[slot], sample.value)
            case .mean:
                series[slot] = (series[slot].isNaN ? 0 : series[slot]) + sample.value
                counts[slot] += 1
            }
        }
        for (slot, count) in counts.enumerated() where count > 0 { series[slot] /= Double(count) }
    }
}

extension StepSummary {
    /// A quantile of sorted values, interpolating between closest ranks as `quantile_over_time` does.
    package static func quantile(_ q: Double, sorted values: [Double]) -> Double {
        let rank = q * Double(values.count - 1)
        let lower = Int(rank.rounded(.down))
        let upper = Swift.min(lower + 1, values.count - 1)
        let weight = rank - Double(lower)
        return values[lower] * (1 - weight) + values[upper] * weight
    }
}

/// The hourly points of the evidence series: point `k` stands for the interval ending at
/// `start + k × step` (Prometheus' `rate(…[1h])` and `max_over_time(…[1h])` look back the same way).
struct EvidenceGrid: Sendable {
    var start: Double
    var step: Double
    var count: Int

    /// The point whose interval `(end − step, end]` holds `time`, if any.
    func slot(containing time: Double) -> Int? {
        let index = Int(((time - start) / step).rounded(.up))
        return (0..<count).contains(index) ? index : nil
    }
}

/// A logarithmic grid of thresholds 2^(level/16) apart (about 4.4%, the spacing of Prometheus' native
/// histograms at schema 4) on which collect-metrics counts the steps at or above each level, with the
/// longest run of consecutive steps there: what detect-waste's backtest replays a new request against
/// without the record carrying every step.
enum TailGrid {
    struct Point: Equatable, Sendable {
        var level: Int
        /// Steps whose value is at or above `threshold(level)`.
        var steps: Int
        /// The longest stretch of consecutive steps at or above it.
        var longestRun: Int
    }

    static let perOctave = 16.0
    /// At most this many levels under a series' max (16 octaves): lower ones are far below any request.
    static let maxLevels = 256

    static func level(_ value: Double) -> Int { Int((log2(value) * perOctave).rounded(.down)) }
    static func threshold(_ level: Int) -> Double { exp2(Double(level) / perOctave) }

    /// Below this (a micro-core) a series is idle: no tail.
    static let smallest = 1e-6

    /// The lowest level a tail from `floor` to `top` keeps: `floor`'s, or `maxLevels` under `top`'s.
    static func base(from floor: Double, to top: Double) -> Int {
        Swift.max(level(Swift.max(floor, smallest)), level(top) - maxLevels + 1)
    }

    /// Whether that tail starts above `floor`'s level (the levels between are missing, not zero).
    static func isCut(from floor: Double, to top: Double) -> Bool { base(from: floor, to: top) > level(Swift.max(floor, smallest)) }

    /// The tail of one series, levels from `floor`'s up to `top`'s; nothing for an idle series. When
    /// `floor` is more than `maxLevels` below `top`, the tail starts higher (`first.level` says where)
    /// and the levels under it are missing, not zero: the assembler drops them for the whole workload.
    static func points(_ samples: [(time: Double, value: Double)], from floor: Double, to top: Double, step: Double) -> [Point] {
        guard top >= smallest, top.isFinite else { return [] }
        let highest = level(top)
        let base = base(from: floor, to: top)
        let count = highest - base + 1
        let lowest = threshold(base)
        var steps = Array(repeating: 0, count: count)
        var current = Array(repeating: 0, count: count)
        var longest = Array(repeating: 0, count: count)
        var active = 0  // levels 0..<active have a run going
        var previous = -Double.infinity
        for sample in samples {
            // A missing step ends every run.
            if sample.time - previous > step * 1.5 {
                for index in 0..<active { current[index] = 0 }
                active = 0
            }
            previous = sample.time
            // Levels 0..<reached are at or under this step's value; most steps are under the base (the
            // p95), and skip the logarithm.
            let reached = sample.value >= lowest ? Swift.max(0, Swift.min(level(sample.value), highest) - base + 1) : 0
            for index in 0..<reached {
                steps[index] += 1
                current[index] += 1
                longest[index] = Swift.max(longest[index], current[index])
            }
            if reached < active { for index in reached..<active { current[index] = 0 } }
            active = reached
        }
        return (0..<count).compactMap { index in
            steps[index] > 0 ? Point(level: base + index, steps: steps[index], longestRun: longest[index]) : nil
        }
    }
}
