import Foundation

/// Tells a leak from a container that simply needs more memory, from its working-set series.
///
/// A leak climbs steadily whatever the load and starts again from low after each restart (a saw); a
/// container short of memory sits high near its limit. The series is cut at resets (a drop of more than
/// 25%); a run of at least 6 points that rises at least 7 steps in 10 (Theil–Sen slope above zero) and
/// gains at least 30% of its peak is a leak.
public struct MemoryTrend: Sendable {
    /// Bytes per series step, of the longest climbing run.
    public var slopePerStep: Double
    /// First and last value of that run, and where it starts and ends in the series.
    public var from: Double
    public var to: Double
    public var firstIndex: Int
    public var lastIndex: Int
    /// Climbing runs found (a leak restarted by OOM kills shows several).
    public var climbs: Int

    public static func leak(in series: [Double?]) -> MemoryTrend? {
        var runs: [[(index: Int, value: Double)]] = [[]]
        for (index, value) in series.enumerated() {
            guard let value else { continue }
            if let previous = runs[runs.count - 1].last, value < previous.value * 0.75 { runs.append([]) }
            runs[runs.count - 1].append((index, value))
        }
        let climbing = runs.filter { run in
            guard run.count >= 6, let first = run.first?.value, let last = run.last?.value, let peak = run.map(\.value).max(), peak > 0
            else { return false }
            let rising = zip(run, run.dropFirst()).filter { $1.value > $0.value }.count
            return Double(rising) >= 0.7 * Double(run.count - 1) && RobustAnomaly.theilSenSlope(run.map(\.value)) > 0
                && last - first >= 0.3 * peak
        }
        guard let longest = climbing.max(by: { $0.count < $1.count }) else { return nil }
        let values = longest.map(\.value)
        let steps = Double(longest.last!.index - longest.first!.index) / Double(max(longest.count - 1, 1))
        return MemoryTrend(slopePerStep: RobustAnomaly.theilSenSlope(values) / max(steps, 1), from: values.first!, to: values.last!,
                           firstIndex: longest.first!.index, lastIndex: longest.last!.index, climbs: climbing.count)
    }
}
