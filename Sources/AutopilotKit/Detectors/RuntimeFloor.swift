/// The least memory a container's runtime is configured to take, which no recommendation goes below:
///
/// - JVM: max heap + overhead, overhead = max(heap × `runtimeOverheadRatio`, `jvmOverheadMin`) for
///   metaspace, code cache, threads and GC structures. The heap is `-Xmx`/`MaxHeapSize`, else
///   `MaxRAMPercentage` (25 by default) × the memory limit; without a limit a percentage says nothing
///   here (the heap follows the node's memory) and there is no floor.
/// - Node: `--max-old-space-size` + max(old space × ratio, `nodeOverheadMin`).
/// - Go: `GOMEMLIMIT` itself (it already counts all of the Go runtime's memory).
///
/// Where the JVM reports its heap to Prometheus (`usage.jvmHeap`), the heap is the larger of that and
/// the flags' (a flag set where Autopilot cannot see it, a ConfigMap, still shows in the metric); a
/// container the metrics show to be a JVM gets a floor even with no flag seen.
struct RuntimeFloor {
    var runtime: RuntimeMemory
    /// The heap (JVM), old space (Node) or soft limit (Go) the floor starts from.
    var heap: Int64
    var overhead: Int64
    /// The JVM's highest heap in use over the window, where it reported one.
    var heapUsed: Int64?
    var bytes: Int64 { heap + overhead }
    /// The least memory request on the request grid (16Mi steps, 64Mi above 1Gi) that holds it.
    var request: Int64 { RequestRounding.memory(Double(bytes)) }

    init?(_ runtime: RuntimeMemory?, limit: Int64?, measured: (max: Int64, usedMax: Int64?)? = nil, config: DetectionConfig.Memory) {
        guard var runtime = runtime ?? measured.map({
            RuntimeMemory(runtime: .jvm, bytes: $0.max, setting: "jvm_memory_max_bytes", source: "Prometheus")
        }) else { return nil }
        var heap: Int64?
        if let bytes = runtime.bytes {
            heap = bytes
        } else if let percent = runtime.percentOfLimit, let limit, limit > 0 {
            heap = Int64((Double(limit) * percent / 100).rounded(.down))
        }
        if runtime.runtime == .jvm, let measured {
            if measured.max > (heap ?? 0) {
                heap = measured.max
                if runtime.source != "Prometheus" {
                    runtime.setting += "; reported heap max \(Units.memory(measured.max))"
                    runtime.source += "; Prometheus"
                }
                (runtime.bytes, runtime.percentOfLimit) = (measured.max, nil)
            }
            heapUsed = measured.usedMax
        }
        guard let heap else { return nil }
        self.runtime = runtime
        self.heap = heap
        switch runtime.runtime {
        case .jvm: overhead = max(Int64((Double(heap) * config.runtimeOverheadRatio).rounded(.up)), config.jvmOverheadMinBytes)
        case .node: overhead = max(Int64((Double(heap) * config.runtimeOverheadRatio).rounded(.up)), config.nodeOverheadMinBytes)
        case .go: overhead = 0
        }
    }

    /// `JVM heap 128Mi (-Xmx128m, env JAVA_OPTS) + 192Mi overhead = 320Mi`.
    var description: String {
        let what: String
        switch runtime.runtime {
        case .jvm: what = "JVM heap"
        case .node: what = "Node old space"
        case .go: what = "Go memory limit"
        }
        let share = runtime.bytes == nil ? runtime.percentOfLimit.map { ", \($0.short)% of the limit" } ?? "" : ""
        let used = heapUsed.map { ", at most \(Units.memory($0)) in use in the window" } ?? ""
        let base = "\(what) \(Units.memory(heap)) (\(runtime.setting)\(share), \(runtime.source)\(used))"
        return overhead > 0 ? "\(base) + \(Units.memory(overhead)) overhead = \(Units.memory(bytes))" : base
    }

    /// What the reviewer must know: the floor, whether it held the recommendation up, and what would let
    /// it go lower (the flag, in the same manifest, changed in the same change).
    /// `limit` is the limit after the change: a heap set as a share of it is measured against it.
    func note(usageBased: Int64?, recommended: Int64, limit: Int64?, config: DetectionConfig.Memory) -> String {
        var text = "runtime floor: \(description)"
        if let usageBased, usageBased < recommended {
            text += "; it holds the request at \(Units.memory(recommended)) though the window's peak would allow \(Units.memory(usageBased)): "
            switch (runtime.runtime, runtime.bytes) {
            case (.go, _): text += "going lower needs GOMEMLIMIT (\(runtime.source) of this container, in the same manifest) lowered in the same change"
            case (.node, _): text += "going lower needs --max-old-space-size (\(runtime.source) of this container, in the same manifest) lowered in the same change"
            case (.jvm, .some) where (runtime.source.hasPrefix("env") || runtime.source == "command line") && !runtime.source.contains("Prometheus"):
                text += "going lower needs the heap flag (\(runtime.source) of this container, in the same manifest) lowered in the same change"
            case (.jvm, _):
                text += runtime.bytes == nil
                    ? "the heap is a share of the limit (\(runtime.setting)): going lower needs that share or the limit lowered with the request"
                    : "the heap was reported by the JVM (\(runtime.source)), set where this manifest does not show it: find and lower it first"
            }
        }
        if let limit, let atLimit = RuntimeFloor(runtime, limit: limit, config: config), max(atLimit.bytes, bytes) > limit {
            text += "; heap + overhead at the limit \(Units.memory(limit)) is \(Units.memory(atLimit.bytes)), more than the limit: "
                + "the container can be OOM-killed before its heap is full (lower the heap setting)"
        }
        return text
    }

    /// A finding's basis with `runtime` added where a floor applies (no member otherwise).
    static func adding(_ floor: RuntimeFloor?, to basis: JSONValue) -> JSONValue {
        guard let floor else { return basis }
        var basis = basis
        basis.set("runtime", to: floor.json)
        return basis
    }

    var json: JSONValue {
        ["runtime": .string(runtime.runtime.rawValue), "setting": .string(runtime.setting), "source": .string(runtime.source),
         "heap": .int(heap), "heapUsedMax": .optional(heapUsed), "overhead": .int(overhead), "floor": .int(bytes)]
    }
}
