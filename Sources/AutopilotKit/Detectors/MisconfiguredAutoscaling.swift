/// HPAs and KEDA ScaledObjects that cannot work, fight each other, or hold far more replicas than the
/// load needs. One finding per autoscaler, listing every problem found on it.
///
/// Savings come only from lowering `minReplicas` of an HPA pinned at its minimum far under its CPU target:
/// the new minimum is the replicas that would carry today's load at the target (at least 2 when it was 2
/// or more). Pods are priced after the memory right-sizing of the same workload, and the CPU detector
/// leaves such workloads alone, so the findings' savings add up without counting a pod twice.
public struct MisconfiguredAutoscaling: Detector {
    public let name = FindingKind.misconfiguredAutoscaling.rawValue

    public init() {}

    public func detect(in context: DetectionContext) -> [Finding] {
        let kedaHPAs = Set(context.cluster.scaledObjects.map { "\($0.namespace)/\($0.ownHPAName)" })
        let hpas = context.cluster.hpas
            .filter { !kedaHPAs.contains("\($0.namespace)/\($0.name)") && !context.isIgnored($0) && !Self.targetIgnored($0.target, context) }
            .sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) }
        let scaledObjects = context.cluster.scaledObjects.filter { !Self.targetIgnored($0.target, context) }.sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) }
        return hpas.compactMap { check($0, context) } + scaledObjects.compactMap { check($0, context) }
    }

    private static func targetIgnored(_ target: Observed.WorkloadKey, _ context: DetectionContext) -> Bool {
        context.cluster.workloads[target].map(context.isIgnored) ?? false
    }

    /// The lower minReplicas this detector proposes for an HPA, or nil: replicas at the minimum while CPU
    /// utilization stays under `lowUtilizationRatio` of the target. Utilization is the higher of the HPA's
    /// own reading (one moment) and the window's p95 over the requests (so a quiet hour does not decide);
    /// the new minimum carries that load at the target, and stays at 2 or more when it was.
    /// Shared with over-requested-cpu, which leaves such workloads to this detector.
    static func loweredMinimum(_ hpa: Observed.HPA, _ context: DetectionContext) -> (replicas: Int64, utilization: Int64)? {
        guard let target = hpa.cpuTargetUtilization, target > 0, let snapshot = hpa.cpuCurrentUtilization,
            let current = hpa.currentReplicas, current <= hpa.minReplicas
        else { return nil }
        let utilization = max(snapshot, windowUtilization(hpa.target, context) ?? 0)
        guard Double(utilization) < context.config.autoscaling.lowUtilizationRatio * Double(target) else { return nil }
        let needed = Int64((Double(current) * Double(utilization) / Double(target) - 1e-9).rounded(.up))
        let proposed = max(needed, Swift.min(hpa.minReplicas, 2), 1)
        return proposed < hpa.minReplicas ? (proposed, utilization) : nil
    }

    /// Σ containers' CPU p95 ÷ Σ their requests, in percent: what the HPA measures, at the window's p95.
    private static func windowUtilization(_ target: Observed.WorkloadKey, _ context: DetectionContext) -> Int64? {
        guard let workload = context.cluster.workloads[target], let usage = context.cluster.usage[target] else { return nil }
        var used = 0.0
        var requested = 0.0
        for container in workload.longRunningContainers {
            guard let request = container.requests.cpu, request > 0, let p95 = usage[container.name]?.cpu["p95"] else { return nil }
            used += p95
            requested += request
        }
        return requested > 0 ? Int64((used / requested * 100).rounded()) : nil
    }

    // MARK: HPA

    private func check(_ hpa: Observed.HPA, _ context: DetectionContext) -> Finding? {
        var problems: [String] = []
        var severity = Finding.Severity.info
        func add(_ text: String, _ level: Finding.Severity) {
            problems.append(text)
            severity = max(severity, level)
        }
        let workload = context.cluster.workloads[hpa.target]
        if let other = context.cluster.scaledObjects.first(where: { $0.namespace == hpa.namespace && $0.target.name == hpa.target.name && $0.target.kind == hpa.target.kind }) {
            add("ScaledObject \(other.name) also scales \(hpa.target) (through \(other.ownHPAName)): two controllers fight over its replicas; delete this HPA and keep one", .critical)
        }
        if let scaling = hpa.condition("ScalingActive"), scaling.status == "False" {
            add("ScalingActive is False (\(scaling.reason ?? "no reason")): the HPA is not scaling at all", .critical)
        } else if let event = context.cluster.warnings(kind: "HorizontalPodAutoscaler", namespace: hpa.namespace, name: hpa.name)
            .first(where: { $0.reason == "FailedGetResourceMetric" }) {
            add("\(event.reason!): \(event.message ?? "metrics unavailable")", .critical)
        }
        if hpa.cpuTargetUtilization != nil, let workload {
            let missing = workload.longRunningContainers.filter { ($0.requests.cpu ?? 0) <= 0 }.map(\.name)
            if !missing.isEmpty {
                add("it scales on CPU utilization but container\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", ")) "
                    + "request\(missing.count == 1 ? "s" : "") no CPU, so utilization cannot be computed: set CPU requests", .critical)
            }
        }
        if let max = hpa.maxReplicas, max == hpa.minReplicas {
            add("minReplicas equals maxReplicas (\(max)): the HPA can never change the replica count", .warning)
        }
        var minimum: (replicas: Int64, current: Int64)?
        var formula: JSONValue = .null
        if let lowered = Self.loweredMinimum(hpa, context), let target = hpa.cpuTargetUtilization, let current = hpa.currentReplicas {
            minimum = (lowered.replicas, current)
            let needed = Int64((Double(current) * Double(lowered.utilization) / Double(target) - 1e-9).rounded(.up))
            formula = .string("minReplicas = max(⌈currentReplicas \(current) × utilization \(lowered.utilization)% ÷ target \(target)%⌉ = \(needed), "
                + "min(minReplicas \(hpa.minReplicas), 2), 1) = \(lowered.replicas); utilization = the higher of the HPA's reading "
                + "(\(hpa.cpuCurrentUtilization ?? 0)%) and Σ containers' CPU p95 ÷ Σ their requests over the window")
            add("replicas sit at minReplicas \(hpa.minReplicas) with CPU at \(lowered.utilization)% of requests (the higher of the HPA's "
                + "reading and the window's p95) against a \(target)% target: \(lowered.replicas) replica\(lowered.replicas == 1 ? "" : "s") "
                + "carry this load at the target", .warning)
        }
        if let max = hpa.maxReplicas, max > hpa.minReplicas, let seen = podsSeen(hpa.target, context), seen > 0, seen * 4 <= max {
            add("maxReplicas \(max) was never approached: at most \(seen) pods existed in the window", .info)
        }
        guard !problems.isEmpty else { return nil }

        var cost: DetectionContext.ContainerCost?
        if let minimum, let workload { cost = podCost(workload, keep: minimum.replicas, of: minimum.current, context) }
        var summary = "Fix HPA \(hpa.namespace)/\(hpa.name): " + problems[0]
        if problems.count > 1 { summary += " (and \(problems.count - 1) more, in notes)" }
        if let minimum { summary += "; lower minReplicas from \(hpa.minReplicas) to \(minimum.replicas)" }
        summary += cost.map { "; saves \($0.current - $0.recommended)/month." } ?? "."
        return Finding(
            cluster: context.cluster.name, detector: name, severity: severity, namespace: hpa.namespace,
            target: .init(kind: "HorizontalPodAutoscaler", name: hpa.name), team: context.team(of: hpa.target), summary: summary,
            current: ["minReplicas": .int(hpa.minReplicas), "maxReplicas": .optional(hpa.maxReplicas),
                      "currentReplicas": .optional(hpa.currentReplicas), "targetCPUUtilization": .optional(hpa.cpuTargetUtilization),
                      "currentCPUUtilization": .optional(hpa.cpuCurrentUtilization)],
            recommended: ["minReplicas": .int(minimum?.replicas ?? hpa.minReplicas), "maxReplicas": .optional(hpa.maxReplicas),
                          "replicas": .optional(minimum?.replicas ?? hpa.currentReplicas)],
            monthlyCost: cost.map { ($0.current, $0.recommended) },
            priceSource: cost?.source ?? (minimum == nil ? "none" : "unknown"),
            confidence: hpa.cpuCurrentUtilization == nil ? 0.7 : 0.8,
            basis: ["scaleTarget": .string("\(hpa.target.kind)/\(hpa.target.name)"), "metrics": .strings(hpa.metricNames),
                    "conditions": .array(hpa.conditions.map { ["type": .string($0.type), "status": .string($0.status), "reason": .optional($0.reason)] }),
                    "thresholds": ["lowUtilizationRatio": .double(context.config.autoscaling.lowUtilizationRatio)], "formula": formula],
            notes: problems, billed: cost?.billed)
    }

    /// Most pods any container of the workload had in the window (pods that came and went included).
    private func podsSeen(_ workload: Observed.WorkloadKey, _ context: DetectionContext) -> Int64? {
        context.cluster.usage[workload]?.values.compactMap(\.pods).max()
    }

    /// Monthly cost of the running pods before and after keeping `keep` of `current` replicas, priced with
    /// the memory request the memory detector recommends for the same containers.
    private func podCost(_ workload: Observed.Workload, keep: Int64, of current: Int64, _ context: DetectionContext)
        -> DetectionContext.ContainerCost?
    {
        var before = Money.zero
        var after = 0.0
        var billed = BilledCost()
        var sources = Set<String>()
        for container in workload.longRunningContainers {
            let memory = context.cluster.usage[workload.key]?[container.name]
                .flatMap { OverRequestedMemory.plannedReduction(container, of: workload.key, usage: $0, context) }
                ?? container.requests.memory ?? 0
            let requests = Observed.Resources(cpu: container.requests.cpu ?? 0, memory: memory)
            guard let cost = context.containerCost(workload.key, container: container.name, current: requests, recommended: requests)
            else { return nil }
            before = before + cost.current
            let share = Double(keep) / Double(max(current, 1))
            after += cost.current.dollars * share
            sources.insert(cost.source)
            if let part = cost.billed {
                // The pods that go cost what the kept ones do: the bill's figure scales the same way.
                billed.current += part.current
                billed.recommended += part.current * share
                for (scope, cost) in part.committed {
                    let sum = billed.committed[scope] ?? (0, 0)
                    billed.committed[scope] = (sum.current + cost.current, sum.recommended + cost.current * share)
                }
                billed.basis += part.basis.filter { !billed.basis.contains($0) }
                billed.partlyList = billed.partlyList || part.partlyList
            } else {
                billed.current += cost.current.dollars
                billed.recommended += cost.current.dollars * share
                billed.partlyList = true
            }
        }
        return DetectionContext.ContainerCost(current: before, recommended: Money(dollars: after),
                                              source: sources.count == 1 ? sources.first! : "mixed", billed: billed.isBilled ? billed : nil)
    }

    // MARK: KEDA

    private func check(_ scaled: Observed.ScaledObject, _ context: DetectionContext) -> Finding? {
        guard !scaled.paused else { return nil }
        let bounds = context.config.autoscaling
        var problems: [String] = []
        var severity = Finding.Severity.info
        var scaleToZero = false
        if scaled.minReplicaCount > 0, let active = scaled.conditions.first(where: { $0.type == "Active" }), active.status == "False" {
            problems.append("minReplicaCount is \(scaled.minReplicaCount) while its triggers are idle: set it to 0 to scale to zero between bursts")
            severity = .warning
            scaleToZero = true
        }
        if scaled.pollingInterval < bounds.minPollingInterval || scaled.pollingInterval > bounds.maxPollingInterval {
            problems.append("pollingInterval \(scaled.pollingInterval)s is outside \(bounds.minPollingInterval)–\(bounds.maxPollingInterval)s")
        }
        // cooldownPeriod only governs scaling to zero: it matters when the minimum is 0.
        if scaled.minReplicaCount == 0, scaled.cooldownPeriod < bounds.minCooldownPeriod || scaled.cooldownPeriod > bounds.maxCooldownPeriod {
            problems.append("cooldownPeriod \(scaled.cooldownPeriod)s is outside \(bounds.minCooldownPeriod)–\(bounds.maxCooldownPeriod)s")
        }
        guard !problems.isEmpty else { return nil }
        return Finding(
            cluster: context.cluster.name, detector: name, severity: severity, namespace: scaled.namespace,
            target: .init(kind: "ScaledObject", name: scaled.name), team: context.team(of: scaled.target),
            summary: "Fix ScaledObject \(scaled.namespace)/\(scaled.name): " + problems.joined(separator: "; ") + ".",
            current: ["minReplicaCount": .int(scaled.minReplicaCount), "maxReplicaCount": .int(scaled.maxReplicaCount),
                      "pollingInterval": .int(scaled.pollingInterval), "cooldownPeriod": .int(scaled.cooldownPeriod)],
            recommended: ["minReplicaCount": .int(scaleToZero ? 0 : scaled.minReplicaCount),
                          "pollingInterval": .int(min(max(scaled.pollingInterval, bounds.minPollingInterval), bounds.maxPollingInterval)),
                          "cooldownPeriod": .int(min(max(scaled.cooldownPeriod, bounds.minCooldownPeriod), bounds.maxCooldownPeriod))],
            monthlyCost: nil, priceSource: "none", confidence: 0.6,
            basis: ["triggers": .strings(scaled.triggerTypes), "scaleTarget": .string("\(scaled.target.kind)/\(scaled.target.name)")],
            notes: problems)
    }
}
