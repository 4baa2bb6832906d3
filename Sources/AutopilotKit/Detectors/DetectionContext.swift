import Foundation

/// What every detector reads: the observed cluster, the thresholds, the cost model and "now", plus the
/// lookups several detectors share (prices per node, ignore markers, requests per node).
public struct DetectionContext: Sendable {
    public let cluster: ObservedCluster
    public let config: DetectionConfig
    public let costs: CostModel
    public let now: Date
    /// Per-node rates; a node missing here has an unknown price.
    public let rates: [String: CostModel.Rates]
    /// Nodes without a price, with the reason (`instance type x9.large in us-east-1`), in name order.
    public let unpricedNodes: [(node: String, reason: String)]
    /// The nodes that go (idle, consolidated) and where their pods move; see `NodePlan`.
    public private(set) var plan = NodePlan()

    public init(cluster: ObservedCluster, config: DetectionConfig = DetectionConfig(), costs: CostModel = CostModel(), now: Date) {
        self.cluster = cluster
        self.config = config
        self.costs = costs
        self.now = now
        var rates: [String: CostModel.Rates] = [:]
        var unpriced: [(String, String)] = []
        for node in cluster.nodes {
            if let nodeRates = costs.rates(on: node) {
                rates[node.name] = nodeRates
            } else {
                let reason: String
                if let type = node.instanceType, let region = node.region {
                    reason = costs.prices.instance(type, region: region, os: node.operatingSystem) == nil
                        ? (node.operatingSystem == .windows
                            ? "Windows instance type \(type) in \(region) has no Windows price in the table (a --prices row with operatingSystem Windows prices it)"
                            : "instance type \(type) in \(region) is not in the price table")
                        : "node \(node.name) has no allocatable CPU or memory to split its price by"
                } else {
                    reason = "node \(node.name) has no instance type or region label"
                }
                unpriced.append((node.name, reason))
            }
        }
        self.rates = rates
        unpricedNodes = unpriced.sorted { $0.0 < $1.0 }
        plan = NodePlan.make(self)
    }

    // MARK: Markers

    /// `autopilot.io/ignore=true` (label or annotation) on the workload or its pod template.
    public func isIgnored(_ workload: Observed.Workload) -> Bool { workload.marker(config.markers.ignore) == "true" }

    /// Marked to be left alone, or holding a pod whose record could not be read (its load is unknown).
    public func isIgnored(_ node: Observed.Node) -> Bool {
        node.labels[config.markers.ignore] == "true" || cluster.nodesWithUnreadablePods.contains(node.name)
    }

    public func isIgnored(_ hpa: Observed.HPA) -> Bool { hpa.labels[config.markers.ignore] == "true" }

    public func isLatencySensitive(_ workload: Observed.Workload) -> Bool { workload.marker(config.markers.latencySensitive) == "true" }

    /// The owning workload's team, or `unassigned`.
    public func team(of key: Observed.WorkloadKey) -> String { cluster.workloads[key]?.team ?? "unassigned" }

    /// A volume's region: zone `us-east-1b` is in `us-east-1`; without a zone, the region most nodes are in.
    public func region(of volume: Observed.Volume) -> String? {
        if let zone = volume.zone, let last = zone.last, last.isLetter { return String(zone.dropLast()) }
        let regions = cluster.nodes.compactMap(\.region)
        return Dictionary(grouping: regions, by: { $0 }).max { ($0.value.count, $1.key) < ($1.value.count, $0.key) }?.key
    }

    // MARK: Cost

    /// Monthly cost of one container's requests over the workload's running pods, before and after a change
    /// of requests, each pod at the rates of the node it runs on after the node plan (a pod on a removed node
    /// is priced where it moves; one that ends with its node is the node's finding). Nil when no pod runs
    /// (nothing to save) or a pod's node has no price.
    public func containerCost(_ workload: Observed.WorkloadKey, container: String, current: Observed.Resources,
                              recommended: Observed.Resources) -> ContainerCost? {
        var before = 0.0
        var after = 0.0
        var billed = BilledCost()
        var sources = Set<String>()
        var running = 0
        for pod in cluster.pods(of: workload) where pod.phase == "Running" {
            guard var node = pod.node else { continue }
            if plan.removed.contains(node) {
                guard let destination = plan.destination["\(pod.namespace)/\(pod.name)"] else { continue }
                node = destination
            }
            guard let nodeRates = rates[node] else { return nil }
            running += 1
            sources.insert(nodeRates.source)
            let podBefore = nodeRates.monthly(cpu: current.cpu ?? 0, memory: current.memory ?? 0)
            let podAfter = nodeRates.monthly(cpu: recommended.cpu ?? 0, memory: recommended.memory ?? 0)
            before += podBefore
            after += podAfter
            billed.add(listCurrent: podBefore, listRecommended: podAfter, billed: nodeRates.billed, scale: nodeRates.billedScale)
        }
        guard running > 0 else { return nil }
        return ContainerCost(current: Money(dollars: before), recommended: Money(dollars: after),
                             source: sources.count == 1 ? sources.first! : "mixed", billed: billed.isBilled ? billed : nil)
    }

    /// A container's monthly cost before and after a change, at list prices, and at the bill's where it has them.
    public struct ContainerCost: Sendable {
        public var current: Money
        public var recommended: Money
        public var source: String
        public var billed: BilledCost?
    }

    public func runningPods(_ workload: Observed.WorkloadKey) -> Int {
        cluster.pods(of: workload).filter { $0.phase == "Running" && $0.node != nil }.count
    }

    /// Requests of the pods on a node that hold capacity; `daemonSets: false` leaves out per-node overhead.
    public func requested(on node: String, daemonSets: Bool = true) -> Observed.Resources {
        var cpu = 0.0
        var memory: Int64 = 0
        for pod in cluster.pods(on: node) where pod.holdsCapacity && (daemonSets || !pod.isDaemonSetPod) {
            let requests = pod.requests
            cpu += requests.cpu ?? 0
            memory += requests.memory ?? 0
        }
        return Observed.Resources(cpu: cpu, memory: memory)
    }

    /// The window's length in hours, from a usage record.
    static func windowHours(start: String?, end: String?) -> Double? {
        guard let start = start.flatMap(RFC3339.date), let end = end.flatMap(RFC3339.date), end > start else { return nil }
        return end.timeIntervalSince(start) / 3600
    }

    /// Confidence of a usage-based recommendation: enough samples (10× the minimum is full marks), a window of
    /// at least a week (to see a weekly cycle), and a steady series (p50 close to p99).
    public func usageConfidence(_ usage: Observed.Usage, low: Double?, high: Double?) -> Double {
        let sampleScore = min(1, Double(usage.samples) / Double(max(config.minSamples, 1) * 10))
        let coverage = min(1, (Self.windowHours(start: usage.windowStart, end: usage.windowEnd) ?? 0) / 168)
        var steadiness = 1.0
        if let low, let high, high > 0 { steadiness = 1 - 0.5 * min(1, max(0, (high - low) / high)) }
        return ((sampleScore * coverage * steadiness) * 100).rounded() / 100
    }
}
