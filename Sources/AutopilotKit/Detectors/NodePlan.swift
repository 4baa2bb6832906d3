/// Which nodes go and where their pods move, worked out once per run and shared by every detector, so
/// that no dollar is claimed twice: idle-node and node-consolidation claim the removed nodes' prices,
/// and the workload detectors price a pod on a removed node at its destination's rates (a DaemonSet pod
/// there simply ends, and a pod pinned to a removed idle node is the node's finding, not the workload's).
///
/// Order: every idle node counts as gone first (so no idle node takes another's pods); their movable
/// pods are placed, and an idle node whose pods do not fit is put back. Then consolidation candidates,
/// least used first, go one at a time while their pods fit on what stays.
public struct NodePlan: Sendable {
    public struct Removal: Sendable {
        public var node: String
        public var moves: [Move]
    }

    public struct Move: Sendable, Equatable {
        public var pod: String
        public var to: String
    }

    /// Idle nodes whose pods fit elsewhere, in name order.
    public private(set) var idle: [Removal] = []
    /// Consolidated nodes by pool key (`NodePool/default`, `NodeGroup/general`), each in removal order.
    public private(set) var consolidated: [String: [Removal]] = [:]
    /// Why a candidate stays, by pool key.
    public private(set) var blocked: [String: [String]] = [:]
    public private(set) var removed: Set<String> = []
    /// Where each moved pod (`namespace/name`) goes.
    public private(set) var destination: [String: String] = [:]
    /// Nodes that take moved pods (their requests are then more than their own pods').
    public private(set) var receiving: Set<String> = []
    /// Each receiving node after every move of the plan: requested and measured p95 use (nil: no usage record).
    public private(set) var after: [String: Load] = [:]

    public struct Load: Sendable {
        public var requestedCPU: Double
        public var requestedMemory: Int64
        public var usedCPU: Double?
        public var usedMemory: Double?
    }

    public init() {}

    static func make(_ context: DetectionContext) -> NodePlan {
        var plan = NodePlan()
        var packing = Packing(context)
        let idleNodes = context.cluster.nodes.filter { IdleNode.isIdle($0, context) }.map(\.name).sorted()
        for (node, moves) in packing.removeIdle(idleNodes) { plan.record(Removal(node: node, moves: moves), pool: nil) }
        let floor = context.config.consolidation.minSavingsPerNode
        for node in candidates(context) {
            // Moving pods for less than the floor is churn (a priced candidate always has a rate).
            if let price = context.costs.price(of: node), price.monthly < floor {
                plan.blocked[poolKey(node), default: []].append(
                    "\(node.name) stays: removing it saves \(price.monthly)/month, under the \(floor) churn floor (minSavingsPerNode)")
                continue
            }
            switch packing.tryRemove(node) {
            case .success(let moves): plan.record(Removal(node: node.name, moves: moves), pool: poolKey(node))
            case .failure(let reason): plan.blocked[poolKey(node), default: []].append("\(node.name) stays: \(reason)")
            }
        }
        for name in plan.receiving {
            guard let node = context.cluster.node(named: name), let free = packing.free[name] else { continue }
            plan.after[name] = Load(requestedCPU: (node.allocatable.cpu ?? 0) - free.cpu, requestedMemory: (node.allocatable.memory ?? 0) - free.memory,
                                    usedCPU: packing.used[name]?.cpu, usedMemory: packing.used[name]?.memory)
        }
        return plan
    }

    private mutating func record(_ removal: Removal, pool: String?) {
        if let pool { consolidated[pool, default: []].append(removal) } else { idle.append(removal) }
        removed.insert(removal.node)
        for move in removal.moves {
            destination[move.pod] = move.to
            receiving.insert(move.to)
        }
    }

    public func isIdleRemoval(_ node: String) -> Bool { idle.contains { $0.node == node } }

    /// The nodes these moves land on, after every move of the plan: requests and measured p95 against
    /// allocatable, as `backtest` (`{ceiling, receivers: [{node, allocatable, requested, usedP95}]}`)
    /// and one note per node.
    func receivers(of moves: [Move], _ context: DetectionContext) -> (backtest: JSONValue, notes: [String]) {
        let ceiling = context.config.consolidation.maxReceiverUsageRatio
        var rows: [JSONValue] = []
        var notes: [String] = []
        for name in Set(moves.map(\.to)).sorted() {
            guard let load = after[name], let node = context.cluster.node(named: name) else { continue }
            let cores = node.allocatable.cpu ?? 0
            let bytes = Double(node.allocatable.memory ?? 0)
            func share(_ part: Double, _ whole: Double) -> String { whole > 0 ? " (\(Packing.percent(part / whole)))" : "" }
            var note = "\(name) after the moves: requests \(Packing.cores(load.requestedCPU)) of \(Packing.cores(cores)) cores"
                + "\(share(load.requestedCPU, cores)) and \(Units.memory(load.requestedMemory)) of \(Units.memory(bytes: bytes))"
                + share(Double(load.requestedMemory), bytes)
            if let cpu = load.usedCPU, let memory = load.usedMemory {
                note += "; measured p95 \(Packing.cores(cpu)) cores\(share(cpu, cores)) and \(Units.memory(bytes: memory))\(share(memory, bytes)), "
                    + "under the \(Packing.percent(ceiling)) ceiling"
            } else {
                note += "; no usage record for it: judged by requests alone"
            }
            notes.append(note)
            rows.append([
                "node": .string(name), "allocatable": ["cpu": .double(cores), "memory": .optional(node.allocatable.memory)],
                "requested": ["cpu": .double(Quantity.roundedCores(load.requestedCPU)), "memory": .int(load.requestedMemory)],
                "usedP95": load.usedCPU.map { cpu in
                    ["cpu": .double(Quantity.roundedCores(cpu)), "memory": .int(Int64((load.usedMemory ?? 0).rounded()))] } ?? .null,
            ])
        }
        return (["ceiling": .double(ceiling), "receivers": .array(rows)], notes)
    }

    static func poolKey(_ node: Observed.Node) -> String {
        if let pool = node.nodepool { return "NodePool/\(pool)" }
        if let group = node.nodegroup { return "NodeGroup/\(group)" }
        return "Nodes/unpooled"
    }

    /// Ready, schedulable, priced, not idle, with both requested shares (DaemonSets left out) under
    /// `consolidation.maxRequestedRatio`; least used first.
    private static func candidates(_ context: DetectionContext) -> [Observed.Node] {
        let limit = context.config.consolidation.maxRequestedRatio
        return context.cluster.nodes.compactMap { node -> (Observed.Node, Double)? in
            guard node.ready, !node.unschedulable, node.isUsableCapacity, !context.isIgnored(node), context.rates[node.name] != nil,
                !IdleNode.isIdle(node, context), let cores = node.allocatable.cpu, let bytes = node.allocatable.memory, cores > 0, bytes > 0
            else { return nil }
            let requested = context.requested(on: node.name, daemonSets: false)
            let cpuRatio = (requested.cpu ?? 0) / cores
            let memoryRatio = Double(requested.memory ?? 0) / Double(bytes)
            guard cpuRatio < limit, memoryRatio < limit else { return nil }
            return (node, max(cpuRatio, memoryRatio))
        }
        .sorted { ($0.1, $0.0.name) < ($1.1, $1.0.name) }
        .map(\.0)
    }
}
