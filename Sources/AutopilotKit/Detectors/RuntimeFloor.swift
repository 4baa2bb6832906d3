/// The least memory a container's runtime is configured to take, which no recommendation goes below:
///
/// - JVM: max heap + overhead, overhead = max(heap × `runtimeOverheadRatio`, `jvmOverheadMin`) for
///   metaspace, code cache, threads and GC structures. The heap is `-Xmx`/`MaxHeapSize`, else
///   `MaxRAMPercentage` (25 by default) × the memory limit; without a limit a percentage says nothing
///   here (the heap follows the node's memory) and there is no floor.
/// - Node: `--max-old-space-size` + max(old space × ratio, `nodeOverheadMin`).
/// - Go: `GOMEMLIMIT` itself (it already counts all of the Go runtime's memory).
struct RuntimeFloor {
    var runtime: RuntimeMemory
    /// The heap (JVM), old space (Node) or soft limit (Go) the floor starts from.
    var heap: Int64
    var overhead: Int64
    var bytes: Int64 { heap + overhead }

    init?(_ runtime: RuntimeMemory?, limit: Int64?, config: DetectionConfig.Memory) {
        guard let runtime else { return nil }
        let heap: Int64
        if let bytes = runtime.bytes {
            heap = bytes
        } else if let percent = runtime.percentOfLimit, let limit, limit > 0 {
            heap = Int64((Double(limit) * percent / 100).rounded(.down))
        } else {
            return nil
        }
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
        let base = "\(what) \(Units.memory(heap)) (\(runtime.setting)\(share), \(runtime.source))"
        return overhead > 0 ? "\(base) + \(Units.memory(overhead)) overhead = \(Units.memory(bytes))" : base
    }

    /// What the reviewer must know: the floor, whether it held the recommendation up, and what would let
    /// it go lower (the flag, in the same manifest, changed in the same change).
    /// `limit` is the limit after the change: a heap set as a share of it is measured against it.
    func note(usageBased: Int64?, recommended: Int64, limit: Int64?, config: DetectionConfig.Memory) -> String {
        var text = "runtime floor: \(description)"
        if let usageBased, usageBased < recommended {
            let flag = runtime.runtime == .go ? "GOMEMLIMIT" : runtime.runtime == .node ? "--max-old-space-size" : "the heap flag"
            text += "; it holds the request at \(Units.memory(recommended)) though the window's peak would allow \(Units.memory(usageBased)): "
                + "going lower needs \(flag) (\(runtime.source) of this container, in the same manifest) lowered in the same change"
        }
        if let limit, let atLimit = RuntimeFloor(runtime, limit: limit, config: config), atLimit.bytes > limit {
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
         "heap": .int(heap), "overhead": .int(overhead), "floor": .int(bytes)]
    }
}
