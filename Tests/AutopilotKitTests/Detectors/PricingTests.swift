import XCTest
@testable import AutopilotKit

final class PricingTests: XCTestCase {
    private let regions: Set<String> = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1"]

    // MARK: Embedded table

    func testEmbeddedTableHasTheDocumentedPrices() throws {
        let table = PriceTable.embedded()
        XCTAssertEqual(table.instance("m5.xlarge", region: "us-east-1"),
                       PriceTable.Instance(vcpu: 4, memoryGiB: 16, onDemandHourly: 0.192))
        XCTAssertEqual(table.instance("m6i.2xlarge", region: "us-east-1")?.onDemandHourly, 0.384)
        XCTAssertEqual(table.instance("m6i.2xlarge", region: "us-east-1")?.memoryGiB, 32)
        XCTAssertEqual(table.instance("c6i.2xlarge", region: "us-east-1")?.onDemandHourly, 0.34)
        XCTAssertNil(table.instance("m5.xlarge", region: "ap-south-1"))
        XCTAssertNil(table.instance("x9.mega", region: "us-east-1"))
        XCTAssertEqual(Set(table.instances.keys), regions)
        XCTAssertEqual(Set(table.storage.keys), regions)
        for region in regions {
            XCTAssertNotNil(table.instance("m5.xlarge", region: region), region)
            XCTAssertNotNil(table.volume("gp3", region: region), region)
        }
        XCTAssertNil(table.instance("m5.xlarge", region: "us-east-1")?.spotHourly)
    }

    func testEmbeddedEBSPrices() throws {
        let table = PriceTable.embedded()
        XCTAssertEqual(table.volume("gp2", region: "us-east-1"), PriceTable.Storage(gbMonth: 0.10))
        XCTAssertEqual(table.volume("gp3", region: "us-east-1"), PriceTable.Storage(gbMonth: 0.08, iopsMonth: 0.005, throughputMonth: 0.04))
        XCTAssertEqual(table.volume("io2", region: "us-east-1"), PriceTable.Storage(gbMonth: 0.125, iopsMonth: 0.065))
    }

    // MARK: Price files

    func testCSVOverrideChangesOnlyTheColumnsItFills() throws {
        var table = PriceTable.embedded()
        try table.merge(csv: "region,instanceType,onDemandHourly\nus-east-1,m5.xlarge,0.18\n", source: "prices.csv")
        let instance = try XCTUnwrap(table.instance("m5.xlarge", region: "us-east-1"))
        XCTAssertEqual(instance.onDemandHourly, 0.18)
        XCTAssertEqual(instance.vcpu, 4, "vcpu is kept")
        XCTAssertEqual(instance.memoryGiB, 16, "memory is kept")
        XCTAssertEqual(table.instance("m5.xlarge", region: "us-west-2")?.onDemandHourly, 0.192, "other regions untouched")
    }

    func testCSVOverrideWithEmptyCellsCommentsAndBlankLines() throws {
        // LF only: a CRLF file is not split into lines (see the report; "\r\n" is one Character in Swift).
        var table = PriceTable.embedded()
        try table.merge(csv: "region,instanceType,vcpu,memoryGiB,onDemandHourly,spotHourly\n# a comment\n\nus-east-1,m5.xlarge,,,,0.07\n\n",
                        source: "prices.csv")
        XCTAssertEqual(table.instance("m5.xlarge", region: "us-east-1"),
                       PriceTable.Instance(vcpu: 4, memoryGiB: 16, onDemandHourly: 0.192, spotHourly: 0.07))
    }

    func testNewRowMissingColumnsNamesItsLine() {
        var table = PriceTable.embedded()
        let csv = "region,instanceType,onDemandHourly\nus-east-1,m5.xlarge,0.18\nap-south-1,m5.xlarge,0.2\n"
        XCTAssertThrowsError(try table.merge(csv: csv, source: "prices.csv")) { error in
            guard let error = error as? PriceFileError else { return XCTFail("not a PriceFileError: \(error)") }
            XCTAssertEqual(error.line, 3)
            XCTAssertEqual(error.source, "prices.csv")
            XCTAssertTrue(error.description.hasPrefix("prices.csv:3:"), error.description)
            XCTAssertTrue(error.message.contains("m5.xlarge"), error.message)
            XCTAssertTrue(error.message.contains("vcpu"), error.message)
        }
    }

    func testBadCellsAreErrors() {
        var table = PriceTable()
        XCTAssertThrowsError(try table.merge(csv: "region,instanceType,vcpu,memoryGiB,onDemandHourly\nus-east-1,m5.xlarge,4,16,cheap\n",
                                             source: "p.csv")) { error in
            let priceError = error as? PriceFileError
            XCTAssertEqual(priceError?.line, 2)
            XCTAssertEqual(priceError?.message.contains("onDemandHourly 'cheap'"), true, "\(error)")
        }
        XCTAssertThrowsError(try table.merge(csv: "region,instanceType,vcpu,memoryGiB,onDemandHourly\nus-east-1,m5.xlarge,4,16\n",
                                             source: "p.csv")) { error in
            XCTAssertEqual((error as? PriceFileError)?.line, 2)
        }
        XCTAssertThrowsError(try table.merge(csv: "region,gbMonth\nus-east-1,0.1\n", source: "p.csv")) { error in
            XCTAssertEqual((error as? PriceFileError)?.message.contains("instanceType or volumeType"), true, "\(error)")
        }
    }

    func testJSONPriceFile() throws {
        var table = PriceTable.embedded()
        let json = try JSON.parse("""
            {"ec2": [{"region": "us-east-1", "instanceType": "m5.xlarge", "spotHourly": 0.07},
                     {"region": "ap-south-1", "instanceType": "m5.xlarge", "vcpu": 4, "memoryGiB": 16, "onDemandHourly": "0.2"}],
             "ebs": [{"region": "us-east-1", "volumeType": "gp3", "gbMonth": 0.09}]}
            """)
        try table.merge(json: json, source: "prices.json")
        XCTAssertEqual(table.instance("m5.xlarge", region: "us-east-1"),
                       PriceTable.Instance(vcpu: 4, memoryGiB: 16, onDemandHourly: 0.192, spotHourly: 0.07))
        XCTAssertEqual(table.instance("m5.xlarge", region: "ap-south-1"),
                       PriceTable.Instance(vcpu: 4, memoryGiB: 16, onDemandHourly: 0.2))
        XCTAssertEqual(table.volume("gp3", region: "us-east-1"), PriceTable.Storage(gbMonth: 0.09, iopsMonth: 0.005, throughputMonth: 0.04))

        let rows = try JSON.parse(#"[{"region": "us-east-1", "instanceType": "m5.xlarge", "onDemandHourly": 0.2}]"#)
        try table.merge(json: rows, source: "prices.json")
        XCTAssertEqual(table.instance("m5.xlarge", region: "us-east-1")?.onDemandHourly, 0.2)

        XCTAssertThrowsError(try table.merge(json: try JSON.parse(#"[{"region": "us-east-1", "instanceType": "z9.large"}]"#),
                                             source: "prices.json")) { error in
            XCTAssertEqual((error as? PriceFileError)?.line, 1)
        }
    }

    // MARK: Money

    func testMoneyRoundsHalfAwayFromZero() {
        XCTAssertEqual(Money(dollars: 0.125).cents, 13)
        XCTAssertEqual(Money(dollars: -0.125).cents, -13)
        XCTAssertEqual(Money(dollars: 280.32).cents, 28_032)
        XCTAssertEqual(Money(dollars: 0.384 * 730).cents, 28_032)
        XCTAssertEqual(Money(dollars: 0.004).cents, 0)
        XCTAssertEqual(Money(dollars: 1234.5649).cents, 123_456)
        XCTAssertEqual(Money(cents: 1_050).dollars, 10.5)
        XCTAssertEqual([Money(cents: 1), Money(cents: 2), Money(cents: -5)].sum(), Money(cents: -2))
        XCTAssertEqual([Money]().sum(), .zero)
        XCTAssertLessThan(Money(cents: -1), .zero)
    }

    func testMoneyDescription() {
        XCTAssertEqual(Money(cents: 123_456).description, "$1,234.56")
        XCTAssertEqual(Money(cents: -81).description, "-$0.81")
        XCTAssertEqual(Money(cents: 0).description, "$0.00")
        XCTAssertEqual(Money(cents: 5).description, "$0.05")
        XCTAssertEqual(Money(cents: 28_032).description, "$280.32")
        XCTAssertEqual(Money(cents: -1_200).description, "-$12.00")
        XCTAssertEqual(Money(cents: 100_000).description, "$1,000.00")
        XCTAssertEqual(Money(cents: 123_456_789_00).description, "$123,456,789.00")
        XCTAssertEqual("\(Money(dollars: 50))", "$50.00")
        XCTAssertEqual(Money(cents: 5_000).json, JSONValue.double(50))
    }

    // MARK: Cost model

    private func m5xlarge(capacityType: String = "on-demand") -> Observed.Node {
        Fixtures.node("ip-10-0-8-80.ec2.internal", type: "m5.xlarge", capacityType: capacityType)
    }

    func testRatesSplitSumsBackToTheNodePrice() throws {
        let model = CostModel()
        for node in [m5xlarge(), Fixtures.node("ip-10-0-8-81.ec2.internal"),
                     Fixtures.node("ip-10-0-8-82.ec2.internal", type: "c6i.2xlarge", cpu: 7.91, memory: 14_918_524_928)] {
            let rates = try XCTUnwrap(model.rates(on: node), node.name)
            let hourly = try XCTUnwrap(model.price(of: node)?.hourly)
            let cores = try XCTUnwrap(node.allocatable.cpu)
            let bytes = try XCTUnwrap(node.allocatable.memory)
            let gibs = Double(bytes) / 1_073_741_824
            XCTAssertEqual(cores * rates.perCoreHour + gibs * rates.perGiBHour, hourly, accuracy: 1e-9, node.name)
            XCTAssertEqual(rates.monthly(cpu: cores, memory: bytes), hourly * 730, accuracy: 1e-6, node.name)
            // OpenCost's default rates, $0.031611 per core-hour and $0.004237 per GiB-hour: a core weighs 7.4607 GiB.
            XCTAssertEqual(rates.perCoreHour / rates.perGiBHour, 7.460703327826292, accuracy: 1e-9, node.name)
            XCTAssertEqual(rates.source, "on-demand")
        }
    }

    func testUnknownInstanceHasNoPriceOrRates() {
        let model = CostModel()
        let unknown = Fixtures.node("ip-10-0-8-83.ec2.internal", type: "x9.mega")
        XCTAssertNil(model.price(of: unknown))
        XCTAssertNil(model.rates(on: unknown))
        XCTAssertNil(model.price(of: Fixtures.node("ip-10-0-8-84.ec2.internal", region: nil)))
        XCTAssertNil(model.rates(on: Fixtures.node("ip-10-0-8-85.ec2.internal", cpu: 0)))
    }

    func testSpotUsesTheDefaultDiscount() throws {
        let model = CostModel()
        XCTAssertEqual(model.spotDiscount, 0.65)
        XCTAssertEqual(DetectionConfig().spotDiscount, 0.65)
        let spot = try XCTUnwrap(model.price(of: m5xlarge(capacityType: "spot")))
        XCTAssertEqual(spot.source, "spot-discount")
        XCTAssertEqual(spot.hourly, 0.192 * 0.35, accuracy: 1e-12)
        let onDemand = try XCTUnwrap(model.price(of: m5xlarge()))
        XCTAssertEqual(onDemand, CostModel.NodePrice(hourly: 0.192, source: "on-demand"))
        XCTAssertEqual(onDemand.monthly, Money(cents: 14_016))

        let cheaper = CostModel(spotDiscount: 0.7)
        XCTAssertEqual(try XCTUnwrap(cheaper.price(of: m5xlarge(capacityType: "spot"))).hourly, 0.192 * 0.3, accuracy: 1e-12)
    }

    func testSpotPriceFromAFileWins() throws {
        var table = PriceTable.embedded()
        try table.merge(csv: "region,instanceType,spotHourly\nus-east-1,m5.xlarge,0.0712\n", source: "spot.csv")
        let model = CostModel(prices: table)
        let spot = try XCTUnwrap(model.price(of: m5xlarge(capacityType: "spot")))
        XCTAssertEqual(spot, CostModel.NodePrice(hourly: 0.0712, source: "spot"))
        XCTAssertEqual(try XCTUnwrap(model.price(of: m5xlarge())).hourly, 0.192, "on-demand nodes keep the on-demand price")
        XCTAssertEqual(try XCTUnwrap(model.rates(on: m5xlarge(capacityType: "spot"))).source, "spot")
    }

    func testVolumeCost() throws {
        let model = CostModel()
        func cost(_ type: String, gib: Int64, iops: Int64? = nil, throughput: Int64? = nil, region: String = "us-east-1") -> Money? {
            let volume = Observed.Volume(name: "pv", claim: nil, phase: "Available", volumeType: type, sizeBytes: gib * 1_073_741_824,
                                         iops: iops, throughput: throughput)
            return model.monthlyCost(of: volume, region: region)
        }
        XCTAssertEqual(cost("gp2", gib: 500), Money(cents: 5_000))
        XCTAssertEqual(cost("gp3", gib: 100), Money(cents: 800))
        XCTAssertEqual(cost("gp3", gib: 100, iops: 6000, throughput: 250), Money(cents: 2_800))
        XCTAssertEqual(cost("gp3", gib: 100, iops: 2000, throughput: 100), Money(cents: 800), "below the free baseline")
        XCTAssertEqual(cost("io2", gib: 100, iops: 1000), Money(cents: 7_750))
        XCTAssertEqual(cost("io1", gib: 100, iops: 1000), Money(cents: 7_750))
        XCTAssertEqual(cost("gp2", gib: 100, iops: 300), Money(cents: 1_000), "gp2 IOPS come with the size")
        XCTAssertEqual(cost("gp2", gib: 100, region: "eu-west-1"), Money(cents: 1_100))
        XCTAssertNil(cost("gp2", gib: 100, region: "ap-south-1"))
        XCTAssertNil(cost("standard", gib: 100))
    }

    /// "\r\n" is a single Character in Swift: a CSV saved on Windows must still merge its rows.
    /// A Windows node (`kubernetes.io/os: windows`, as the kubelet labels it) is never priced at the Linux
    /// rate: unpriced, saying why, until a price file gives its Windows price.
    func testAWindowsNodeIsPricedAsWindowsOrNotAtAll() throws {
        let windows = Fixtures.node("ip-10-0-9-9.ec2.internal", type: "m5.xlarge", labels: ["kubernetes.io/os": "windows"])
        let linux = Fixtures.node("ip-10-0-9-10.ec2.internal", type: "m5.xlarge")
        XCTAssertEqual(windows.operatingSystem, .windows)
        XCTAssertEqual(linux.operatingSystem, .linux)
        var cluster = Fixtures.cluster()
        cluster.add(windows)
        cluster.add(linux)
        let embedded = CostModel()
        XCTAssertNil(embedded.price(of: windows))
        XCTAssertEqual(embedded.price(of: linux)?.hourly, 0.192)
        let context = DetectionContext(cluster: cluster, costs: embedded, now: Fixtures.now)
        XCTAssertEqual(context.unpricedNodes.map(\.reason), [
            "Windows instance type m5.xlarge in us-east-1 has no Windows price (the embedded table is Linux only; a --prices row with operatingSystem Windows prices it)",
        ])
        var table = PriceTable.embedded()
        try table.merge(csv: "region,instanceType,vcpu,memoryGiB,onDemandHourly,operatingSystem\nus-east-1,m5.xlarge,4,16,0.376,Windows\n", source: "windows.csv")
        XCTAssertEqual(table.instance("m5.xlarge", region: "us-east-1")?.onDemandHourly, 0.192, "the Linux row is untouched")
        let priced = CostModel(prices: table)
        // $0.376 an hour × 730 hours.
        XCTAssertEqual(priced.price(of: windows)?.monthly, Money(cents: 27_448))
        XCTAssertEqual(priced.price(of: linux)?.hourly, 0.192)
        XCTAssertThrowsError(try table.merge(csv: "region,instanceType,onDemandHourly,operatingSystem\nus-east-1,m5.xlarge,0.5,macOS\n", source: "bad.csv")) { error in
            XCTAssertEqual((error as? PriceFileError)?.message, "operatingSystem 'macOS' is neither Linux nor Windows")
        }
    }

    func testCSVWithWindowsLineEndings() throws {
        var table = PriceTable.embedded()
        try table.merge(csv: "region,instanceType,onDemandHourly\r\nus-east-1,m5.xlarge,0.18\r\n", source: "prices.csv")
        XCTAssertEqual(table.instance("m5.xlarge", region: "us-east-1")?.onDemandHourly, 0.18)
    }
}
