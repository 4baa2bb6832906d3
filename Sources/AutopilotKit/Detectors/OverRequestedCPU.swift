/// CPU requests far above what the container uses.
///
/// Recommended request = the window's p95 × (1 + margin), at least the floor, rounded up to a clean value
/// (5m steps below one core, 50m above). Latency-sensitive workloads start from p99 with a wider margin
/// and never go below p99. A workload scaled by a CPU-utilization HPA keeps its replica count: the request
/// is at least p95 ÷ target, so a pod at its p95 sits at the HPA's target instead of triggering a
/// scale-out; the finding forecasts the replicas from the HPA's own utilization. An HPA pinned at its
/// minimum far under target is left to misconfigured-autoscaling (lower minReplicas), so savings are
/// never counted twice.
public struct OverRequestedCPU: Detector {
    public let name = FindingKind.overRequestedCPU.rawValue

    public init() {}

    public func detect(in context: DetectionContext) -> [Finding] {
        var findings: [Finding] = []
        for workload in context.cluster.sortedWorkloads where Rightsizing.isCandidate(workload, context) {
            let hpa = Rightsizing.cpuHPA(of: workload.key, context)
            if let hpa, !context.isIgnored(hpa), MisconfiguredAutoscaling.loweredMinimum(hpa, context) != nil { continue }
            for container in workload.longRunningContainers {
                if let finding = check(container, of: workload, hpa: hpa, context) { findings.append(finding) }
            }
        }
        return findings
    }

    /// The clean request this container should have, or nil when usage cannot say; `formula` spells out
    /// every term with its value, so a reviewer can recompute it.
    public static func recommendation(request: Double, usage: Observed.Usage, latencySensitive: Bool, hpaTarget: Int64?,
                                      config: DetectionConfig) -> (cores: Double, reason: String, formula: String)? {
        let percentile = latencySensitive ? config.cpu.latencySensitivePercentile : config.cpu.percentile
        let margin = latencySensitive ? config.cpu.latencySensitiveMargin : config.cpu.margin
        guard usage.samples >= config.minSamples, let base = usage.cpu[percentile], let p95 = usage.cpu["p95"] else { return nil }
        var cores = max(base * (1 + margin), config.cpu.floorCores)
        var reason = "\(percentile) \(base.short) cores + \(Int((margin * 100).rounded()))%"
        let f = Rightsizing.figure
        var terms = ["\(percentile) \(f(base)) × (1 + \(f(margin))) = \(f(base * (1 + margin)))", "floor \(f(config.cpu.floorCores))"]
        if latencySensitive, let p99 = usage.cpu["p99"] {
            terms.append("p99 \(f(p99))")
            if cores < p99 { cores = p99 }
        }
        if let hpaTarget, hpaTarget > 0 {
            let atTarget = p95 / (Double(hpaTarget) / 100)
            terms.append("p95 \(f(p95)) ÷ HPA target \(hpaTarget)% = \(f(atTarget))")
            if atTarget > cores {
                cores = atTarget
                reason = "p95 \(p95.short) cores ÷ HPA target \(hpaTarget)%"
            }
        }
        // The observed p95 is the floor of every recommendation, whatever the config says.
        terms.append("p95 \(f(p95))")
        let result = RequestRounding.cpu(max(cores, p95))
        let formula = "request = max(\(terms.joined(separator: ", "))) = \(f(max(cores, p95))) cores, "
            + "rounded up to a 5m step (50m above one core) = \(Units.cpu(result))"
        return (result, reason, formula)
    }

    private func check(_ container: Observed.Container, of workload: Observed.Workload, hpa: Observed.HPA?,
                       _ context: DetectionContext) -> Finding? {
        let config = context.config
        guard let request = container.requests.cpu, request > 0,
            let usage = context.cluster.usage[workload.key]?[container.name],
            let (cores, reason, formula) = Self.recommendation(
                request: request, usage: usage, latencySensitive: context.isLatencySensitive(workload),
                hpaTarget: hpa?.cpuTargetUtilization, config: config)
        else { return nil }
        let reduction = request - cores
        guard reduction >= config.cpu.minReductionCores - 1e-9, reduction / request >= config.cpu.minReductionRatio else { return nil }

        let replicas = Int64(context.runningPods(workload.key))
        var replicasAfter = replicas
        var notes: [String] = []
        var hpaBasis: JSONValue = .null
        if let hpa, let target = hpa.cpuTargetUtilization, target > 0, let utilization = hpa.cpuCurrentUtilization, let current = hpa.currentReplicas {
            // Total usage the HPA sees stays the same; its replicas follow usage ÷ (target × new request).
            let usageCores = Double(current) * Double(utilization) / 100 * request
            var forecast = Int64((usageCores / (Double(target) / 100 * cores) - 1e-9).rounded(.up))
            forecast = min(max(forecast, hpa.minReplicas), hpa.maxReplicas ?? forecast)
            replicasAfter = replicas * forecast / max(current, 1)
            notes.append("HPA \(hpa.name) targets \(target)% CPU: utilization goes from \(utilization)% to about "
                + "\(Int((Double(utilization) * request / cores).rounded()))% of the new request; replicas \(current) → \(forecast)")
            hpaBasis = ["name": .string(hpa.name), "targetUtilization": .int(target), "currentUtilization": .int(utilization),
                        "currentReplicas": .int(current), "forecastReplicas": .int(forecast)]
        }
        if let limit = container.limits.cpu { notes.append("CPU limit \(Units.cpu(limit)) kept (≥ the new request)") }

        let cost = context.containerCost(
            workload.key, container: container.name,
            current: Observed.Resources(cpu: request, memory: 0),
            recommended: Observed.Resources(cpu: cores * Double(replicasAfter) / Double(max(replicas, 1)), memory: 0))
        let window = Rightsizing.windowText(usage)
        var summary = "Lower the CPU request of \(workload.key.kind.lowercased()) \(workload.key) container \(container.name) from "
            + "\(Units.cpu(request)) to \(Units.cpu(cores)) (\(reason) over \(window))"
        if let cost { summary += "; saves \(cost.current - cost.recommended)/month." } else { summary += "." }

        var finding = Finding(
            cluster: context.cluster.name, detector: name,
            severity: reduction >= 0.5 ? .critical : reduction >= 0.25 ? .warning : .info,
            namespace: workload.key.namespace,
            target: .init(kind: workload.key.kind, name: workload.key.name, container: container.name),
            team: workload.team, summary: summary,
            current: ["cpu": .double(request), "cpuLimit": .optional(container.limits.cpu), "replicas": .int(replicas)],
            recommended: ["cpu": .double(cores), "cpuLimit": .optional(container.limits.cpu), "replicas": .int(replicasAfter)],
            monthlyCost: cost.map { ($0.current, $0.recommended) }, priceSource: cost?.source ?? "unknown",
            confidence: context.usageConfidence(usage, low: usage.cpu["p50"], high: usage.cpu["p99"]),
            basis: Rightsizing.basis(usage, figures: usage.cpu, extra: [
                "percentile": .string(context.isLatencySensitive(workload) ? config.cpu.latencySensitivePercentile : config.cpu.percentile),
                "margin": .double(context.isLatencySensitive(workload) ? config.cpu.latencySensitiveMargin : config.cpu.margin),
                "latencySensitive": .bool(context.isLatencySensitive(workload)), "hpa": hpaBasis, "formula": .string(formula),
                "thresholds": ["minReductionRatio": .double(config.cpu.minReductionRatio),
                               "minReductionCores": .double(config.cpu.minReductionCores), "floorCores": .double(config.cpu.floorCores)],
            ]),
            notes: notes, billed: cost?.billed)
        // Fewer pods after an HPA forecast carry more load each: replayed at current ÷ forecast.
        finding.backtest = Backtest.cpu(request: cores, limit: container.limits.cpu,
                                        loadFactor: replicasAfter > 0 ? Double(replicas) / Double(replicasAfter) : 1, usage: usage).json
        return finding
    }
}
