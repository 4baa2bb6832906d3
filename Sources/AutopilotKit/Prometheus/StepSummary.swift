import Foundation

/// One series of a range query at the window's step, reduced on arrival to what the records need:
/// percentiles, the max, the mean, how many steps had data, and the evidence series. Holding this
/// instead of the points frees a chunk's answer at once.
struct StepSummary: Sendable {
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
    /// Evidence-grid slot → value.
    var series: [Int: Double]

    /// Nil when the series has no points.
    init?(_ source: PromSeries, quantiles asked: [Double], grid: EvidenceGrid?, combine: Combine) {
        let values = source.samples.map(\.value).sorted()
        guard let highest = values.last else { return nil }
        labels = source.labels
        quantiles = asked.map { q in
            let rank = q * Double(values.count - 1)
            let lower = Int(rank.rounded(.down))
            let upper = Swift.min(lower + 1, values.count - 1)
            let weight = rank - Double(lower)
            return values[lower] * (1 - weight) + values[upper] * weight
        }
        max = highest
        mean = values.reduce(0, +) / Double(values.count)
        steps = values.count
        series = [:]
        guard let grid else { return }
        var sums: [Int: (total: Double, count: Int)] = [:]
        for sample in source.samples {
            guard let slot = grid.slot(containing: sample.time) else { continue }
            switch combine {
            case .max: series[slot] = Swift.max(series[slot] ?? sample.value, sample.value)
            case .mean: sums[slot, default: (0, 0)].total += sample.value; sums[slot, default: (0, 0)].count += 1
            }
        }
        for (slot, sum) in sums { series[slot] = sum.total / Double(sum.count) }
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
