import XCTest
@testable import AutopilotKit

/// One row of the memory right-sizing table: `Deployment apps/cache` with two pods on an m6i.2xlarge.
private struct MemoryCase {
    var name: String
    var request: Int64?
    /// The window's max working set in bytes; nil leaves the figure out.
    var peak: Double?
    var samples: Int64 = 2016
    /// The recommended request in bytes, or nil for no finding.
    var expected: Int64?
}

private let mib = Fixtures.mib
private let gib = Fixtures.gib

final class OverRequestedMemoryTests: XCTestCase {
    private let nodeName = "ip-10-0-2-20.ec2.internal"

    private let cases: [MemoryCase] = [
        // 450Mi × 1.15 = 517.5Mi → 16Mi steps → 528Mi.
        MemoryCase(name: "max 450Mi, request 1.5Gi", request: 1536 * mib, peak: Double(450 * mib), expected: 528 * mib),
        // 420Mi × 1.15 = 483Mi → 496Mi: the margin is 15%, not 14% (478.8Mi → 480Mi).
        MemoryCase(name: "the margin decides the step", request: 1536 * mib, peak: Double(420 * mib), expected: 496 * mib),
        // 695Mi × 1.15 = 799.25Mi → 800Mi: 224Mi and 21.9% less than 1Gi, just over both minimums.
        MemoryCase(name: "reduction just over 20%", request: gib, peak: Double(695 * mib), expected: 800 * mib),
        // 20Mi × 1.15 = 23Mi → floor 100Mi → 16Mi steps → 112Mi.
        MemoryCase(name: "floor 100Mi", request: 512 * mib, peak: Double(20 * mib), expected: 112 * mib),
        // 1000Mi × 1.15 = 1150Mi → 64Mi steps above 1Gi → 1152Mi.
        MemoryCase(name: "64Mi steps above 1Gi", request: 4 * gib, peak: Double(1000 * mib), expected: 1152 * mib),
        // 300Mi × 1.15 = 345Mi → 352Mi: 96Mi less than 448Mi.
        MemoryCase(name: "reduction under 128Mi", request: 448 * mib, peak: Double(300 * mib), expected: nil),
        // 2500Mi × 1.15 = 2875Mi → 2880Mi: 704Mi less but 19.6% of 3.5Gi.
        MemoryCase(name: "reduction under 20%", request: 3584 * mib, peak: Double(2500 * mib), expected: nil),
        MemoryCase(name: "99 samples, under minSamples", request: 1536 * mib, peak: Double(450 * mib), samples: 99, expected: nil),
        MemoryCase(name: "exactly minSamples", request: 1536 * mib, peak: Double(450 * mib), samples: 100, expected: 528 * mib),
        MemoryCase(name: "no memory request", request: nil, peak: Double(450 * mib), expected: nil),
        MemoryCase(name: "zero memory request", request: 0, peak: Double(450 * mib), expected: nil),
        MemoryCase(name: "no max working set", request: 1536 * mib, peak: nil, expected: nil),
        MemoryCase(name: "no samples", request: 1536 * mib, peak: nil, samples: 0, expected: nil),
    ]

    private func cluster(for row: MemoryCase) -> ObservedCluster {
        let key = Fixtures.deployment("cache")
        var cluster = Fixtures.cluster()
        cluster.add(Fixtures.node(nodeName))
        let container = Fixtures.container("app", cpu: 0.25, memory: row.request)
        cluster.add(Fixtures.workload(key, replicas: 2, containers: [container]))
        for index in 0..<2 { cluster.add(Fixtures.pod("cache-\(index)", of: key, on: nodeName, containers: [container])) }
        var memory: [String: Double] = [:]
        if let peak = row.peak { memory = Fixtures.memoryFigures(max: peak) }
        cluster.add(Fixtures.usage(key, samples: row.samples, cpu: Fixtures.cpuFigures(p95: 0.2), memory: memory))
        return cluster
    }

    func testRecommendationTable() {
        for row in cases {
            let findings = OverRequestedMemory().detect(in: Fixtures.context(cluster(for: row)))
            guard let expected = row.expected else {
                XCTAssertTrue(findings.isEmpty, "\(row.name): expected no finding, got \(findings.map(\.summary))")
                continue
            }
            XCTAssertEqual(findings.count, 1, "\(row.name): expected one finding")
            guard let finding = findings.first else { continue }
            XCTAssertEqual(finding.detector, "over-requested-memory", row.name)
            XCTAssertEqual(finding.target, Finding.Target(kind: "Deployment", name: "cache", container: "app"), row.name)
            XCTAssertEqual(finding.current["memory"]?.intValue, row.request, row.name)
            guard let recommended = finding.recommended["memory"]?.intValue else {
                XCTFail("\(row.name): recommended has no memory")
                continue
            }
            XCTAssertEqual(recommended, expected, "\(row.name): recommended memory")
            XCTAssertEqual(recommended % (16 * mib), 0, "\(row.name): not on a 16Mi step")
            if let peak = row.peak {
                XCTAssertGreaterThanOrEqual(Double(recommended), peak, "\(row.name): recommendation below the observed max")
            }
            XCTAssertGreaterThan(try XCTUnwrap(finding.monthlySavings), .zero, row.name)
        }
    }

    func testRoundingSteps() {
        let cases: [(Double, Int64)] = [
            (517.5 * Double(mib), 528 * mib), (Double(100 * mib), 112 * mib), (Double(16 * mib), 16 * mib),
            (Double(16 * mib + 1), 32 * mib), (Double(1024 * mib), 1024 * mib), (Double(1024 * mib + 1), 1088 * mib),
            (Double(1150 * mib), 1152 * mib),
        ]
        for (bytes, expected) in cases {
            XCTAssertEqual(RequestRounding.memory(bytes), expected, "roundUp(\(bytes / Double(mib))Mi)")
        }
    }

    func testReductionSavingsArePricedToTheCent() throws {
        let row = cases[0]
        let context = Fixtures.context(cluster(for: row))
        let finding = try XCTUnwrap(OverRequestedMemory().detect(in: context).first)
        let cost = try XCTUnwrap(finding.monthlyCost)
        // By hand: // m6i.2xlarge in us-east-1, $0.384/h, allocatable 7.91 cores and 32,126,556,160 B (29.920187 GiB):
        // CPU share 7.91×0.031611 ÷ (7.91×0.031611 + 29.920187×0.004237) = 0.66357, so
        // $0.0322138 per core-hour and $0.0043178 per GiB-hour.
        // 2 pods × 1.5 GiB × $0.0043178 × 730 h = $9.46; 2 × 528/1024 GiB × … = $3.25.
        XCTAssertEqual(cost.current, Money(cents: 946))
        XCTAssertEqual(cost.recommended, Money(cents: 325))
        XCTAssertEqual(finding.monthlySavings, Money(cents: 621))
        XCTAssertEqual(finding.monthlySavings, cost.current - cost.recommended)
        XCTAssertGreaterThan(try XCTUnwrap(finding.monthlySavings), .zero)
        XCTAssertEqual(finding.priceSource, "on-demand")
    }

    // MARK: Limits on a reduction

    func testLimitIsKeptOnAReduction() throws {
        let key = Fixtures.deployment("cache")
        var cluster = Fixtures.cluster()
        cluster.add(Fixtures.node(nodeName))
        let container = Fixtures.container("app", cpu: 0.25, memory: 1536 * mib, memoryLimit: 2 * gib)
        cluster.add(Fixtures.workload(key, containers: [container]))
        cluster.add(Fixtures.pod("cache-0", of: key, on: nodeName, containers: [container]))
        cluster.add(Fixtures.usage(key, memory: Fixtures.memoryFigures(max: Double(450 * mib))))

        let finding = try XCTUnwrap(OverRequestedMemory().detect(in: Fixtures.context(cluster)).first)
        XCTAssertEqual(finding.recommended["memory"]?.intValue, 528 * mib)
        XCTAssertEqual(finding.recommended["memoryLimit"]?.intValue, 2 * gib, "limits are never lowered")
        XCTAssertEqual(finding.current["memoryLimit"]?.intValue, 2 * gib)
        XCTAssertTrue(finding.notes.contains { $0.contains("memory limit 2Gi kept") }, "\(finding.notes)")
        XCTAssertFalse(finding.notes.contains { $0.contains("Burstable") }, "\(finding.notes)")
    }

    func testLimitEqualToRequestWarnsAboutQoS() throws {
        let key = Fixtures.deployment("cache")
        var cluster = Fixtures.cluster()
        cluster.add(Fixtures.node(nodeName))
        let container = Fixtures.container("app", cpu: 0.25, memory: 1536 * mib, cpuLimit: 0.25, memoryLimit: 1536 * mib)
        cluster.add(Fixtures.workload(key, containers: [container]))
        cluster.add(Fixtures.pod("cache-0", of: key, on: nodeName, containers: [container]))
        cluster.add(Fixtures.usage(key, memory: Fixtures.memoryFigures(max: Double(450 * mib))))

        let finding = try XCTUnwrap(OverRequestedMemory().detect(in: Fixtures.context(cluster)).first)
        XCTAssertEqual(finding.recommended["memoryLimit"]?.intValue, 1536 * mib)
        XCTAssertTrue(finding.notes.contains { $0.contains("kept") && $0.contains("Burstable") }, "\(finding.notes)")
    }

    // MARK: OOM kills

    func testOOMKillsInUsageRaiseRequestAndLimit() throws {
        let key = Fixtures.deployment("cache")
        var cluster = Fixtures.cluster()
        cluster.add(Fixtures.node(nodeName))
        let container = Fixtures.container("app", cpu: 0.25, memory: 512 * mib, memoryLimit: 512 * mib)
        cluster.add(Fixtures.workload(key, replicas: 2, containers: [container]))
        for index in 0..<2 { cluster.add(Fixtures.pod("cache-\(index)", of: key, on: nodeName, containers: [container])) }
        let peak = Double(480 * mib)
        cluster.add(Fixtures.usage(key, memory: Fixtures.memoryFigures(max: peak), oomKills: 2))

        let findings = OverRequestedMemory().detect(in: Fixtures.context(cluster))
        XCTAssertEqual(findings.count, 1)
        let finding = try XCTUnwrap(findings.first)
        XCTAssertEqual(finding.detector, "under-provisioned-memory")
        XCTAssertEqual(finding.detector, OverRequestedMemory.underProvisioned)
        XCTAssertEqual(finding.severity, .critical)
        let recommended = try XCTUnwrap(finding.recommended["memory"]?.intValue)
        // The kernel kills at the limit: peak = max(480Mi seen, 512Mi limit) × 1.25 = 640Mi.
        XCTAssertEqual(recommended, 640 * mib)
        XCTAssertGreaterThan(Double(recommended), peak)
        XCTAssertGreaterThan(recommended, 512 * mib)
        XCTAssertEqual(finding.recommended["memoryLimit"]?.intValue, recommended, "a limit below the new request is raised to it")
        XCTAssertTrue(finding.notes.contains { $0.contains("memory limit raised from 512Mi to 640Mi") }, "\(finding.notes)")
        XCTAssertTrue(finding.notes.contains { $0.contains("2 OOM kills") }, "\(finding.notes)")
        let savings = try XCTUnwrap(finding.monthlySavings)
        let cost = try XCTUnwrap(finding.monthlyCost)
        XCTAssertEqual(savings, cost.current - cost.recommended)
        // A reliability fix costs money, by hand at $0.0043178 per GiB-hour (m6i.2xlarge, as above):
        // 2 × 0.5 GiB × 730 h = $3.15 before, 2 × 0.625 GiB = $3.94 after: −$0.79.
        XCTAssertEqual(cost.current, Money(cents: 315))
        XCTAssertEqual(cost.recommended, Money(cents: 394))
        XCTAssertEqual(savings, Money(cents: -79))
    }

    func testOOMKilledTerminationOnAPodCountsEvenWhileCrashLooping() throws {
        let key = Fixtures.deployment("cache")
        var cluster = Fixtures.cluster()
        cluster.add(Fixtures.node(nodeName))
        let spec = Fixtures.container("app", cpu: 0.25, memory: 256 * mib)
        cluster.add(Fixtures.workload(key, containers: [spec]))
        let killed = Fixtures.container("app", cpu: 0.25, memory: 256 * mib, restarts: 9, lastTerminationReason: "OOMKilled",
                                        waitingReason: "CrashLoopBackOff")
        cluster.add(Fixtures.pod("cache-0", of: key, on: nodeName, containers: [killed]))
        // Usage alone would call for a reduction were it not for the kill.
        let peak = Double(100 * mib)
        cluster.add(Fixtures.usage(key, memory: Fixtures.memoryFigures(max: peak), oomKills: 0))

        let finding = try XCTUnwrap(OverRequestedMemory().detect(in: Fixtures.context(cluster)).first)
        XCTAssertEqual(finding.detector, "under-provisioned-memory")
        let recommended = try XCTUnwrap(finding.recommended["memory"]?.intValue)
        // max(100Mi, no limit, 256Mi request) × 1.25 = 320Mi.
        XCTAssertEqual(recommended, 320 * mib)
        XCTAssertGreaterThan(Double(recommended), peak)
        XCTAssertGreaterThan(recommended, 256 * mib)
        XCTAssertEqual(finding.recommended["memoryLimit"], JSONValue.null, "no limit, none added")
        // One pod, 256Mi → 320Mi at $0.0043178 per GiB-hour: $0.79 → $0.98, −$0.19.
        XCTAssertEqual(finding.monthlySavings, Money(cents: -19))
    }

    func testUnderProvisionedIsSelectedThroughTheMemoryDetector() throws {
        let selected = try DetectorRegistry.select(["under-provisioned-memory"]).get()
        XCTAssertEqual(selected.map { $0.name }, ["over-requested-memory"])
    }

    /// OOM-killed, but no request, no limit and no measured peak: nothing to raise from, so no finding
    /// (never "from 0Mi to 0Mi").
    func testOOMWithNothingMeasuredOrSetHasNoFinding() {
        let key = Fixtures.deployment("cache")
        var cluster = Fixtures.cluster()
        cluster.add(Fixtures.node(nodeName))
        let container = Fixtures.container("app", cpu: 0.25)
        cluster.add(Fixtures.workload(key, containers: [container]))
        cluster.add(Fixtures.pod("cache-0", of: key, on: nodeName, containers: [container]))
        cluster.add(Fixtures.usage(key, memory: [:], oomKills: 1))
        XCTAssertEqual(OverRequestedMemory().detect(in: Fixtures.context(cluster)).count, 0)
    }

    /// A pod's last OOM kill before the window is history, not a reason to raise memory now.
    func testOOMKillBeforeTheWindowDoesNotCount() {
        let key = Fixtures.deployment("cache")
        var cluster = Fixtures.cluster()
        cluster.add(Fixtures.node(nodeName))
        let template = Fixtures.container("app", cpu: 0.25, memory: 2 * Fixtures.gib)
        cluster.add(Fixtures.workload(key, containers: [template]))
        var status = template
        status.lastTermination = Observed.Termination(reason: "OOMKilled", at: Fixtures.daysAgo(30))
        cluster.add(Fixtures.pod("cache-0", of: key, on: nodeName, containers: [status]))
        cluster.add(Fixtures.usage(key, memory: Fixtures.memoryFigures(max: Double(400 * Fixtures.mib))))
        XCTAssertEqual(OverRequestedMemory().detect(in: Fixtures.context(cluster)).map(\.detector), ["over-requested-memory"])
        status.lastTermination?.at = Fixtures.daysAgo(1)
        var recent = Fixtures.cluster()
        recent.add(Fixtures.node(nodeName))
        recent.add(Fixtures.workload(key, containers: [template]))
        recent.add(Fixtures.pod("cache-0", of: key, on: nodeName, containers: [status]))
        recent.add(Fixtures.usage(key, memory: Fixtures.memoryFigures(max: Double(400 * Fixtures.mib))))
        XCTAssertEqual(OverRequestedMemory().detect(in: Fixtures.context(recent)).map(\.detector), ["under-provisioned-memory"])
    }

    func testMemoryIsPrintedExactlyWhereItCanBe() {
        XCTAssertEqual(Units.memory(1088 * Fixtures.mib), "1088Mi")
        XCTAssertEqual(Units.memory(1536 * Fixtures.mib), "1.5Gi")
        XCTAssertEqual(Units.memory(2 * Fixtures.gib), "2Gi")
        XCTAssertEqual(Units.memory(1 << 40), "1Ti")
        XCTAssertEqual(Units.memory(2_000_000_000), "2G")
        XCTAssertEqual(Units.memory(476_000_000), "454Mi")
    }
}
