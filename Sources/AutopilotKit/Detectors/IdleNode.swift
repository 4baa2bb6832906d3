import Foundation

/// Nodes that hold almost nothing: requested CPU and memory (DaemonSet pods left out, they are per-node
/// overhead) both under `maxRequestedRatio` of allocatable, and measured CPU and memory p95 both under
/// `maxUsageRatio`, over the window. Cordoned, NotReady and ignored nodes are left alone. Savings: the
/// node's monthly price. The finding names the pods that would move and anything that blocks the drain.
public struct IdleNode: Detector {
    public let name = FindingKind.idleNode.rawValue

    public init() {}

    /// Only idle nodes whose movable pods fit elsewhere (see `NodePlan`) are findings.
    public func detect(in context: DetectionContext) -> [Finding] {
        context.plan.idle.compactMap { removal in
            guard let node = context.cluster.node(named: removal.node), let figures = context.cluster.nodeUsage[node.name] else { return nil }
            return finding(node, figures, removal.moves, context)
        }
    }

    /// Shared with node-consolidation, which treats idle nodes as already gone.
    static func isIdle(_ node: Observed.Node, _ context: DetectionContext) -> Bool {
        let limits = context.config.idleNode
        guard node.ready, !node.unschedulable, node.isUsableCapacity, !context.isIgnored(node),
            let cores = node.allocatable.cpu, let bytes = node.allocatable.memory, cores > 0, bytes > 0,
            let figures = context.cluster.nodeUsage[node.name], figures.samples > 0,
            let cpuP95 = figures.cpu["p95"], let memoryP95 = figures.memory["p95"]
        else { return false }
        let requested = context.requested(on: node.name, daemonSets: false)
        return (requested.cpu ?? 0) / cores < limits.maxRequestedRatio
            && Double(requested.memory ?? 0) / Double(bytes) < limits.maxRequestedRatio
            && cpuP95 / cores < limits.maxUsageRatio && memoryP95 / Double(bytes) < limits.maxUsageRatio
    }

    /// `idle: requested CPU 0.5 ÷ 7.91 = 6% < 30%, …; savings = $0.1190/h × 730 h = $86.87/month`.
    static func formula(_ node: Observed.Node, _ requested: Observed.Resources, _ figures: Observed.NodeUsage,
                        _ price: CostModel.NodePrice?, _ context: DetectionContext) -> String {
        let limits = context.config.idleNode
        let cores = node.allocatable.cpu ?? 1
        let bytes = Double(node.allocatable.memory ?? 1)
        func share(_ name: String, _ part: Double, _ whole: Double, _ limit: Double, bytes: Bool = false) -> String {
            let (a, b) = bytes ? (String(Int64(part.rounded())), String(Int64(whole.rounded()))) : (Rightsizing.figure(part), Rightsizing.figure(whole))
            return "\(name) \(a) ÷ \(b) = \(Packing.percent(part / whole)) < \(Packing.percent(limit))"
        }
        var text = "idle: " + [
            share("requested CPU (DaemonSets left out)", requested.cpu ?? 0, cores, limits.maxRequestedRatio),
            share("requested memory", Double(requested.memory ?? 0), bytes, limits.maxRequestedRatio, bytes: true),
            share("CPU p95", figures.cpu["p95"] ?? 0, cores, limits.maxUsageRatio),
            share("memory p95", figures.memory["p95"] ?? 0, bytes, limits.maxUsageRatio, bytes: true),
        ].joined(separator: ", ")
        if let price { text += "; savings = $\(Rightsizing.figure(price.hourly))/h (\(price.source)) × 730 h = \(price.monthly)/month" }
        return text
    }

    private func finding(_ node: Observed.Node, _ figures: Observed.NodeUsage, _ moves: [NodePlan.Move],
                         _ context: DetectionContext) -> Finding {
        let cores = node.allocatable.cpu ?? 1
        let bytes = Double(node.allocatable.memory ?? 1)
        let requested = context.requested(on: node.name, daemonSets: false)
        let movers = context.cluster.pods(on: node.name).filter { $0.holdsCapacity && !$0.isDaemonSetPod }
        let blockers = DrainBlockers.find(movers, context.cluster)
        let price = context.costs.price(of: node)
        var notes = movers.isEmpty ? ["only DaemonSet pods run here"] : moves.map { "\($0.pod) → \($0.to)" }
        let receivers = context.plan.receivers(of: moves, context)
        notes += receivers.notes
        notes += blockers
        let usageText = "CPU p95 \(Int((figures.cpu["p95"]! / cores * 100).rounded()))%, memory p95 "
            + "\(Int((figures.memory["p95"]! / bytes * 100).rounded()))% of allocatable"
        var summary = (blockers.isEmpty ? "Drain and remove" : "Once its blockers are dealt with (see notes), drain and remove")
            + " idle node \(node.name) (\(node.instanceType ?? "unknown type"), \(node.capacityType ?? "unknown capacity")): "
            + "\(Units.cpu(requested.cpu ?? 0)) CPU and \(Units.memory(requested.memory ?? 0)) requested outside DaemonSets, \(usageText)"
        summary += price.map { "; saves \($0.monthly)/month." } ?? "."
        let pool = node.nodepool.map { "nodepool \($0)" } ?? node.nodegroup.map { "nodegroup \($0)" }
        var finding = Finding(
            cluster: context.cluster.name, detector: name, severity: .warning, namespace: nil,
            target: .init(kind: "Node", name: node.name), team: context.config.platformTeam, summary: summary,
            current: ["instanceType": .optional(node.instanceType), "capacityType": .optional(node.capacityType),
                      "pool": .optional(pool), "nodes": 1,
                      "requested": ["cpu": .double(requested.cpu ?? 0), "memory": .int(requested.memory ?? 0)],
                      "allocatable": ["cpu": .optional(node.allocatable.cpu), "memory": .optional(node.allocatable.memory)]],
            recommended: ["action": "drain and remove", "nodes": 0,
                          "movePods": .strings(movers.map { "\($0.namespace)/\($0.name)" })],
            monthlyCost: price.map { ($0.monthly, .zero) }, priceSource: price?.source ?? "unknown",
            confidence: min(1, Double(figures.samples) / 2016) * (blockers.isEmpty ? 1 : 0.8),
            basis: ["usage": ["cpu": .object(figures.cpu.keys.sorted().map { .init($0, .double(figures.cpu[$0]!)) }),
                              "memory": .object(figures.memory.keys.sorted().map { .init($0, .double(figures.memory[$0]!)) })],
                    "samples": .int(figures.samples),
                    "formula": .string(Self.formula(node, requested, figures, price, context)),
                    "thresholds": ["maxRequestedRatio": .double(context.config.idleNode.maxRequestedRatio),
                                   "maxUsageRatio": .double(context.config.idleNode.maxUsageRatio)]],
            notes: notes, billed: price.flatMap { BilledCost.removing([$0]) })
        if !moves.isEmpty { finding.backtest = receivers.backtest }
        return finding
    }
}
