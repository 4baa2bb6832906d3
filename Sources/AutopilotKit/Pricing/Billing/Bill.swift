import Foundation

/// What a customer's billing exports say EC2 instances and EBS volumes cost: per resource id, per
/// (region, instance type, operating system, purchase option), and the commitments left unused.
///
/// Every figure is the amortised *effective* cost: usage a Reserved Instance or Savings Plan covers at
/// the commitment's effective rate, after negotiated discounts. The unused part of a commitment is kept
/// apart (`unusedCommitment`), never spread onto the resources that run.
public struct Bill: Sendable {
    /// What one resource cost over the bill.
    public struct Resource: Sendable {
        public var effectiveCost = 0.0
        /// Effective cost by purchase option (instances).
        public var costBy: [BillingLine.Purchase: Double] = [:]
        public var region: String?
        public var instanceType: String?
        public var operatingSystem: PriceTable.OperatingSystem?
        public var cluster: String?
        public var start: Date?
        public var end: Date?
        /// Usage by UTC day: the first charge's start and the last one's end that day, the quantity the lines
        /// state and what they cost. Days, not charge periods, so an hourly year of ten thousand resources
        /// stays a few hundred thousand entries.
        private var days: [Int32: Day] = [:]
        private var undatedQuantity = 0.0

        struct Day {
            var start: Date
            var end: Date
            var quantity: Double
            var cost: Double
        }

        /// Instance-hours: per day, the lines' quantities summed and capped at the span the day's charges
        /// cover (an hour split over two lines, part covered by a commitment and part on demand, is one
        /// hour, however each line states its share).
        public var hours: Double {
            days.values.reduce(undatedQuantity) { $0 + min($1.end.timeIntervalSince($1.start) / 3600, max(0, $1.quantity)) }
        }

        /// Effective dollars per hour.
        public var hourly: Double? {
            let hours = hours
            return hours > 0 ? effectiveCost / hours : nil
        }

        /// The share of the resource's cost a Reserved Instance or Savings Plan paid for.
        public var committedShare: Double {
            guard effectiveCost > 0 else { return 0 }
            return min(1, max(0, ((costBy[.reserved] ?? 0) + (costBy[.savingsPlan] ?? 0)) / effectiveCost))
        }

        /// The purchase option that paid for the most.
        public var purchase: BillingLine.Purchase? { costBy.max { ($0.value, $1.key.rawValue) < ($1.value, $0.key.rawValue) }?.key }

        /// The commitment that paid for the larger part of the committed cost, if any did.
        public var commitment: BillingLine.Purchase? { Bill.larger(reserved: costBy[.reserved], plan: costBy[.savingsPlan]) }

        /// A volume's cost at a month of 730 hours, by the span between its first and last charge.
        public var monthly: Money? {
            guard let start, let end, end > start else { return nil }
            return Money(dollars: effectiveCost / (end.timeIntervalSince(start) / 3600) * CostModel.hoursPerMonth)
        }

        /// The cost of the days whose charges began before `date` (to the day), and the hours they span.
        public func before(_ date: Date) -> (cost: Double, hours: Double)? {
            let earlier = days.values.filter { $0.start < date }
            guard let first = earlier.map(\.start).min(), let last = earlier.map(\.end).max() else { return nil }
            return (earlier.map(\.cost).reduce(0, +), last.timeIntervalSince(first) / 3600)
        }

        /// The cost of the days whose charges began at or after `date`.
        public func cost(from date: Date) -> Double { days.values.filter { $0.start >= date }.map(\.cost).reduce(0, +) }

        /// A negotiated discount on the resource's usage (a CUR discount line), spread over its days by cost.
        mutating func discount(_ dollars: Double) {
            let before = effectiveCost
            effectiveCost += dollars
            costBy[.onDemand, default: 0] += dollars
            guard before != 0 else { return }
            for key in days.keys { days[key]!.cost *= effectiveCost / before }
        }

        mutating func add(_ line: BillingLine) {
            effectiveCost += line.effectiveCost
            region = region ?? line.region
            if cluster == nil { cluster = line.clusterTag() }
            if let lineStart = line.start, start.map({ lineStart < $0 }) ?? true { start = lineStart }
            if let lineEnd = line.end, end.map({ lineEnd > $0 }) ?? true { end = lineEnd }
        }

        mutating func addUsage(_ line: BillingLine, purchase: BillingLine.Purchase) {
            add(line)
            costBy[purchase, default: 0] += line.effectiveCost
            if let start = line.start, let end = line.end, end > start {
                let key = Int32(clamping: Int64((start.timeIntervalSince1970 / 86_400).rounded(.down)))
                if var day = days[key] {
                    day.start = min(day.start, start)
                    day.end = max(day.end, end)
                    day.quantity += line.quantity
                    day.cost += line.effectiveCost
                    days[key] = day
                } else {
                    days[key] = Day(start: start, end: end, quantity: line.quantity, cost: line.effectiveCost)
                }
            } else {
                undatedQuantity += line.quantity
            }
        }
    }

    /// Instance-hours of one kind of capacity, and what they cost.
    public struct RateKey: Hashable, Sendable {
        public var region: String
        public var instanceType: String
        public var operatingSystem: PriceTable.OperatingSystem
        public var purchase: BillingLine.Purchase
    }

    public struct Rate: Sendable {
        public var hours = 0.0
        public var effectiveCost = 0.0
        public var hourly: Double { hours > 0 ? effectiveCost / hours : 0 }
    }

    /// The files read and the format of each.
    public var files: [(path: String, format: BillingColumns.Format, lines: Int)] = []
    /// The earliest charge start and the latest charge end.
    public var start: Date?
    public var end: Date?
    /// Instances by id (`i-…`).
    public var instances: [String: Resource] = [:]
    /// EBS volumes by id (`vol-…`).
    public var volumes: [String: Resource] = [:]
    public var rates: [RateKey: Rate] = [:]
    /// The unused part of Reserved Instances and Savings Plans over the bill, by purchase option.
    public var unusedCommitment: [BillingLine.Purchase: Double] = [:]
    /// Negotiated discounts on lines of their own (a CUR without net cost columns), by the id they name,
    /// applied once every file is read (`applyDiscounts`): a discount line may come before its usage.
    var pendingDiscounts: [String: Double] = [:]
    /// Discounts that name no instance or volume of the bill: they price nothing and are said.
    public var unattributedDiscount = 0.0
    /// Instance-hour lines that named no instance type or region (priced by nothing).
    public var unreadableInstanceLines = 0

    public init() {}

    /// The bill's length in hours.
    public var hours: Double? {
        guard let start, let end, end > start else { return nil }
        return end.timeIntervalSince(start) / 3600
    }

    /// Dollars over the bill as dollars a month of 730 hours.
    public func monthly(_ dollars: Double) -> Money {
        guard let hours, hours > 0 else { return Money(dollars: dollars) }
        return Money(dollars: dollars / hours * CostModel.hoursPerMonth)
    }

    public mutating func add(_ line: BillingLine) {
        if let lineStart = line.start, start.map({ lineStart < $0 }) ?? true { start = lineStart }
        if let lineEnd = line.end, end.map({ lineEnd > $0 }) ?? true { end = lineEnd }
        switch line.kind {
        case .instanceHours:
            guard let purchase = line.purchase else { return }
            if let id = line.resourceId {
                var resource = instances[id] ?? Resource()
                resource.addUsage(line, purchase: purchase)
                resource.instanceType = resource.instanceType ?? line.instanceType
                resource.operatingSystem = resource.operatingSystem ?? line.operatingSystem
                instances[id] = resource
            }
            guard let type = line.instanceType, let region = line.region else {
                unreadableInstanceLines += 1
                return
            }
            // Instances on RHEL, SUSE or with SQL Server carry a license: not a price for a Linux or Windows node.
            guard let os = line.operatingSystem else { return }
            let key = RateKey(region: region, instanceType: type, operatingSystem: os, purchase: purchase)
            rates[key, default: Rate()].hours += line.quantity
            rates[key, default: Rate()].effectiveCost += line.effectiveCost
        case .volume:
            guard let id = line.resourceId else { return }
            var resource = volumes[id] ?? Resource()
            resource.addUsage(line, purchase: .onDemand)
            volumes[id] = resource
        case .unusedCommitment:
            unusedCommitment[line.purchase ?? .reserved, default: 0] += line.effectiveCost
        case .discount:
            if let id = line.resourceId {
                pendingDiscounts[id, default: 0] += line.effectiveCost
            } else {
                unattributedDiscount += line.effectiveCost
            }
        case .other:
            break
        }
    }

    /// Puts the discount lines on the instances and volumes they name, and on the on-demand rate of the
    /// instance's type; what names nothing in the bill is `unattributedDiscount`.
    public mutating func applyDiscounts() {
        for (id, dollars) in pendingDiscounts.sorted(by: { $0.key < $1.key }) {
            if var instance = instances[id] {
                instance.discount(dollars)
                instances[id] = instance
                if let type = instance.instanceType, let region = instance.region, let os = instance.operatingSystem {
                    rates[RateKey(region: region, instanceType: type, operatingSystem: os, purchase: .onDemand), default: Rate()].effectiveCost += dollars
                }
            } else if var volume = volumes[id] {
                volume.discount(dollars)
                volumes[id] = volume
            } else {
                unattributedDiscount += dollars
            }
        }
        pendingDiscounts = [:]
    }

    // MARK: Prices

    /// The effective hourly rate of an instance type in a region: on-demand, Reserved Instance and
    /// Savings Plan hours together (what that capacity costs on average), or spot alone; with the share
    /// of their cost a commitment paid for.
    public func rate(region: String, instanceType: String, os: PriceTable.OperatingSystem, spot: Bool)
        -> (hourly: Double, committedShare: Double, commitment: BillingLine.Purchase?, hours: Double)?
    {
        let purchases: [BillingLine.Purchase] = spot ? [.spot] : [.onDemand, .reserved, .savingsPlan]
        var total = Rate()
        var committed: [BillingLine.Purchase: Double] = [:]
        for purchase in purchases {
            guard let rate = rates[RateKey(region: region, instanceType: instanceType, operatingSystem: os, purchase: purchase)] else { continue }
            total.hours += rate.hours
            total.effectiveCost += rate.effectiveCost
            if purchase == .reserved || purchase == .savingsPlan { committed[purchase] = rate.effectiveCost }
        }
        guard total.hours > 0 else { return nil }
        let share = total.effectiveCost > 0 ? committed.values.reduce(0, +) / total.effectiveCost : 0
        let commitment = Self.larger(reserved: committed[.reserved], plan: committed[.savingsPlan])
        return (total.hourly, min(1, max(0, share)), commitment, total.hours)
    }

    /// A month of on-demand instance spend by (region, family, operating system): what a freed commitment
    /// could cover instead. A Savings Plan (Compute Savings Plans apply to any EC2 usage) reaches every cell;
    /// a regional Reserved Instance (size-flexible within its family, Linux) its own family's Linux cell.
    public var onDemandCells: [OnDemandCell: Money] {
        var dollars: [OnDemandCell: Double] = [:]
        for (key, rate) in rates where key.purchase == .onDemand {
            dollars[OnDemandCell(region: key.region, family: InstanceFamily.of(key.instanceType), operatingSystem: key.operatingSystem), default: 0]
                += rate.effectiveCost
        }
        return dollars.mapValues(monthly)
    }

    /// The commitment that paid the larger part of a committed cost (a Savings Plan on a tie); nil when none paid.
    static func larger(reserved: Double?, plan: Double?) -> BillingLine.Purchase? {
        let reserved = reserved ?? 0, plan = plan ?? 0
        guard reserved > 0 || plan > 0 else { return nil }
        return plan >= reserved ? .savingsPlan : .reserved
    }

    /// Whether the bill already shows that kind of commitment unused: freeing more only adds to it.
    public func hasUnused(_ purchase: BillingLine.Purchase) -> Bool { (unusedCommitment[purchase] ?? 0) > 0.005 }

    /// The on-demand spend a scope reaches (ignoring what other findings already claimed).
    public func absorbableOnDemand(for scope: CommitmentScope) -> Money {
        if hasUnused(scope.purchase) { return .zero }
        return onDemandCells.filter { scope.reaches($0.key) }.values.sum()
    }
}

/// On-demand usage of one family in one region, for one operating system.
public struct OnDemandCell: Hashable, Sendable, Comparable {
    public var region: String
    public var family: String
    public var operatingSystem: PriceTable.OperatingSystem

    public static func < (lhs: OnDemandCell, rhs: OnDemandCell) -> Bool {
        (lhs.region, lhs.family, lhs.operatingSystem.rawValue) < (rhs.region, rhs.family, rhs.operatingSystem.rawValue)
    }
}

/// Which on-demand usage a commitment can move to when the capacity it covers goes away.
public enum CommitmentScope: Hashable, Sendable, CustomStringConvertible {
    case savingsPlan
    case reservedInstance(region: String, family: String)

    public var purchase: BillingLine.Purchase {
        switch self {
        case .savingsPlan: return .savingsPlan
        case .reservedInstance: return .reserved
        }
    }

    /// Whether a freed commitment of this scope applies to that on-demand usage.
    public func reaches(_ cell: OnDemandCell) -> Bool {
        switch self {
        case .savingsPlan: return true
        case .reservedInstance(let region, let family): return cell.region == region && cell.family == family && cell.operatingSystem == .linux
        }
    }

    public var description: String {
        switch self {
        case .savingsPlan: return "Savings Plan"
        case .reservedInstance(let region, let family): return "Reserved Instance (\(family) in \(region))"
        }
    }
}

enum InstanceFamily {
    /// `m5` from `m5.large`.
    static func of(_ type: String) -> String { String(type.prefix { $0 != "." }) }
}
