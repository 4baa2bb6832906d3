import Foundation

/// Each team's monthly cost in one cluster, as OpenCost allocates it: a pod costs its requests at its
/// node's per-core and per-GiB rates (the same rates detect-waste prices findings with), and the node
/// capacity no pod requested is its own `__idle__` line. The lines add up to the priced nodes' cost, to
/// the cent, because idle is what is left.
public struct CostAllocation: Sendable {
    public static let idleTeam = "__idle__"

    public var cluster: String
    /// Team → monthly cost, `__idle__` included.
    public var teams: [String: Money]
    /// What the priced nodes cost a month.
    public var total: Money
    /// Nodes with no price (unknown instance type or region): neither in the total nor in any line.
    public var unpricedNodes: [String]

    public init(_ observed: ObservedCluster, model: CostModel) {
        cluster = observed.name
        var rates: [String: CostModel.Rates] = [:]
        var total = Money.zero
        var unpriced: [String] = []
        for node in observed.nodes {
            guard let price = model.price(of: node), let nodeRates = model.rates(on: node) else {
                unpriced.append(node.name)
                continue
            }
            rates[node.name] = nodeRates
            total = total + price.monthly
        }
        var dollars: [String: Double] = [:]
        for pod in observed.pods where pod.holdsCapacity {
            guard let node = pod.node, let nodeRates = rates[node] else { continue }
            let team = pod.owner.flatMap { observed.workloads[$0]?.team } ?? "unassigned"
            let requests = pod.requests
            dollars[team, default: 0] += nodeRates.monthly(cpu: requests.cpu ?? 0, memory: requests.memory ?? 0)
        }
        var teams = dollars.mapValues(Money.init(dollars:))
        teams[Self.idleTeam] = total - teams.values.sum()
        self.teams = teams
        self.total = total
        unpricedNodes = unpriced.sorted()
    }
}
