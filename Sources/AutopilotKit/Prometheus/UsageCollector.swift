import Foundation

/// How collect-metrics asks: the window, its resolution and how the work is split.
public struct UsageSettings: Sendable {
    public var window = Duration(seconds: 14 * 86400)
    public var step = Duration(seconds: 300)
    /// The `rate()` range for CPU: at least four scrape intervals.
    public var rateWindow = Duration(seconds: 300)
    /// Resolution of the series kept for evidence graphs.
    public var seriesStep = Duration(seconds: 3600)
    public var end = Date()
    /// Extra label matchers for every query, e.g. `cluster="prod"`.
    public var matchers = ""
    public var nodeLabel = "node"
    /// Known pods per query at most; namespaces are grouped up to this size. Measured: 500 keeps
    /// Prometheus' peak memory at 40% of what 2,000 needs, and is no slower.
    public var podsPerQuery = 500
    /// Nodes per node query at most.
    public var nodesPerQuery = 500
    public var concurrency = 4

    public init() {}

    public var start: Date { end.addingTimeInterval(-Double(window.seconds)) }

    /// The first point of the evidence series: one series step into the window.
    public var seriesStart: Date { start.addingTimeInterval(Double(seriesStep.seconds)) }
}

/// Asks Prometheus a handful of aggregated queries per chunk of namespaces, joins the answers to
/// workloads through kube-state-metrics' owner series, and builds `usage` and `nodeusage` records.
///
/// A workload's percentile is the highest of its pods' percentiles (as KRR takes it): every pod the
/// workload ran during the window is covered, and the figure is never below what any pod used.
public final class UsageCollector {
    let source: PrometheusSource
    let settings: UsageSettings
    let diagnostics: Diagnostics

    public init(source: PrometheusSource, settings: UsageSettings, diagnostics: Diagnostics) {
        self.source = source
        self.settings = settings
        self.diagnostics = diagnostics
    }

    /// What one query contributes.
    enum Role: Hashable {
        /// CPU at every step of the window, reduced on arrival to `cpuQuantiles` then the max.
        case cpuSteps
        case cpuCount
        case memoryQuantile(Double), memoryMax, memoryCount
        case oomEvents, oomLastTerminated, throttledPeriods, allPeriods
        case cpuSeries, memorySeries
        case podOwner, replicaSetOwner, jobOwner
        case nodeCPU(String), nodeMemory(String)
    }

    struct Planned {
        var query: PromQuery
        var role: Role
    }

    static let cpuQuantiles = [0.5, 0.9, 0.95, 0.99]
    static let memoryQuantiles = [0.5, 0.95, 0.99]

    /// Every query for an inventory, in a fixed order.
    func plan(_ inventory: UsageInventory) -> [Planned] {
        let s = settings
        let extra = s.matchers.isEmpty ? "" : ", \(s.matchers)"
        var planned: [Planned] = []
        func add(_ role: Role, _ expression: String, _ purpose: String) {
            planned.append(Planned(query: .instant(expression, at: s.end, purpose: purpose), role: role))
        }
        for (index, namespaces) in inventory.namespaceChunks(limit: s.podsPerQuery).enumerated() {
            let selector = PromQL.oneOf("namespace", namespaces) + extra
            let chunk = "namespaces chunk \(index + 1) (\(namespaces.first!)…)"
            // CPU needs rate() at every step. One range query has Prometheus evaluate it once and the
            // percentiles are taken here; five quantile_over_time subqueries would evaluate it five
            // times (measured: most of the run). Memory's statistics come from the raw samples.
            let cpu = PromQL.containerCPU(selector, rate: s.rateWindow)
            planned.append(Planned(
                // From the window's first instant, as a [window:step] subquery evaluates (Prometheus 2.x).
                query: .range(cpu, start: s.start, end: s.end, step: s.step, purpose: "CPU per step, \(chunk)"),
                role: .cpuSteps))
            add(.cpuCount, PromQL.containerSamples("container_cpu_usage_seconds_total", selector, window: s.window), "CPU samples, \(chunk)")
            for q in Self.memoryQuantiles {
                add(.memoryQuantile(q), PromQL.containerMemory("quantile_over_time(\(q), ", selector, window: s.window), "memory p\(Int(q * 100)), \(chunk)")
            }
            add(.memoryMax, PromQL.containerMemory("max_over_time(", selector, window: s.window), "memory max, \(chunk)")
            add(.memoryCount, PromQL.containerSamples("container_memory_working_set_bytes", selector, window: s.window), "memory samples, \(chunk)")
            add(.oomEvents, PromQL.oomEvents(selector, window: s.window), "OOM events, \(chunk)")
            add(.oomLastTerminated, PromQL.oomLastTerminated(selector, window: s.window), "OOM terminations, \(chunk)")
            add(.throttledPeriods, PromQL.cfsPeriods(selector, throttled: true, window: s.window), "throttled periods, \(chunk)")
            add(.allPeriods, PromQL.cfsPeriods(selector, throttled: false, window: s.window), "CFS periods, \(chunk)")
            add(.podOwner, PromQL.owners("kube_pod_owner", by: "namespace, pod", selector, window: s.window), "pod owners, \(chunk)")
            add(.replicaSetOwner, PromQL.owners("kube_replicaset_owner", by: "namespace, replicaset", selector, window: s.window), "ReplicaSet owners, \(chunk)")
            add(.jobOwner, PromQL.owners("kube_job_owner", by: "namespace, job_name", selector, window: s.window), "Job owners, \(chunk)")
            planned.append(Planned(
                query: .range(PromQL.cpuSeries(selector, step: s.seriesStep), start: s.seriesStart, end: s.end, step: s.seriesStep, purpose: "CPU series, \(chunk)"),
                role: .cpuSeries))
            planned.append(Planned(
                query: .range(PromQL.memorySeries(selector, step: s.seriesStep), start: s.seriesStart, end: s.end, step: s.seriesStep, purpose: "memory series, \(chunk)"),
                role: .memorySeries))
        }
        let nodes = inventory.nodes.sorted()
        for start in stride(from: 0, to: nodes.count, by: s.nodesPerQuery) {
            let group = Array(nodes[start..<min(start + s.nodesPerQuery, nodes.count)])
            let selector = PromQL.oneOf(s.nodeLabel, group) + extra
            let chunk = "nodes chunk \(start / s.nodesPerQuery + 1)"
            let cpu = PromQL.nodeCPU(selector, nodeLabel: s.nodeLabel, rate: s.rateWindow)
            add(.nodeCPU("avg"), PromQL.nodeCPUAverage(selector, nodeLabel: s.nodeLabel, window: s.window), "node CPU avg, \(chunk)")
            add(.nodeCPU("p95"), PromQL.quantile(0.95, of: cpu, window: s.window, step: s.step), "node CPU p95, \(chunk)")
            add(.nodeCPU("max"), PromQL.overTime("max", of: cpu, window: s.window, step: s.step), "node CPU max, \(chunk)")
            add(.nodeCPU("count"), PromQL.nodeSamples(selector, nodeLabel: s.nodeLabel, window: s.window), "node samples, \(chunk)")
            add(.nodeMemory("avg"), PromQL.nodeMemory("avg_over_time(", selector, nodeLabel: s.nodeLabel, window: s.window), "node memory avg, \(chunk)")
            add(.nodeMemory("p95"), PromQL.nodeMemory("quantile_over_time(0.95, ", selector, nodeLabel: s.nodeLabel, window: s.window), "node memory p95, \(chunk)")
            add(.nodeMemory("max"), PromQL.nodeMemory("max_over_time(", selector, nodeLabel: s.nodeLabel, window: s.window), "node memory max, \(chunk)")
        }
        return planned
    }

    /// A series' per-step values reduced to `cpuQuantiles` and then the max, as samples in that order;
    /// quantiles interpolate between closest ranks, as Prometheus' `quantile_over_time` does.
    static func cpuStatistics(_ series: PromSeries) -> PromSeries {
        let values = series.samples.map(\.value).sorted()
        guard !values.isEmpty else { return PromSeries(labels: series.labels, samples: []) }
        var statistics = cpuQuantiles.map { q -> (time: Double, value: Double) in
            let rank = q * Double(values.count - 1)
            let lower = Int(rank.rounded(.down))
            let upper = min(lower + 1, values.count - 1)
            let weight = rank - Double(lower)
            return (0, values[lower] * (1 - weight) + values[upper] * weight)
        }
        statistics.append((0, values[values.count - 1]))
        return PromSeries(labels: series.labels, samples: statistics)
    }

    /// The queries `collect` would send, for `--capture`'s index.
    public func queries(for inventory: UsageInventory) -> [PromQuery] { plan(inventory).map(\.query) }

    /// Runs every query (a few at a time), then builds the records. Throws if Prometheus could not be
    /// reached at all; a query that fails otherwise is reported and its figures left null.
    public func collect(_ inventory: UsageInventory) throws -> (usage: [JSONValue], nodeUsage: [JSONValue]) {
        let planned = plan(inventory)
        let results = ResultTable(count: planned.count)
        let width = max(1, min(settings.concurrency, planned.count))
        let source = self.source
        DispatchQueue.concurrentPerform(iterations: width) { lane in
            for index in stride(from: lane, to: planned.count, by: width) {
                if results.unreachable { return }
                do throws(PrometheusError) {
                    let body = try source.fetch(planned[index].query)
                    var series = try PrometheusResult.decode(body)
                    // Keep only the statistics of a per-step answer, so a chunk's points are freed at once.
                    if planned[index].role == .cpuSteps { series = series.map(Self.cpuStatistics) }
                    results.set(index, .success(series))
                } catch {
                    results.set(index, .failure(error))
                }
            }
        }
        for index in planned.indices {
            if case .failure(let error)? = results.get(index), error.isUnreachable { throw ServiceUnavailable("\(error)") }
        }
        var byRole: [Role: [PromSeries]] = [:]
        for (index, item) in planned.enumerated() {
            switch results.get(index) {
            case .success(let series)?: byRole[item.role, default: []] += series
            case .failure(let error)?:
                diagnostics.unavailable("\(item.query.purpose): \(error)")
            case nil:
                throw ServiceUnavailable("Prometheus unreachable: \(item.query.purpose) was not sent")
            }
        }
        let assembler = UsageAssembler(settings: settings, inventory: inventory, results: byRole, diagnostics: diagnostics)
        return (assembler.usageRecords(), assembler.nodeUsageRecords())
    }

    /// Per-query outcomes, filled from several threads.
    private final class ResultTable: @unchecked Sendable {
        private let lock = NSLock()
        private var results: [Result<[PromSeries], PrometheusError>?]
        private(set) var unreachable = false
        init(count: Int) { results = Array(repeating: nil, count: count) }
        func set(_ index: Int, _ result: Result<[PromSeries], PrometheusError>) {
            lock.lock()
            results[index] = result
            if case .failure(let error) = result, error.isUnreachable { unreachable = true }
            lock.unlock()
        }
        func get(_ index: Int) -> Result<[PromSeries], PrometheusError>? {
            lock.lock()
            defer { lock.unlock() }
            return results[index]
        }
    }
}
