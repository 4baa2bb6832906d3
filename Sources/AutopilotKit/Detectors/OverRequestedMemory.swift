/// Memory requests far above the container's peak working set, and (its reliability twin) memory too
/// small for a container that was OOM-killed.
///
/// Recommended request = the window's max working set × (1 + margin), at least the floor and at least
/// what the container's runtime is configured to take (`RuntimeFloor`: a JVM's max heap + overhead, Go's
/// GOMEMLIMIT, Node's old space + overhead), rounded up to 16Mi steps (64Mi above 1Gi): never below the
/// max. A container OOM-killed in the window is never reduced: it gets an `under-provisioned-memory`
/// finding that raises the request (and a limit below it) to the peak × (1 + oomMargin), at least the
/// runtime's floor, with negative savings. Limits are never lowered.
public struct OverRequestedMemory: Detector {
    public let name = FindingKind.overRequestedMemory.rawValue
    public static let underProvisioned = FindingKind.underProvisionedMemory.rawValue

    public init() {}

    public func detect(in context: DetectionContext) -> [Finding] {
        var findings: [Finding] = []
        for workload in context.cluster.sortedWorkloads where Rightsizing.isCandidate(workload, context) {
            for container in workload.longRunningContainers {
                guard let usage = context.cluster.usage[workload.key]?[container.name] else { continue }
                if Self.oomKills(container.name, of: workload.key, usage, context) > 0 {
                    if let finding = increase(container, of: workload, usage, context) { findings.append(finding) }
                } else if let finding = reduce(container, of: workload, usage, context) {
                    findings.append(finding)
                }
            }
        }
        return findings
    }

    /// The clean request for this container, or nil without enough samples.
    public static func recommendation(usage: Observed.Usage, config: DetectionConfig) -> Int64? {
        guard usage.samples >= config.minSamples, let peak = usage.memory["max"] else { return nil }
        return RequestRounding.memory(max(peak * (1 + config.memory.margin), Double(config.memory.floorBytes), peak))
    }

    /// The request a reduction finding would set, or nil when the container does not qualify for one
    /// (shared with misconfigured-autoscaling, which prices pods after this change so savings add up).
    static func plannedReduction(_ container: Observed.Container, of workload: Observed.WorkloadKey, usage: Observed.Usage,
                                 _ context: DetectionContext) -> Int64? {
        plannedCut(container, of: workload, usage: usage, context)?.request
    }

    /// The reduction with what it rests on: the window's own figure, the runtime's floor if any (the
    /// finding states both), and the runtime's setting where it goes down with the request (`HeapCut`).
    private static func plannedCut(_ container: Observed.Container, of workload: Observed.WorkloadKey, usage: Observed.Usage,
                                   _ context: DetectionContext)
        -> (request: Int64, usageBased: Int64, floor: RuntimeFloor?, heapCut: HeapCut?)? {
        let config = context.config
        guard oomKills(container.name, of: workload, usage, context) == 0, let request = container.requests.memory, request > 0,
            let usageBased = recommendation(usage: usage, config: config)
        else { return nil }
        var floor = RuntimeFloor(container.runtime, limit: container.limits.memory, measured: usage.jvmHeap, config: config.memory)
        var heapCut: HeapCut?
        // Only where the runtime's setting is what holds the request up.
        if let held = floor, held.request > usageBased, let observed = context.cluster.workloads[workload],
            let cut = HeapCut(container, in: observed, usage: usage, usageBased: usageBased, config: config.memory) {
            (floor, heapCut) = (cut.floor, cut)
        }
        let recommended = max(usageBased, floor?.request ?? 0)
        let reduction = request - recommended
        guard reduction >= config.memory.minReductionBytes, Double(reduction) / Double(request) >= config.memory.minReductionRatio
        else { return nil }
        // A cut only where the window, replayed, stays under the new request and its peak under the limit.
        guard let backtest = Backtest.memory(request: recommended, limit: container.limits.memory, usage: usage), backtest.allowsCut
        else { return nil }
        return (recommended, usageBased, floor, heapCut)
    }

    /// OOM kills in the window as Prometheus counted them, or, when it saw none, the pods whose last
    /// termination was an OOM kill inside the window (a pod shows only its last one: a lower bound).
    static func oomKills(_ container: String, of workload: Observed.WorkloadKey, _ usage: Observed.Usage, _ context: DetectionContext) -> Int64 {
        let start = usage.windowStart.flatMap(RFC3339.date)
        let fromPods = context.cluster.pods(of: workload).flatMap(\.containers).filter { status in
            guard status.name == container, status.lastTermination?.reason == "OOMKilled" else { return false }
            guard let start, let at = status.lastTermination?.at.flatMap(RFC3339.date) else { return true }
            return at >= start
        }.count
        return max(usage.oomKills, Int64(fromPods))
    }

    /// `request = max(max working set 326154431 × (1 + 0.15) = 375077596, floor 104857600, …) = 375077596 bytes,
    /// rounded up to a 16Mi step (64Mi above 1Gi) = 385875968 (368Mi)`.
    static func formula(_ terms: [String], value: Double, result: Int64) -> String {
        "request = \(terms.count == 1 ? terms[0] : "max(\(terms.joined(separator: ", "))) = \(Int64(value.rounded(.up))) bytes"), "
            + "rounded up to a 16Mi step (64Mi above 1Gi) = \(result) (\(Units.memory(result)))"
    }

    private func reduce(_ container: Observed.Container, of workload: Observed.Workload, _ usage: Observed.Usage,
                        _ context: DetectionContext) -> Finding? {
        let config = context.config
        guard let request = container.requests.memory,
            let (recommended, usageBased, floor, heapCut) = Self.plannedCut(container, of: workload.key, usage: usage, context),
            let backtest = Backtest.memory(request: recommended, limit: container.limits.memory, usage: usage)
        else { return nil }
        let reduction = request - recommended
        var notes: [String] = []
        let heapBefore = container.runtime?.bytes ?? 0
        if let heapCut { notes.append(heapCut.note(before: heapBefore, config: config.memory)) }
        if let floor {
            notes.append(floor.note(usageBased: usageBased, recommended: recommended, limit: container.limits.memory, config: config.memory))
        }
        if let limit = container.limits.memory {
            notes.append("memory limit \(Units.memory(limit)) kept (≥ the new request)"
                + (limit == request ? "; QoS becomes Burstable unless the limit is lowered too" : ""))
        }
        let cost = context.containerCost(
            workload.key, container: container.name, current: .init(cpu: 0, memory: request), recommended: .init(cpu: 0, memory: recommended))
        let peak = usage.memory["max"] ?? 0
        var summary = "Lower the memory request of \(workload.key.kind.lowercased()) \(workload.key) container \(container.name) from "
            + "\(Units.memory(request)) to \(Units.memory(recommended)) (peak \(Units.memory(bytes: peak)) over "
            + "\(Rightsizing.windowText(usage)) + \(Int((config.memory.margin * 100).rounded()))%)"
        if let heapCut {
            let what = switch heapCut.runtime { case .jvm: "its JVM heap"; case .go: "its GOMEMLIMIT"; case .node: "its V8 old space" }
            summary += " and \(what) from \(heapCut.from.max) to \(heapCut.to.max)"
        }
        summary += cost.map { "; saves \($0.current - $0.recommended)/month." } ?? "."
        let mib = Double(reduction) / 1_048_576
        let margin = config.memory.margin
        var terms = ["max working set \(Int64(peak)) × (1 + \(Rightsizing.figure(margin))) = \(Int64((peak * (1 + margin)).rounded(.up)))",
                     "floor \(config.memory.floorBytes)"]
        if let floor { terms.append("runtime floor\(heapCut == nil ? "" : " with the lowered setting") \(floor.bytes)") }
        terms.append("max working set \(Int64(peak))")
        let value = max(peak * (1 + margin), Double(config.memory.floorBytes), Double(floor?.bytes ?? 0), peak)
        var finding = Finding(
            cluster: context.cluster.name, detector: name, severity: mib >= 500 ? .critical : mib >= 250 ? .warning : .info,
            namespace: workload.key.namespace, target: .init(kind: workload.key.kind, name: workload.key.name, container: container.name),
            team: workload.team, summary: summary,
            current: ["memory": .int(request), "memoryLimit": .optional(container.limits.memory),
                      "replicas": .int(Int64(context.runningPods(workload.key)))],
            recommended: ["memory": .int(recommended), "memoryLimit": .optional(container.limits.memory),
                          "replicas": .int(Int64(context.runningPods(workload.key)))],
            monthlyCost: cost.map { ($0.current, $0.recommended) }, priceSource: cost?.source ?? "unknown",
            confidence: context.usageConfidence(usage, low: usage.memory["p50"], high: usage.memory["max"]),
            basis: Rightsizing.basis(usage, figures: usage.memory, extra: RuntimeFloor.adding(floor, to: [
                "percentile": "max", "margin": .double(config.memory.margin), "oomKills": .int(0),
                "formula": .string(Self.formula(terms, value: value, result: recommended)),
                "thresholds": ["minReductionRatio": .double(config.memory.minReductionRatio),
                               "minReductionBytes": .int(config.memory.minReductionBytes), "floorBytes": .int(config.memory.floorBytes)],
            ])),
            notes: notes, billed: cost?.billed)
        finding.backtest = backtest.json
        // The runtime's setting changes with the request: emit-pr edits both in one commit, or neither.
        if let flags = heapCut?.json(before: heapBefore) {
            finding.current.set("runtimeFlag", to: flags.current)
            finding.recommended.set("runtimeFlag", to: flags.recommended)
        }
        return finding
    }

    /// The `under-provisioned-memory` finding for a container OOM-killed in the window (detect-incidents
    /// opens the same one from an OOM incident).
    func increase(_ container: Observed.Container, of workload: Observed.Workload, _ usage: Observed.Usage,
                          _ context: DetectionContext) -> Finding? {
        let config = context.config
        let kills = Self.oomKills(container.name, of: workload.key, usage, context)
        let request = container.requests.memory ?? 0
        // The working set is cut off at the limit when the kernel kills: the peak seen is a lower bound.
        let peak = max(usage.memory["max"] ?? 0, Double(container.limits.memory ?? 0), Double(request))
        // Nothing measured and nothing set: no figure to raise from, and none is made up.
        guard peak > 0 else { return nil }
        var recommended = RequestRounding.memory(peak * (1 + config.memory.oomMargin))
        let raised = peak * (1 + config.memory.oomMargin)
        // A heap set as a share of the limit grows with a raised limit: the floor is the one after the raise.
        let floor = RuntimeFloor(container.runtime, limit: container.limits.memory.map { max($0, recommended) }, measured: usage.jvmHeap,
                                 config: config.memory)
        if let floor { recommended = max(recommended, floor.request) }
        var limitAfter = container.limits.memory
        var notes = ["\(kills) OOM kill\(kills == 1 ? "" : "s") in the window: memory is not reduced"]

        if let limit = container.limits.memory, limit < recommended {
            limitAfter = recommended
            notes.append("memory limit raised from \(Units.memory(limit)) to \(Units.memory(recommended)) so the new request fits under it")
        }
        if let floor { notes.append(floor.note(usageBased: nil, recommended: recommended, limit: limitAfter, config: config.memory)) }
        let cost = context.containerCost(
            workload.key, container: container.name, current: .init(cpu: 0, memory: request), recommended: .init(cpu: 0, memory: recommended))
        var summary = "Raise the memory of \(workload.key.kind.lowercased()) \(workload.key) container \(container.name) from "
            + "\(Units.memory(request)) to \(Units.memory(recommended)): \(kills) OOM kill\(kills == 1 ? "" : "s") in \(Rightsizing.windowText(usage)), "
            + "peak working set \(Units.memory(bytes: usage.memory["max"] ?? 0))"
        summary += cost.map { "; costs \($0.recommended - $0.current)/month more." } ?? "."
        var finding = Finding(
            cluster: context.cluster.name, detector: Self.underProvisioned, severity: .critical,
            namespace: workload.key.namespace, target: .init(kind: workload.key.kind, name: workload.key.name, container: container.name),
            team: workload.team, summary: summary,
            current: ["memory": .int(request), "memoryLimit": .optional(container.limits.memory),
                      "replicas": .int(Int64(context.runningPods(workload.key)))],
            recommended: ["memory": .int(recommended), "memoryLimit": .optional(limitAfter),
                          "replicas": .int(Int64(context.runningPods(workload.key)))],
            monthlyCost: cost.map { ($0.current, $0.recommended) }, priceSource: cost?.source ?? "unknown",
            confidence: min(1, 0.5 + 0.1 * Double(kills)),
            basis: Rightsizing.basis(usage, figures: usage.memory, extra: RuntimeFloor.adding(floor, to: [
                "percentile": "max", "margin": .double(config.memory.oomMargin), "oomKills": .int(kills),
                "formula": .string(Self.formula(
                    ["max(max working set \(Int64(usage.memory["max"] ?? 0)), limit \(container.limits.memory ?? 0), request \(request))"
                        + " × (1 + \(Rightsizing.figure(config.memory.oomMargin))) = \(Int64(raised.rounded(.up)))"]
                        + (floor.map { ["runtime floor \($0.bytes)"] } ?? []),
                    value: max(raised, Double(floor?.bytes ?? 0)), result: recommended)),
            ])),
            notes: notes, billed: cost?.billed)
        finding.backtest = Backtest.memory(request: recommended, limit: limitAfter, usage: usage)?.json ?? .null
        return finding
    }
}
