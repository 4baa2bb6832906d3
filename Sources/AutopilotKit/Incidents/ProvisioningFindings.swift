import Foundation

/// The resource raises an incident calls for, as findings emit-pr can turn into a PR: the reliability
/// twins of the right-sizing detectors. They cost money (negative savings) and never go below what the
/// container was seen to use.
enum ProvisioningFindings {
    static let underProvisionedCPU = FindingKind.underProvisionedCPU.rawValue

    /// A CPU-saturated container: a limit it is throttled at goes to 1.5× (at least 1.5× its p99); a request
    /// under its p95 goes to p95 + 15%. Nil when neither changes.
    static func cpu(_ workload: Observed.Workload, _ container: Observed.Container, _ usage: Observed.Usage, why: String,
                    _ context: DetectionContext) -> Finding? {
        let p95 = usage.cpu["p95"] ?? 0
        let p99 = usage.cpu["p99"] ?? p95
        let request = container.requests.cpu ?? 0
        var newRequest = request
        if p95 > request { newRequest = RequestRounding.cpu(p95 * 1.15) }
        var newLimit = container.limits.cpu
        if let limit = container.limits.cpu {
            newLimit = RequestRounding.cpu(max(limit * 1.5, p99 * 1.5, newRequest))
        }
        guard newRequest != request || newLimit != container.limits.cpu else { return nil }
        let key = workload.key
        let cost = context.containerCost(key, container: container.name, current: .init(cpu: request, memory: 0),
                                         recommended: .init(cpu: newRequest, memory: 0))
        var changes: [String] = []
        if newRequest != request { changes.append("request \(Units.cpu(request)) → \(Units.cpu(newRequest))") }
        if let limit = container.limits.cpu, let newLimit, newLimit != limit { changes.append("limit \(Units.cpu(limit)) → \(Units.cpu(newLimit))") }
        var summary = "Raise the CPU of \(key.kind.lowercased()) \(key) container \(container.name): \(changes.joined(separator: ", ")) (\(why))"
        summary += cost.map { $0.recommended > $0.current ? "; costs \($0.recommended - $0.current)/month more." : "; no change in cost." } ?? "."
        let replicas = JSONValue.int(Int64(context.runningPods(key)))
        var finding = Finding(
            cluster: context.cluster.name, detector: underProvisionedCPU, severity: .warning, namespace: key.namespace,
            target: .init(kind: key.kind, name: key.name, container: container.name), team: workload.team, summary: summary,
            current: ["cpu": .double(request), "cpuLimit": .optional(container.limits.cpu), "replicas": replicas],
            recommended: ["cpu": .double(newRequest), "cpuLimit": .optional(newLimit), "replicas": replicas],
            monthlyCost: cost.map { ($0.current, $0.recommended) }, priceSource: cost?.source ?? "unknown", confidence: 0.7,
            basis: Rightsizing.basis(usage, figures: usage.cpu, extra: [
                "percentile": "p95", "margin": 0.15, "limitFactor": 1.5, "throttledRatio": .optional(usage.throttledRatio),
                "formula": .string("request = p95 \(Rightsizing.figure(p95)) × 1.15 rounded up where p95 is above the request \(Rightsizing.figure(request)), "
                    + "else kept = \(Units.cpu(newRequest)); limit = max(limit × 1.5, p99 \(Rightsizing.figure(p99)) × 1.5, the request), rounded up"
                    + (newLimit.map { " = \(Units.cpu($0))" } ?? " (no limit set)")),
            ]),
            notes: ["Opened by detect-incidents: \(why)."], billed: cost?.billed)
        finding.backtest = Backtest.cpu(request: newRequest, limit: newLimit, limitBefore: container.limits.cpu, usage: usage).json
        return finding
    }

    /// A container using more memory than it requests (a node's memory-pressure neighbour) or running near
    /// its limit: request to at least its peak + 15%, a limit within 15% of the peak to peak + 30%. Nil when
    /// neither changes.
    static func memoryRequest(_ workload: Observed.Workload, _ container: Observed.Container, _ usage: Observed.Usage, why: String,
                              _ context: DetectionContext) -> Finding? {
        guard let peak = usage.memory["max"] else { return nil }
        let request = container.requests.memory ?? 0
        var recommended = max(request, RequestRounding.memory(peak * 1.15))
        var limit = container.limits.memory
        // A limit the peak comes within 15% of is the next OOM kill: 30% of headroom above the peak.
        if let current = limit, current < recommended || peak >= 0.85 * Double(current) {
            limit = max(recommended, RequestRounding.memory(peak * 1.3))
        }
        // Never below what the runtime is configured to take (a JVM heap + overhead, GOMEMLIMIT, Node's old
        // space), measured at the limit after the change: a heap set as a share of it grows with it.
        let floor = RuntimeFloor(container.runtime, limit: limit, measured: usage.jvmHeap, config: context.config.memory)
        if let floor {
            recommended = max(recommended, floor.request)
            if let current = limit, current < recommended { limit = recommended }
        }
        guard recommended > request || limit != container.limits.memory else { return nil }
        let key = workload.key
        let cost = context.containerCost(key, container: container.name, current: .init(cpu: 0, memory: request),
                                         recommended: .init(cpu: 0, memory: recommended))
        var changes: [String] = []
        if recommended != request { changes.append("request \(Units.memory(request)) → \(Units.memory(recommended))") }
        if let current = container.limits.memory, let limit, limit != current { changes.append("limit \(Units.memory(current)) → \(Units.memory(limit))") }
        var summary = "Raise the memory of \(key.kind.lowercased()) \(key) container \(container.name): \(changes.joined(separator: ", ")) "
            + "(peak \(Units.memory(bytes: peak)); \(why))"
        summary += cost.map { $0.recommended > $0.current ? "; costs \($0.recommended - $0.current)/month more." : "; no change in cost." } ?? "."
        let replicas = JSONValue.int(Int64(context.runningPods(key)))
        var notes = ["Opened by detect-incidents: \(why)."]
        if let floor { notes.append(floor.note(usageBased: nil, recommended: recommended, limit: limit, config: context.config.memory)) }
        var finding = Finding(
            cluster: context.cluster.name, detector: OverRequestedMemory.underProvisioned, severity: .warning, namespace: key.namespace,
            target: .init(kind: key.kind, name: key.name, container: container.name), team: workload.team, summary: summary,
            current: ["memory": .int(request), "memoryLimit": .optional(container.limits.memory), "replicas": replicas],
            recommended: ["memory": .int(recommended), "memoryLimit": .optional(limit), "replicas": replicas],
            monthlyCost: cost.map { ($0.current, $0.recommended) }, priceSource: cost?.source ?? "unknown", confidence: 0.7,
            basis: Rightsizing.basis(usage, figures: usage.memory, extra: RuntimeFloor.adding(floor, to: [
                "percentile": "max", "margin": 0.15, "oomKills": .int(usage.oomKills),
                "formula": .string(recommended == request
                    ? "request kept at \(request): at or above max working set \(Int64(peak)) × 1.15 and any runtime floor"
                    : OverRequestedMemory.formula(
                        ["request \(request)", "max working set \(Int64(peak)) × 1.15 = \(Int64((peak * 1.15).rounded(.up)))"]
                            + (floor.map { ["runtime floor \($0.bytes)"] } ?? []),
                        value: max(Double(request), peak * 1.15, Double(floor?.bytes ?? 0)), result: recommended)),
            ])),
            notes: notes, billed: cost?.billed)
        finding.backtest = Backtest.memory(request: recommended, limit: limit, usage: usage)?.json ?? .null
        return finding
    }
}
