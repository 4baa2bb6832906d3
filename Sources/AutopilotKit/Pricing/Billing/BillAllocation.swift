import Foundation

/// One cluster's cost as the bill states it, split by team: the allocation that reconciles to the
/// invoice. Over the bill's period (not a monthly run-rate), in the bill's dollars:
///
/// - a node the bill has (by its instance id) is split as `CostAllocation` splits it: each team's pods'
///   requests at the node's per-core and per-GiB weights, the rest `__idle__`;
/// - a volume the bill has (by its volume id) goes to the team of its claim;
/// - what the bill charges the cluster that the snapshot does not show (an instance or volume tagged
///   `aws:eks:cluster-name` that is gone now, e.g. a node replaced mid-month) is `__unallocated__`.
///
/// The lines are apportioned by largest remainder, so they add up to the billed total to the cent.
public struct BillAllocation: Sendable {
    public static let unallocated = "__unallocated__"

    public var cluster: String
    public var periodStart: Date?
    public var periodEnd: Date?
    /// What the bill charges for the cluster's nodes and volumes over the period.
    public var billedTotal: Money
    /// Team → its share of `billedTotal`; `__idle__` and `__unallocated__` included.
    public var lines: [String: Money]
    /// Nodes of the snapshot the bill has no charge for (started after the bill's period?).
    public var nodesNotInBill: [String]
    /// Billed instances and volumes of the cluster that the snapshot does not show.
    public var resourcesNotInCluster: [String]

    public init(_ observed: ObservedCluster, bill: Bill, model: CostModel) {
        cluster = observed.name
        periodStart = bill.start
        periodEnd = bill.end
        var shares: [String: Double] = [:]
        var total = 0.0
        var matched = Set<String>()
        var notInBill: [String] = []
        for node in observed.nodes {
            guard let id = node.instanceId, let resource = bill.instances[id] else {
                notInBill.append(node.name)
                continue
            }
            matched.insert(id)
            total += resource.effectiveCost
            // Team shares of the node by requests, at the list rates' CPU/memory split (the same for any price).
            guard let rates = model.rates(on: node), let price = model.price(of: node), price.hourly > 0 else {
                shares[CostAllocation.idleTeam, default: 0] += resource.effectiveCost
                continue
            }
            // Each team's share of the node is its pods' requests at the node's rates over the node's price;
            // requests above the node's size (overcommitted) are scaled down together, so no team's share
            // depends on the order its pods were listed.
            var byTeam: [String: Double] = [:]
            for pod in observed.pods(on: node.name) where pod.holdsCapacity {
                let team = pod.owner.flatMap { observed.workloads[$0]?.team } ?? "unassigned"
                byTeam[team, default: 0] += rates.monthly(cpu: pod.requests.cpu ?? 0, memory: pod.requests.memory ?? 0)
                    / (price.hourly * CostModel.hoursPerMonth)
            }
            let requested = byTeam.values.reduce(0, +)
            let scale = requested > 1 ? 1 / requested : 1
            for (team, share) in byTeam { shares[team, default: 0] += resource.effectiveCost * share * scale }
            shares[CostAllocation.idleTeam, default: 0] += resource.effectiveCost * max(0, 1 - requested * scale)
        }
        for volume in observed.volumes {
            guard let id = volume.volumeHandle, let resource = bill.volumes[id] else { continue }
            matched.insert(id)
            total += resource.effectiveCost
            shares[volume.team, default: 0] += resource.effectiveCost
        }
        var outside: [String] = []
        for (id, resource) in bill.instances.merging(bill.volumes, uniquingKeysWith: { first, _ in first })
        where resource.cluster == observed.name && !matched.contains(id) {
            outside.append(id)
            total += resource.effectiveCost
            shares[Self.unallocated, default: 0] += resource.effectiveCost
        }
        billedTotal = Money(dollars: total)
        lines = Self.apportion(shares, total: billedTotal)
        nodesNotInBill = notInBill.sorted()
        resourcesNotInCluster = outside.sorted()
    }

    /// Rounds each share to cents so that they sum to `total` exactly: floor every share, then give the
    /// cents left to the largest remainders (ties by name).
    static func apportion(_ shares: [String: Double], total: Money) -> [String: Money] {
        var cents: [String: Int64] = [:]
        var remainders: [(String, Double)] = []
        for (name, dollars) in shares {
            // Clamped as Money clamps, so no sum of figures can trap here.
            let exact = max(-1e17, min(1e17, dollars.isNaN ? 0 : dollars * 100))
            let whole = exact.rounded(.down)
            cents[name] = Int64(whole)
            remainders.append((name, exact - whole))
        }
        var left = total.cents - cents.values.reduce(0, +)
        for (name, _) in remainders.sorted(by: { ($0.1, $1.0) > ($1.1, $0.0) }) where left > 0 {
            cents[name]! += 1
            left -= 1
        }
        // Only when float sums drifted by more than a cent per line: put the rest on idle, visibly.
        if left != 0 { cents[CostAllocation.idleTeam, default: 0] += left }
        return cents.mapValues(Money.init(cents:))
    }

    /// A `billreconciliation` record: what render-report shows and the ledger keeps.
    public var json: JSONValue {
        [
            "kind": "billreconciliation", "cluster": .string(cluster),
            "periodStart": .optional(periodStart.map(RFC3339.string)), "periodEnd": .optional(periodEnd.map(RFC3339.string)),
            "billedTotal": billedTotal.json,
            "lines": .array(lines.keys.sorted().map { ["team": .string($0), "billed": lines[$0]!.json] }),
            "nodesNotInBill": .strings(nodesNotInBill), "resourcesNotInCluster": .strings(resourcesNotInCluster),
        ]
    }
}
