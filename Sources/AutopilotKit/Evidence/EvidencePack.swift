import Foundation

/// Everything a reviewer needs to approve one finding: usage graphs, events, the cost arithmetic, what
/// changed recently, and the risk with the exact rollback. Built from the stream only (deterministic);
/// `json` and `html` render the same content.
public struct EvidencePack: Sendable {
    public struct Chart: Sendable {
        public var title: String
        public var svg: String
        /// The figures drawn, for the JSON pack.
        public var data: JSONValue
    }

    public struct Row: Sendable {
        public var time: String
        public var cells: [String]
    }

    public var finding: JSONValue
    public var id: String
    public var summary: String
    public var charts: [Chart] = []
    /// Warning events about the target, newest first (at most 50).
    public var events: [Row] = []
    public var costLines: [String] = []
    /// Rollouts, restarts, rescales: newest first.
    public var changes: [Row] = []
    /// Log lines from Loki (with `--loki`), newest first.
    public var logs: [Row] = []
    public var facts: [(String, String)] = []
    /// Series that could not be fetched from Prometheus (the pack is built without them).
    public var fetchFailures: [String] = []

    static let maxEvents = 50
    static let maxChanges = 50
    static let maxNodeCharts = 5
    static let maxLogLine = 500

    /// Builds the pack for a finding (a parsed `finding` record) from the observed cluster; with `series`,
    /// the graphs the stream lacks are fetched from Prometheus over `grid`.
    public init(finding: FindingRecord, cluster: ObservedCluster, costs: CostModel, series fetcher: EvidenceSeries? = nil,
                grid: EvidenceSeries.Grid? = nil, loki: LokiLogs? = nil) {
        self.finding = finding.json.value
        id = finding.id
        summary = finding.summary ?? ""
        let namespace = finding.namespace ?? ""
        let kind = finding.target.kind
        let name = finding.target.name
        let container = finding.target.container
        let workload = cluster.workloadKey(of: finding).flatMap { cluster.workloads[$0] }
        let qualified = namespace.isEmpty ? name : "\(namespace)/\(name)"
        facts = [("cluster", finding.cluster), ("target", "\(kind) \(qualified)" + (container.map { ", container \($0)" } ?? "")),
                 ("team", finding.team ?? ""),
                 ("detector", finding.detector), ("severity", finding.severity ?? "")]

        if let workload, let usage = cluster.usage[workload.key] {
            let containers = container.map { [$0] } ?? workload.longRunningContainers.map(\.name)
            for name in containers {
                guard var figures = usage[name] else { continue }
                if figures.series == nil, let fetcher, let grid {
                    do {
                        let fetched = try fetcher.container(
                            namespace: workload.key.namespace, pods: cluster.pods(of: workload.key).map(\.name), container: name, grid: grid)
                        figures.series = .init(start: RFC3339.string(grid.start), step: grid.step.description, cpu: fetched.cpu, memory: fetched.memory)
                    } catch is EvidenceSeries.Skipped {
                        // Prometheus was unreachable for an earlier pack: reported there.
                    } catch {
                        fetchFailures.append("series of \(workload.key) \(name): \(error)")
                    }
                }
                charts += Self.usageCharts(figures, finding: finding, workload: workload)
            }
        }
        for node in ObservedCluster.nodes(of: finding).prefix(Self.maxNodeCharts) {
            if let chart = Self.nodeChart(node, cluster: cluster) { charts.append(chart) }
            if let fetcher, let grid {
                do { charts += Self.nodeSeriesCharts(node, try fetcher.node(node, grid: grid), grid: grid, cluster: cluster) } catch is EvidenceSeries.Skipped {
                    // Reported for an earlier pack.
                } catch {
                    fetchFailures.append("series of node \(node): \(error)")
                }
            }
        }
        let windowStart = finding.basis?["window", "start"]?.string ?? grid.map { RFC3339.string($0.start.addingTimeInterval(-Double($0.step.seconds))) }
        events = Self.events(for: finding, workload: workload, cluster: cluster, since: windowStart)
        if let loki, let grid, let workload {
            do {
                logs = try loki.lines(namespace: workload.key.namespace, pods: cluster.pods(of: workload.key).map(\.name),
                                      start: grid.start.addingTimeInterval(-Double(grid.step.seconds)), end: grid.end)
                    .prefix(loki.limit).map { line in
                        let text = line.text.count > Self.maxLogLine ? String(line.text.prefix(Self.maxLogLine)) + " …" : line.text
                        return Row(time: line.time, cells: ["\(line.labels["pod"] ?? "?") \(line.labels["container"] ?? "")", text])
                    }
            } catch where !error.repeated {
                fetchFailures.append("logs of \(workload.key): \(error)")
            } catch {
                // Already reported for an earlier pack.
            }
        }
        changes = Self.changes(workload: workload, cluster: cluster)
        costLines = Self.costLines(finding, workload: workload, cluster: cluster, costs: costs)
    }

    // MARK: Graphs

    static func usageCharts(_ usage: Observed.Usage, finding: FindingRecord, workload: Observed.Workload) -> [Chart] {
        guard let series = usage.series, let start = RFC3339.date(series.start), let step = Duration(series.step) else { return [] }
        let spec = workload.longRunningContainers.first { $0.name == usage.container }
        let isThis = finding.target.container == usage.container
        /// The request the backtest replayed, for this container's chart of `resource`: hours above it are shaded.
        func backtestRequest(_ resource: String) -> Double? {
            isThis && finding.backtest?["resource"]?.string == resource ? finding.backtest?["request"]?.double : nil
        }
        var charts: [Chart] = []
        var cpuMarkers: [SVGChart.Marker] = []
        if let request = spec?.requests.cpu { cpuMarkers.append(.init("request", request, color: "#d62728", dashed: true)) }
        if isThis, let recommended = finding.recommended.cpu { cpuMarkers.append(.init("recommended", recommended, color: "#2ca02c")) }
        if isThis, finding.risk?.step?["field"]?.string == "cpu", let target = finding.risk?.step?["target"]?.double {
            cpuMarkers.append(.init("final target", target, color: "#98df8a", dashed: true))
        }
        for key in ["p95", "p99", "max"] { if let value = usage.cpu[key] { cpuMarkers.append(.init(key, value, color: "#7f7f7f", dashed: true)) } }
        charts.append(Chart(
            title: "CPU of \(workload.key) \(usage.container) (cores, hourly, highest pod)",
            svg: SVGChart.line(title: "CPU of \(workload.key) \(usage.container)", values: series.cpu, start: start,
                               step: TimeInterval(step.seconds), markers: cpuMarkers,
                               shadeAbove: backtestRequest("cpu"),
                               format: Units.cpu),
            data: ["container": .string(usage.container), "resource": "cpu", "start": .string(series.start), "step": .string(series.step),
                   "values": .array(series.cpu.map { $0.map(JSONValue.double) ?? .null }),
                   "markers": .object(cpuMarkers.map { .init($0.label, .double($0.value)) })]))
        var memoryMarkers: [SVGChart.Marker] = []
        if let request = spec?.requests.memory { memoryMarkers.append(.init("request", Double(request), color: "#d62728", dashed: true)) }
        if let limit = spec?.limits.memory { memoryMarkers.append(.init("limit", Double(limit), color: "#9467bd", dashed: true)) }
        if isThis, let recommended = finding.recommended["memory"]?.double { memoryMarkers.append(.init("recommended", recommended, color: "#2ca02c")) }
        if isThis, finding.risk?.step?["field"]?.string == "memory", let target = finding.risk?.step?["target"]?.double {
            memoryMarkers.append(.init("final target", target, color: "#98df8a", dashed: true))
        }
        for key in ["p95", "max"] { if let value = usage.memory[key] { memoryMarkers.append(.init(key, value, color: "#7f7f7f", dashed: true)) } }
        charts.append(Chart(
            title: "Memory of \(workload.key) \(usage.container) (working set, hourly, highest pod)",
            svg: SVGChart.line(title: "Memory of \(workload.key) \(usage.container)", values: series.memory, start: start,
                               step: TimeInterval(step.seconds), markers: memoryMarkers,
                               shadeAbove: backtestRequest("memory"),
                               format: { Units.memory(bytes: $0) }),
            data: ["container": .string(usage.container), "resource": "memory", "start": .string(series.start), "step": .string(series.step),
                   "values": .array(series.memory.map { $0.map(JSONValue.double) ?? .null }),
                   "markers": .object(memoryMarkers.map { .init($0.label, .double($0.value)) })]))
        return charts
    }

    /// A node's CPU and memory over the window (from Prometheus), against its allocatable and requests.
    static func nodeSeriesCharts(_ name: String, _ series: (cpu: [Double?], memory: [Double?]), grid: EvidenceSeries.Grid,
                                 cluster: ObservedCluster) -> [Chart] {
        guard let node = cluster.node(named: name) else { return [] }
        let pods = cluster.pods(on: name).filter(\.holdsCapacity)
        let step = TimeInterval(grid.step.seconds)
        var cpuMarkers = [SVGChart.Marker("requested", pods.reduce(0.0) { $0 + ($1.requests.cpu ?? 0) }, color: "#ff7f0e", dashed: true)]
        if let cores = node.allocatable.cpu { cpuMarkers.append(.init("allocatable", cores, color: "#7f7f7f")) }
        var memoryMarkers = [SVGChart.Marker("requested", Double(pods.reduce(Int64(0)) { $0 + ($1.requests.memory ?? 0) }), color: "#ff7f0e",
                                             dashed: true)]
        if let bytes = node.allocatable.memory { memoryMarkers.append(.init("allocatable", Double(bytes), color: "#7f7f7f")) }
        func data(_ resource: String, _ values: [Double?]) -> JSONValue {
            ["node": .string(name), "resource": .string(resource), "start": .string(RFC3339.string(grid.start)),
             "step": .string(grid.step.description), "values": .array(values.map { $0.map(JSONValue.double) ?? .null })]
        }
        return [
            Chart(title: "CPU used on node \(name) (cores, hourly, from Prometheus)",
                  svg: SVGChart.line(title: "CPU used on node \(name)", values: series.cpu, start: grid.start, step: step,
                                     markers: cpuMarkers, format: Units.cpu),
                  data: data("cpu", series.cpu)),
            Chart(title: "Memory used on node \(name) (working set, hourly, from Prometheus)",
                  svg: SVGChart.line(title: "Memory used on node \(name)", values: series.memory, start: grid.start, step: step,
                                     markers: memoryMarkers, format: { Units.memory(bytes: $0) }),
                  data: data("memory", series.memory)),
        ]
    }

    static func nodeChart(_ name: String, cluster: ObservedCluster) -> Chart? {
        guard let node = cluster.node(named: name), let cores = node.allocatable.cpu, let bytes = node.allocatable.memory else { return nil }
        let pods = cluster.pods(on: name).filter(\.holdsCapacity)
        let requested = pods.reduce(0.0) { $0 + ($1.requests.cpu ?? 0) }
        let requestedOwn = pods.filter { !$0.isDaemonSetPod }.reduce(0.0) { $0 + ($1.requests.cpu ?? 0) }
        let memory = pods.reduce(Int64(0)) { $0 + ($1.requests.memory ?? 0) }
        let usage = cluster.nodeUsage[name]
        var cpuRows: [(label: String, value: Double, color: String)] = [("allocatable", cores, "#c7c7c7"), ("requested", requested, "#ff7f0e"),
                                                                          ("no DaemonSets", requestedOwn, "#ffbb78")]
        if let p95 = usage?.cpu["p95"] { cpuRows.append(("used p95", p95, "#1f77b4")) }
        var memoryRows: [(label: String, value: Double, color: String)] = [("allocatable", Double(bytes), "#c7c7c7"), ("requested", Double(memory), "#ff7f0e")]
        if let p95 = usage?.memory["p95"] { memoryRows.append(("used p95", p95, "#1f77b4")) }
        let svg = SVGChart.bars(title: "CPU of node \(name)", rows: cpuRows, scale: cores, format: Units.cpu)
            + SVGChart.bars(title: "Memory of node \(name)", rows: memoryRows, scale: Double(bytes), format: { Units.memory(bytes: $0) })
        return Chart(
            title: "Node \(name) (\(node.instanceType ?? "?"), \(node.capacityType ?? "?")): allocatable, requested, used",
            svg: svg,
            data: ["node": .string(name), "allocatable": ["cpu": .double(cores), "memory": .int(bytes)],
                   "requested": ["cpu": .double(requested), "cpuWithoutDaemonSets": .double(requestedOwn), "memory": .int(memory)],
                   "usage": usage.map { figures in
                       ["cpu": .object(figures.cpu.keys.sorted().map { .init($0, .double(figures.cpu[$0]!)) }),
                        "memory": .object(figures.memory.keys.sorted().map { .init($0, .double(figures.memory[$0]!)) })]
                   } ?? .null])
    }
}
