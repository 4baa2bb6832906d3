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
    /// The customer's billing exports (`--billing`): what nodes and volumes really cost, beside list prices.
    public var bill: Bill?

    /// The share off on-demand a spot node is priced at without a spot price: the one default every tool uses.
    public static let defaultSpotDiscount = 0.65

    public init(prices: PriceTable = .embedded(), spotDiscount: Double = CostModel.defaultSpotDiscount, bill: Bill? = nil) {
        self.prices = prices
        self.spotDiscount = spotDiscount
        self.bill = bill
    }

    /// A node's hourly price and where it came from.
    public struct NodePrice: Equatable, Sendable {
        public var hourly: Double
        /// `on-demand`, `spot` (from a price file) or `spot-discount` (on-demand less the discount).
        public var source: String
        /// What the bill says the node costs, when `--billing` has it.
        public var billed: BilledRate?
        public init(hourly: Double, source: String, billed: BilledRate? = nil) {
            self.hourly = hourly
            self.source = source
            self.billed = billed
        }
        public var monthly: Money { Money(dollars: hourly * CostModel.hoursPerMonth) }
        /// The bill's rate over the list one (1 without a bill).
        public var billedScale: Double { billed.map { hourly > 0 ? $0.hourly / hourly : 1 } ?? 1 }
    }

    /// Nil when the instance type or region is not in the table for the node's operating system: the
    /// caller reports it and prices nothing (a Windows node is never priced as Linux). A Fargate node
    /// is priced by its size at Fargate's per-vCPU and per-GB rates.
    public func price(of node: Observed.Node) -> NodePrice? {
        if node.isFargate { return fargatePrice(of: node) }
        guard let type = node.instanceType, let region = node.region,
            let instance = prices.instance(type, region: region, os: node.operatingSystem)
        else { return nil }
        var price = price(of: instance, capacityType: node.capacityType)
        price.billed = billedRate(of: node)
        return price
    }

    /// A Fargate pod's micro-VM: its vCPU and GiB (the node's capacity, which Fargate sizes to the pod,
    /// rounded up to a size it sells) at the region's rates for the architecture.
    func fargatePrice(of node: Observed.Node) -> NodePrice? {
        guard let cores = node.allocatable.cpu, let bytes = node.allocatable.memory, let rate = fargateRate(of: node) else { return nil }
        return NodePrice(hourly: cores * rate.vcpuHour + Double(bytes) / Self.gib * rate.gbHour, source: "fargate")
    }

    /// The region's Fargate rates for the node's architecture (`kubernetes.io/arch`, amd64 by default) and OS.
    private func fargateRate(of node: Observed.Node) -> PriceTable.FargateRate? {
        guard let region = node.region else { return nil }
        return prices.fargate(region: region, architecture: node.labels["kubernetes.io/arch"] ?? "amd64", os: node.operatingSystem)
    }

    /// The node's own cost in the bill (by its instance id), else the bill's rate for its instance type
    /// and purchase option in its region; nil when the bill has neither.
    public func billedRate(of node: Observed.Node) -> BilledRate? {
        guard let bill else { return nil }
        if let id = node.instanceId, let resource = bill.instances[id], let hourly = resource.hourly {
            return BilledRate(hourly: hourly, committedShare: resource.committedShare, scope: scope(resource.commitment, node),
                              basis: "instance \(id) in the bill: \(Self.rate(hourly)) effective over \(Self.hours(resource.hours))", resourceId: id,
                              onDemandCell: cell(node))
        }
        guard let type = node.instanceType, let region = node.region,
            let rate = bill.rate(region: region, instanceType: type, os: node.operatingSystem, spot: node.capacityType == "spot")
        else { return nil }
        return BilledRate(hourly: rate.hourly, committedShare: rate.committedShare, scope: scope(rate.commitment, node),
                          basis: "\(type) in \(region) in the bill: \(Self.rate(rate.hourly)) effective over \(Self.hours(rate.hours))",
                          resourceId: node.instanceId, onDemandCell: cell(node))
    }

    /// The on-demand usage a node's hours are, for the realisable-savings pools; nil for spot.
    private func cell(_ node: Observed.Node) -> OnDemandCell? {
        guard node.capacityType != "spot", let region = node.region, let type = node.instanceType else { return nil }
        return OnDemandCell(region: region, family: InstanceFamily.of(type), operatingSystem: node.operatingSystem)
    }

    private func scope(_ purchase: BillingLine.Purchase?, _ node: Observed.Node) -> CommitmentScope? {
        switch purchase {
        case .savingsPlan: return .savingsPlan
        case .reserved: return .reservedInstance(region: node.region ?? "", family: InstanceFamily.of(node.instanceType ?? ""))
        default: return nil
        }
    }

    static func rate(_ hourly: Double) -> String { "$" + String(format: "%.4f", hourly) + "/h" }
    static func hours(_ hours: Double) -> String { String(format: "%.0f", hours) + " instance-hours" }

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
        /// The node's price in the bill, when `--billing` has it (the split between CPU and memory is the same).
        public var billed: BilledRate? = nil
        public var billedScale = 1.0

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
        // Fargate sells vCPU and GB at rates of their own: no split needed.
        if node.isFargate, let rate = fargateRate(of: node) {
            return Rates(perCoreHour: rate.vcpuHour, perGiBHour: rate.gbHour, source: price.source)
        }
        let cpuShare = cores * Self.cpuWeight / (cores * Self.cpuWeight + gib * Self.memoryWeight)
        return Rates(perCoreHour: price.hourly * cpuShare / cores, perGiBHour: price.hourly * (1 - cpuShare) / gib, source: price.source,
                     billed: price.billed, billedScale: price.billedScale)
    }

    /// What the bill says a volume costs a month (by its volume id), when `--billing` has it.
    public func billedMonthlyCost(of volume: Observed.Volume) -> Money? {
        guard let id = volume.volumeHandle, let resource = bill?.volumes[id] else { return nil }
        return resource.monthly
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
