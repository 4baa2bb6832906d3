/// A JVM's heap lowered together with its memory request, where the runtime floor (heap + overhead) is
/// what holds the request up and the JVM's own figures show it uses much less heap than it is given
/// (KRR #367 and #440: cutting the request alone OOM-kills a JVM; leaving the heap alone leaves the waste).
///
/// Made only when every check holds, else the floor stays and the finding names the flag:
/// - the heap is an `-Xmx` written once, literally, in one env variable the container defines once, with
///   no other heap-size, initial-heap (but one `-Xms` beside it) or young-generation flag and no env from
///   ConfigMaps or Secrets (`RuntimeMemory.editable`, decided by collect-cluster);
/// - the workload has one JVM container (collect-metrics' heap figures are per pod);
/// - the JVM reported a heap max within `reportedMaxRange` of the flag: the flag is the one in effect
///   (a JVM that never reads the variable, or two JVMs summed in one pod, report something else);
///   Parallel GC reports the heap less a survivor space, pools' highest maxima summed can exceed it a little;
///   and the JVM's default heap for the limit is not in that range too, else the report cannot tell the
///   flag from the default (`defaultHeaps`); without a limit the default is a share of the node's memory,
///   which is not checked here, so there is no cut;
/// - it reported its highest heap in use over the window.
///
/// New heap = heap in use × (1 + `jvmHeapMargin`) on the request grid, at least the heap ×
/// (1 − `maxHeapReductionPerStep`) (a later run goes on), at least the heap whose floor meets the
/// window's own request (no deeper than the request needs), and at least `minReduction` below today's.
/// An `-Xms` beside it above the new heap is lowered to it (a JVM whose initial heap is above its
/// maximum does not start).
struct HeapCut {
    /// The env variable holding the flags.
    var variable: String
    var from: (max: String, initial: String?)
    var to: (max: String, initial: String?)
    /// The floor with the new heap.
    var floor: RuntimeFloor

    static let reportedMaxRange = 0.85...1.05

    /// The heaps a JVM may take without a size flag, for a container limit (HotSpot, JDK 10 and later,
    /// `Arguments::set_heap_size`): 50% of the limit (MinRAMPercentage) where that is below the ergonomic
    /// maximum, 96M × 1.3 on 64-bit; else 25% (MaxRAMPercentage), at least that maximum. Plain 25% too
    /// (what the JVM's own defaults say without the ergonomic floor).
    static func defaultHeaps(limit: Int64) -> [Double] {
        let ergonomic = Double(96 << 20) * 1.3
        let half = Double(limit) * 0.5, quarter = Double(limit) * 0.25
        return [half < ergonomic ? half : max(quarter, ergonomic), quarter]
    }

    /// `usageBased`: the request the window alone calls for; the heap goes no lower than its floor needs.
    init?(_ container: Observed.Container, in workload: Observed.Workload, usage: Observed.Usage, usageBased: Int64,
          config: DetectionConfig.Memory) {
        guard let runtime = container.runtime, runtime.runtime == .jvm, runtime.editable, let heap = runtime.bytes,
            runtime.source.hasPrefix("env "),
            workload.containers.filter({ $0.runtime?.runtime == .jvm }).count == 1,
            let reported = usage.jvmHeap, let used = reported.usedMax, used > 0,
            Self.reportedMaxRange.contains(Double(reported.max) / Double(heap))
        else { return nil }
        guard let limit = container.limits.memory,
            !Self.defaultHeaps(limit: limit).contains(where: { Self.reportedMaxRange.contains($0 / Double(heap)) })
        else { return nil }
        let variable = String(runtime.source.dropFirst(4))
        // The largest heap on the 16Mi grid whose floor (heap + overhead) is at most the usage-based request.
        let fitting = min(Double(usageBased) / (1 + config.runtimeOverheadRatio), Double(usageBased - config.jvmOverheadMinBytes))
        let grid = Double(16 << 20)
        var newHeap = max(RequestRounding.memory(Double(used) * (1 + config.jvmHeapMargin)),
                          RequestRounding.memory(Double(heap) * (1 - config.maxHeapReductionPerStep)),
                          Int64((fitting / grid).rounded(.down) * grid))
        // An initial heap anywhere but beside the flag is not edited: the heap stays at or above it.
        let initial = runtime.initialHeap
        let initialEditable = initial.map { $0.source == runtime.source && $0.setting.hasPrefix("-Xms") } ?? false
        if let initial, !initialEditable { newHeap = max(newHeap, RequestRounding.memory(Double(initial.bytes))) }
        guard newHeap <= heap - config.minReductionBytes else { return nil }
        let flag = "-Xmx\(newHeap >> 20)m"
        var lowered = RuntimeMemory(runtime: .jvm, bytes: newHeap, setting: flag, source: runtime.source)
        var initialTo: String?
        if let initial, initialEditable, initial.bytes > newHeap {
            initialTo = "-Xms\(newHeap >> 20)m"
            lowered.initialHeap = RuntimeMemory.InitialHeap(bytes: newHeap, setting: initialTo ?? "", source: runtime.source)
        }
        guard var floor = RuntimeFloor(lowered, limit: container.limits.memory, config: config) else { return nil }
        floor.heapUsed = used
        self.variable = variable
        from = (runtime.setting, initialTo == nil ? nil : initial?.setting)
        to = (flag, initialTo)
        self.floor = floor
    }

    /// What the reviewer reads: the flags before and after, and why the new heap is safe.
    func note(heapBefore: Int64, config: DetectionConfig.Memory) -> String {
        let flags = [from.initial.map { "\($0) → \(to.initial ?? "")" }, "\(from.max) → \(to.max)"].compactMap { $0 }.joined(separator: ", ")
        return "the JVM's heap goes down with the request (\(flags) in env \(variable) of this container, in the same manifest and "
            + "the same change): it used at most \(Units.memory(floor.heapUsed ?? 0)) of its \(Units.memory(heapBefore)) over the window, "
            + "as it reported; + \(Int((config.jvmHeapMargin * 100).rounded()))%, at most "
            + "\(Int((config.maxHeapReductionPerStep * 100).rounded()))% lower in one change; the request follows the new heap + overhead. "
            + "A smaller heap collects garbage more often: watch GC time and latency after the change"
    }

    /// `current`/`recommended.runtimeFlag`: `{env, value, initial, heap}` (initial null where not edited).
    func json(before heapBefore: Int64) -> (current: JSONValue, recommended: JSONValue) {
        (["env": .string(variable), "value": .string(from.max), "initial": .optional(from.initial), "heap": .int(heapBefore)],
         ["env": .string(variable), "value": .string(to.max), "initial": .optional(to.initial), "heap": .int(floor.heap)])
    }
}
