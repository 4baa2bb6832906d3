import Foundation

/// Joins per-pod query results to workloads and writes the records.
///
/// The instant answers (owners, OOM kills, throttling) come first, at `init`; the per-step answers are
/// then folded in as each arrives (`add`), so a chunk's summaries are dropped at once and memory holds
/// one accumulator per (workload, container), not one summary per pod.
struct UsageAssembler {
    let settings: UsageSettings
    let inventory: UsageInventory
    let series: [UsageCollector.Role: [PromSeries]]
    let diagnostics: Diagnostics
    private var owners: [String: UsageInventory.Workload] = [:]
    private var table: [String: Accumulator] = [:]
    private var unattributed = Set<String>()
    private var nodeSteps: [String: StepSummary] = [:]

    /// Figures gathered for one (workload, container) across its pods.
    struct Accumulator {
        var pods = Set<String>()
        var cpu: [String: Double] = [:]
        var memory: [String: Double] = [:]
        var samples = 0
        var memorySamples = 0
        var oomKills = 0.0
        var throttled = 0.0
        var periods = 0.0
        /// Each evidence point's highest pod; NaN where no pod had data (empty until the first series).
        var cpuSeries: [Double] = []
        var memorySeries: [Double] = []
        /// CPU steps at or above each tail level, summed over pods; the longest run, the longest pod's.
        var cpuTail: [Int: (steps: Int, longestRun: Int)] = [:]
        /// The lowest level every pod's tail covers (a pod whose tail was cut short starts higher).
        var cpuTailFloor = Int.min
        /// The JVM's heap maximum and highest use, the highest of its pods (JVM containers only).
        var jvmHeapMax: Double?
        var jvmHeapUsed: Double?

        /// Keeps the highest value a pod showed.
        mutating func raise(_ table: WritableKeyPath<Accumulator, [String: Double]>, _ key: String, _ value: Double) {
            self[keyPath: table][key] = max(self[keyPath: table][key] ?? value, value)
        }

        /// Keeps each point's highest value.
        static func raise(_ points: inout [Double], with values: [Double]) {
            if points.isEmpty { points = Array(repeating: .nan, count: values.count) }
            for (slot, value) in zip(points.indices, values) where !value.isNaN {
                points[slot] = points[slot].isNaN ? value : max(points[slot], value)
            }
        }
    }

    init(settings: UsageSettings, inventory: UsageInventory, series: [UsageCollector.Role: [PromSeries]], diagnostics: Diagnostics) {
        self.settings = settings
        self.inventory = inventory
        self.series = series
        self.diagnostics = diagnostics
        owners = podWorkloads()
        accumulateInstant()
    }

    // MARK: Owners

    /// `namespace/pod` → top workload, from kube-state-metrics' owner series, else the stream's pods.
    func podWorkloads() -> [String: UsageInventory.Workload] {
        func owners(_ role: UsageCollector.Role, _ nameLabel: String) -> [String: (kind: String, name: String)] {
            var result: [String: (String, String)] = [:]
            for series in series[role] ?? [] {
                let labels = series.labels
                guard let namespace = labels["namespace"], let name = labels[nameLabel],
                    let kind = labels["owner_kind"], let owner = labels["owner_name"], kind != "<none>", !kind.isEmpty
                else { continue }
                result["\(namespace)/\(name)"] = (kind, owner)
            }
            return result
        }
        let replicaSets = owners(.replicaSetOwner, "replicaset")
        let jobs = owners(.jobOwner, "job_name")
        var result = inventory.podOwners
        for (pod, owner) in owners(.podOwner, "pod") {
            let namespace = String(pod.split(separator: "/", maxSplits: 1)[0])
            var top = owner
            if owner.kind == "ReplicaSet", let parent = replicaSets["\(namespace)/\(owner.name)"] { top = parent }
            if owner.kind == "Job", let parent = jobs["\(namespace)/\(owner.name)"] { top = parent }
            result[pod] = UsageInventory.Workload(namespace: namespace, kind: top.kind, name: top.name)
        }
        return result
    }

    // MARK: Joining

    /// The (workload, container) accumulator key of a series' pod, or nil for a pod of no known workload.
    private mutating func accumulatorKey(_ labels: [String: String]) -> (key: String, pod: String)? {
        guard let namespace = labels["namespace"], let pod = labels["pod"], let container = labels["container"] else { return nil }
        guard let workload = owners["\(namespace)/\(pod)"], inventory.workloads[workload] != nil else {
            // A bare pod is known and simply not a workload; anything else is worth a warning.
            if !inventory.barePods.contains("\(namespace)/\(pod)") { unattributed.insert("\(namespace)/\(pod)") }
            return nil
        }
        let key = Self.key(workload, container)
        table[key, default: Accumulator()].pods.insert(pod)
        return (key, pod)
    }

    /// Folds one answer's per-step summaries in. A workload's figure is its highest pod's; the evidence
    /// series keeps each hour's highest pod.
    mutating func add(_ summaries: [StepSummary], role: UsageCollector.Role) {
        for summary in summaries {
            if role == .nodeCPUSteps {
                if let node = summary.labels[settings.nodeLabel] { nodeSteps[node] = summary }
                continue
            }
            guard let (key, _) = accumulatorKey(summary.labels) else { continue }
            if role == .cpuSteps {
                for (q, value) in zip(UsageCollector.cpuQuantiles, summary.quantiles) { table[key]!.raise(\.cpu, Self.statName(q), value) }
                table[key]!.raise(\.cpu, "max", summary.max)
                table[key]!.samples += summary.steps
                Accumulator.raise(&table[key]!.cpuSeries, with: summary.series)
                if let cut = summary.tailCutAt { table[key]!.cpuTailFloor = max(table[key]!.cpuTailFloor, cut) }
                for point in summary.tail {
                    let sum = table[key]!.cpuTail[point.level] ?? (0, 0)
                    table[key]!.cpuTail[point.level] = (sum.steps + point.steps, max(sum.longestRun, point.longestRun))
                }
            } else {
                for (q, value) in zip(UsageCollector.memoryQuantiles, summary.quantiles) { table[key]!.raise(\.memory, Self.statName(q), value) }
                table[key]!.raise(\.memory, "max", summary.max)
                table[key]!.memorySamples += summary.steps
                Accumulator.raise(&table[key]!.memorySeries, with: summary.series)
            }
        }
    }

    /// OOM kills and throttling, from the instant answers.
    private mutating func accumulateInstant() {
        /// Calls `body` with each instant series' accumulator key and its pod.
        func visit(_ role: UsageCollector.Role, _ body: (String, String, PromSeries) -> Void) {
            for series in series[role] ?? [] where !series.samples.isEmpty {
                if let (key, pod) = accumulatorKey(series.labels) { body(key, pod, series) }
            }
        }
        // A pod's OOM kills: cAdvisor's count, or at least one if kube-state-metrics saw OOMKilled.
        var oomPerPod: [String: [String: Double]] = [:]
        visit(.oomEvents) { key, pod, series in
            oomPerPod[key, default: [:]][pod] = max(oomPerPod[key]?[pod] ?? 0, series.scalar.rounded())
        }
        visit(.oomLastTerminated) { key, pod, series in
            oomPerPod[key, default: [:]][pod] = max(oomPerPod[key]?[pod] ?? 0, series.scalar > 0 ? 1 : 0)
        }
        for (key, pods) in oomPerPod { table[key]?.oomKills = pods.values.reduce(0, +) }
        var throttled: [String: Double] = [:]
        var periods: [String: Double] = [:]
        visit(.throttledPeriods) { key, _, series in throttled[key, default: 0] += series.scalar }
        visit(.allPeriods) { key, _, series in periods[key, default: 0] += series.scalar }
        for (key, value) in throttled { table[key]?.throttled = value }
        for (key, value) in periods { table[key]?.periods = value }
        // JVM heap series are per pod: they belong to the workload's JVM container.
        for (role, field) in [("max", \Accumulator.jvmHeapMax), ("used", \Accumulator.jvmHeapUsed)] {
            // Only figures one machine could hold: a hostile or broken exporter's 1e19 is dropped, not trapped on.
            for series in series[.jvmHeap(role)] ?? []
            where !series.samples.isEmpty && series.scalar > 0 && series.scalar <= Double(RecordBounds.memoryBytes.upperBound) {
                guard let namespace = series.labels["namespace"], let pod = series.labels["pod"], let workload = owners["\(namespace)/\(pod)"],
                    let container = inventory.jvmContainers[workload]
                else { continue }
                let key = Self.key(workload, container)
                table[key, default: Accumulator()][keyPath: field] = max(table[key]?[keyPath: field] ?? 0, series.scalar)
            }
        }
    }

    var seriesLength: Int { Int(settings.window.seconds / settings.seriesStep.seconds) }

    static func statName(_ q: Double) -> String { "p\(Int((q * 100).rounded()))" }

    static func key(_ workload: UsageInventory.Workload, _ container: String) -> String {
        "\(workload.namespace)\u{1F}\(workload.kind)\u{1F}\(workload.name)\u{1F}\(container)"
    }
}

extension UsageAssembler {
    /// One `usage` record per (workload, container) of the input, in name order, handed to `body` one at
    /// a time; a container without data gets `samples: 0` and null figures.
    func forEachUsageRecord(_ body: (JSONValue) throws -> Void) rethrows {
        if !unattributed.isEmpty {
            diagnostics.warning(
                "\(unattributed.count) pods with metrics belong to no workload in the input (e.g. \(unattributed.sorted().first!)); their usage is left out")
        }
        // Containers with data, by workload key prefix: one pass, not a scan of the table per workload.
        var seen: [String: [String]] = [:]
        for key in table.keys {
            guard let cut = key.lastIndex(of: "\u{1F}") else { continue }
            seen[String(key[...cut]), default: []].append(String(key[key.index(after: cut)...]))
        }
        for workload in inventory.workloads.keys.sorted() {
            var containers = inventory.workloads[workload] ?? []
            // Containers seen only in metrics (an injected sidecar) are reported too.
            for container in (seen[Self.key(workload, "")] ?? []).sorted() where !containers.contains(container) {
                containers.append(container)
            }
            for container in containers {
                try body(record(workload, container, table[Self.key(workload, container)]))
            }
        }
    }

    private func record(_ workload: UsageInventory.Workload, _ container: String, _ acc: Accumulator?) -> JSONValue {
        let acc = acc ?? Accumulator()
        func cores(_ name: String) -> JSONValue { .optional(acc.cpu[name].map(Self.roundCores)) }
        func bytes(_ name: String) -> JSONValue { .optional(acc.memory[name].map { Int64($0.rounded()) }) }
        let throttled: JSONValue = acc.periods > 0 ? .double((acc.throttled / acc.periods * 10_000).rounded() / 10_000) : .null
        var cpuSeries: [JSONValue] = []
        var memorySeries: [JSONValue] = []
        func point(_ points: [Double], _ index: Int) -> Double? { index < points.count && !points[index].isNaN ? points[index] : nil }
        for index in 0..<seriesLength {
            cpuSeries.append(.optional(point(acc.cpuSeries, index).map(Self.roundCores)))
            memorySeries.append(.optional(point(acc.memorySeries, index).map { Int64($0.rounded()) }))
        }
        let hasSeries = acc.cpuSeries.contains { !$0.isNaN } || acc.memorySeries.contains { !$0.isNaN }
        var record: JSONValue = [
            "kind": "usage", "cluster": .optional(inventory.cluster), "namespace": .string(workload.namespace),
            "workload": ["kind": .string(workload.kind), "name": .string(workload.name)],
            "container": .string(container), "window": windowJSON,
            "samples": .int(Int64(acc.samples)), "memorySamples": .int(Int64(acc.memorySamples)),
            "pods": .int(Int64(acc.pods.count)),
            "cpu": ["p50": cores("p50"), "p90": cores("p90"), "p95": cores("p95"), "p99": cores("p99"), "max": cores("max")],
            "memory": ["p50": bytes("p50"), "p95": bytes("p95"), "p99": bytes("p99"), "max": bytes("max")],
            "oomKills": .int(Int64(acc.oomKills)), "throttledRatio": throttled, "cpuTail": cpuTail(acc),
            "series": hasSeries
                ? ["start": .string(RFC3339.string(settings.seriesStart)), "step": .string(settings.seriesStep.description),
                   "cpu": .array(cpuSeries), "memory": .array(memorySeries)]
                : .null,
        ]
        // Only a JVM container whose JVM reports its heap has this.
        if let heap = acc.jvmHeapMax {
            record.set("jvmHeap", to: ["max": .int(Int64(heap.rounded())), "usedMax": .optional(acc.jvmHeapUsed.map { Int64($0.rounded()) })])
        }
        return record
    }

    /// `[[threshold cores, steps at or above, longest run of consecutive steps], …]` from the workload's
    /// p95 (the floor of any CPU recommendation) up to its max. Thresholds are rounded up to micro-cores,
    /// so a request at or above one has no more steps above it than the count says.
    private func cpuTail(_ acc: Accumulator) -> JSONValue {
        guard let p95 = acc.cpu["p95"], p95 >= TailGrid.smallest else { return .array([]) }
        // Levels some pod's tail does not cover would undercount: they are left out (a request there is "unknown").
        let from = max(TailGrid.level(p95), acc.cpuTailFloor)
        return .array(acc.cpuTail.keys.sorted().filter { $0 >= from }.map { level in
            let point = acc.cpuTail[level]!
            let threshold = (TailGrid.threshold(level) * 1_000_000).rounded(.up) / 1_000_000
            return [.double(threshold), .int(Int64(point.steps)), .int(Int64(point.longestRun))]
        })
    }

    /// One `nodeusage` record per node of the input, in name order.
    func nodeUsageRecords() -> [JSONValue] {
        func values(_ role: UsageCollector.Role) -> [String: Double] {
            var result: [String: Double] = [:]
            for series in series[role] ?? [] {
                if let node = series.labels[settings.nodeLabel], let sample = series.samples.first { result[node] = sample.value }
            }
            return result
        }
        let steps = nodeSteps
        let cpu: [(String, [String: Double])] = [
            ("avg", steps.mapValues(\.mean)), ("p95", steps.mapValues { $0.quantiles[0] }), ("max", steps.mapValues(\.max)),
        ]
        let memory = ["avg", "p95", "max"].map { ($0, values(.nodeMemory($0))) }
        let samples = steps.mapValues { Double($0.steps) }
        return inventory.nodes.sorted().map { node in
            [
                "kind": "nodeusage", "cluster": .optional(inventory.cluster), "node": .string(node), "window": windowJSON,
                "samples": .int(Int64((samples[node] ?? 0).rounded())),
                "cpu": .object(cpu.map { JSONValue.Member($0.0, .optional($0.1[node].map(Self.roundCores))) }),
                "memory": .object(memory.map { JSONValue.Member($0.0, .optional($0.1[node].map { Int64($0.rounded()) })) }),
            ]
        }
    }

    var windowJSON: JSONValue {
        ["start": .string(RFC3339.string(settings.start)), "end": .string(RFC3339.string(settings.end)),
         "step": .string(settings.step.description)]
    }

    /// Cores to micro-cores, so float noise never reaches a record.
    static func roundCores(_ value: Double) -> Double { (value * 1_000_000).rounded() / 1_000_000 }
}

extension PromSeries {
    /// The single value of an instant-vector series (callers check `samples` is not empty).
    var scalar: Double { samples[0].value }
}
