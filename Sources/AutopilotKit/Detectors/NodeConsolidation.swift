/// Nodes whose pods fit elsewhere, and nodes a cheaper instance type would carry.
///
/// Removal: underused nodes (requested CPU and memory, DaemonSets left out, both under
/// `consolidation.maxRequestedRatio`) are tried least-used first; a node goes when every pod on it fits
/// into the free capacity of the nodes that stay, first-fit-decreasing by CPU then memory, honoring
/// nodeSelector, required node affinity, taints and the zone of the EBS volumes they mount. Pods under a PDB that allows no disruption, annotated
/// `karpenter.sh/do-not-disrupt`, or without a controller pin their node. Idle nodes are idle-node's
/// findings: here they are already gone (never a destination), so savings are not counted twice.
/// One finding per NodePool or node group lists the nodes that can go, where each pod moves, and the
/// pool settings that stop Karpenter doing it (`consolidationPolicy: WhenEmpty`, budgets of 0).
///
/// Replacement: a node of a Karpenter NodePool that stays is priced against the cheapest instance type the
/// pool allows (category, generation, family, capacity type; same architecture, no burstable t*) whose
/// estimated allocatable still holds its pods; proposed when it saves `minReplacementSavingsRatio` or more.
public struct NodeConsolidation: Detector {
    public let name = FindingKind.nodeConsolidation.rawValue

    public init() {}

    public func detect(in context: DetectionContext) -> [Finding] {
        let plan = context.plan
        var findings = plan.consolidated.keys.sorted().map { pool in
            removalFinding(pool: pool, removals: plan.consolidated[pool]!, blocked: plan.blocked[pool] ?? [], context)
        }
        // By region and operating system: a Windows node is replaced by a Windows-priced type.
        var catalogs: [String: [InstanceLabels.Offer]] = [:]
        for node in context.cluster.nodes.sorted(by: { $0.name < $1.name })
        where node.nodepool != nil && node.ready && !node.unschedulable && node.isUsableCapacity && !context.isIgnored(node)
            && !plan.removed.contains(node.name) && !plan.receiving.contains(node.name) {
            guard let region = node.region else { continue }
            let catalog = "\(region)/\(node.operatingSystem.rawValue)"
            if catalogs[catalog] == nil { catalogs[catalog] = InstanceLabels.offers(in: region, os: node.operatingSystem, context.costs.prices) }
            if let finding = replacementFinding(node, offers: catalogs[catalog]!, context) { findings.append(finding) }
        }
        return findings
    }

    private func removalFinding(pool: String, removals: [NodePlan.Removal], blocked: [String], _ context: DetectionContext) -> Finding {
        let kind = String(pool.prefix { $0 != "/" })
        let poolName = String(pool.drop { $0 != "/" }.dropFirst())
        let nodes = removals.compactMap { removal in context.cluster.node(named: removal.node).map { (node: $0, moves: removal.moves) } }
        let prices = nodes.compactMap { context.costs.price(of: $0.node) }
        let monthly = prices.map(\.monthly).sum()
        var notes = nodes.flatMap { entry in
            entry.moves.isEmpty ? ["\(entry.node.name): only DaemonSet pods"] : entry.moves.map { "\($0.pod) → \($0.to)" }
        }
        let receivers = context.plan.receivers(of: removals.flatMap(\.moves), context)
        notes += receivers.notes
        notes += blocked
        var recommended: [JSONValue.Member] = [.init("removeNodes", .strings(nodes.map(\.node.name)))]
        if kind == "NodePool", let nodePool = context.cluster.nodePools[poolName] {
            if nodePool.consolidationPolicy == "WhenEmpty" {
                notes.append("NodePool \(poolName) has consolidationPolicy WhenEmpty: Karpenter only removes empty nodes, so these stay; "
                    + "set WhenEmptyOrUnderutilized")
                recommended.append(.init("consolidationPolicy", "WhenEmptyOrUnderutilized"))
            }
            if nodePool.consolidateAfter == "Never" {
                notes.append("NodePool \(poolName) has consolidateAfter: Never: Karpenter does not consolidate its nodes at all, whatever the policy; "
                    + "set a duration (e.g. 30s)")
            }
            if nodePool.budgetNodes.contains(where: { $0 == "0" || $0 == "0%" }) {
                notes.append("NodePool \(poolName) has a disruption budget of 0 nodes: Karpenter may not disrupt any node while it applies")
            }
        } else if kind == "NodeGroup" {
            recommended.append(.init("shrinkBy", .int(Int64(nodes.count))))
        }
        let names = nodes.map { "\($0.node.name) (\($0.node.instanceType ?? "?"))" }.joined(separator: ", ")
        let label = kind == "NodePool" ? "NodePool \(poolName)" : kind == "NodeGroup" ? "node group \(poolName)" : "the nodes outside any pool"
        let summary = "Consolidate \(label): \(nodes.count) node"
            + "\(nodes.count == 1 ? "" : "s") can go — \(names) — their pods fit on the remaining nodes; saves \(monthly)/month."
        let allPriced = prices.count == nodes.count
        let sources = Set(prices.map(\.source))
        var finding = Finding(
            cluster: context.cluster.name, detector: name, severity: .warning, namespace: nil,
            target: .init(kind: kind, name: poolName), team: context.config.platformTeam, summary: summary,
            current: ["nodes": .strings(nodes.map(\.node.name)),
                      "consolidationPolicy": .optional(context.cluster.nodePools[poolName]?.consolidationPolicy)],
            recommended: .object(recommended),
            monthlyCost: allPriced ? (monthly, .zero) : nil,
            priceSource: allPriced ? (sources.count == 1 ? sources.first! : "mixed") : "unknown",
            confidence: 0.8,
            basis: ["method": .string("first-fit-decreasing by CPU then memory requests, honoring nodeSelector, required node affinity, "
                        + "taints, volume zones and PDBs; a receiving node's measured p95 plus the moved pods' stays under maxReceiverUsageRatio of allocatable"),
                    "thresholds": ["maxRequestedRatio": .double(context.config.consolidation.maxRequestedRatio),
                                   "maxReceiverUsageRatio": .double(context.config.consolidation.maxReceiverUsageRatio),
                                   "minSavingsPerNode": context.config.consolidation.minSavingsPerNode.json],
                    "formula": .string("candidates: requested CPU and memory (DaemonSets left out) both under maxRequestedRatio of allocatable, "
                        + "least used first; savings = Σ removed nodes' monthly price (hourly × 730 h, to the cent) = "
                        + prices.map { "$\(Rightsizing.figure($0.hourly)) × 730 = \($0.monthly)" }.joined(separator: " + ")
                        + " = \(monthly)/month")],
            notes: notes, billed: allPriced ? BilledCost.removing(prices) : nil)
        finding.backtest = receivers.backtest
        return finding
    }

    // MARK: Replacement

    private func replacementFinding(_ node: Observed.Node, offers: [InstanceLabels.Offer], _ context: DetectionContext) -> Finding? {
        guard let current = context.costs.price(of: node), let pool = node.nodepool, let nodePool = context.cluster.nodePools[pool]
        else { return nil }
        let requested = context.requested(on: node.name)
        let pods = context.cluster.pods(on: node.name).filter(\.holdsCapacity)
        let ceiling = current.hourly * (1 - context.config.consolidation.minReplacementSavingsRatio)
        let arch = node.labels["kubernetes.io/arch"]
        var best: (type: String, price: CostModel.NodePrice)?
        for offer in offers where offer.type != node.instanceType {
            let price = context.costs.price(of: offer.instance, capacityType: node.capacityType)
            // Cheap tests first; same architecture: the pods' images may not be built for another.
            guard price.hourly <= ceiling, best == nil || (price.hourly, offer.type) < (best!.price.hourly, best!.type),
                arch == nil || offer.labels["kubernetes.io/arch"] == arch,
                offer.allocatable.cpu >= (requested.cpu ?? 0), offer.allocatable.memory >= (requested.memory ?? 0)
            else { continue }
            let label: (String) -> String? = { offer.labels[$0] ?? node.labels[$0] }
            guard nodePool.requirements.allSatisfy({ !InstanceLabels.keys.contains($0.key) || $0.matches(label) }),
                pods.allSatisfy({ Packing.selects($0, label: label) })
            else { continue }
            best = (offer.type, price)
        }
        guard let best else { return nil }
        let before = current.monthly
        let after = best.price.monthly
        return Finding(
            cluster: context.cluster.name, detector: name, severity: .info, namespace: nil,
            target: .init(kind: "Node", name: node.name), team: context.config.platformTeam,
            summary: "Replace node \(node.name) (\(node.instanceType ?? "?"), \(node.capacityType ?? "?")) with a \(best.type): its pods request "
                + "\(Units.cpu(requested.cpu ?? 0)) CPU and \(Units.memory(requested.memory ?? 0)), which the smaller type holds; saves \(before - after)/month.",
            current: ["instanceType": .optional(node.instanceType), "capacityType": .optional(node.capacityType)],
            recommended: ["instanceType": .string(best.type), "capacityType": .optional(node.capacityType)],
            monthlyCost: (before, after), priceSource: current.source == best.price.source ? current.source : "mixed", confidence: 0.7,
            basis: ["requested": ["cpu": .double(requested.cpu ?? 0), "memory": .int(requested.memory ?? 0)],
                    "allocatableEstimate": "vCPU less EKS kube-reserved; memory less 7.5% VM overhead, kube-reserved for 58 pods and 100Mi eviction",
                    "thresholds": ["minReplacementSavingsRatio": .double(context.config.consolidation.minReplacementSavingsRatio)],
                    "formula": .string("the cheapest type the NodePool allows (same architecture) whose estimated allocatable holds the "
                        + "node's requests and costs ≤ (1 − minReplacementSavingsRatio) × the current price; savings = "
                        + "$\(Rightsizing.figure(current.hourly)) × 730 = \(before) − $\(Rightsizing.figure(best.price.hourly)) × 730 = \(after) "
                        + "= \(before - after)/month")],
            notes: nodePool.consolidationPolicy == "WhenEmpty" || nodePool.consolidateAfter == "Never"
                ? ["NodePool \(pool) has \(nodePool.consolidateAfter == "Never" ? "consolidateAfter: Never" : "consolidationPolicy WhenEmpty"): "
                    + "Karpenter will not replace it by itself"] : [],
            billed: BilledCost.replacing(current, with: best.price))
    }
}
