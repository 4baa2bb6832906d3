/// A runtime's memory setting lowered together with its memory request, where the runtime floor (heap +
/// overhead, `GOMEMLIMIT`) is what holds the request up and the runtime uses much less than it is given
/// (KRR #367 and #440: cutting the request alone OOM-kills a JVM; leaving the flag alone leaves the waste).
///
/// JVM (`-Xmx`), made only when every check holds, else the floor stays and the finding names the flag:
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
/// New heap = heap in use × (1 + `heapMargin`) on the request grid. An `-Xms` beside it above the new heap
/// is lowered to it (a JVM whose initial heap is above its maximum does not start).
///
/// Go (`GOMEMLIMIT`) and Node (`--max-old-space-size` in `NODE_OPTIONS`), editable as collect-cluster
/// decides: the new setting = the window's peak working set × (1 + `heapMargin`). The whole process
/// never held more than its peak working set, so its heap fits; and a setting the runtime does not read
/// changes nothing while the request stays above the peak.
///
/// All: at least the setting × (1 − `maxHeapReductionPerStep`) (a later run goes on), at least the one
/// whose floor meets the window's own request (no deeper than the request needs), and at least
/// `minReduction` below today's.
struct HeapCut {
    var runtime: RuntimeMemory.Runtime
    /// What the new setting rests on: the JVM's highest heap in use, or the window's peak working set.
    var used: Int64
    /// The env variable holding the flags.
    var variable: String
    var from: (max: String, initial: String?)
    var to: (max: String, initial: String?)
    /// The floor with the new setting.
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

    /// `usageBased`: the request the window alone calls for; the setting goes no lower than its floor needs.
    init?(_ container: Observed.Container, in workload: Observed.Workload, usage: Observed.Usage, usageBased: Int64,
          config: DetectionConfig.Memory) {
        guard let runtime = container.runtime, runtime.editable, let current = runtime.bytes, runtime.source.hasPrefix("env ") else { return nil }
        let used: Int64
        switch runtime.runtime {
        case .jvm:
            guard workload.longRunningContainers.filter({ $0.runtime?.runtime == .jvm }).count == 1,
                let reported = usage.jvmHeap, let heapUsed = reported.usedMax, heapUsed > 0,
                Self.reportedMaxRange.contains(Double(reported.max) / Double(current)),
                let limit = container.limits.memory,
                !Self.defaultHeaps(limit: limit).contains(where: { Self.reportedMaxRange.contains($0 / Double(current)) })
            else { return nil }
            used = heapUsed
        case .go, .node:
            guard let peak = usage.memory["max"], peak > 0 else { return nil }
            used = Int64(peak.rounded(.up))
        }
        // The largest setting on the 16Mi grid whose floor (+ overhead) is at most the usage-based request.
        let fitting: Double
        switch runtime.runtime {
        case .jvm: fitting = min(Double(usageBased) / (1 + config.runtimeOverheadRatio), Double(usageBased - config.jvmOverheadMinBytes))
        case .node: fitting = min(Double(usageBased) / (1 + config.runtimeOverheadRatio), Double(usageBased - config.nodeOverheadMinBytes))
        case .go: fitting = Double(usageBased)
        }
        let grid = Double(16 << 20)
        var size = max(RequestRounding.memory(Double(used) * (1 + config.heapMargin)),
                       RequestRounding.memory(Double(current) * (1 - config.maxHeapReductionPerStep)),
                       Int64((fitting / grid).rounded(.down) * grid))
        // An initial heap anywhere but beside the flag is not edited: the heap stays at or above it.
        let initial = runtime.initialHeap
        let initialEditable = initial.map { $0.source == runtime.source && $0.setting.hasPrefix("-Xms") } ?? false
        if let initial, !initialEditable { size = max(size, RequestRounding.memory(Double(initial.bytes))) }
        guard size <= current - config.minReductionBytes else { return nil }
        let mib = size >> 20
        let flag: String
        switch runtime.runtime {
        case .jvm: flag = "-Xmx\(mib)m"
        case .go: flag = "\(mib)MiB"
        // Node's own spelling kept: `--max-old-space-size=` or `--max_old_space_size=`.
        case .node: flag = String(runtime.setting.prefix { $0 != "=" }) + "=\(mib)"
        }
        var lowered = RuntimeMemory(runtime: runtime.runtime, bytes: size, setting: runtime.runtime == .go ? "GOMEMLIMIT=\(flag)" : flag,
                                    source: runtime.source)
        var initialTo: String?
        if let initial, initialEditable, initial.bytes > size {
            initialTo = "-Xms\(mib)m"
            lowered.initialHeap = RuntimeMemory.InitialHeap(bytes: size, setting: initialTo ?? "", source: runtime.source)
        }
        guard var floor = RuntimeFloor(lowered, limit: container.limits.memory, config: config) else { return nil }
        if runtime.runtime == .jvm { floor.heapUsed = used }
        self.runtime = runtime.runtime
        self.used = used
        variable = String(runtime.source.dropFirst(4))
        // GOMEMLIMIT's setting is `GOMEMLIMIT=<value>`; its env value is the value alone.
        let value = runtime.runtime == .go ? String(runtime.setting.drop { $0 != "=" }.dropFirst()) : runtime.setting
        from = (value, initialTo == nil ? nil : initial?.setting)
        to = (flag, initialTo)
        self.floor = floor
    }

    /// `the JVM's heap`, `GOMEMLIMIT`, `V8's old space`.
    static func name(_ runtime: RuntimeMemory.Runtime) -> String {
        switch runtime {
        case .jvm: "the JVM's heap"
        case .go: "GOMEMLIMIT"
        case .node: "V8's old space"
        }
    }

    /// What the reviewer reads: the flags before and after, and why the new setting is safe.
    func note(before: Int64, config: DetectionConfig.Memory) -> String {
        let flags = [from.initial.map { "\($0) → \(to.initial ?? "")" }, "\(from.max) → \(to.max)"].compactMap { $0 }.joined(separator: ", ")
        let basis = runtime == .jvm
            ? "it used at most \(Units.memory(used)) of its \(Units.memory(before)) over the window, as it reported"
            : "the whole container used at most \(Units.memory(used)) of its \(Units.memory(before)) over the window (peak working set)"
        let effect = runtime == .go ? "A lower GOMEMLIMIT makes Go collect garbage sooner" : "A smaller heap collects garbage more often"
        return "\(Self.name(runtime)) goes down with the request (\(flags) in env \(variable) of this container, in the same manifest and "
            + "the same change): \(basis); + \(Int((config.heapMargin * 100).rounded()))%, at most "
            + "\(Int((config.maxHeapReductionPerStep * 100).rounded()))% lower in one change; the request follows the new setting"
            + "\(runtime == .go ? "" : " + overhead"). \(effect): watch GC time and latency after the change"
    }

    /// `current`/`recommended.runtimeFlag`: `{runtime, env, value, initial, heap}` (initial null where not
    /// edited; heap the bytes the setting gives).
    func json(before: Int64) -> (current: JSONValue, recommended: JSONValue) {
        (["runtime": .string(runtime.rawValue), "env": .string(variable), "value": .string(from.max), "initial": .optional(from.initial),
          "heap": .int(before)],
         ["runtime": .string(runtime.rawValue), "env": .string(variable), "value": .string(to.max), "initial": .optional(to.initial),
          "heap": .int(floor.heap)])
    }
}
