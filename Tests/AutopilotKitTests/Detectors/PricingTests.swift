import XCTest
@testable import AutopilotKit

final class PricingTests: XCTestCase {
    // MARK: Embedded table

    func testEmbeddedTableHasTheDocumentedPrices() throws {
        let table = PriceTable.embedded()
        XCTAssertEqual(table.instance("m5.xlarge", region: "us-east-1"),
                       PriceTable.Instance(vcpu: 4, memoryGiB: 16, onDemandHourly: 0.192))
        XCTAssertEqual(table.instance("m6i.2xlarge", region: "us-east-1")?.onDemandHourly, 0.384)
        XCTAssertEqual(table.instance("m6i.2xlarge", region: "us-east-1")?.memoryGiB, 32)
        XCTAssertEqual(table.instance("c6i.2xlarge", region: "us-east-1")?.onDemandHourly, 0.34)
        XCTAssertNil(table.instance("x9.mega", region: "us-east-1"))
        XCTAssertNil(table.instance("m5.xlarge", region: "us-east-1")?.spotHourly)
        XCTAssertTrue(table.instances.isEmpty, "the compiled-in catalogue is not copied into the override maps")
        // The types a real EKS dump left unpriced before, and other kinds the table must carry (PRICES.md).
        XCTAssertEqual(table.instance("hpc6a.48xlarge", region: "us-east-2")?.onDemandHourly, 2.88)
        XCTAssertEqual(table.instance("im4gn.large", region: "us-east-2")?.onDemandHourly, 0.1819)
        for (type, region) in [("i4g.xlarge", "us-east-1"), ("r8g.large", "eu-west-1"), ("m7i-flex.large", "ap-south-1"),
                               ("g5.xlarge", "eu-north-1"), ("p4d.24xlarge", "us-east-1"), ("m5.metal", "sa-east-1"),
                               ("c7gn.xlarge", "us-east-1"), ("m8g.large", "ap-southeast-2"), ("c8g.large", "us-east-1")] {
            XCTAssertNotNil(table.instance(type, region: region), "\(type) in \(region)")
        }
        // Every region the catalogue has prices m5.large for Linux, and Windows above it (the license on top).
        XCTAssertGreaterThanOrEqual(EmbeddedCatalogue.shared.regionNames.count, 26)
        for region in EmbeddedCatalogue.shared.regionNames {
            let linux = try XCTUnwrap(table.instance("m5.large", region: region)?.onDemandHourly, region)
            let windows = try XCTUnwrap(table.instance("m5.large", region: region, os: .windows)?.onDemandHourly, region)
            XCTAssertGreaterThan(windows, linux, region)
        }
        XCTAssertEqual(table.instance("m5.xlarge", region: "us-east-1", os: .windows)?.onDemandHourly, 0.376, "0.192 + 4 vCPU × $0.046")
        XCTAssertNil(table.instance("m7g.large", region: "us-east-1", os: .windows), "no Windows on Graviton")
        XCTAssertEqual(table.fargate(region: "us-east-1", architecture: "amd64", os: .linux), PriceTable.FargateRate(vcpuHour: 0.04048, gbHour: 0.004445))
        XCTAssertEqual(table.fargate(region: "us-east-1", architecture: "arm64", os: .linux), PriceTable.FargateRate(vcpuHour: 0.03238, gbHour: 0.00356))
        XCTAssertNotNil(table.fargate(region: "eu-west-1", architecture: "amd64", os: .linux))
    }

    /// Every price row of the three tables has exactly one provenance line naming its source and date, and
    /// every method id it names is explained (pipelines/pricing/methods.csv).
    func testEveryPriceRowHasItsProvenance() throws {
        func rows(_ path: String) throws -> [[String]] {
            let text = try String(contentsOf: repositoryRoot.appendingPathComponent(path), encoding: .utf8)
            var out: [[String]] = []
            var reader = CSVReader()
            try Array(text.utf8).withUnsafeBufferPointer { bytes in try reader.feed(bytes) { out.append($0.fields) } }
            try reader.finish { out.append($0.fields) }
            return Array(out.dropFirst())
        }
        let ec2 = try rows("Sources/AutopilotKit/Pricing/prices-ec2.csv").map { ["ec2", $0[0], $0[1], $0[2]] }
        let ebs = try rows("Sources/AutopilotKit/Pricing/prices-ebs.csv").map { ["ebs", $0[0], $0[1], ""] }
        let fargate = try rows("Sources/AutopilotKit/Pricing/prices-fargate.csv").map { ["fargate", $0[0], $0[1], $0[2]] }
        let provenance = try rows("pipelines/pricing/provenance.csv")
        let methods = Set(try rows("pipelines/pricing/methods.csv").map { $0[0] })
        XCTAssertEqual(provenance.map { Array($0.prefix(4)) }, ec2 + ebs + fargate)
        for line in provenance {
            XCTAssertFalse(line[4].isEmpty, "\(line): no source")
            XCTAssertNotNil(RFC3339.date(String(line[5].prefix(10)) + "T00:00:00Z"), "\(line): no date")
            XCTAssertTrue(line[6] == "exact" || methods.contains(line[6]), "\(line): method \(line[6]) is not explained")
        }
        XCTAssertFalse(provenance.contains { $0[4].contains("knowledge") || $0[6].contains("memory") }, "no row written from memory")
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

    /// A file that is not a price list is refused at its header: one with no rows merged as nothing
    /// before, one with rows was refused only at its first row ("missing region").
    func testAHeaderWithoutARegionIsNoPriceFile() {
        var table = PriceTable.embedded()
        for csv in ["not,a,price\n", "instance,price\nm5.xlarge,0.2\n"] {
            XCTAssertThrowsError(try table.merge(csv: csv, source: "prices.csv"), csv) { error in
                XCTAssertTrue("\(error)".hasPrefix("prices.csv:1: the header names no region column"), "\(error)")
            }
        }
    }

    func testAJSONPriceFileWithAKeyOfNoKnownKindIsRefused() throws {
        var table = PriceTable.embedded()
        let json = try JSON.parse(#"{"fargate": [{"region": "us-east-1", "architecture": "amd64", "vcpuHour": 0.04, "gbHour": 0.004}]}"#)
        XCTAssertThrowsError(try table.merge(json: json, source: "prices.json")) { error in
            XCTAssertTrue("\(error)".contains("unknown key 'fargate'"), "\(error)")
        }
        // The same row in a plain array is a Fargate row.
        try table.merge(json: try JSON.parse(#"[{"region": "us-east-1", "architecture": "amd64", "vcpuHour": 0.04, "gbHour": 0.004}]"#), source: "prices.json")
    }

    func testNewRowMissingColumnsNamesItsLine() {
        var table = PriceTable.embedded()
        let csv = "region,instanceType,onDemandHourly\nus-east-1,m5.xlarge,0.18\nap-southeast-7,m5.xlarge,0.2\n"
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
        XCTAssertNil(cost("gp2", gib: 100, region: "il-central-1"), "a region no source has")
        XCTAssertEqual(cost("standard", gib: 100), Money(cents: 500), "magnetic, from the EBS source")
        XCTAssertNil(cost("gp9", gib: 100))
    }

    /// "\r\n" is a single Character in Swift: a CSV saved on Windows must still merge its rows.
    /// A Windows node (`kubernetes.io/os: windows`, as the kubelet labels it) is never priced at the Linux
    /// rate: at the Windows price, or unpriced, saying why, where the table has none.
    func testAWindowsNodeIsPricedAsWindowsOrNotAtAll() throws {
        let windows = Fixtures.node("ip-10-0-9-9.ec2.internal", type: "m5.xlarge", labels: ["kubernetes.io/os": "windows"])
        let linux = Fixtures.node("ip-10-0-9-10.ec2.internal", type: "m5.xlarge")
        let graviton = Fixtures.node("ip-10-0-9-11.ec2.internal", type: "m7g.large", labels: ["kubernetes.io/os": "windows"])
        XCTAssertEqual(windows.operatingSystem, .windows)
        XCTAssertEqual(linux.operatingSystem, .linux)
        var cluster = Fixtures.cluster()
        cluster.add(windows)
        cluster.add(linux)
        cluster.add(graviton)
        let embedded = CostModel()
        // $0.192 Linux + 4 vCPU × $0.046 license, × 730 hours.
        XCTAssertEqual(embedded.price(of: windows)?.monthly, Money(cents: 27_448))
        XCTAssertEqual(embedded.price(of: linux)?.hourly, 0.192)
        XCTAssertNil(embedded.price(of: graviton))
        let context = DetectionContext(cluster: cluster, costs: embedded, now: Fixtures.now)
        XCTAssertEqual(context.unpricedNodes.map(\.reason), [
            "Windows instance type m7g.large in us-east-1 has no Windows price in the table (a --prices row with operatingSystem Windows prices it)",
        ])
        var table = PriceTable.embedded()
        try table.merge(csv: "region,instanceType,vcpu,memoryGiB,onDemandHourly,operatingSystem\nus-east-1,m5.xlarge,4,16,0.4,Windows\n", source: "windows.csv")
        XCTAssertEqual(table.instance("m5.xlarge", region: "us-east-1")?.onDemandHourly, 0.192, "the Linux row is untouched")
        let priced = CostModel(prices: table)
        XCTAssertEqual(priced.price(of: windows)?.monthly, Money(cents: 29_200))
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
