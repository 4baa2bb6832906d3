import AutopilotKit
import Foundation

/// The Prometheus data of a `SynthCluster`, in two forms that agree:
/// - the answers collect-metrics would get, as `--capture` saves them (`DIR/prometheus`): every query
///   `UsageCollector.plan` makes for this cluster, answered from the usage model;
/// - OpenMetrics text of the raw series (cAdvisor counters and gauges, kube-state-metrics owners) for
///   `promtool tsdb create-blocks-from openmetrics`, so a real Prometheus answers the same.
///
/// The usage model, per container and step k (t = window start + k × step): CPU = level × (1 + 0.3 ×
/// sin(day phase) + 0.1 × noise), memory = level × (0.85 + 0.1 × sin + 0.05 × noise), noise a hash of
/// (container, k) in [-1, 1). A node adds its pods and a little system use. Finished pods have no series.
struct SynthPrometheus {
    let cluster: SynthCluster
    let settings: UsageSettings
    /// Per pod: where its containers' noise comes from.
    private let podSeeds: [UInt64]
    /// Steps of the window, t_k = start + k × step for k in 0..<steps.
    let steps: Int

    init(cluster: SynthCluster) {
        self.cluster = cluster
        var settings = UsageSettings()
        settings.window = Duration(seconds: Int64(cluster.spec.days) * 86_400)
        settings.step = cluster.spec.step
        settings.rateWindow = cluster.spec.step
        settings.seriesStep = Duration(seconds: max(3_600, cluster.spec.step.seconds))
        settings.end = cluster.spec.now
        self.settings = settings
        podSeeds = cluster.pods.map { UInt64(StableHash.fnv1a64($0.uid), radix: 16)! }
        steps = Int(settings.window.seconds / settings.step.seconds) + 1
    }

    var start: Double { settings.start.timeIntervalSince1970 }
    var stepSeconds: Double { Double(settings.step.seconds) }

    func cpu(pod: Int, container: Int, step k: Int) -> Double {
        let level = cluster.workloads[cluster.pods[pod].workload].containers[container].cpuLevel
        let seed = podSeeds[pod] &+ UInt64(container)
        return level * (1 + 0.3 * daily(seed, k) + 0.1 * SynthRandom.noise(seed, Int64(k)))
    }

    func memory(pod: Int, container: Int, step k: Int) -> Double {
        let level = cluster.workloads[cluster.pods[pod].workload].containers[container].memoryLevel
        let seed = podSeeds[pod] &+ UInt64(container) &+ 0x5151
        return (level * (0.85 + 0.1 * daily(seed, k) + 0.05 * SynthRandom.noise(seed, Int64(k)))).rounded()
    }

    private func daily(_ seed: UInt64, _ k: Int) -> Double {
        let time = start + Double(k) * stepSeconds
        return sin(2 * Double.pi * time / 86_400 + Double(seed % 628) / 100)
    }

    /// A node's system use besides its pods: kubelet, containerd, the OS.
    func nodeSystem(_ node: SynthCluster.Node) -> (cpu: Double, memory: Double) {
        (0.03 * Double(node.capacityCores), 350 * 1_048_576 + 0.02 * Double(node.capacityBytes))
    }

    /// Each node's CPU and memory at every step: its running pods plus system use.
    func nodeTotals() -> (cpu: [[Double]], memory: [[Double]]) {
        var cpu = cluster.nodes.map { Array(repeating: nodeSystem($0).cpu, count: steps) }
        var memory = cluster.nodes.map { Array(repeating: nodeSystem($0).memory, count: steps) }
        for (index, pod) in cluster.pods.enumerated() where !pod.succeeded {
            for container in cluster.workloads[pod.workload].containers.indices {
                for k in 0..<steps {
                    cpu[pod.node][k] += self.cpu(pod: index, container: container, step: k)
                    memory[pod.node][k] += self.memory(pod: index, container: container, step: k)
                }
            }
        }
        return (cpu, memory)
    }

    // MARK: Captured answers

    /// What collect-metrics' inventory of this cluster holds, built from the model as collect-cluster's
    /// records would give it.
    func inventory() -> UsageInventory {
        var inventory = UsageInventory()
        inventory.cluster = cluster.spec.cluster
        for pod in cluster.pods { inventory.podsPerNamespace[cluster.workloads[pod.workload].namespace, default: 0] += 1 }
        for workload in cluster.workloads {
            inventory.workloads[.init(namespace: workload.namespace, kind: workload.kind, name: workload.name)] = workload.containers.map(\.name)
        }
        inventory.nodes = cluster.nodes.map(\.name)
        return inventory
    }

    /// Writes one answer per query and the index, as `collect-metrics --capture` would.
    func writeCapture(to directory: String) throws {
        try FileIO.makeDirectory(directory)
        let collector = UsageCollector(source: ReplayPrometheus(directory: directory), settings: settings, diagnostics: Diagnostics(tool: "synth-cluster"))
        let plan = collector.plan(inventory())
        let totals = nodeTotals()
        let podsByNamespace = Dictionary(grouping: cluster.pods.indices.filter { !cluster.pods[$0].succeeded }) {
            cluster.workloads[cluster.pods[$0].workload].namespace
        }
        let allPodsByNamespace = Dictionary(grouping: cluster.pods.indices) { cluster.workloads[cluster.pods[$0].workload].namespace }
        let nodeIndex = Dictionary(uniqueKeysWithValues: cluster.nodes.enumerated().map { ($0.element.name, $0.offset) })
        for planned in plan {
            for query in planned.queries {
                var body = ResponseBody(matrix: query.endpoint == .range)
                let (first, last) = stepRange(query)
                switch planned.role {
                case .cpuSteps, .memorySteps:
                    for namespace in planned.scope {
                        for pod in podsByNamespace[namespace] ?? [] {
                            for container in cluster.workloads[cluster.pods[pod].workload].containers.indices {
                                body.series(cadvisorLabels(pod: pod, container: container, cpu: planned.role == .cpuSteps))
                                for k in first...last {
                                    if planned.role == .cpuSteps {
                                        body.sample(start + Double(k) * stepSeconds, micro: cpu(pod: pod, container: container, step: k))
                                    } else {
                                        body.sample(start + Double(k) * stepSeconds, whole: memory(pod: pod, container: container, step: k))
                                    }
                                }
                            }
                        }
                    }
                case .nodeCPUSteps:
                    for name in planned.scope {
                        let node = nodeIndex[name]!
                        body.series(nodeLabels(node))
                        for k in first...last { body.sample(start + Double(k) * stepSeconds, micro: totals.cpu[node][k]) }
                    }
                case .nodeMemory(let statistic):
                    for name in planned.scope {
                        let node = nodeIndex[name]!
                        // The window's raw samples are those of steps 1…last: step 0's lie before its start.
                        let values = Array(totals.memory[node].dropFirst()).sorted()
                        let value: Double
                        switch statistic {
                        case "avg": value = values.reduce(0, +) / Double(values.count)
                        case "p95": value = values.isEmpty ? 0 : StepSummary.quantile(0.95, sorted: values)
                        default: value = values.last ?? 0
                        }
                        body.series([("node", name)])
                        body.sample(settings.end.timeIntervalSince1970, whole: value.rounded())
                    }
                case .podOwner:
                    for namespace in planned.scope {
                        for pod in allPodsByNamespace[namespace] ?? [] {
                            let p = cluster.pods[pod]
                            body.series([("namespace", namespace), ("owner_kind", p.ownerKind), ("owner_name", p.ownerName), ("pod", p.name)])
                            body.sample(settings.end.timeIntervalSince1970, whole: 1)
                        }
                    }
                case .replicaSetOwner:
                    for workload in cluster.workloads where workload.kind == "Deployment" && planned.scope.contains(workload.namespace) {
                        for hash in replicaSetHashes(workload) {
                            body.series([("namespace", workload.namespace), ("owner_kind", "Deployment"), ("owner_name", workload.name),
                                         ("replicaset", "\(workload.name)-\(hash)")])
                            body.sample(settings.end.timeIntervalSince1970, whole: 1)
                        }
                    }
                case .jobOwner:
                    for namespace in planned.scope {
                        for pod in allPodsByNamespace[namespace] ?? [] where cluster.pods[pod].ownerKind == "Job" {
                            let p = cluster.pods[pod]
                            body.series([("job_name", p.ownerName), ("namespace", namespace), ("owner_kind", "CronJob"),
                                         ("owner_name", cluster.workloads[p.workload].name)])
                            body.sample(settings.end.timeIntervalSince1970, whole: 1)
                        }
                    }
                // The generated clusters run no JVM that reports its heap.
                case .jvmHeap:
                    break
                case .oomEvents, .oomLastTerminated, .throttledPeriods, .allPeriods:
                    break  // no OOM kills, no CPU limits: empty answers, as Prometheus gives them
                }
                try FileIO.writeAtomically(body.finish(), to: "\(directory)/\(query.captureKey).json")
            }
        }
        try CapturingPrometheus.writeIndex(plan.flatMap(\.queries), settings: settings.captureJSON, to: directory)
    }

    /// The step indices a query's time range covers.
    private func stepRange(_ query: PromQuery) -> (Int, Int) {
        guard query.endpoint == .range, let from = query.start else { return (0, -1) }
        let first = Int(((from.timeIntervalSince1970 - start) / stepSeconds).rounded())
        let last = Int(((query.end.timeIntervalSince1970 - start) / stepSeconds).rounded())
        return (first, min(last, steps - 1))
    }

    func replicaSetHashes(_ workload: SynthCluster.Workload) -> [String] {
        workload.revision > 1 ? [workload.templateHash, String(workload.templateHash.reversed())] : [workload.templateHash]
    }

    /// cAdvisor's labels on a container's series, as kube-prometheus-stack scrapes them (`rate()` and
    /// `max_over_time()` drop the name).
    func cadvisorLabels(pod index: Int, container: Int, cpu: Bool) -> [(String, String)] {
        let pod = cluster.pods[index]
        let workload = cluster.workloads[pod.workload]
        let node = cluster.nodes[pod.node]
        let spec = workload.containers[container]
        let id = StableHash.fnv1a64(pod.uid + spec.name) + StableHash.fnv1a64(spec.name + pod.uid)
        var labels: [(String, String)] = [("container", spec.name)]
        if cpu { labels.append(("cpu", "total")) }
        labels += [
            ("endpoint", "https-metrics"),
            ("id", "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod\(pod.uid.replacingOccurrences(of: "-", with: "_")).slice/cri-containerd-\(id).scope"),
            ("image", spec.image), ("instance", "\(node.ip):10250"), ("job", "kubelet"), ("metrics_path", "/metrics/cadvisor"),
            ("name", id), ("namespace", workload.namespace), ("node", node.name), ("pod", pod.name), ("service", "kube-prometheus-stack-kubelet"),
        ]
        return labels
    }

    func nodeLabels(_ index: Int) -> [(String, String)] {
        let node = cluster.nodes[index]
        return [("cpu", "total"), ("endpoint", "https-metrics"), ("id", "/"), ("instance", "\(node.ip):10250"), ("job", "kubelet"),
                ("metrics_path", "/metrics/cadvisor"), ("node", node.name), ("service", "kube-prometheus-stack-kubelet")]
    }
}

/// A Prometheus query API answer, written as Prometheus writes it, straight into bytes.
struct ResponseBody {
    private var bytes: [UInt8] = []
    private let matrix: Bool
    private var seriesCount = 0
    private var samplesInSeries = 0

    init(matrix: Bool) {
        self.matrix = matrix
        bytes += Array("{\"status\":\"success\",\"data\":{\"resultType\":\"\(matrix ? "matrix" : "vector")\",\"result\":[".utf8)
    }

    mutating func series(_ labels: [(String, String)]) {
        closeSeries()
        if seriesCount > 0 { bytes.append(UInt8(ascii: ",")) }
        seriesCount += 1
        samplesInSeries = 0
        bytes += Array("{\"metric\":{".utf8)
        for (index, (name, value)) in labels.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            KubectlJSONWriter.appendString(name, to: &bytes)
            bytes.append(UInt8(ascii: ":"))
            KubectlJSONWriter.appendString(value, to: &bytes)
        }
        bytes += Array((matrix ? "},\"values\":[" : "},\"value\":").utf8)
    }

    /// A value with six decimals (CPU cores).
    mutating func sample(_ time: Double, micro value: Double) {
        open(time)
        let micros = Int64((value * 1_000_000).rounded())
        Self.appendInt(micros / 1_000_000, to: &bytes)
        var fraction = micros % 1_000_000
        if fraction > 0 {
            var digits = 6
            while fraction % 10 == 0 { fraction /= 10; digits -= 1 }
            bytes.append(UInt8(ascii: "."))
            let text = String(fraction)
            bytes += repeatElement(UInt8(ascii: "0"), count: digits - text.utf8.count)
            bytes += Array(text.utf8)
        }
        bytes += [UInt8(ascii: "\""), UInt8(ascii: "]")]
    }

    /// A whole number (bytes, counts).
    mutating func sample(_ time: Double, whole value: Double) {
        open(time)
        Self.appendInt(Int64(value), to: &bytes)
        bytes += [UInt8(ascii: "\""), UInt8(ascii: "]")]
    }

    private mutating func open(_ time: Double) {
        if matrix && samplesInSeries > 0 { bytes.append(UInt8(ascii: ",")) }
        samplesInSeries += 1
        bytes.append(UInt8(ascii: "["))
        Self.appendInt(Int64(time), to: &bytes)
        bytes += [UInt8(ascii: ","), UInt8(ascii: "\"")]
    }

    private mutating func closeSeries() {
        guard seriesCount > 0 else { return }
        bytes += Array((matrix ? "]}" : "}").utf8)
    }

    mutating func finish() -> [UInt8] {
        closeSeries()
        bytes += Array("]}}".utf8)
        return bytes
    }

    static func appendInt(_ value: Int64, to bytes: inout [UInt8]) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: [UInt8] = []
        repeat {
            digits.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        bytes += digits.reversed()
    }
}

extension SynthPrometheus {
    /// The raw series as OpenMetrics text, for `promtool tsdb create-blocks-from openmetrics`.
    ///
    /// Scrapes every 150 s at most (at least four a step), half an interval off the step boundaries, so
    /// a range ending on a step holds only that step's scrapes: `rate()` of the counter (which grows at
    /// the step's CPU level throughout) gives the level over collect-metrics' 5-minute rate window as
    /// over a whole step, and `max_over_time()` of the gauge (which holds the step's memory value) gives
    /// the value. Step 0's scrapes lie in the step before the window, as a real scrape history's do.
    func writeOpenMetrics(to path: String) throws {
        let file = try BufferedFile(path: path)
        let perStep = max(4, Int(stepSeconds / 150))
        let scrapes = (0..<perStep).map { (Double($0) + 0.5) / Double(perStep) * stepSeconds }
        func times(_ k: Int) -> [Double] { scrapes.map { start + Double(k - 1) * stepSeconds + $0 } }
        let running = cluster.pods.indices.filter { !cluster.pods[$0].succeeded }
        let totals = nodeTotals()

        try file.write("# TYPE container_cpu_usage_seconds counter\n")
        func counter(_ labels: [(String, String)], _ level: (Int) -> Double) throws {
            let name = "container_cpu_usage_seconds_total{" + Self.labelText(labels) + "} "
            var total = 1_000_000.0  // a counter that started long before: rate() never extrapolates below zero
            for k in 0..<steps {
                let perScrape = level(k) * stepSeconds / Double(perStep)
                for time in times(k) {
                    total += perScrape
                    try file.write(name + Self.number(total) + " " + Self.number(time) + "\n")
                }
            }
        }
        for pod in running {
            for container in cluster.workloads[cluster.pods[pod].workload].containers.indices {
                try counter(cadvisorLabels(pod: pod, container: container, cpu: true)) { cpu(pod: pod, container: container, step: $0) }
            }
        }
        for node in cluster.nodes.indices { try counter(nodeLabels(node)) { totals.cpu[node][$0] } }

        try file.write("# TYPE container_memory_working_set_bytes gauge\n")
        func gauge(_ labels: [(String, String)], _ value: (Int) -> Double) throws {
            let name = "container_memory_working_set_bytes{" + Self.labelText(labels) + "} "
            for k in 0..<steps {
                let text = Self.number(value(k))
                for time in times(k) { try file.write(name + text + " " + Self.number(time) + "\n") }
            }
        }
        for pod in running {
            for container in cluster.workloads[cluster.pods[pod].workload].containers.indices {
                try gauge(cadvisorLabels(pod: pod, container: container, cpu: false)) { memory(pod: pod, container: container, step: $0) }
            }
        }
        for node in cluster.nodes.indices {
            try gauge(nodeLabels(node).filter { $0.0 != "cpu" }) { totals.memory[node][$0] }
        }

        // kube-state-metrics: owners, present at every scrape of the window.
        let ksm: [(String, String)] = [("instance", "10.0.0.10:8080"), ("job", "kube-state-metrics")]
        func present(_ metric: String, _ labels: [(String, String)]) throws {
            let name = metric + "{" + Self.labelText(labels + ksm) + "} 1 "
            for k in 0..<steps { for time in times(k) { try file.write(name + Self.number(time) + "\n") } }
        }
        try file.write("# TYPE kube_pod_owner gauge\n")
        for pod in cluster.pods {
            try present("kube_pod_owner", [("namespace", cluster.workloads[pod.workload].namespace), ("owner_is_controller", "true"),
                                           ("owner_kind", pod.ownerKind), ("owner_name", pod.ownerName), ("pod", pod.name), ("uid", pod.uid)])
        }
        try file.write("# TYPE kube_replicaset_owner gauge\n")
        for workload in cluster.workloads where workload.kind == "Deployment" {
            for hash in replicaSetHashes(workload) {
                try present("kube_replicaset_owner", [("namespace", workload.namespace), ("owner_is_controller", "true"),
                                                      ("owner_kind", "Deployment"), ("owner_name", workload.name), ("replicaset", "\(workload.name)-\(hash)")])
            }
        }
        try file.write("# TYPE kube_job_owner gauge\n")
        for pod in cluster.pods where pod.ownerKind == "Job" {
            try present("kube_job_owner", [("job_name", pod.ownerName), ("namespace", cluster.workloads[pod.workload].namespace),
                                           ("owner_is_controller", "true"), ("owner_kind", "CronJob"), ("owner_name", cluster.workloads[pod.workload].name)])
        }
        try file.write("# EOF\n")
        try file.close()
    }

    static func labelText(_ labels: [(String, String)]) -> String {
        labels.map { "\($0.0)=\"\($0.1.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))\"" }
            .joined(separator: ",")
    }

    /// Shortest text that reads back as the same double (whole numbers without a fraction).
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }
}

/// Appends text to a file through a large buffer.
final class BufferedFile {
    private let descriptor: Int32
    private let path: String
    private var buffer: [UInt8] = []

    init(path: String) throws {
        self.path = path
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw IOFailure(path: path, operation: "create") }
        buffer.reserveCapacity(1 << 21)
    }

    func write(_ text: String) throws {
        buffer += text.utf8
        if buffer.count >= 1 << 20 { try flush() }
    }

    func write(_ bytes: [UInt8]) throws {
        buffer += bytes
        if buffer.count >= 1 << 20 { try flush() }
    }

    func close() throws {
        try flush()
        guard Foundation.close(descriptor) == 0 else { throw IOFailure(path: path, operation: "close") }
    }

    private func flush() throws {
        try FileIO.writeAll(buffer, to: descriptor, name: path)
        buffer.removeAll(keepingCapacity: true)
    }
}
