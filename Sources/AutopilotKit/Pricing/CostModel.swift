/// Turns requests, nodes and volumes into monthly dollars.
///
/// A node's hourly price is split between CPU and memory in proportion to its allocatable cores and GiB,
/// weighted as OpenCost's default rates weigh them (CPU $0.031611 per core-hour against RAM $0.004237 per
/// GiB-hour, about 7.46 : 1). A container costs its requests times those per-unit rates on the node it
/// runs on, times 730 hours.
public struct CostModel: Sendable {
    public static let hoursPerMonth = 730.0
    public static let cpuWeight = 0.031611
    public static let memoryWeight = 0.004237
    static let gib = 1_073_741_824.0

    public var prices: PriceTable
    /// Fraction off on-demand for spot capacity when the table has no spot price.
    public var spotDiscount: Double

    public init(prices: PriceTable = .embedded(), spotDiscount: Double = 0.65) {
        self.prices = prices
        self.spotDiscount = spotDiscount
    }

    /// A node's hourly price and where it came from.
    public struct NodePrice: Equatable, Sendable {
        public var hourly: Double
        /// `on-demand`, `spot` (from a price file) or `spot-discount` (on-demand less the discount).
        public var source: String
        public init(hourly: Double, source: String) {
            self.hourly = hourly
            self.source = source
        }
        public var monthly: Money { Money(dollars: hourly * CostModel.hoursPerMonth) }
    }

    /// Nil when the instance type or region is not in the table for the node's operating system: the
    /// caller reports it and prices nothing (a Windows node is never priced as Linux).
    public func price(of node: Observed.Node) -> NodePrice? {
        guard let type = node.instanceType, let region = node.region,
            let instance = prices.instance(type, region: region, os: node.operatingSystem)
        else { return nil }
        return price(of: instance, capacityType: node.capacityType)
    }

    public func price(of instance: PriceTable.Instance, capacityType: String?) -> NodePrice {
        guard capacityType == "spot" else { return NodePrice(hourly: instance.onDemandHourly, source: "on-demand") }
        if let spot = instance.spotHourly { return NodePrice(hourly: spot, source: "spot") }
        return NodePrice(hourly: instance.onDemandHourly * (1 - spotDiscount), source: "spot-discount")
    }

    /// Dollars per core-hour and per GiB-hour of requests on this node.
    public struct Rates: Equatable, Sendable {
        public var perCoreHour: Double
        public var perGiBHour: Double
        public var source: String

        /// Monthly cost of holding these requests for the whole month.
        public func monthly(cpu: Double, memory: Int64) -> Double {
            (cpu * perCoreHour + Double(memory) / CostModel.gib * perGiBHour) * CostModel.hoursPerMonth
        }
    }

    public func rates(on node: Observed.Node) -> Rates? {
        guard let price = price(of: node), let cores = node.allocatable.cpu, let bytes = node.allocatable.memory,
            cores > 0, bytes > 0
        else { return nil }
        let gib = Double(bytes) / Self.gib
        let cpuShare = cores * Self.cpuWeight / (cores * Self.cpuWeight + gib * Self.memoryWeight)
        return Rates(perCoreHour: price.hourly * cpuShare / cores, perGiBHour: price.hourly * (1 - cpuShare) / gib, source: price.source)
    }

    /// Monthly cost of an EBS volume: size (GiB) × per-GB-month, plus IOPS and throughput above the free baseline.
    public func monthlyCost(of volume: Observed.Volume, region: String) -> Money? {
        guard let type = volume.volumeType, let size = volume.sizeBytes, let price = prices.volume(type, region: region) else { return nil }
        var dollars = Double(size) / Self.gib * price.gbMonth
        let freeIOPS: Int64 = type == "gp3" ? 3000 : 0
        if let iops = volume.iops, iops > freeIOPS, let perIOPS = price.iopsMonth, type == "gp3" || type == "io1" || type == "io2" {
            dollars += Double(iops - freeIOPS) * perIOPS
        }
        if type == "gp3", let throughput = volume.throughput, throughput > 125, let perMiBs = price.throughputMonth {
            dollars += Double(throughput - 125) * perMiBs
        }
        return Money(dollars: dollars)
    }
}
