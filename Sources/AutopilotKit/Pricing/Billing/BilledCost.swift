/// What the bill says one node's capacity costs an hour.
public struct BilledRate: Equatable, Sendable {
    /// Effective dollars per hour: commitments amortised, negotiated discounts applied.
    public var hourly: Double
    /// The share of the node's hours a Reserved Instance or Savings Plan covered.
    public var committedShare: Double
    /// The commitment that covers it, if any.
    public var scope: CommitmentScope?
    /// Where the rate comes from, in words (`instance i-0abc in the bill: $0.0612/h effective over 720 instance-hours`).
    public var basis: String
    /// The node's instance id, which the ledger looks up in later bills to verify a removal.
    public var resourceId: String?
    /// Where the node's on-demand hours sit (nil for spot): a change that removes them leaves less on-demand
    /// usage for a freed commitment to move to.
    public var onDemandCell: OnDemandCell? = nil
}

/// A finding's cost before and after at the bill's rates, summed over the nodes and volumes it touches,
/// and how much of its savings sits on hours a commitment paid for.
public struct BilledCost: Sendable {
    /// Monthly dollars at billed rates (list prices for a part the bill does not have).
    public var current = 0.0
    public var recommended = 0.0
    /// The monthly cost before and after that sits on commitment-covered hours, by the commitment.
    public var committed: [CommitmentScope: (current: Double, recommended: Double)] = [:]
    /// Where the rates come from.
    public var basis: [String] = []
    /// Some of the cost is at list price: the bill did not have that node or volume.
    public var partlyList = false
    /// The instance and volume ids the cost is for, as the bill names them.
    public var resources: [String] = []
    /// Monthly savings on on-demand hours, by where they sit: usage the change takes away.
    public var onDemandSavings: [OnDemandCell: Double] = [:]

    public init() {}

    public var savings: Double { current - recommended }

    /// Monthly savings on commitment-covered hours, by the commitment: not realised until it is re-used.
    public var committedSavings: [CommitmentScope: Double] { committed.mapValues { max(0, $0.current - $0.recommended) } }

    /// Adds a part priced at list (`listCurrent` → `listRecommended`, monthly dollars) on a node the bill may price.
    public mutating func add(listCurrent: Double, listRecommended: Double, billed: BilledRate?, scale: Double) {
        guard let billed else {
            current += listCurrent
            recommended += listRecommended
            partlyList = true
            return
        }
        current += listCurrent * scale
        recommended += listRecommended * scale
        if let scope = billed.scope, billed.committedShare > 0 {
            let part = committed[scope] ?? (0, 0)
            committed[scope] = (part.current + listCurrent * scale * billed.committedShare,
                                part.recommended + listRecommended * scale * billed.committedShare)
        }
        if !basis.contains(billed.basis) { basis.append(billed.basis) }
        if let id = billed.resourceId, !resources.contains(id) { resources.append(id) }
        if let cell = billed.onDemandCell, billed.committedShare < 1 {
            onDemandSavings[cell, default: 0] += (listCurrent - listRecommended) * scale * (1 - billed.committedShare)
        }
    }

    /// Adds a volume's monthly cost from the bill (or its list figure when the bill does not have it).
    public mutating func add(volumeList: Double, billedMonthly: Money?, volumeId: String?, removed: Bool) {
        let monthly = billedMonthly?.dollars ?? volumeList
        current += monthly
        if !removed { recommended += monthly }
        if let billedMonthly, let volumeId {
            let text = "volume \(volumeId) in the bill: \(billedMonthly) a month"
            if !basis.contains(text) { basis.append(text) }
            if !resources.contains(volumeId) { resources.append(volumeId) }
        } else {
            partlyList = true
        }
    }

    /// Whether anything here came from the bill.
    public var isBilled: Bool { !basis.isEmpty }
}

extension BilledCost {
    /// Nodes that go: their cost at the bill's rates; nil when the bill has none of them.
    public static func removing(_ prices: [CostModel.NodePrice]) -> BilledCost? {
        var cost = BilledCost()
        for price in prices {
            cost.add(listCurrent: price.monthly.dollars, listRecommended: 0, billed: price.billed, scale: price.billedScale)
        }
        return cost.isBilled ? cost : nil
    }

    /// A node replaced by a cheaper type: the node at the bill's rate; the new type at list less the same
    /// share off when that share is a discount it keeps (on-demand with a private rate, or a Savings Plan,
    /// which covers any instance family), at list where a Reserved Instance of the old family paid for it.
    public static func replacing(_ current: CostModel.NodePrice, with replacement: CostModel.NodePrice) -> BilledCost? {
        guard var cost = removing([current]), let billed = current.billed else { return nil }
        if case .reservedInstance = billed.scope {
            cost.recommended += replacement.monthly.dollars
            cost.partlyList = true
        } else {
            cost.recommended += replacement.monthly.dollars * current.billedScale
            if let scope = billed.scope, billed.committedShare > 0 {
                let part = cost.committed[scope] ?? (0, 0)
                cost.committed[scope] = (part.current, part.recommended + replacement.monthly.dollars * current.billedScale * billed.committedShare)
            }
        }
        return cost
    }

    /// Volumes that go (or stay, `removed: false`), at the bill's cost where it has them.
    public static func volumes(_ parts: [(list: Money, billed: Money?, id: String?)], removed: Bool) -> BilledCost? {
        var cost = BilledCost()
        for part in parts { cost.add(volumeList: part.list.dollars, billedMonthly: part.billed, volumeId: part.id, removed: removed) }
        return cost.isBilled ? cost : nil
    }
}
