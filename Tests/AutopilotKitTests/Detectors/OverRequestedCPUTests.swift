import XCTest
@testable import AutopilotKit

/// One row of the CPU right-sizing table: a `Deployment apps/web` with two pods on an m6i.2xlarge.
private struct CPUCase {
    var name: String
    var request: Double?
    var cpu: [String: Double]
    var samples: Int64 = 2016
    var kind = "Deployment"
    var latencySensitive = false
    var ignored = false
    var crashLooping = false
    /// The recommended request in cores, or nil for no finding.
    var expected: Double?
}

final class OverRequestedCPUTests: XCTestCase {
    private let nodeName = "ip-10-0-1-10.ec2.internal"

    private let cases: [CPUCase] = [
        // 0.18 × 1.15 = 0.207 → 5m steps → 210m.
        CPUCase(name: "1500m request, p95 180m", request: 1.5, cpu: Fixtures.cpuFigures(p95: 0.18), expected: 0.21),
        // 0.3 × 1.15 = 0.345, on a 5m step: the margin is 15%, not 16% (0.348 → 350m).
        CPUCase(name: "the margin decides the step", request: 1, cpu: Fixtures.cpuFigures(p95: 0.3), expected: 0.345),
        // 0.678 × 1.15 = 0.7797 → 780m: 22% less, just over the 20% minimum.
        CPUCase(name: "reduction just over 20%", request: 1, cpu: Fixtures.cpuFigures(p95: 0.678), expected: 0.78),
        // 0.002 × 1.15 = 0.0023 → floor 10m.
        CPUCase(name: "floor at 10m", request: 0.5, cpu: Fixtures.cpuFigures(p95: 0.002), expected: 0.01),
        // 1.2 × 1.15 = 1.38 → 50m steps above one core → 1.4.
        CPUCase(name: "50m steps above one core", request: 4, cpu: Fixtures.cpuFigures(p95: 1.2), expected: 1.4),
        // 1.5 × 1.15 = 1.725 → 1.75: 250m less but only 12.5% of 2 cores.
        CPUCase(name: "reduction under 20%", request: 2, cpu: Fixtures.cpuFigures(p95: 1.5), expected: nil),
        // 0.05 × 1.15 = 0.0575 → 60m: 40% less but only 40m.
        CPUCase(name: "reduction under 50m", request: 0.1, cpu: Fixtures.cpuFigures(p95: 0.05), expected: nil),
        CPUCase(name: "no samples", request: 1.5, cpu: [:], samples: 0, expected: nil),
        CPUCase(name: "zero CPU request", request: 0, cpu: Fixtures.cpuFigures(p95: 0.18), expected: nil),
        CPUCase(name: "no CPU request", request: nil, cpu: Fixtures.cpuFigures(p95: 0.18), expected: nil),
        CPUCase(name: "99 samples, under minSamples", request: 1.5, cpu: Fixtures.cpuFigures(p95: 0.18), samples: 99, expected: nil),
        CPUCase(name: "exactly minSamples", request: 1.5, cpu: Fixtures.cpuFigures(p95: 0.18), samples: 100, expected: 0.21),
        // Latency-sensitive: p99 0.6 × 1.5 = 0.9.
        CPUCase(name: "latency-sensitive uses p99 × 1.5", request: 2,
                cpu: Fixtures.figures(p50: 0.2, p90: 0.27, p95: 0.3, p99: 0.6, max: 0.8), latencySensitive: true, expected: 0.9),
        // p99 1.1 × 1.5 = 1.65 (on a 50m step already), far above p95 × 1.15.
        CPUCase(name: "latency-sensitive with a spiky p99", request: 4,
                cpu: Fixtures.figures(p50: 0.1, p90: 0.15, p95: 0.2, p99: 1.1, max: 1.5), latencySensitive: true, expected: 1.65),
        CPUCase(name: "ignored workload", request: 1.5, cpu: Fixtures.cpuFigures(p95: 0.18), ignored: true, expected: nil),
        CPUCase(name: "Job", request: 1.5, cpu: Fixtures.cpuFigures(p95: 0.18), kind: "Job", expected: nil),
        CPUCase(name: "crash-looping container", request: 1.5, cpu: Fixtures.cpuFigures(p95: 0.18), crashLooping: true, expected: nil),
    ]

    private func cluster(for row: CPUCase) -> ObservedCluster {
        let key = Observed.WorkloadKey(namespace: "apps", kind: row.kind, name: "web")
        var cluster = Fixtures.cluster()
        cluster.add(Fixtures.node(nodeName))
        var labels: [String: String] = [:]
        var annotations: [String: String] = [:]
        if row.ignored { labels["autopilot.io/ignore"] = "true" }
        if row.latencySensitive { annotations["autopilot.io/latency-sensitive"] = "true" }
        let container = Fixtures.container("app", cpu: row.request, memory: 512 * Fixtures.mib)
        cluster.add(Fixtures.workload(key, replicas: 2, containers: [container], labels: labels, annotations: annotations))
        for index in 0..<2 {
            let podContainer = row.crashLooping
                ? Fixtures.container("app", cpu: row.request, memory: 512 * Fixtures.mib, restarts: 14,
                                     lastTerminationReason: "Error", waitingReason: "CrashLoopBackOff")
                : container
            cluster.add(Fixtures.pod("web-\(index)", of: key, on: nodeName, containers: [podContainer]))
        }
        cluster.add(Fixtures.usage(key, samples: row.samples, cpu: row.cpu, memory: Fixtures.memoryFigures(max: Double(300 * Fixtures.mib))))
        return cluster
    }

    func testRecommendationTable() {
        for row in cases {
            let findings = OverRequestedCPU().detect(in: Fixtures.context(cluster(for: row))).filter { $0.target.name == "web" }
            guard let expected = row.expected else {
                XCTAssertTrue(findings.isEmpty, "\(row.name): expected no finding, got \(findings.map(\.summary))")
                continue
            }
            XCTAssertEqual(findings.count, 1, "\(row.name): expected one finding")
            guard let finding = findings.first else { continue }
            XCTAssertEqual(finding.detector, "over-requested-cpu", row.name)
            XCTAssertEqual(finding.target, Finding.Target(kind: row.kind, name: "web", container: "app"), row.name)
            XCTAssertEqual(finding.namespace, "apps", row.name)
            XCTAssertEqual(finding.current["cpu"]?.doubleValue, row.request, row.name)
            guard let recommended = finding.recommended["cpu"]?.doubleValue else {
                XCTFail("\(row.name): recommended has no cpu")
                continue
            }
            XCTAssertEqual(recommended, expected, accuracy: 1e-9, "\(row.name): recommended CPU")
            if let p95 = row.cpu["p95"] {
                XCTAssertGreaterThanOrEqual(recommended, p95, "\(row.name): recommendation below the observed p95")
            }
            if row.latencySensitive, let p99 = row.cpu["p99"] {
                XCTAssertGreaterThanOrEqual(recommended, p99, "\(row.name): latency-sensitive recommendation below p99")
            }
            XCTAssertLessThan(recommended, row.request ?? 0, "\(row.name): a finding must lower the request")
        }
    }

    func testRoundingSteps() {
        let cases: [(Double, Double)] = [
            (0.207, 0.21), (0.2, 0.2), (0.201, 0.205), (0.0101, 0.015), (0.995, 0.995), (0.9999, 1.0),
            (1.0, 1.0), (1.001, 1.05), (1.38, 1.4), (1.65, 1.65), (2.26, 2.3),
        ]
        for (cores, expected) in cases {
            XCTAssertEqual(RequestRounding.cpu(cores), expected, accuracy: 1e-12, "roundUp(\(cores))")
        }
    }

    func testSeverityFollowsTheReduction() throws {
        let finding = try XCTUnwrap(OverRequestedCPU().detect(in: Fixtures.context(cluster(for: cases[0]))).first)
        // 1.5 → 0.21 frees 1.29 cores per pod.
        XCTAssertEqual(finding.severity, .critical)
        XCTAssertTrue(finding.summary.contains("210m"), finding.summary)
    }

    // MARK: HPA

    func testCPUHPAKeepsPodsAtTheTarget() throws {
        let key = Fixtures.deployment("api")
        var cluster = Fixtures.cluster()
        cluster.add(Fixtures.node(nodeName))
        cluster.add(Fixtures.workload(key, replicas: 4, containers: [Fixtures.container("app", cpu: 1, memory: Fixtures.gib)]))
        for index in 0..<4 {
            cluster.add(Fixtures.pod("api-\(index)", of: key, on: nodeName, cpu: 1, memory: Fixtures.gib))
        }
        cluster.add(Fixtures.usage(key, cpu: Fixtures.cpuFigures(p95: 0.1), memory: Fixtures.memoryFigures(max: Double(700 * Fixtures.mib))))
        cluster.add(Observed.HPA(namespace: "apps", name: "api", target: key, minReplicas: 2, maxReplicas: 10, currentReplicas: 4,
                                 cpuTargetUtilization: 50, cpuCurrentUtilization: 10))

        let findings = OverRequestedCPU().detect(in: Fixtures.context(cluster))
        XCTAssertEqual(findings.count, 1)
        let finding = try XCTUnwrap(findings.first)
        let recommended = try XCTUnwrap(finding.recommended["cpu"]?.doubleValue)
        // p95 0.1 × 1.15 = 0.115, but p95 ÷ 50% = 0.2 keeps a pod at its p95 on the HPA's target.
        XCTAssertGreaterThanOrEqual(recommended, 0.2 - 1e-9)
        XCTAssertEqual(recommended, 0.2, accuracy: 1e-9)
        XCTAssertGreaterThanOrEqual(recommended, 0.1)
        XCTAssertNotNil(finding.recommended["replicas"]?.intValue, "the recommendation forecasts replicas")
        XCTAssertEqual(finding.current["replicas"]?.intValue, 4)
        XCTAssertTrue(finding.notes.contains { $0.contains("HPA api") && $0.contains("50%") }, "\(finding.notes)")
        XCTAssertNotEqual(finding.basis["hpa"], JSONValue.null)
    }

    func testHPAPinnedAtMinimumIsLeftToMisconfiguredAutoscaling() {
        let key = Fixtures.deployment("checkout")
        var cluster = Fixtures.cluster()
        cluster.add(Fixtures.node(nodeName))
        cluster.add(Fixtures.workload(key, replicas: 8, containers: [Fixtures.container("app", cpu: 1, memory: Fixtures.gib)]))
        for index in 0..<8 {
            cluster.add(Fixtures.pod("checkout-\(index)", of: key, on: nodeName, cpu: 1, memory: Fixtures.gib))
        }
        cluster.add(Fixtures.usage(key, cpu: Fixtures.cpuFigures(p95: 0.15), memory: Fixtures.memoryFigures(max: Double(700 * Fixtures.mib))))
        // Control: without the HPA the workload is over-requested.
        XCTAssertEqual(OverRequestedCPU().detect(in: Fixtures.context(cluster)).count, 1)

        cluster.add(Observed.HPA(namespace: "apps", name: "checkout", target: key, minReplicas: 8, maxReplicas: 20, currentReplicas: 8,
                                 cpuTargetUtilization: 75, cpuCurrentUtilization: 12))
        XCTAssertEqual(OverRequestedCPU().detect(in: Fixtures.context(cluster)).count, 0,
                       "an HPA pinned at min far under target is misconfigured-autoscaling's finding")
    }

    // MARK: Cost

    func testSavingsArePricedOnTheNodeToTheCent() throws {
        let key = Fixtures.deployment("web")
        var cluster = Fixtures.cluster()
        cluster.add(Fixtures.node(nodeName))
        cluster.add(Fixtures.workload(key, replicas: 3, containers: [Fixtures.container("app", cpu: 1.5, memory: Fixtures.gib)]))
        for index in 0..<3 {
            cluster.add(Fixtures.pod("web-\(index)", of: key, on: nodeName, cpu: 1.5, memory: Fixtures.gib))
        }
        cluster.add(Fixtures.usage(key, cpu: Fixtures.cpuFigures(p95: 0.18), memory: Fixtures.memoryFigures(max: Double(700 * Fixtures.mib))))
        let context = Fixtures.context(cluster)

        let finding = try XCTUnwrap(OverRequestedCPU().detect(in: context).first)
        let cost = try XCTUnwrap(finding.monthlyCost)
        let savings = try XCTUnwrap(finding.monthlySavings)
        XCTAssertEqual(savings.cents, cost.current.cents - cost.recommended.cents)
        XCTAssertGreaterThan(savings, .zero)
        XCTAssertEqual(finding.priceSource, "on-demand")

        // By hand: // m6i.2xlarge in us-east-1, $0.384/h, allocatable 7.91 cores and 32,126,556,160 B (29.920187 GiB):
        // CPU share 7.91×0.031611 ÷ (7.91×0.031611 + 29.920187×0.004237) = 0.66357, so
        // $0.0322138 per core-hour and $0.0043178 per GiB-hour.
        // 3 pods × 1.5 cores × $0.0322138 × 730 h = $105.82; 3 × 0.21 × … = $14.82; saves $91.00.
        XCTAssertEqual(cost.current, Money(cents: 10_582))
        XCTAssertEqual(cost.recommended, Money(cents: 1_482))
        XCTAssertEqual(savings, Money(cents: 9_100))
        XCTAssertEqual(finding.json["monthlySavings"], JSONValue.double(savings.dollars))
    }

    func testUnknownInstanceTypeHasNoDollars() throws {
        let key = Fixtures.deployment("web")
        var cluster = Fixtures.cluster()
        cluster.add(Fixtures.node("ip-10-0-9-9.ec2.internal", type: "x9.mega"))
        cluster.add(Fixtures.workload(key, containers: [Fixtures.container("app", cpu: 1.5, memory: Fixtures.gib)]))
        cluster.add(Fixtures.pod("web-0", of: key, on: "ip-10-0-9-9.ec2.internal", cpu: 1.5, memory: Fixtures.gib))
        cluster.add(Fixtures.usage(key, cpu: Fixtures.cpuFigures(p95: 0.18)))
        let context = Fixtures.context(cluster)
        XCTAssertEqual(context.unpricedNodes.map { $0.node }, ["ip-10-0-9-9.ec2.internal"])

        let finding = try XCTUnwrap(OverRequestedCPU().detect(in: context).first)
        XCTAssertEqual(finding.priceSource, "unknown")
        XCTAssertNil(finding.monthlyCost)
        XCTAssertNil(finding.monthlySavings)
        XCTAssertEqual(finding.json["monthlyCost"], JSONValue.null)
        XCTAssertEqual(finding.recommended["cpu"]?.doubleValue ?? 0, 0.21, accuracy: 1e-9)
    }

    func testOnePodOnAnUnpricedNodeMakesThePriceUnknown() throws {
        let key = Fixtures.deployment("web")
        var cluster = Fixtures.cluster()
        cluster.add(Fixtures.node(nodeName))
        cluster.add(Fixtures.node("ip-10-0-9-9.ec2.internal", type: "x9.mega"))
        cluster.add(Fixtures.workload(key, replicas: 2, containers: [Fixtures.container("app", cpu: 1.5, memory: Fixtures.gib)]))
        cluster.add(Fixtures.pod("web-0", of: key, on: nodeName, cpu: 1.5, memory: Fixtures.gib))
        cluster.add(Fixtures.pod("web-1", of: key, on: "ip-10-0-9-9.ec2.internal", cpu: 1.5, memory: Fixtures.gib))
        cluster.add(Fixtures.usage(key, cpu: Fixtures.cpuFigures(p95: 0.18)))

        let finding = try XCTUnwrap(OverRequestedCPU().detect(in: Fixtures.context(cluster)).first)
        XCTAssertEqual(finding.priceSource, "unknown")
        XCTAssertNil(finding.monthlyCost, "never a partial figure")
    }

    // MARK: Finding identity and JSON

    private func twoContainerCluster() -> ObservedCluster {
        let key = Fixtures.deployment("web")
        var cluster = Fixtures.cluster()
        cluster.add(Fixtures.node(nodeName))
        let containers = [Fixtures.container("app", cpu: 1.5, memory: Fixtures.gib), Fixtures.container("envoy", cpu: 1, memory: 256 * Fixtures.mib)]
        cluster.add(Fixtures.workload(key, containers: containers))
        cluster.add(Fixtures.pod("web-0", of: key, on: nodeName, containers: containers))
        cluster.add(Fixtures.usage(key, container: "app", cpu: Fixtures.cpuFigures(p95: 0.18)))
        cluster.add(Fixtures.usage(key, container: "envoy", cpu: Fixtures.cpuFigures(p95: 0.05)))
        return cluster
    }

    func testFindingIdIsStableAndPerContainer() throws {
        let first = OverRequestedCPU().detect(in: Fixtures.context(twoContainerCluster()))
        let second = OverRequestedCPU().detect(in: Fixtures.context(twoContainerCluster()))
        XCTAssertEqual(first.map(\.target.container), ["app", "envoy"])
        XCTAssertEqual(first.map(\.id), second.map(\.id), "same inputs, same ids")
        XCTAssertEqual(first.count, 2)
        XCTAssertNotEqual(first[0].id, first[1].id, "a different container is a different finding")
        for finding in first {
            XCTAssertTrue(finding.id.hasPrefix("f-"), finding.id)
            XCTAssertEqual(finding.id.count, 18, finding.id)
            XCTAssertTrue(finding.json.text.hasPrefix("{\"kind\":\"finding\""), finding.json.text)
            XCTAssertEqual(finding.json["id"], JSONValue.string(finding.id))
        }
    }

    func testFindingIdIgnoresEverythingButClusterDetectorAndTarget() {
        func make(container: String?, summary: String, cluster: String = "prod") -> Finding {
            Finding(cluster: cluster, detector: "over-requested-cpu", severity: .info, namespace: "apps",
                    target: .init(kind: "Deployment", name: "web", container: container), team: "payments", summary: summary,
                    current: ["cpu": 1.5], recommended: ["cpu": 0.21], monthlyCost: (Money(cents: 9000), Money(cents: 1000)),
                    priceSource: "on-demand", confidence: 0.9, basis: [:])
        }
        XCTAssertEqual(make(container: "app", summary: "one").id, make(container: "app", summary: "two").id)
        XCTAssertNotEqual(make(container: "app", summary: "one").id, make(container: "sidecar", summary: "one").id)
        XCTAssertNotEqual(make(container: "app", summary: "one").id, make(container: nil, summary: "one").id)
        XCTAssertNotEqual(make(container: "app", summary: "one").id, make(container: "app", summary: "one", cluster: "staging").id)
        let finding = make(container: "app", summary: "one")
        XCTAssertEqual(finding.monthlySavings, Money(cents: 8000))
        XCTAssertTrue(finding.json.text.hasPrefix("{\"kind\":\"finding\""), finding.json.text)
    }

    /// Pinned at a minimum of 2 cannot be lowered (2 is kept for availability): then the CPU detector
    /// must report the over-request itself, or nobody would.
    func testHPAPinnedAtAMinimumThatCannotBeLoweredStillGetsACPUFinding() {
        let key = Fixtures.deployment("checkout")
        var cluster = Fixtures.cluster()
        cluster.add(Fixtures.node(nodeName))
        cluster.add(Fixtures.workload(key, replicas: 2, containers: [Fixtures.container("app", cpu: 1, memory: Fixtures.gib)]))
        for index in 0..<2 { cluster.add(Fixtures.pod("checkout-\(index)", of: key, on: nodeName, cpu: 1, memory: Fixtures.gib)) }
        cluster.add(Fixtures.usage(key, cpu: Fixtures.cpuFigures(p95: 0.15), memory: Fixtures.memoryFigures(max: Double(700 * Fixtures.mib))))
        cluster.add(Observed.HPA(namespace: "apps", name: "checkout", target: key, minReplicas: 2, maxReplicas: 10, currentReplicas: 2,
                                 cpuTargetUtilization: 75, cpuCurrentUtilization: 12))
        XCTAssertNil(MisconfiguredAutoscaling.loweredMinimum(cluster.hpas[0], Fixtures.context(cluster)))
        let findings = OverRequestedCPU().detect(in: Fixtures.context(cluster))
        XCTAssertEqual(findings.count, 1)
        // p95 ÷ target = 0.15 ÷ 0.75 = 200m: a pod at its p95 sits at the target.
        XCTAssertEqual(findings.first?.recommended["cpu"]?.doubleValue, 0.2)
    }

    /// A DaemonSet pod on a node the plan removes ends with the node: its CPU is the node's dollars, not
    /// the DaemonSet's, so the two findings never claim the same money.
    func testDaemonSetPodOnARemovedIdleNodeIsNotPricedTwice() throws {
        let agent = Fixtures.daemonSet("agent")
        let idle = "ip-10-0-1-11.ec2.internal"
        var cluster = Fixtures.cluster()
        cluster.add(Fixtures.node(nodeName))
        cluster.add(Fixtures.node(idle))
        cluster.add(Fixtures.workload(agent, replicas: 2, containers: [Fixtures.container("app", cpu: 0.5, memory: 256 * Fixtures.mib)]))
        for (index, node) in [nodeName, idle].enumerated() {
            cluster.add(Fixtures.pod("agent-\(index)", of: agent, on: node, cpu: 0.5, memory: 256 * Fixtures.mib))
        }
        cluster.add(Fixtures.usage(agent, cpu: Fixtures.cpuFigures(p95: 0.02), memory: Fixtures.memoryFigures(max: Double(100 * Fixtures.mib))))
        cluster.add(Fixtures.nodeUsage(idle, cpuP95: 0.1, memoryP95: 1e9))
        // The node that stays is busy (not a consolidation candidate).
        let batch = Fixtures.deployment("batch")
        cluster.add(Fixtures.workload(batch, containers: [Fixtures.container("app", cpu: 6, memory: 8 * Fixtures.gib)]))
        cluster.add(Fixtures.pod("batch-0", of: batch, on: nodeName, cpu: 6, memory: 8 * Fixtures.gib))
        let context = Fixtures.context(cluster)
        XCTAssertEqual(context.plan.idle.map(\.node), [idle])
        let finding = try XCTUnwrap(OverRequestedCPU().detect(in: context).first)
        // Only the pod on the node that stays, by hand at $0.0322138 per core-hour (m6i.2xlarge, see above):
        // 0.5 × 0.0322138 × 730 = $11.76 before, 0.025 × … = $0.59 after: $11.17.
        XCTAssertEqual(finding.monthlySavings, Money(cents: 1_117))
    }
}
