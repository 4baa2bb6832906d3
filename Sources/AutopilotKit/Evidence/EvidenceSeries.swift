import Foundation

/// Fetches, from Prometheus, the hourly series a pack lacks: a container's CPU and memory when its
/// `usage` record has no series, and a node's CPU and memory (nodeusage records carry only figures).
/// Queries are the ones collect-metrics uses; values are aligned to a grid from `start` every `step`.
public struct EvidenceSeries: Sendable {
    public let source: PrometheusSource
    public var nodeLabel = "node"
    public var matchers = ""
    public var step = Duration(seconds: 3600)
    /// Set when Prometheus is unreachable: later packs skip their queries instead of retrying each one.
    private let down = Latch()

    final class Latch: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        var isSet: Bool { lock.withLock { value } }
        func set() { lock.withLock { value = true } }
    }

    /// Thrown instead of asking again once Prometheus was found unreachable (already reported).
    public struct Skipped: Error {}

    public init(source: PrometheusSource, nodeLabel: String = "node", matchers: String = "") {
        self.source = source
        self.nodeLabel = nodeLabel
        self.matchers = matchers
    }

    public struct Grid: Sendable {
        public var start: Date
        public var end: Date
        public var step: Duration
        public var count: Int { Int(end.timeIntervalSince(start) / Double(step.seconds)) + 1 }
    }

    /// CPU (cores) and memory (bytes) of a container, the highest pod at each point.
    public func container(namespace: String, pods: [String], container: String, grid: Grid) throws
        -> (cpu: [Double?], memory: [Double?])
    {
        let selector = [PromQL.equals("namespace", namespace), PromQL.oneOf("pod", pods), PromQL.equals("container", container), matchers]
            .filter { !$0.isEmpty }.joined(separator: ", ")
        let cpu = try fetch(PromQL.cpuSeries(selector, step: step), grid, purpose: "evidence CPU \(namespace)/\(container)")
        let memory = try fetch(PromQL.memorySeries(selector, step: step), grid, purpose: "evidence memory \(namespace)/\(container)")
        return (cpu, memory)
    }

    /// CPU (cores) and memory (bytes) of a node's root cgroup.
    public func node(_ name: String, grid: Grid) throws -> (cpu: [Double?], memory: [Double?]) {
        let selector = [PromQL.equals(nodeLabel, name), matchers].filter { !$0.isEmpty }.joined(separator: ", ")
        let cpu = try fetch(PromQL.nodeCPU(selector, nodeLabel: nodeLabel, rate: step), grid, purpose: "evidence CPU node \(name)")
        let memory = try fetch(
            "max by (\(nodeLabel)) (max_over_time(container_memory_working_set_bytes{id=\"/\", \(selector)}[\(step)]))", grid,
            purpose: "evidence memory node \(name)")
        return (cpu, memory)
    }

    /// One range query; the highest series at each grid point, nil where none has a sample.
    private func fetch(_ expression: String, _ grid: Grid, purpose: String) throws -> [Double?] {
        if down.isSet { throw Skipped() }
        let body: [UInt8]
        do { body = try source.fetch(.range(expression, start: grid.start, end: grid.end, step: grid.step, purpose: purpose)) } catch {
            if case .unreachable = error { down.set() }
            throw error
        }
        let series = try PrometheusResult.decode(body)
        var values = [Double?](repeating: nil, count: grid.count)
        for item in series {
            for sample in item.samples {
                let index = Int(((sample.time - grid.start.timeIntervalSince1970) / Double(grid.step.seconds)).rounded())
                guard values.indices.contains(index), sample.value.isFinite else { continue }
                values[index] = max(values[index] ?? -.infinity, sample.value)
            }
        }
        return values
    }
}
