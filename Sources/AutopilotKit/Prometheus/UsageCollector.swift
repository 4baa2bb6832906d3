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
    /// Points in one range query's answer at most, counting a series per known pod (or node): a long
    /// window goes in consecutive pieces, so no answer, and none of Prometheus' memory for it, is huge.
    /// Measured on the 20k-pod bench (400 pods a chunk): one 4,033-step query per chunk peaked
    /// Prometheus' heap at 615 MiB, pieces of 288 steps (~115,000 points) at 80 MiB, ~10% slower.
    public var pointsPerQuery = 150_000
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

    /// What one query contributes (`package`: synth-cluster answers each query by its role).
    package enum Role: Hashable {
        /// Per-step answers, reduced on arrival to a `StepSummary` per series.
        case cpuSteps, memorySteps, nodeCPUSteps
        case oomEvents, oomLastTerminated, throttledPeriods, allPeriods
        case podOwner, replicaSetOwner, jobOwner
        case nodeMemory(String)
        /// A JVM's heap: `max` or `used`, per pod.
        case jvmHeap(String)

        package var isPerStep: Bool { self == .cpuSteps || self == .memorySteps || self == .nodeCPUSteps }
    }

    /// One answer: an instant query's, or a range query's, sent in as many pieces as Prometheus'
    /// 11,000-points-per-series limit needs.
    package struct Planned {
        package var queries: [PromQuery]
        package var role: Role
        /// The namespaces (or nodes) the queries select, for synth-cluster's made-up answers.
        package var scope: [String]
    }

    static let cpuQuantiles = [0.5, 0.9, 0.95, 0.99]
    static let memoryQuantiles = [0.5, 0.95, 0.99]
    static let nodeQuantiles = [0.95]

    /// Every query for an inventory, in a fixed order.
    ///
    /// The per-container statistics come from two range queries per chunk at the window's step, reduced
    /// here: one evaluation of `rate()` for CPU and one read of the samples for memory. Percentile
    /// subqueries would have Prometheus evaluate the same points once per percentile (docs/tools/collect-metrics.md, "Why
    /// range queries, unaggregated", has the measurements).
    package func plan(_ inventory: UsageInventory) -> [Planned] {
        let s = settings
        let extra = s.matchers.isEmpty ? "" : ", \(s.matchers)"
        var planned: [Planned] = []
        var scope: [String] = []
        func add(_ role: Role, _ expression: String, _ purpose: String) {
            planned.append(Planned(queries: [.instant(expression, at: s.end, purpose: purpose)], role: role, scope: scope))
        }
        func addSteps(_ role: Role, _ expression: String, _ purpose: String, series: Int) {
            planned.append(Planned(queries: rangePieces(expression, purpose: purpose, series: series), role: role, scope: scope))
        }
        for (index, namespaces) in inventory.namespaceChunks(limit: s.podsPerQuery).enumerated() {
            scope = namespaces
            let selector = PromQL.oneOf("namespace", namespaces) + extra
            let chunk = "namespaces chunk \(index + 1) (\(namespaces.first!)…)"
            let pods = namespaces.reduce(0) { $0 + (inventory.podsPerNamespace[$1] ?? 0) }
            addSteps(.cpuSteps, PromQL.containerCPUPerSeries(selector, rate: s.rateWindow), "CPU per step, \(chunk)", series: pods)
            addSteps(.memorySteps, PromQL.containerMemoryPeakPerSeries(selector, over: s.step), "memory per step, \(chunk)", series: pods)
            add(.oomEvents, PromQL.oomEvents(selector, window: s.window), "OOM events, \(chunk)")
            add(.oomLastTerminated, PromQL.oomLastTerminated(selector, window: s.window), "OOM terminations, \(chunk)")
            add(.throttledPeriods, PromQL.cfsPeriods(selector, throttled: true, window: s.window), "throttled periods, \(chunk)")
            add(.allPeriods, PromQL.cfsPeriods(selector, throttled: false, window: s.window), "CFS periods, \(chunk)")
            add(.podOwner, PromQL.owners("kube_pod_owner", by: "namespace, pod", selector, window: s.window), "pod owners, \(chunk)")
            add(.replicaSetOwner, PromQL.owners("kube_replicaset_owner", by: "namespace, replicaset", selector, window: s.window), "ReplicaSet owners, \(chunk)")
            add(.jobOwner, PromQL.owners("kube_job_owner", by: "namespace, job_name", selector, window: s.window), "Job owners, \(chunk)")
            // The JVM's own heap figures, asked for only where collect-cluster recognised a JVM.
            if inventory.jvmContainers.keys.contains(where: { namespaces.contains($0.namespace) }) {
                add(.jvmHeap("max"), PromQL.jvmHeapMax(selector, window: s.window), "JVM heap max, \(chunk)")
                add(.jvmHeap("used"), PromQL.jvmHeapUsed(selector, window: s.window), "JVM heap used, \(chunk)")
            }
        }
        let nodes = inventory.nodes.sorted()
        for start in stride(from: 0, to: nodes.count, by: s.nodesPerQuery) {
            let group = Array(nodes[start..<min(start + s.nodesPerQuery, nodes.count)])
            scope = group
            let selector = PromQL.oneOf(s.nodeLabel, group) + extra
            let chunk = "nodes chunk \(start / s.nodesPerQuery + 1)"
            addSteps(.nodeCPUSteps, PromQL.nodeCPUPerSeries(selector, rate: s.rateWindow), "node CPU per step, \(chunk)", series: group.count)
            add(.nodeMemory("avg"), PromQL.nodeMemory("avg_over_time(", selector, nodeLabel: s.nodeLabel, window: s.window), "node memory avg, \(chunk)")
            add(.nodeMemory("p95"), PromQL.nodeMemory("quantile_over_time(0.95, ", selector, nodeLabel: s.nodeLabel, window: s.window), "node memory p95, \(chunk)")
            add(.nodeMemory("max"), PromQL.nodeMemory("max_over_time(", selector, nodeLabel: s.nodeLabel, window: s.window), "node memory max, \(chunk)")
        }
        return planned
    }

    /// A range query over the window from its first instant (as a `[window:step]` subquery evaluates),
    /// cut into consecutive pieces that share no point, each within `pointsPerQuery` for `series`
    /// series and within Prometheus' 11,000 points per series.
    func rangePieces(_ expression: String, purpose: String, series: Int) -> [PromQuery] {
        let s = settings
        let perPiece = Int64(max(1, min(s.pointsPerQuery / max(series, 1), 10_000)))
        let steps = s.window.seconds / s.step.seconds + 1
        let pieceCount = (steps + perPiece - 1) / perPiece
        return (0..<pieceCount).map { piece in
            let first = s.start.addingTimeInterval(Double(piece * perPiece * s.step.seconds))
            let last = min(s.end, first.addingTimeInterval(Double((perPiece - 1) * s.step.seconds)))
            let part = pieceCount == 1 ? "" : " (part \(piece + 1) of \(pieceCount))"
            return .range(expression, start: first, end: last, step: s.step, purpose: purpose + part)
        }
    }

    /// How a per-step role is reduced.
    static func summarize(_ series: [PromSeries], _ role: Role, _ s: UsageSettings) -> [StepSummary] {
        let grid = EvidenceGrid(start: s.seriesStart.timeIntervalSince1970, step: Double(s.seriesStep.seconds),
                                count: Int(s.window.seconds / s.seriesStep.seconds))
        switch role {
        case .cpuSteps:
            return series.compactMap {
                StepSummary($0, quantiles: Self.cpuQuantiles, grid: grid, combine: .mean, tailStep: Double(s.step.seconds))
            }
        case .memorySteps: return series.compactMap { StepSummary($0, quantiles: Self.memoryQuantiles, grid: grid, combine: .max) }
        default: return series.compactMap { StepSummary($0, quantiles: Self.nodeQuantiles, grid: nil, combine: .mean) }
        }
    }

    /// The queries `collect` would send, for `--capture`'s index.
    public func queries(for inventory: UsageInventory) -> [PromQuery] { plan(inventory).flatMap(\.queries) }

    /// Runs every query (a few at a time) and hands each record to `body`: `usage` records, then
    /// `nodeusage`. The instant queries go first (owners say which workload a pod's series belong to);
    /// the per-step answers are then folded in as they arrive. Throws if Prometheus could not be reached
    /// at all; a query that fails otherwise is reported and its figures left null.
    public func collect(_ inventory: UsageInventory, _ body: (JSONValue) throws -> Void) throws {
        let planned = plan(inventory)
        let instant = planned.filter { !$0.role.isPerStep }
        let perStep = planned.filter(\.role.isPerStep)
        var series: [Role: [PromSeries]] = [:]
        try run(instant) { item, answer in
            if case .series(let found) = answer { series[item.role, default: []] += found }
        }
        var assembler = UsageAssembler(settings: settings, inventory: inventory, series: series, diagnostics: diagnostics)
        try run(perStep) { item, answer in
            if case .steps(let summaries) = answer { assembler.add(summaries, role: item.role) }
        }
        try assembler.forEachUsageRecord(body)
        for record in assembler.nodeUsageRecords() { try body(record) }
    }

    /// Fetches the planned answers, a few at a time, and hands each to `fold` on the calling thread's
    /// behalf, one at a time (under a lock), so the answer can be dropped right after.
    private func run(_ planned: [Planned], fold: (Planned, Answer) -> Void) throws {
        let table = ResultTable(count: planned.count)
        let width = max(1, min(settings.concurrency, planned.count))
        let (source, settings) = (self.source, self.settings)
        withoutActuallyEscaping(fold) { fold in
            let folding = Folding(fold)
            DispatchQueue.concurrentPerform(iterations: width) { lane in
                for index in stride(from: lane, to: planned.count, by: width) {
                    if table.unreachable { return }
                    do throws(PrometheusError) {
                        let answer = try Self.answer(planned[index], source, settings)
                        folding.call(planned[index], answer)
                        table.set(index, .success(()))
                    } catch {
                        table.set(index, .failure(error))
                    }
                }
            }
        }
        for index in planned.indices {
            if case .failure(let error)? = table.get(index), error.isUnreachable { throw ServiceUnavailable("\(error)") }
        }
        for (index, item) in planned.enumerated() {
            switch table.get(index) {
            case .success?: break
            case .failure(let error)?: diagnostics.unavailable("\(item.queries[0].purpose): \(error)")
            case nil: throw ServiceUnavailable("Prometheus unreachable: \(item.queries[0].purpose) was not sent")
            }
        }
    }

    /// Fetches one planned answer. A per-step one arrives per raw series and in time pieces: series of
    /// the same container (or node) are joined, taking the highest value at each step (the same
    /// container scraped by two jobs must not count twice; KRR takes the max too), then reduced.
    private static func answer(_ planned: Planned, _ source: PrometheusSource, _ settings: UsageSettings) throws(PrometheusError) -> Answer {
        guard planned.role.isPerStep else { return .series(try PrometheusResult.decode(source.fetch(planned.queries[0]))) }
        let names = planned.role == .nodeCPUSteps ? [settings.nodeLabel] : ["namespace", "pod", "container"]
        var joined: [[String: String]: [(time: Double, value: Double)]] = [:]
        // Pieces cover consecutive, disjoint steps and come in time order: a container's samples are
        // appended piece after piece; only its series within one piece need joining step by step.
        for query in planned.queries {
            var piece: [[String: String]: [PromSeries]] = [:]
            for series in try PrometheusResult.decode(source.fetch(query)) {
                var key: [String: String] = [:]
                for name in names { key[name] = series.labels[name] }
                guard key.count == names.count else { continue }
                piece[key, default: []].append(series)
            }
            for (key, series) in piece { joined[key, default: []] += Self.highestPerStep(series) }
        }
        let series = joined.map { PromSeries(labels: $0.key, samples: $0.value) }
        return .steps(summarize(series, planned.role, settings))
    }

    /// One series' samples, or several series' joined taking the highest value at each step.
    static func highestPerStep(_ series: [PromSeries]) -> [(time: Double, value: Double)] {
        guard series.count > 1 else { return series.first?.samples ?? [] }
        var highest: [Double: Double] = [:]
        for part in series {
            for sample in part.samples { highest[sample.time] = max(highest[sample.time] ?? sample.value, sample.value) }
        }
        return highest.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    enum Answer {
        case series([PromSeries])
        case steps([StepSummary])
    }

    /// Per-query outcomes, filled from several threads.
    private final class ResultTable: @unchecked Sendable {
        private let lock = NSLock()
        private var results: [Result<Void, PrometheusError>?]
        private(set) var unreachable = false
        init(count: Int) { results = Array(repeating: nil, count: count) }
        func set(_ index: Int, _ result: Result<Void, PrometheusError>) {
            lock.lock()
            results[index] = result
            if case .failure(let error) = result, error.isUnreachable { unreachable = true }
            lock.unlock()
        }
        func get(_ index: Int) -> Result<Void, PrometheusError>? {
            lock.lock()
            defer { lock.unlock() }
            return results[index]
        }
    }

    /// The fold of answers, called from several threads one at a time.
    private final class Folding: @unchecked Sendable {
        private let lock = NSLock()
        private let body: (Planned, Answer) -> Void
        init(_ body: @escaping (Planned, Answer) -> Void) { self.body = body }
        func call(_ planned: Planned, _ answer: Answer) {
            lock.lock()
            body(planned, answer)
            lock.unlock()
        }
    }
}
