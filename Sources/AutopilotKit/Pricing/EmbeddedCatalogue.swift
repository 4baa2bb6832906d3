import NIOConcurrencyHelpers

/// The compiled-in EC2 price catalogue (EmbeddedPrices.swift, generated; PRICES.md says from what), read
/// a region at a time on first use: a run prices one or two regions, so the other thirty are never parsed.
final class EmbeddedCatalogue: Sendable {
    static let shared = EmbeddedCatalogue()

    private struct Prices {
        var linux: Double?
        var windows: Double?
    }

    /// type → (vCPU, GiB).
    private let specs: [String: (vcpu: Double, memoryGiB: Double)]
    private let regions = NIOLockedValueBox<[String: [String: Prices]]>([:])

    private init() {
        var specs: [String: (Double, Double)] = [:]
        for line in PriceTable.embeddedSpecs.split(separator: "\n") {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            guard cells.count == 3, let vcpu = Double(cells[1]), let memory = Double(cells[2]) else { continue }
            specs[String(cells[0])] = (vcpu, memory)
        }
        self.specs = specs
    }

    private func prices(in region: String) -> [String: Prices] {
        regions.withLockedValue { cache in
            if let parsed = cache[region] { return parsed }
            var parsed: [String: Prices] = [:]
            for line in (PriceTable.embeddedEC2[region] ?? "").split(separator: "\n") {
                let cells = line.split(separator: ",", omittingEmptySubsequences: false)
                guard cells.count == 3 else { continue }
                parsed[String(cells[0])] = Prices(linux: Double(cells[1]), windows: Double(cells[2]))
            }
            cache[region] = parsed
            return parsed
        }
    }

    private func instance(_ type: String, _ prices: Prices, os: PriceTable.OperatingSystem) -> PriceTable.Instance? {
        guard let spec = specs[type], let hourly = os == .windows ? prices.windows : prices.linux else { return nil }
        return PriceTable.Instance(vcpu: spec.vcpu, memoryGiB: spec.memoryGiB, onDemandHourly: hourly)
    }

    func instance(_ type: String, region: String, os: PriceTable.OperatingSystem) -> PriceTable.Instance? {
        prices(in: region)[type].flatMap { instance(type, $0, os: os) }
    }

    func instances(in region: String, os: PriceTable.OperatingSystem) -> [String: PriceTable.Instance] {
        var all: [String: PriceTable.Instance] = [:]
        for (type, prices) in prices(in: region) {
            if let row = instance(type, prices, os: os) { all[type] = row }
        }
        return all
    }

    /// Every region the catalogue prices.
    var regionNames: [String] { PriceTable.embeddedEC2.keys.sorted() }
}
