import XCTest
@testable import AutopilotKit

/// Billing exports read as the bill states them. Expected figures are computed by hand from the rows
/// quoted in each test (fixtures/upstream-billing/SOURCES.md says where each file comes from).
final class BillingTests: XCTestCase {
    private let upstream = repositoryRoot.appendingPathComponent("fixtures/upstream-billing")

    private func bill(_ relative: String, warnings: UnsafeMutablePointer<[String]>? = nil) throws -> Bill {
        var said: [String] = []
        let bill = try BillingReader.read(path: upstream.appendingPathComponent(relative).path) { said.append($0) }
        warnings?.pointee = said
        return bill
    }

    private func spec(_ name: String) throws -> Bill {
        try bill("FinOps-Open-Cost-and-Usage-Spec-FOCUS_Spec/specification/data/\(name).csv")
    }

    // MARK: CSV and gzip

    func testCSVQuotesNewlinesCRLFAndAByteOrderMark() throws {
        let text = "\u{FEFF}a,b,c\r\n1,\"x, \"\"quoted\"\"\",\"two\nlines\"\r\n\r\n,,\nlast,row,no newline"
        var records: [(Int, [String])] = []
        var reader = CSVReader()
        // One byte at a time: a record split anywhere reads the same.
        for byte in Array(text.utf8) { try [byte].withUnsafeBufferPointer { try reader.feed($0) { records.append(($0.line, $0.fields)) } } }
        try reader.finish { records.append(($0.line, $0.fields)) }
        XCTAssertEqual(records.map(\.1), [["a", "b", "c"], ["1", "x, \"quoted\"", "two\nlines"], ["", "", ""], ["last", "row", "no newline"]])
        XCTAssertEqual(records.map(\.0), [1, 2, 5, 6], "each record says the line it starts on")

        var open = CSVReader()
        try Array("a,\"never closed\n".utf8).withUnsafeBufferPointer { try open.feed($0) { _ in } }
        XCTAssertThrowsError(try open.finish { _ in }) { XCTAssertEqual(($0 as? CSVError)?.line, 1) }
    }

    func testAGzippedExportReadsAsItsCSVAndATruncatedOneIsAnError() throws {
        let gz = repositoryRoot.appendingPathComponent("fixtures/billing/demo/cur2/BILLING_PERIOD=2026-11/demo-cur2-00001.csv.gz").path
        var lines = 0
        try CSVReader.read(file: try ChunkedFile(path: gz)) { _ in lines += 1 }
        XCTAssertEqual(lines, 940, "header + 939 charges (zcat | wc -l)")

        let bytes = try FileIO.readAll(gz)
        let scratch = try makeScratchDirectory(self)
        let truncated = scratch.appendingPathComponent("cut.csv.gz").path
        try FileIO.writeAtomically(Array(bytes.prefix(bytes.count / 2)), to: truncated)
        XCTAssertThrowsError(try BillingReader.read(path: truncated) { _ in }) { error in
            XCTAssertTrue("\(error)".contains("cut.csv.gz"), "\(error)")
            XCTAssertTrue("\(error)".contains("ends early"), "\(error)")
        }
        // Two gzip members one after the other are one file (what `cat a.gz b.gz` makes).
        let twice = scratch.appendingPathComponent("twice.csv.gz").path
        let header = try FileIO.readAll(gz)
        try FileIO.writeAtomically(header + header, to: twice)
        var doubled = 0
        try CSVReader.read(file: try ChunkedFile(path: twice)) { _ in doubled += 1 }
        XCTAssertEqual(doubled, 2 * 940)
    }

    func testAFileThatIsNoBillingExportSaysWhatItShouldBe() throws {
        let scratch = try makeScratchDirectory(self)
        let path = scratch.appendingPathComponent("prices.csv").path
        try FileIO.writeAtomically(Array("region,instanceType,onDemandHourly\nus-east-1,m5.large,0.096\n".utf8), to: path)
        XCTAssertThrowsError(try BillingReader.read(path: path) { _ in }) { error in
            XCTAssertTrue("\(error)".hasPrefix(path + ":"), "\(error)")
            XCTAssertTrue("\(error)".contains("FOCUS"), "\(error)")
        }
        XCTAssertThrowsError(try BillingReader.read(path: repositoryRoot.appendingPathComponent("fixtures/billing/demo").path) { _ in }) { error in
            XCTAssertTrue("\(error)".contains("CUR 2.0 and FOCUS exports"), "\(error)")
        }
    }

    /// Hostile files: a figure no bill line has is a skipped line, not a trap; a quote that never closes
    /// stops at the record limit, not at the end of memory; zero padding after gzip data is the end.
    func testHostileFilesAreRefusedOrSkippedNeverTrapped() throws {
        let scratch = try makeScratchDirectory(self)
        let demo = repositoryRoot.appendingPathComponent("fixtures/billing/demo/focus/BILLING_PERIOD=2026-11/demo-focus-00001.csv")
        var lines = try String(contentsOf: demo, encoding: .utf8).split(separator: "\n").map(String.init)
        var cells = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        cells[22] = "1e300"
        lines[1] = cells.joined(separator: ",")
        let huge = scratch.appendingPathComponent("huge.csv").path
        try FileIO.writeAtomically(Array(lines.joined(separator: "\n").utf8), to: huge)
        var warnings: [String] = []
        let bill = try BillingReader.read(path: huge) { warnings.append($0) }
        XCTAssertEqual(warnings.count, 1, "\(warnings)")
        XCTAssertTrue(warnings[0].hasPrefix("\(huge):2: EffectiveCost '1e300' is too large"), warnings[0])
        XCTAssertFalse(bill.instances.isEmpty, "the other lines are read")

        var reader = CSVReader()
        reader.maximumRecordBytes = 1000
        let open = Array(("a,\"" + String(repeating: "x", count: 5000)).utf8)
        XCTAssertThrowsError(try open.withUnsafeBufferPointer { try reader.feed($0) { _ in } }) { error in
            XCTAssertEqual((error as? CSVError)?.line, 1)
            XCTAssertTrue("\(error)".contains("never closes"), "\(error)")
        }

        let gz = repositoryRoot.appendingPathComponent("fixtures/billing/demo/cur2/BILLING_PERIOD=2026-11/demo-cur2-00001.csv.gz").path
        let padded = scratch.appendingPathComponent("padded.csv.gz").path
        try FileIO.writeAtomically(try FileIO.readAll(gz) + [UInt8](repeating: 0, count: 4096), to: padded)
        XCTAssertEqual(try BillingReader.read(path: padded) { XCTFail($0) }.instances.count, 17)
        let garbage = scratch.appendingPathComponent("garbage.csv.gz").path
        try FileIO.writeAtomically(try FileIO.readAll(gz) + [0, 0, 7], to: garbage)
        XCTAssertThrowsError(try BillingReader.read(path: garbage) { _ in }) { XCTAssertTrue("\($0)".contains("zero padding"), "\($0)") }
    }

    /// A legacy CUR and a CUR 2.0 of one account are two copies of the same charges: refused together.
    func testTwoFormatsInOneFolderAreRefused() throws {
        let scratch = try makeScratchDirectory(self)
        try FileManager.default.copyItem(atPath: upstream.appendingPathComponent("project-koku-koku/koku/masu/test/data/aws/2023-06-01.csv").path,
                                         toPath: scratch.appendingPathComponent("legacy.csv").path)
        try FileManager.default.copyItem(atPath: repositoryRoot.appendingPathComponent("fixtures/billing/demo/cur2/BILLING_PERIOD=2026-11/demo-cur2-00001.csv.gz").path,
                                         toPath: scratch.appendingPathComponent("cur2.csv.gz").path)
        XCTAssertThrowsError(try BillingReader.read(path: scratch.path) { _ in }) { error in
            XCTAssertTrue("\(error)".contains("CUR 2.0 and legacy CUR exports"), "\(error)")
        }
    }

    /// A CUR without net columns lists an EDP discount on its own line, which may come before the usage it
    /// discounts (or in another file): it is applied once everything is read, to the instance and its rate.
    func testADiscountLineBeforeItsUsageStillApplies() throws {
        let scratch = try makeScratchDirectory(self)
        let header = "line_item_line_item_type,line_item_product_code,line_item_usage_type,line_item_operation,line_item_resource_id,"
            + "line_item_usage_amount,line_item_unblended_cost,line_item_usage_start_date,line_item_usage_end_date,product_region_code"
        let rows = [
            "EdpDiscount,AmazonEC2,BoxUsage:m5.large,RunInstances,i-1,0,-0.96,2026-11-01T00:00:00Z,2026-11-01T10:00:00Z,us-east-1",
            "Usage,AmazonEC2,BoxUsage:m5.large,RunInstances,i-1,10,0.96,2026-11-01T00:00:00Z,2026-11-01T10:00:00Z,us-east-1",
            "EdpDiscount,AmazonEC2,BoxUsage:m5.large,RunInstances,i-gone,0,-1.00,2026-11-01T00:00:00Z,2026-11-01T10:00:00Z,us-east-1",
        ]
        let path = scratch.appendingPathComponent("cur.csv").path
        // A 10% discount: $0.96 of usage less $0.096… written as the whole line's discount of $0.096 × 10.
        try FileIO.writeAtomically(Array(([header] + rows).joined(separator: "\n").replacingOccurrences(of: "-0.96", with: "-0.096").utf8), to: path)
        var warnings: [String] = []
        let bill = try BillingReader.read(path: path) { warnings.append($0) }
        XCTAssertEqual(try XCTUnwrap(bill.instances["i-1"]?.hourly), 0.0864, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(bill.rate(region: "us-east-1", instanceType: "m5.large", os: .linux, spot: false)).hourly, 0.0864, accuracy: 1e-9)
        XCTAssertEqual(bill.unattributedDiscount, -1.00, accuracy: 1e-9)
        XCTAssertTrue(warnings.contains { $0.contains("$1.00 of discount lines name no instance or volume") }, "\(warnings)")
    }

    // MARK: The FOCUS specification's own commitment examples

    /// One hour covered by a commitment: EffectiveCost 1.00, BilledCost 0.00.
    func testACoveredHourCostsItsEffectiveCost() throws {
        let bill = try spec("commitment_discount_scenarios/commitment_discount_usage_scenario_1")
        let resource = try XCTUnwrap(bill.instances["<my-resource-id>"])
        XCTAssertEqual(resource.hours, 1)
        XCTAssertEqual(try XCTUnwrap(resource.hourly), 1.00, accuracy: 1e-9)
        XCTAssertEqual(resource.committedShare, 1)
        XCTAssertTrue(bill.unusedCommitment.isEmpty)
    }

    /// An hour nothing used: the whole 1.00 is unused commitment, on no resource.
    func testAnUnusedHourIsUnusedCommitmentNotAResourcesCost() throws {
        let bill = try spec("commitment_discount_scenarios/commitment_discount_usage_scenario_2")
        XCTAssertTrue(bill.instances.isEmpty)
        XCTAssertEqual(bill.unusedCommitment[.reserved] ?? 0, 1.00, accuracy: 1e-9)
    }

    /// 75% used: the resource's hour costs 0.75; 0.25 is unused, kept apart (never spread onto the resource).
    func testPartlyUsedCommitmentIsSplit() throws {
        let bill = try spec("commitment_discount_scenarios/commitment_discount_usage_scenario_3")
        XCTAssertEqual(try XCTUnwrap(bill.instances["<my-resource-id>"]?.hourly), 0.75, accuracy: 1e-9)
        XCTAssertEqual(bill.unusedCommitment[.reserved] ?? 0, 0.25, accuracy: 1e-9)
    }

    /// Usage beyond the commitment: 1.00 covered plus 0.50 on demand in the same hour is one hour at 1.50,
    /// two thirds of it paid by the commitment.
    func testOverageInTheSameHourIsOneHour() throws {
        let bill = try spec("commitment_discount_scenarios/commitment_discount_usage_scenario_4")
        let resource = try XCTUnwrap(bill.instances["<my-resource-id>"])
        XCTAssertEqual(resource.hours, 1)
        XCTAssertEqual(try XCTUnwrap(resource.hourly), 1.50, accuracy: 1e-9)
        XCTAssertEqual(resource.committedShare, 1.0 / 1.5, accuracy: 1e-9)
    }

    /// Size flexibility: a commitment bought for a small VM covers a third of a large one's hour (EffectiveCost
    /// 0.50), the rest is on demand (2.25): the large VM's hour costs 2.75. The purchase row (EffectiveCost
    /// 0.00, amortised into usage) adds nothing.
    func testSizeFlexibleCoverageAddsUpToTheResourcesHour() throws {
        let bill = try spec("commitment_discount_flexibility/one_hundred_percent_utilization_with_commitment_discount_flexibility_with_1_resource")
        let large = try XCTUnwrap(bill.instances["<my-large-vm-id>"])
        XCTAssertEqual(large.hours, 1)
        XCTAssertEqual(try XCTUnwrap(large.hourly), 2.75, accuracy: 1e-9)
        XCTAssertEqual(large.committedShare, 0.5 / 2.75, accuracy: 1e-9)
        XCTAssertNil(bill.instances["<my-commitment-discount-id>"], "a purchase is not a resource's usage")
    }

    /// Nothing used the commitment (its 1.50 is unused), and the medium VM ran on demand at 2.00.
    func testZeroUtilisation() throws {
        let bill = try spec("commitment_discount_flexibility/zero_percent_utilization_without_commitment_discount_flexibility")
        XCTAssertEqual(bill.unusedCommitment[.reserved] ?? 0, 1.50, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(bill.instances["<my-medium-vm-id>"]?.hourly), 2.00, accuracy: 1e-9)
        XCTAssertEqual(bill.instances["<my-medium-vm-id>"]?.committedShare, 0)
    }

    /// Purchases (all, partial and no upfront) are not usage: read without error, no resource priced by them.
    func testPurchasesAreAmortisedNotPriced() throws {
        for scenario in 1...3 {
            let bill = try spec("commitment_discount_scenarios/commitment_discount_purchase_scenario_\(scenario)")
            XCTAssertTrue(bill.instances.isEmpty, "scenario \(scenario)")
            XCTAssertEqual(bill.files.first?.format, .focus)
        }
    }

    // MARK: Real exports

    /// A month of real, anonymised AWS FOCUS 1.0 data (1,000-line sample). No x_ columns: the instance type
    /// comes from the charge description. Its EffectiveCost is rounded to whole dollars on every line
    /// (0.34 → 0), so on-demand lines are priced at BilledCost, and the tool says so once.
    func testRealAWSFocusSample() throws {
        var warnings: [String] = []
        let bill = try bill("maxjahn-FOCUS-Sample-Data/FOCUS-1.0/focus_sample.csv", warnings: &warnings)
        XCTAssertEqual(bill.files.first?.lines, 1000)
        XCTAssertEqual(bill.instances.count, 28)
        // "$0.34 per On Demand Linux c5.2xlarge Instance Hour": BilledCost 0.34, EffectiveCost 0.00.
        let c5 = try XCTUnwrap(bill.instances["i-081360af1l266l589"])
        XCTAssertEqual(c5.instanceType, "c5.2xlarge")
        XCTAssertEqual(try XCTUnwrap(c5.hourly), 0.34, accuracy: 1e-9)
        XCTAssertEqual(c5.purchase, .onDemand)
        // A part hour: 0.296111 hours of g5.4xlarge billed 0.480884264 is $1.624 an hour.
        XCTAssertEqual(try XCTUnwrap(bill.instances["i-09ba12e1l5743720b"]?.hourly), 1.624, accuracy: 1e-6)
        // "CommitmentDiscountType: Savings Plan" on a t2.medium hour.
        XCTAssertNotNil(bill.rates[Bill.RateKey(region: "us-west-2", instanceType: "t2.medium", operatingSystem: .linux, purchase: .savingsPlan)])
        XCTAssertEqual(warnings.count, 1, "\(warnings)")
        XCTAssertTrue(warnings[0].contains("on 22 on-demand or spot instance lines"), warnings[0])
    }

    /// A real legacy CUR (lineItem/… columns, anonymised, November 2023): S3, Glue and the like, no EC2.
    func testRealLegacyCURReadsWithNothingToPrice() throws {
        let bill = try bill("finopsfoundation-focus_converters/focus_converter_base/tests/provider_config_tests/aws/sample-anonymous-aws-export-dataset.csv")
        XCTAssertEqual(bill.files.first?.format, .legacyCUR)
        XCTAssertEqual(bill.files.first?.lines, 1281)
        XCTAssertTrue(bill.instances.isEmpty)
        XCTAssertTrue(bill.volumes.isEmpty)
    }

    /// Koku's legacy CUR test data: three hours of an m5.large in us-west-1 under a Savings Plan
    /// (SavingsPlanEffectiveCost 0.1 each, UnblendedCost 10, the on-demand figure the negation cancels).
    func testLegacyCURSavingsPlanHours() throws {
        let bill = try bill("project-koku-koku/koku/masu/test/data/aws/2023-06-01.csv")
        let instance = try XCTUnwrap(bill.instances["i-99995555"])
        XCTAssertEqual(instance.hours, 3)
        XCTAssertEqual(try XCTUnwrap(instance.hourly), 0.1, accuracy: 1e-9)
        XCTAssertEqual(instance.committedShare, 1)
        let rate = try XCTUnwrap(bill.rate(region: "us-west-1", instanceType: "m5.large", os: .linux, spot: false))
        XCTAssertEqual(rate.hourly, 0.1, accuracy: 1e-9)
        // Athena-style CUR 2.0 names, a Marketplace product ("mra"): read, nothing priced.
        let alt = try self.bill("project-koku-koku/koku/masu/test/data/aws/2022-07-01-alt-columns.csv")
        XCTAssertEqual(alt.files.first?.format, .cur2)
        XCTAssertTrue(alt.rates.isEmpty)
    }

    // MARK: The demo's bill, in both formats

    /// The same charges written as CUR 2.0 and as FOCUS read as the same bill; the rates are the
    /// generator's (fixtures/billing/generate.py), computed by hand here.
    func testTheDemoBillReadsTheSameFromCURAndFocus() throws {
        let root = repositoryRoot.appendingPathComponent("fixtures/billing/demo")
        let cur = try BillingReader.read(path: root.appendingPathComponent("cur2/BILLING_PERIOD=2026-11").path) { XCTFail($0) }
        let focus = try BillingReader.read(path: root.appendingPathComponent("focus/BILLING_PERIOD=2026-11").path) { XCTFail($0) }
        for bill in [cur, focus] {
            XCTAssertEqual(bill.hours, 720)
            let ri = try XCTUnwrap(bill.instances["i-0af113fa7530caf96"])
            XCTAssertEqual(try XCTUnwrap(ri.hourly), 0.1212, accuracy: 1e-9)
            XCTAssertEqual(ri.purchase, .reserved)
            XCTAssertEqual(ri.committedShare, 1)
            XCTAssertEqual(try XCTUnwrap(bill.instances["i-0bd03b5a44771ca5b"]?.hourly), 0.2688, accuracy: 1e-9, "Savings Plan rate")
            XCTAssertEqual(bill.instances["i-0bd03b5a44771ca5b"]?.purchase, .savingsPlan)
            XCTAssertEqual(try XCTUnwrap(bill.instances["i-0ac5b128cd88f1563"]?.hourly), 0.504 * 0.95, accuracy: 1e-9, "5% private rate")
            XCTAssertEqual(try XCTUnwrap(bill.instances["i-0f465da258f8da297"]?.hourly), 0.1224, accuracy: 1e-9, "spot")
            // 100 GiB of gp3 at $0.08 less 5% for 720 hours is $7.60; a 730-hour month is $7.7055… → $7.71.
            XCTAssertEqual(bill.volumes["vol-0c8acfb1f903d4e61"]?.monthly, Money(cents: 771))
            // The c5 Reserved Instance nothing uses: 0.107 × 720 hours.
            XCTAssertEqual(bill.unusedCommitment[.reserved] ?? 0, 77.04, accuracy: 1e-6)
            XCTAssertEqual(bill.unusedCommitment[.savingsPlan] ?? 0, 0, accuracy: 1e-9)
            XCTAssertEqual(bill.instances["i-0e1d2c3b4a5968778"]?.cluster, "demo", "the EKS tag, in either spelling")
            // A freed Savings Plan commitment can go to the on-demand usage: r6i ×2, c6i.2xlarge and the gone m5
            // (9 days), all less 5%: (2 × 0.504 + 0.34) × 720 + 0.192 × 216, × 0.95, a month of 730 hours.
            let onDemand = ((2 * 0.504 + 0.34) * 720 + 0.192 * 216) * 0.95
            // (Each family's cell is rounded to the cent on its own: the sum may differ from one rounding by a cent.)
            XCTAssertEqual(Double(bill.absorbableOnDemand(for: .savingsPlan).cents), (onDemand / 720 * 730 * 100).rounded(), accuracy: 1)
            XCTAssertEqual(bill.absorbableOnDemand(for: .reservedInstance(region: "us-east-1", family: "m5")), .zero,
                           "the bill already shows a Reserved Instance unused")
        }
    }

    /// Largest-remainder rounding: the lines add up to the total, to the cent, whatever the shares.
    func testApportionedLinesAddUpToTheTotal() {
        let lines = BillAllocation.apportion(["a": 10.004, "b": 10.004, "c": 10.004, "__idle__": 0.0], total: Money(dollars: 30.01))
        XCTAssertEqual(lines.values.sum(), Money(cents: 3001))
        XCTAssertEqual(lines["a"], Money(cents: 1001), "the cent left over goes to the largest remainder, ties by name")
        XCTAssertEqual(lines["b"], Money(cents: 1000))
    }
}
