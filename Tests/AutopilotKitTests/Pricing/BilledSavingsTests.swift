import XCTest
@testable import AutopilotKit

/// What a change would save on the bill, by how the capacity was bought, and the Fargate and
/// verification arithmetic around it. Bills here are built line by line, figures worked by hand.
final class BilledSavingsTests: XCTestCase {
    private let start = RFC3339.date("2026-11-01T00:00:00Z")!

    /// A month (720 hours) of one instance at `hourly`, bought as `purchase`.
    private func usage(_ id: String, _ type: String, hourly: Double, _ purchase: BillingLine.Purchase, hours: Double = 720) -> BillingLine {
        var line = BillingLine(kind: .instanceHours, file: "test", line: 1)
        line.resourceId = id
        line.instanceType = type
        line.region = "us-east-1"
        line.operatingSystem = .linux
        line.purchase = purchase
        line.start = start
        line.end = start.addingTimeInterval(hours * 3600)
        line.quantity = hours
        line.effectiveCost = hourly * hours
        return line
    }

    private func finding(_ id: String, current: Double, recommended: Double, committed: [CommitmentScope: Double] = [:]) -> Finding {
        var finding = Finding(cluster: "c", detector: "idle-node", severity: .warning, namespace: nil, target: .init(kind: "Node", name: id),
                              team: "platform", summary: "", current: .null, recommended: .null,
                              monthlyCost: (Money(dollars: current), Money(dollars: recommended)), priceSource: "on-demand",
                              confidence: 1, basis: .null)
        var billed = BilledCost()
        billed.current = current
        billed.recommended = recommended
        billed.basis = ["test"]
        for (scope, dollars) in committed { billed.committed[scope] = (dollars, 0) }
        finding.billed = billed
        return finding
    }

    /// Two findings whose capacity a Savings Plan pays for compete for the on-demand usage that could take the
    /// freed commitment: the first (by id) gets what there is, the second the rest, never the same dollars twice.
    func testTheFreedCommitmentIsClaimedOnceInIdOrder() {
        var bill = Bill()
        // $0.10 an hour of on-demand m5 for 720 hours: $73.00 a 730-hour month to absorb a freed plan.
        bill.add(usage("i-od", "m5.large", hourly: 0.10, .onDemand))
        var findings = [finding("b-second", current: 50, recommended: 0, committed: [.savingsPlan: 50]),
                        finding("a-first", current: 50, recommended: 0, committed: [.savingsPlan: 50])]
        RealisableSavings.assign(&findings, bill: bill)
        let byTarget = Dictionary(uniqueKeysWithValues: findings.map { ($0.target.name, $0.billedSavings!) })
        XCTAssertEqual(byTarget["a-first"]?.monthly, Money(cents: 5_000))
        XCTAssertEqual(byTarget["b-second"]?.monthly, Money(cents: 2_300), "$73.00 − $50.00 left")
        XCTAssertTrue(byTarget["b-second"]!.reason.contains("only $23.00/month"), byTarget["b-second"]!.reason)
    }

    /// On-demand capacity a finding takes away is not there for a freed commitment to move to.
    func testCapacityAnotherFindingRemovesIsNotThereToAbsorb() {
        var bill = Bill()
        bill.add(usage("i-od", "m5.large", hourly: 0.10, .onDemand))
        var removal = finding("a-removes-on-demand", current: 50, recommended: 0)
        removal.billed?.onDemandSavings = [OnDemandCell(region: "us-east-1", family: "m5", operatingSystem: .linux): 50]
        var findings = [removal, finding("b-frees-a-plan", current: 50, recommended: 0, committed: [.savingsPlan: 50])]
        RealisableSavings.assign(&findings, bill: bill)
        XCTAssertEqual(findings[0].billedSavings?.monthly, Money(cents: 5_000), "on-demand: all of it")
        XCTAssertEqual(findings[1].billedSavings?.monthly, Money(cents: 2_300), "$73.00 of on-demand less the $50.00 the other change removes")
    }

    /// Unused commitment already in the bill: freeing more saves nothing; on-demand capacity saves it all.
    func testUnusedCommitmentMeansCoveredCapacitySavesNothing() {
        var bill = Bill()
        bill.add(usage("i-od", "m5.large", hourly: 0.10, .onDemand))
        var unused = BillingLine(kind: .unusedCommitment, file: "test", line: 2)
        unused.purchase = .reserved
        unused.effectiveCost = 20
        bill.add(unused)
        let scope = CommitmentScope.reservedInstance(region: "us-east-1", family: "m5")
        var findings = [finding("covered", current: 40, recommended: 10, committed: [scope: 30]),
                        finding("on-demand", current: 40, recommended: 10)]
        RealisableSavings.assign(&findings, bill: bill)
        XCTAssertEqual(findings[0].billedSavings?.monthly, .zero)
        XCTAssertTrue(findings[0].billedSavings!.reason.contains("partly unused"), findings[0].billedSavings!.reason)
        XCTAssertEqual(findings[1].billedSavings?.monthly, Money(cents: 3_000))
        XCTAssertTrue(findings[1].billedSavings!.reason.contains("on-demand or spot"))
    }

    /// A node the bill has by its instance id is priced by it; one it has only by type, by the type's
    /// blended rate (on-demand and Reserved Instance hours together), with the share a commitment paid.
    func testANodeIsPricedByItsOwnCostElseByItsTypesRate() throws {
        var bill = Bill()
        bill.add(usage("i-own", "m6i.2xlarge", hourly: 0.2688, .savingsPlan))
        bill.add(usage("i-a", "m5.xlarge", hourly: 0.192, .onDemand, hours: 360))
        bill.add(usage("i-b", "m5.xlarge", hourly: 0.1212, .reserved, hours: 360))
        let model = CostModel(bill: bill)
        var own = Fixtures.node("n1", type: "m6i.2xlarge")
        own.instanceId = "i-own"
        let ownRate = try XCTUnwrap(model.billedRate(of: own))
        XCTAssertEqual(ownRate.hourly, 0.2688, accuracy: 1e-9)
        XCTAssertEqual(ownRate.scope, .savingsPlan)
        XCTAssertEqual(ownRate.resourceId, "i-own")
        var other = Fixtures.node("n2", type: "m5.xlarge")
        other.instanceId = "i-not-in-the-bill"
        let typeRate = try XCTUnwrap(model.billedRate(of: other))
        XCTAssertEqual(typeRate.hourly, (0.192 + 0.1212) / 2, accuracy: 1e-9)
        XCTAssertEqual(typeRate.committedShare, 0.1212 / (0.192 + 0.1212), accuracy: 1e-9)
        XCTAssertEqual(typeRate.scope, .reservedInstance(region: "us-east-1", family: "m5"))
        XCTAssertNil(model.billedRate(of: Fixtures.node("n3", type: "c6i.large")), "a type the bill does not have")
    }

    /// A Fargate pod's node costs its vCPU and GiB at Fargate's rates: 0.5 vCPU × $0.04048 + 1 GiB × $0.004445 an hour.
    func testAFargateNodeIsPricedByItsSize() throws {
        let fargate = Fixtures.node("fargate-ip-10-0-1-2.ec2.internal", type: nil, cpu: 0.5, memory: 1_073_741_824,
                                    labels: ["eks.amazonaws.com/compute-type": "fargate", "kubernetes.io/arch": "amd64"])
        let price = try XCTUnwrap(CostModel().price(of: fargate))
        XCTAssertEqual(price.source, "fargate")
        XCTAssertEqual(price.hourly, 0.5 * 0.04048 + 0.004445, accuracy: 1e-12)
        let rates = try XCTUnwrap(CostModel().rates(on: fargate))
        XCTAssertEqual(rates.perCoreHour, 0.04048)
        XCTAssertEqual(rates.perGiBHour, 0.004445)
        // A --prices row overrides it like any other.
        var table = PriceTable.embedded()
        try table.merge(csv: "region,architecture,operatingSystem,vcpuHour,gbHour\nus-east-1,amd64,Linux,0.05,0.005\n", source: "fargate.csv")
        XCTAssertEqual(try XCTUnwrap(CostModel(prices: table).price(of: fargate)).hourly, 0.5 * 0.05 + 0.005, accuracy: 1e-12)
    }

    /// A replaced node's saving on the bill is the old instance's cost less the replacement's estimate.
    func testAReplacementIsVerifiedNetOfTheNewInstance() throws {
        var bill = Bill()
        // Billed for the first ten days only, at $0.384 an hour.
        bill.add(usage("i-old", "m6i.2xlarge", hourly: 0.384, .onDemand, hours: 240))
        var after = BillingLine(kind: .other, file: "test", line: 3)
        after.start = start
        after.end = start.addingTimeInterval(720 * 3600)
        bill.add(after)
        let finding = try FindingRecord.test("""
            {"detector":"node-consolidation","recommended":{"instanceType":"m6i.xlarge"},
             "billed":{"resources":["i-old"],"monthlyCost":{"current":280.32,"recommended":140.16}}}
            """)
        let outcome = BillVerification.check(finding: finding, changedAt: start.addingTimeInterval(200 * 3600), bill: bill)
        XCTAssertEqual(outcome.state, .verified, outcome.reason)
        XCTAssertEqual(outcome.realized, Money(cents: 28_032) - Money(cents: 14_016))
        let early = BillVerification.check(finding: finding, changedAt: start.addingTimeInterval(710 * 3600), bill: bill)
        XCTAssertEqual(early.state, .notYet, "the bill ends within a day of the change")
    }
}
