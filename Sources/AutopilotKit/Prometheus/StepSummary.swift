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
    /// One value per evidence-grid point, NaN where no step fell (an array: 40,000 small dictionaries
    /// were most of the client's memory at 20,000 pods).
    var series: [Double]

    /// Nil when the series has no points.
    init?(_ source: PromSeries, quantiles asked: [Double], grid: EvidenceGrid?, combine: Combine) {
        let values = source.samples.map(\.value).sorted()
        guard let highest = values.last else { return nil }
        labels = source.labels
        quantiles = asked.map { Self.quantile($0, sorted: values) }
        max = highest
        mean = values.reduce(0, +) / Double(values.count)
        steps = values.count
        series = []
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
    static func quantile(_ q: Double, sorted values: [Double]) -> Double {
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
