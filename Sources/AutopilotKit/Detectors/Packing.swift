import Foundation

/// The scheduling simulation behind `NodePlan`: free capacity per node, and first-fit-decreasing
/// placement of a node's pods onto the others.
///
/// A pod goes to a node only if it fits by requests *and* by measured use: the node's own p95 CPU and
/// memory (its `nodeusage` record) plus the p95 of every pod moved onto it (its workload's `usage`
/// figures, its requests where none were measured) stay under `consolidation.maxReceiverUsageRatio` of
/// allocatable. Summing p95s overstates the p95 of the sum, on the safe side. A destination with no
/// usage record is judged by its requests alone, and the plan says so.
struct Packing {
    struct Blocked: Error, CustomStringConvertible {
        let description: String
    }

    private let context: DetectionContext
    private(set) var free: [String: (cpu: Double, memory: Int64)] = [:]
    private var gone: Set<String> = []
    /// Pods moved onto a node by an earlier removal: they move again if that node goes too.
    private var movedIn: [String: [Observed.Pod]] = [:]
    /// Zone of each claim's EBS volume (`namespace/claim`): a pod mounting it cannot leave the zone.
    private let claimZones: [String: String]
    /// All nodes in name order: first fit goes by name.
    private let nodesByName: [Observed.Node]
    /// Each node's measured p95 use, plus what moved onto it; absent for a node without a usage record.
    private(set) var used: [String: (cpu: Double, memory: Double)] = [:]
    /// The share of allocatable a receiving node's measured use may reach after the moves.
    private let ceiling: Double
    /// Set when a pod fitted some node by requests but none by measured use (the reason a removal fails).
    private var usageRefused: String?

    init(_ context: DetectionContext) {
        self.context = context
        var zones: [String: String] = [:]
        for volume in context.cluster.volumes {
            if let namespace = volume.claimNamespace, let claim = volume.claimName, let zone = volume.zone { zones["\(namespace)/\(claim)"] = zone }
        }
        claimZones = zones
        nodesByName = context.cluster.nodes.sorted { $0.name < $1.name }
        ceiling = context.config.consolidation.maxReceiverUsageRatio
        for node in context.cluster.nodes {
            let requested = context.requested(on: node.name)
            free[node.name] = ((node.allocatable.cpu ?? 0) - (requested.cpu ?? 0), (node.allocatable.memory ?? 0) - (requested.memory ?? 0))
            if let figures = context.cluster.nodeUsage[node.name], figures.samples > 0, let cpu = figures.cpu["p95"], let memory = figures.memory["p95"] {
                used[node.name] = (cpu, memory)
            }
        }
    }

    /// A pod's measured p95 CPU and memory: its containers' workload figures (the highest pod's), its
    /// requests for a container without them.
    func measuredUse(_ pod: Observed.Pod) -> (cpu: Double, memory: Double) {
        let figures = pod.owner.flatMap { context.cluster.usage[$0] } ?? [:]
        var cpu = 0.0
        var memory = 0.0
        for container in pod.containers {
            let usage = figures[container.name].flatMap { $0.samples > 0 ? $0 : nil }
            cpu += usage?.cpu["p95"] ?? container.requests.cpu ?? 0
            memory += usage?.memory["p95"] ?? Double(container.requests.memory ?? 0)
        }
        return (cpu, memory)
    }

    /// Whether the pod's use, added to the node's, stays under the ceiling (true for a node never measured).
    private func usageFits(_ use: (cpu: Double, memory: Double), on node: Observed.Node) -> Bool {
        guard let now = used[node.name] else { return true }
        // A node with no allocatable to measure against takes nothing by use.
        guard (node.allocatable.cpu ?? 0) > 0, (node.allocatable.memory ?? 0) > 0 else { return false }
        let cores = node.allocatable.cpu ?? 0
        let bytes = Double(node.allocatable.memory ?? 0)
        return now.cpu + use.cpu <= ceiling * cores + 1e-9 && now.memory + use.memory <= ceiling * bytes
    }

    /// Takes all the idle nodes out at once (so none takes another's pods), then places each one's movable
    /// pods; a node whose pods do not fit is put back. Pinned pods stay with their node's finding.
    mutating func removeIdle(_ names: [String]) -> [(node: String, moves: [NodePlan.Move])] {
        gone.formUnion(names)
        var removed: [(String, [NodePlan.Move])] = []
        for name in names {
            let movable = context.cluster.pods(on: name).filter { $0.holdsCapacity && !$0.isDaemonSetPod && !DrainBlockers.isPinned($0, context.cluster) }
            let saved = (free, movedIn, used)
            if let moves = place(movable, leaving: name) {
                removed.append((name, moves))
            } else {
                (free, movedIn, used) = saved
                gone.remove(name)
            }
        }
        return removed
    }

    /// A node pods may move to: Ready, schedulable, not going away, and holding no pod whose record could
    /// not be read (its free room is unknown).
    func isDestination(_ node: Observed.Node) -> Bool {
        node.ready && !node.unschedulable && node.isUsableCapacity && !gone.contains(node.name) && !context.cluster.nodesWithUnreadablePods.contains(node.name)
    }

    private func receivedPods(_ node: Observed.Node) -> Bool { !(movedIn[node.name] ?? []).isEmpty }

    /// Removes the node if all its pods fit elsewhere, returning where each moves.
    mutating func tryRemove(_ node: Observed.Node) -> Result<[NodePlan.Move], Blocked> {
        // One move per pod: a node that took pods from another is no longer a candidate.
        if receivedPods(node) { return .failure(Blocked(description: "it takes pods from another node that goes")) }
        let pods = context.cluster.pods(on: node.name).filter { $0.holdsCapacity && !$0.isDaemonSetPod }
        if let pinned = pods.first(where: { DrainBlockers.isPinned($0, context.cluster) }) {
            return .failure(Blocked(description: DrainBlockers.find([pinned], context.cluster).first ?? "\(pinned.namespace)/\(pinned.name) cannot move"))
        }
        let saved = (free, movedIn, used)
        gone.insert(node.name)
        guard let moves = place(pods, leaving: node.name) else {
            (free, movedIn, used) = saved
            gone.remove(node.name)
            return .failure(Blocked(description: usageRefused ?? "its pods do not fit on the other nodes"))
        }
        return .success(moves)
    }

    /// Places pods largest first on the first node (by name) that takes them; nil if one does not fit.
    private mutating func place(_ pods: [Observed.Pod], leaving origin: String) -> [NodePlan.Move]? {
        let ordered = pods.sorted {
            let (a, b) = ($0.requests, $1.requests)
            return ((a.cpu ?? 0), (a.memory ?? 0), $1.name) > ((b.cpu ?? 0), (b.memory ?? 0), $0.name)
        }
        var moves: [NodePlan.Move] = []
        usageRefused = nil
        for pod in ordered {
            let requests = pod.requests
            let use = measuredUse(pod)
            var fitsByRequestsOnly: Observed.Node?
            // Indices, not a filtered copy: this runs once per pod over every node of a large cluster.
            guard let index = nodesByName.indices.first(where: { index in
                let name = nodesByName[index].name
                guard name != origin, !gone.contains(name), let room = free[name],
                    room.cpu + 1e-9 >= (requests.cpu ?? 0), room.memory >= (requests.memory ?? 0)
                else { return false }
                guard nodesByName[index].ready && !nodesByName[index].unschedulable && nodesByName[index].isUsableCapacity
                    && Self.admits(nodesByName[index], pod) && volumesAllow(pod, on: nodesByName[index])
                else { return false }
                if usageFits(use, on: nodesByName[index]) { return true }
                if fitsByRequestsOnly == nil { fitsByRequestsOnly = nodesByName[index] }
                return false
            }) else {
                if let node = fitsByRequestsOnly { usageRefused = refusal(pod, use, on: node) }
                return nil
            }
            let target = nodesByName[index]
            free[target.name]!.cpu -= requests.cpu ?? 0
            free[target.name]!.memory -= requests.memory ?? 0
            if let now = used[target.name] { used[target.name] = (now.cpu + use.cpu, now.memory + use.memory) }
            movedIn[target.name, default: []].append(pod)
            moves.append(NodePlan.Move(pod: "\(pod.namespace)/\(pod.name)", to: target.name))
        }
        return moves
    }

    /// `its pods fit by requests but not by measured use: web-0 on ip-… would take CPU p95 to 3.4 of 3.92 cores (87% > 80%)`.
    private func refusal(_ pod: Observed.Pod, _ use: (cpu: Double, memory: Double), on node: Observed.Node) -> String {
        let now = used[node.name] ?? (0, 0)
        let cores = node.allocatable.cpu ?? 0
        let bytes = Double(node.allocatable.memory ?? 0)
        let (cpu, memory) = (now.cpu + use.cpu, now.memory + use.memory)
        let what = cpu > ceiling * cores + 1e-9
            ? "CPU p95 to \(Self.cores(cpu)) of \(Self.cores(cores)) cores (\(Self.percent(cpu / cores)))"
            : "memory p95 to \(Units.memory(bytes: memory)) of \(Units.memory(bytes: bytes)) (\(Self.percent(memory / bytes)))"
        return "its pods fit by requests but not by measured use: \(pod.namespace)/\(pod.name) on \(node.name) would take \(what), "
            + "above the \(Self.percent(ceiling)) ceiling"
    }

    /// `82%`; `?%` for a share of nothing (a node reporting no allocatable).
    static func percent(_ ratio: Double) -> String {
        let value = (ratio * 100).rounded()
        return value.isFinite && abs(value) < 1e15 ? "\(Int64(value))%" : "?%"
    }

    /// Cores to two decimals, so figures side by side read in one unit: `4.53 of 7.91`.
    static func cores(_ value: Double) -> String { String(format: "%.2f", value) }

    /// An EBS volume lives in one zone: a pod mounting one can only run in that zone.
    private func volumesAllow(_ pod: Observed.Pod, on node: Observed.Node) -> Bool {
        pod.claims.allSatisfy { claim in
            guard let zone = claimZones["\(pod.namespace)/\(claim)"] else { return true }
            return node.zone == zone
        }
    }

    /// The scheduler's hard rules we can check: nodeSelector, required node affinity, NoSchedule/NoExecute taints.
    static func admits(_ node: Observed.Node, _ pod: Observed.Pod) -> Bool {
        guard selects(pod, labels: node.labels) else { return false }
        return node.taints.allSatisfy { taint in
            taint.effect == "PreferNoSchedule" || pod.tolerations.contains { $0.tolerates(taint) }
        }
    }

    static func selects(_ pod: Observed.Pod, labels: [String: String]) -> Bool { selects(pod) { labels[$0] } }

    static func selects(_ pod: Observed.Pod, label: (String) -> String?) -> Bool {
        guard pod.nodeSelector.allSatisfy({ label($0.key) == $0.value }) else { return false }
        return pod.affinityTerms.isEmpty || pod.affinityTerms.contains { term in term.matchExpressions.allSatisfy { $0.matches(label) } }
    }
}
