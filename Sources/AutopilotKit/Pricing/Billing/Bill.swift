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
        /// The public on-demand cost of the same usage, where the export states it.
        public var listCost = 0.0
        public var hasListCost = false
        /// Effective cost by purchase option (instances).
        public var costBy: [BillingLine.Purchase: Double] = [:]
        public var region: String?
        public var instanceType: String?
        public var operatingSystem: PriceTable.OperatingSystem?
        public var cluster: String?
        public var start: Date?
        public var end: Date?
        /// Instance usage by charge period: the period's length and the quantity its lines state. A
        /// period may be split over several lines (part covered by a commitment, part on demand).
        private var periods: [Date: (length: Double, quantity: Double, cost: Double)] = [:]
        private var undatedQuantity = 0.0

        /// Instance-hours: per charge period, the lines' quantities summed and capped at the period's
        /// length (split lines of one hour are one hour, however each states its share).
        public var hours: Double {
            periods.values.reduce(undatedQuantity) { $0 + min($1.length, $1.quantity) }
        }

        /// Effective dollars per hour.
        public var hourly: Double? {
            let hours = hours
            return hours > 0 ? effectiveCost / hours : nil
        }

        /// The share of the resource's cost a Reserved Instance or Savings Plan paid for.
        public var committedShare: Double {
            guard effectiveCost > 0 else { return 0 }
            return min(1, ((costBy[.reserved] ?? 0) + (costBy[.savingsPlan] ?? 0)) / effectiveCost)
        }

        /// The purchase option that paid for the most.
        public var purchase: BillingLine.Purchase? { costBy.max { ($0.value, $1.key.rawValue) < ($1.value, $0.key.rawValue) }?.key }

        /// A volume's cost at a month of 730 hours, by the span between its first and last charge.
        public var monthly: Money? {
            guard let start, let end, end > start else { return nil }
            return Money(dollars: effectiveCost / (end.timeIntervalSince(start) / 3600) * CostModel.hoursPerMonth)
        }

        /// The cost of the charges that began before `date`, and the hours they span from the first.
        public func before(_ date: Date) -> (cost: Double, hours: Double)? {
            let earlier = periods.filter { $0.key < date }
            guard let first = earlier.keys.min() else { return nil }
            let last = earlier.map { $0.key.addingTimeInterval($0.value.length * 3600) }.max()!
            return (earlier.values.map(\.cost).reduce(0, +), last.timeIntervalSince(first) / 3600)
        }

        /// The cost of the charges that began at or after `date`.
        public func cost(from date: Date) -> Double { periods.filter { $0.key >= date }.values.map(\.cost).reduce(0, +) }

        mutating func add(_ line: BillingLine) {
            effectiveCost += line.effectiveCost
            if let list = line.listCost {
                listCost += list
                hasListCost = true
            }
            region = region ?? line.region
            cluster = cluster ?? line.cluster
            if let lineStart = line.start, start.map({ lineStart < $0 }) ?? true { start = lineStart }
            if let lineEnd = line.end, end.map({ lineEnd > $0 }) ?? true { end = lineEnd }
        }

        mutating func addUsage(_ line: BillingLine, purchase: BillingLine.Purchase) {
            add(line)
            costBy[purchase, default: 0] += line.effectiveCost
            if let start = line.start, let hours = line.hours {
                let period = periods[start] ?? (hours, 0, 0)
                periods[start] = (max(period.length, hours), period.quantity + line.quantity, period.cost + line.effectiveCost)
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
        public var listCost = 0.0
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
    /// Negotiated discounts on lines of their own that name no resource (with net cost columns absent).
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
            rates[key, default: Rate()].listCost += line.listCost ?? 0
        case .volume:
            guard let id = line.resourceId else { return }
            var resource = volumes[id] ?? Resource()
            resource.addUsage(line, purchase: .onDemand)
            volumes[id] = resource
        case .unusedCommitment:
            unusedCommitment[line.purchase ?? .reserved, default: 0] += line.effectiveCost
        case .discount:
            if let id = line.resourceId, instances[id] != nil {
                instances[id]!.effectiveCost += line.effectiveCost
                instances[id]!.costBy[.onDemand, default: 0] += line.effectiveCost
            } else if let id = line.resourceId, volumes[id] != nil {
                volumes[id]!.effectiveCost += line.effectiveCost
            } else {
                unattributedDiscount += line.effectiveCost
            }
        case .other:
            break
        }
    }

    // MARK: Prices

    /// The effective hourly rate of an instance type in a region: on-demand, Reserved Instance and
    /// Savings Plan hours together (what that capacity costs on average), or spot alone; with the share
    /// of their cost a commitment paid for.
    public func rate(region: String, instanceType: String, os: PriceTable.OperatingSystem, spot: Bool)
        -> (hourly: Double, committedShare: Double, hours: Double)?
    {
        let purchases: [BillingLine.Purchase] = spot ? [.spot] : [.onDemand, .reserved, .savingsPlan]
        var total = Rate()
        var committed = 0.0
        for purchase in purchases {
            guard let rate = rates[RateKey(region: region, instanceType: instanceType, operatingSystem: os, purchase: purchase)] else { continue }
            total.hours += rate.hours
            total.effectiveCost += rate.effectiveCost
            if purchase == .reserved || purchase == .savingsPlan { committed += rate.effectiveCost }
        }
        guard total.hours > 0 else { return nil }
        return (total.hourly, total.effectiveCost > 0 ? committed / total.effectiveCost : 0, total.hours)
    }

    /// A month of on-demand instance spend a freed commitment could cover instead: for a Savings Plan
    /// (Compute Savings Plans apply to any EC2 usage), all on-demand EC2 hours; for a Reserved Instance
    /// (regional RIs are size-flexible within a family in a region, Linux), the family's in that region.
    /// Nothing when the bill already shows that kind of commitment unused: freeing more only adds to it.
    public func absorbableOnDemand(for scope: CommitmentScope) -> Money {
        if (unusedCommitment[scope.purchase] ?? 0) > 0.005 { return .zero }
        var dollars = 0.0
        for (key, rate) in rates where key.purchase == .onDemand {
            switch scope {
            case .savingsPlan: dollars += rate.effectiveCost
            case .reservedInstance(let region, let family):
                if key.region == region && key.operatingSystem == .linux && InstanceFamily.of(key.instanceType) == family {
                    dollars += rate.effectiveCost
                }
            }
        }
        return monthly(dollars)
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
