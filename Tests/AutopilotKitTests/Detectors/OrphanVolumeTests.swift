import XCTest
@testable import AutopilotKit

final class OrphanVolumeTests: XCTestCase {
    private let gib = Fixtures.gib

    private func volume(_ name: String, claim: (namespace: String, name: String)? = nil, phase: String, type: String? = "gp3",
                        sizeBytes: Int64?, iops: Int64? = nil, throughput: Int64? = nil, mountedBy: [String] = [],
                        ageDays: Double = 33, zone: String? = "us-east-1b") -> Observed.Volume {
        var volume = Observed.Volume(
            name: name, claim: claim, phase: phase, volumeType: type, sizeBytes: sizeBytes, iops: iops, throughput: throughput,
            volumeHandle: "vol-0a1b2c3d4e5f60718", mountedBy: mountedBy,
            createdAt: Fixtures.daysAgo(ageDays))
        volume.zone = zone
        return volume
    }

    private func detect(_ volumes: [Observed.Volume], config: DetectionConfig = DetectionConfig()) -> [Finding] {
        var cluster = Fixtures.cluster()
        cluster.add(Fixtures.node("ip-10-0-4-40.ec2.internal", zone: "us-east-1b"))
        for volume in volumes { cluster.add(volume) }
        return OrphanVolume().detect(in: Fixtures.context(cluster, config: config))
    }

    func testReleasedGP2VolumeSavesItsSizeTimesPrice() throws {
        // 500Gi gp2 in us-east-1 at $0.10/GB-month = $50.00.
        let released = volume("pvc-3f6c1a2e-9d41-4b7a-8e0f-2c5d6b7a8e90", claim: ("data", "postgres-data-old"), phase: "Released",
                              type: "gp2", sizeBytes: 536_870_912_000)
        let findings = detect([released])
        XCTAssertEqual(findings.count, 1)
        let finding = try XCTUnwrap(findings.first)
        XCTAssertEqual(finding.detector, "orphan-volume")
        XCTAssertEqual(finding.target, Finding.Target(kind: "PersistentVolume", name: released.name))
        XCTAssertNil(finding.namespace)
        XCTAssertEqual(finding.monthlySavings, Money(cents: 5_000))
        XCTAssertEqual(finding.monthlyCost?.recommended, .zero)
        XCTAssertEqual(finding.priceSource, "ebs")
        XCTAssertEqual(finding.severity, .warning)
        XCTAssertEqual(finding.basis["ageDays"]?.intValue, 33)
        XCTAssertTrue(finding.summary.contains("Released"), finding.summary)
        XCTAssertTrue(finding.summary.contains("data/postgres-data-old"), finding.summary)
    }

    func testAvailableGP3Volume() throws {
        let available = volume("pv-manual-reports", phase: "Available", type: "gp3", sizeBytes: 100 * gib)
        let finding = try XCTUnwrap(detect([available]).first)
        XCTAssertEqual(finding.target.kind, "PersistentVolume")
        // 100 × 0.08 = $8.00.
        XCTAssertEqual(finding.monthlySavings, Money(cents: 800))
        XCTAssertEqual(finding.severity, .info)
        XCTAssertEqual(finding.team, "platform", "an unclaimed volume belongs to whoever runs the cluster")
    }

    func testBoundClaimMountedByNoPodTargetsTheClaim() throws {
        let unmounted = volume("pvc-aa11bb22-cc33-dd44-ee55-ff6677889900", claim: ("analytics", "scratch-0"), phase: "Bound",
                               type: "gp3", sizeBytes: 100 * gib)
        let finding = try XCTUnwrap(detect([unmounted]).first)
        XCTAssertEqual(finding.target, Finding.Target(kind: "PersistentVolumeClaim", name: "scratch-0"))
        XCTAssertEqual(finding.namespace, "analytics")
        XCTAssertEqual(finding.monthlySavings, Money(cents: 800))
        XCTAssertLessThan(finding.confidence, 1)
    }

    func testMountedClaimIsNotAnOrphan() {
        let mounted = volume("pvc-11112222-3333-4444-5555-666677778888", claim: ("data", "postgres-data-0"), phase: "Bound",
                             type: "gp3", sizeBytes: 100 * gib, mountedBy: ["postgres-0"])
        XCTAssertEqual(detect([mounted]).count, 0)
    }

    /// A PV whose deletion has begun (`metadata.deletionTimestamp`) is not recommended for deletion again.
    func testAVolumeBeingDeletedIsNotAnOrphan() {
        var released = volume("pv-released", phase: "Released", type: "gp3", sizeBytes: 100 * gib)
        XCTAssertEqual(detect([released]).count, 1)
        released.deletingSince = Fixtures.daysAgo(2)
        XCTAssertEqual(detect([released]).count, 0)
    }

    func testYoungVolumeIsNotFlagged() {
        let young = volume("pv-new", phase: "Available", type: "gp3", sizeBytes: 100 * gib, ageDays: 3)
        XCTAssertEqual(detect([young]).count, 0)
        // Six and a half days is still under the 7-day minimum age; seven and a bit is over it.
        XCTAssertEqual(detect([volume("pv-almost", phase: "Available", type: "gp3", sizeBytes: 100 * gib, ageDays: 6.5)]).count, 0)
        XCTAssertEqual(detect([volume("pv-week", phase: "Available", type: "gp3", sizeBytes: 100 * gib, ageDays: 7.1)]).count, 1)
        // Exactly seven days old is old enough.
        let week = volume("pv-week", phase: "Available", type: "gp3", sizeBytes: 100 * gib, ageDays: 7)
        XCTAssertEqual(detect([week]).count, 1)
    }

    func testMinAgeFromConfig() throws {
        let tenDays = volume("pv-ten-days", phase: "Available", type: "gp3", sizeBytes: 100 * gib, ageDays: 10)
        XCTAssertEqual(detect([tenDays]).count, 1)
        var config = DetectionConfig()
        try config.apply(yaml: Array("orphanVolume:\n  minAge: 14d\n".utf8), source: "autopilot.yaml")
        XCTAssertEqual(detect([tenDays], config: config).count, 0)
    }

    func testGP3ProvisionedIOPSAndThroughputAreCharged() throws {
        let fast = volume("pv-fast", phase: "Available", type: "gp3", sizeBytes: 100 * gib, iops: 6000, throughput: 250)
        let finding = try XCTUnwrap(detect([fast]).first)
        // 100 × 0.08 + (6000 − 3000) × 0.005 + (250 − 125) × 0.04 = 8 + 15 + 5.
        XCTAssertEqual(finding.monthlySavings, Money(cents: 2_800))
    }

    func testGP3AtTheFreeBaselineCostsOnlyItsSize() throws {
        let baseline = volume("pv-baseline", phase: "Available", type: "gp3", sizeBytes: 100 * gib, iops: 3000, throughput: 125)
        XCTAssertEqual(try XCTUnwrap(detect([baseline]).first).monthlySavings, Money(cents: 800))
    }

    func testIO2ChargesEveryProvisionedIOPS() throws {
        let io2 = volume("pv-io2", phase: "Released", type: "io2", sizeBytes: 100 * gib, iops: 1000)
        let finding = try XCTUnwrap(detect([io2]).first)
        // 100 × 0.125 + 1000 × 0.065 = 12.50 + 65.00.
        XCTAssertEqual(finding.monthlySavings, Money(cents: 7_750))
    }

    func testVolumeWithoutTypeIsSkipped() {
        let nfs = volume("pv-nfs-share", phase: "Released", type: nil, sizeBytes: 500 * gib)
        XCTAssertEqual(detect([nfs]).count, 0)
    }

    func testVolumeWithoutCreationTimeIsSkipped() {
        var undated = volume("pv-undated", phase: "Released", type: "gp2", sizeBytes: 100 * gib)
        undated.createdAt = nil
        XCTAssertEqual(detect([undated]).count, 0)
    }

    func testRegionFallsBackToTheNodesWhenTheVolumeHasNoZone() throws {
        let zoneless = volume("pv-zoneless", phase: "Available", type: "gp2", sizeBytes: 100 * gib, zone: nil)
        let finding = try XCTUnwrap(detect([zoneless]).first)
        XCTAssertEqual(finding.monthlySavings, Money(cents: 1_000))
        XCTAssertEqual(finding.priceSource, "ebs")
    }

    func testVolumesComeOutInNameOrder() {
        let names = detect([
            volume("pv-c", phase: "Available", sizeBytes: 10 * gib), volume("pv-a", phase: "Available", sizeBytes: 10 * gib),
            volume("pv-b", phase: "Released", sizeBytes: 10 * gib),
        ]).map(\.target.name)
        XCTAssertEqual(names, ["pv-a", "pv-b", "pv-c"])
    }
}
