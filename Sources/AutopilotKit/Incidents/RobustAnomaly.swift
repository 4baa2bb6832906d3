import Foundation

/// Anomalies in a usage series by the modified z-score of Iglewicz and Hoaglin: a point's distance from
/// the series' median in units of the median absolute deviation,
///
///     z = 0.6745 · (x − median) / MAD
///
/// A point with z above `threshold` (3.5, their recommendation) that is also at least `minRise` (50%) above
/// the series' 90th percentile is anomalous: a steady series' tiny wiggles have a tiny MAD, and a daily peak
/// that fills a good part of every day sets the 90th percentile; neighbouring anomalous points
/// (one quiet point between them allowed) are one anomaly. The median and MAD ignore the outliers
/// themselves, which is why a spike cannot hide by inflating the spread as it would a mean and standard
/// deviation. Not seasonal: a daily peak repeated every day sets the median's spread and is not flagged,
/// but one day's peak far above the others is; bursts that recur (three or more runs) are taken as the
/// workload's rhythm unless one towers 1.5× over the rest. Only rises are reported: a drop in usage is not
/// an incident.
public enum RobustAnomaly {
    public struct Anomaly: Equatable, Sendable {
        /// Indexes into the series, inclusive.
        public var first: Int
        public var last: Int
        public var peakIndex: Int
        public var peak: Double
        public var median: Double
        /// The highest modified z-score in the run.
        public var score: Double
    }

    /// A series needs this many points for its median and MAD to mean anything.
    public static let minimumPoints = 12

    public static func detect(_ series: [Double?], threshold: Double = 3.5, minRise: Double = 0.5) -> [Anomaly] {
        let values = series.compactMap { $0 }
        guard values.count >= minimumPoints else { return [] }
        let center = median(values)
        var spread = median(values.map { abs($0 - center) })
        if spread == 0 {
            // More than half the points equal: the mean absolute deviation, scaled to agree with the MAD
            // on normal data (1.2533 = √(π/2)), still measures the rest.
            spread = values.reduce(0) { $0 + abs($1 - center) } / Double(values.count) * 1.2533 / 1.4826
        }
        guard spread > 0 else { return [] }
        let sorted = values.sorted()
        let usualHigh = sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * 0.9).rounded(.up)))]
        var anomalies: [Anomaly] = []
        var current: Anomaly?
        var lastFlagged = -10
        for (index, value) in series.enumerated() {
            guard let value else { continue }
            let score = 0.6745 * (value - center) / spread
            let flagged = score > threshold && value >= (1 + minRise) * usualHigh && value > center
            guard flagged else { continue }
            if var run = current, index - lastFlagged <= 2 {
                run.last = index
                if value > run.peak {
                    run.peak = value
                    run.peakIndex = index
                }
                run.score = max(run.score, score)
                current = run
            } else {
                if let run = current { anomalies.append(run) }
                current = Anomaly(first: index, last: index, peakIndex: index, peak: value, median: center, score: score)
            }
            lastFlagged = index
        }
        if let run = current { anomalies.append(run) }
        // Bursts that recur are the workload's rhythm (a batch every few hours), not anomalies: with three
        // runs or more, only one that peaks 1.5× above every other run is kept.
        guard anomalies.count >= 3 else { return anomalies }
        return anomalies.enumerated().filter { index, run in
            let others = anomalies.enumerated().filter { $0.offset != index }.map(\.element.peak).max() ?? 0
            return run.peak >= 1.5 * others
        }.map(\.element)
    }

    public static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// Theil–Sen slope (median of pairwise slopes, per index step): a trend that one outlier cannot bend.
    public static func theilSenSlope(_ values: [Double]) -> Double {
        guard values.count >= 2 else { return 0 }
        var slopes: [Double] = []
        slopes.reserveCapacity(values.count * (values.count - 1) / 2)
        for i in 0..<values.count {
            for j in (i + 1)..<values.count { slopes.append((values[j] - values[i]) / Double(j - i)) }
        }
        return median(slopes)
    }
}
