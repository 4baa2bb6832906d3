import Foundation

/// A small cluster's metrics over a past window, as OpenMetrics text for `promtool` backfill, with the
/// per-step values the test expects Prometheus to see.
///
/// Every series is scraped once a minute. Usage is constant within each 5-minute block aligned to the
/// window, so `rate(…[5m])` and a gauge read at a 5-minute step both see exactly one block's value.
struct SyntheticMetrics {
    static let minute = 60.0
    static let block = 300.0

    let end: Date
    let window: TimeInterval
    var start: Date { end.addingTimeInterval(-window) }
    /// Blocks 1…count are the window's steps; block 0 (and -1) precede it so the first step has data.
    var blockCount: Int { Int(window / Self.block) }

    /// One container's usage per block, and the blocks in which the pod existed.
    struct Container {
        var namespace: String
        var pod: String
        var container: String
        var cpu: (Int) -> Double
        var memory: (Int) -> Double
        var blocks: ClosedRange<Int>
        var throttledShare: Double
    }

    var containers: [Container] = []
    var owners: [(namespace: String, pod: String, kind: String, name: String)] = []
    var replicaSets: [(namespace: String, name: String, deployment: String)] = []
    var nodes: [(name: String, cpu: (Int) -> Double, memory: (Int) -> Double)] = []
    /// Minute offsets (from the window start) at which a container was OOM-killed.
    var oomKills: [(namespace: String, pod: String, container: String, minutes: [Int])] = []
    /// Any other gauge, written every minute: `name{labels}` and its value per 5-minute block.
    var gauges: [(series: String, value: (Int) -> Double)] = []

    init(end: Date, window: TimeInterval) {
        self.end = end
        self.window = window
    }

    /// The block a minute's sample belongs to: the one ending at or after it.
    func blockOf(minute index: Int) -> Int { Int((Double(index) / 5).rounded(.up)) }

    /// The values Prometheus sees at steps 1…count for a container (its pod's lifetime only).
    func steps(_ container: Container, _ value: (Int) -> Double) -> [Double] {
        (1...blockCount).filter { container.blocks.contains($0) }.map(value)
    }

    /// Whether a container has a sample at `minute` (the generator writes ten minutes before the window too).
    func scraped(_ container: Container, minute: Int) -> Bool {
        minute >= -10 && (container.blocks.contains(blockOf(minute: minute)) || (minute <= 0 && container.blocks.lowerBound <= 1))
    }

    /// The highest sample of a gauge in each 5-minute step's range `[t − 5m, t]` (Prometheus 2.x
    /// includes both ends, so a step also sees the previous block's last sample), for every step from
    /// the window's first instant on that has one.
    func stepPeaks(_ container: Container, _ value: (Int) -> Double) -> [Double] {
        (0...blockCount).compactMap { step in
            (5 * step - 5...5 * step).filter { scraped(container, minute: $0) }.map { value(blockOf(minute: $0)) }.max()
        }
    }

    var openMetrics: String {
        var lines: [String] = []
        var cpuTotals = [Double](repeating: 0, count: containers.count)
        var nodeTotals = [Double](repeating: 0, count: nodes.count)
        var periods = [Double](repeating: 0, count: containers.count)
        var throttled = [Double](repeating: 0, count: containers.count)
        let firstMinute = -10
        let lastMinute = Int(window / Self.minute)
        for minute in firstMinute...lastMinute {
            let time = start.timeIntervalSince1970 + Double(minute) * Self.minute
            let stamp = String(format: "%.0f", time)
            let block = blockOf(minute: minute)
            for (index, c) in containers.enumerated() where c.blocks.contains(block) || (minute <= 0 && c.blocks.lowerBound <= 1) {
                let labels = "namespace=\"\(c.namespace)\",pod=\"\(c.pod)\",container=\"\(c.container)\""
                cpuTotals[index] += c.cpu(block) * Self.minute
                periods[index] += 600
                throttled[index] += 600 * c.throttledShare
                lines.append("container_cpu_usage_seconds_total{\(labels),id=\"/kubepods/\(c.pod)/\(c.container)\"} \(cpuTotals[index]) \(stamp)")
                lines.append("container_memory_working_set_bytes{\(labels),id=\"/kubepods/\(c.pod)/\(c.container)\"} \(c.memory(block)) \(stamp)")
                lines.append("container_cpu_cfs_periods_total{\(labels)} \(periods[index]) \(stamp)")
                lines.append("container_cpu_cfs_throttled_periods_total{\(labels)} \(throttled[index]) \(stamp)")
            }
            for (index, node) in nodes.enumerated() {
                nodeTotals[index] += node.cpu(block) * Self.minute
                lines.append("container_cpu_usage_seconds_total{id=\"/\",node=\"\(node.name)\"} \(nodeTotals[index]) \(stamp)")
                lines.append("container_memory_working_set_bytes{id=\"/\",node=\"\(node.name)\"} \(node.memory(block)) \(stamp)")
            }
            for kill in oomKills {
                let labels = "namespace=\"\(kill.namespace)\",pod=\"\(kill.pod)\",container=\"\(kill.container)\""
                let count = kill.minutes.filter { $0 <= minute }.count
                lines.append("container_oom_events_total{\(labels)} \(count) \(stamp)")
                if count > 0 {
                    lines.append("kube_pod_container_status_last_terminated_reason{\(labels),reason=\"OOMKilled\"} 1 \(stamp)")
                }
            }
            for gauge in gauges { lines.append("\(gauge.series) \(gauge.value(block)) \(stamp)") }
            if minute % 10 == 0 {
                for owner in owners {
                    lines.append("kube_pod_owner{namespace=\"\(owner.namespace)\",pod=\"\(owner.pod)\",owner_kind=\"\(owner.kind)\",owner_name=\"\(owner.name)\",owner_is_controller=\"true\"} 1 \(stamp)")
                }
                for set in replicaSets {
                    lines.append("kube_replicaset_owner{namespace=\"\(set.namespace)\",replicaset=\"\(set.name)\",owner_kind=\"Deployment\",owner_name=\"\(set.deployment)\",owner_is_controller=\"true\"} 1 \(stamp)")
                }
            }
        }
        lines.append("# EOF")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Prometheus' `quantile_over_time`: linear interpolation between closest ranks.
    static func quantile(_ q: Double, _ values: [Double]) -> Double {
        let sorted = values.sorted()
        let rank = q * Double(sorted.count - 1)
        let lower = Int(rank.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        let weight = rank - Double(lower)
        return sorted[lower] * (1 - weight) + sorted[upper] * weight
    }
}
