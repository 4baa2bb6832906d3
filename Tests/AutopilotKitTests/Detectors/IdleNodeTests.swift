import XCTest
@testable import AutopilotKit

final class IdleNodeTests: XCTestCase {
    private let nodeName = "ip-10-0-3-30.ec2.internal"
    /// A second node with room, and no usage record (so never idle itself): where the idle node's pods go.
    private let spareNode = "ip-10-0-3-31.ec2.internal"
    private let mib = Fixtures.mib
    private let gib = Fixtures.gib

    /// One m6i.2xlarge carrying DaemonSets (one of them heavy) and one small Deployment pod.
    private func cluster(type: String? = "m6i.2xlarge", capacityType: String = "on-demand", ready: Bool = true,
                         unschedulable: Bool = false, nodeLabels: [String: String] = [:], usage: (cpu: Double, memory: Double)? = (0.4, 2 * 1_073_741_824),
                         deploymentCPU: Double = 0.25, extraPods: [Observed.Pod] = [], withSpareNode: Bool = true,
                         deletingSince: String? = nil) -> ObservedCluster {
        var cluster = Fixtures.cluster()
        var node = Fixtures.node(nodeName, type: type, capacityType: capacityType, nodepool: "default", labels: nodeLabels,
                                 ready: ready, unschedulable: unschedulable)
        node.deletingSince = deletingSince
        cluster.add(node)
        cluster.add(Fixtures.pod("aws-node-7xk2p", of: Fixtures.daemonSet("aws-node"), on: nodeName, cpu: 0.025, memory: 64 * mib))
        cluster.add(Fixtures.pod("kube-proxy-9qzt4", of: Fixtures.daemonSet("kube-proxy"), on: nodeName, cpu: 0.1, memory: 128 * mib))
        // 3 cores of DaemonSet: counted, the node would be 41% requested; per-node overhead is left out.
        cluster.add(Fixtures.pod("log-shipper-h2v8d", of: Fixtures.daemonSet("log-shipper", namespace: "logging"), on: nodeName,
                                 cpu: 3, memory: 10 * gib))
        let web = Fixtures.deployment("web")
        cluster.add(Fixtures.workload(web, containers: [Fixtures.container("app", cpu: deploymentCPU, memory: 512 * mib)]))
        cluster.add(Fixtures.pod("web-0", of: web, on: nodeName, cpu: deploymentCPU, memory: 512 * mib))
        for pod in extraPods { cluster.add(pod) }
        if withSpareNode { cluster.add(Fixtures.node(spareNode, nodepool: "default")) }
        if let usage { cluster.add(Fixtures.nodeUsage(nodeName, cpuP95: usage.cpu, memoryP95: usage.memory)) }
        return cluster
    }

    private func detect(_ cluster: ObservedCluster) -> [Finding] { IdleNode().detect(in: Fixtures.context(cluster)) }

    func testIdleNodeSavesItsMonthlyPrice() throws {
        let findings = detect(cluster())
        XCTAssertEqual(findings.count, 1)
        let finding = try XCTUnwrap(findings.first)
        XCTAssertEqual(finding.detector, "idle-node")
        XCTAssertEqual(finding.target, Finding.Target(kind: "Node", name: nodeName))
        XCTAssertNil(finding.namespace)
        XCTAssertEqual(finding.team, "platform")
        XCTAssertEqual(finding.priceSource, "on-demand")
        // m6i.2xlarge us-east-1 on-demand: 0.384 × 730 = $280.32.
        let cost = try XCTUnwrap(finding.monthlyCost)
        XCTAssertEqual(cost.current, Money(cents: 28_032))
        XCTAssertEqual(cost.recommended, .zero)
        XCTAssertEqual(finding.monthlySavings, Money(cents: 28_032))
        XCTAssertEqual(finding.monthlySavings?.description, "$280.32")
        // DaemonSet requests do not count: only web-0's 250m.
        XCTAssertEqual(finding.current["requested"]?["cpu"]?.doubleValue ?? -1, 0.25, accuracy: 1e-12)
        XCTAssertEqual(finding.current["requested"]?["memory"]?.intValue, 512 * mib)
        XCTAssertEqual(finding.recommended["movePods"]?.stringList, ["apps/web-0"])
        XCTAssertEqual(finding.recommended["nodes"]?.intValue, 0)
        XCTAssertTrue(finding.notes.contains("apps/web-0 → \(spareNode)"), "\(finding.notes)")
        XCTAssertFalse(finding.notes.contains { $0.contains("aws-node") }, "DaemonSet pods do not move: \(finding.notes)")
        XCTAssertEqual(finding.confidence, 1, accuracy: 1e-12)
    }

    func testFindingGoesToThePlatformTeam() throws {
        var config = DetectionConfig()
        config.platformTeam = "infra"
        let finding = try XCTUnwrap(IdleNode().detect(in: Fixtures.context(cluster(), config: config)).first)
        XCTAssertEqual(finding.team, "infra")
    }

    func testOnlyDaemonSetsIsSaidSo() throws {
        var cluster = Fixtures.cluster()
        cluster.add(Fixtures.node(nodeName))
        cluster.add(Fixtures.pod("aws-node-7xk2p", of: Fixtures.daemonSet("aws-node"), on: nodeName, cpu: 0.025, memory: 64 * mib))
        cluster.add(Fixtures.nodeUsage(nodeName, cpuP95: 0.1, memoryP95: Double(gib)))
        let finding = try XCTUnwrap(detect(cluster).first)
        XCTAssertEqual(finding.notes, ["only DaemonSet pods run here"])
        XCTAssertEqual(finding.recommended["movePods"]?.stringList, [])
    }

    func testCordonedNodeIsLeftAlone() {
        XCTAssertEqual(detect(cluster(unschedulable: true)).count, 0)
    }

    /// A Fargate node runs one pod in its own micro-VM, billed per pod: there is no instance to remove.
    func testAFargateNodeIsNotAnIdleInstance() {
        XCTAssertEqual(detect(cluster(nodeLabels: ["eks.amazonaws.com/compute-type": "fargate"])).count, 0)
    }

    /// `kubectl delete node` without a cordon first: the node is going already, not idle capacity to remove.
    func testANodeBeingDeletedIsLeftAlone() {
        XCTAssertEqual(detect(cluster()).count, 1)
        XCTAssertEqual(detect(cluster(deletingSince: Fixtures.daysAgo(0.01))).count, 0)
    }

    func testNotReadyNodeIsLeftAlone() {
        XCTAssertEqual(detect(cluster(ready: false)).count, 0)
    }

    func testIgnoredNodeIsLeftAlone() {
        XCTAssertEqual(detect(cluster(nodeLabels: ["autopilot.io/ignore": "true"])).count, 0)
    }

    func testHighMeasuredUsageIsNotIdle() {
        // CPU p95 3 cores of 7.91 = 38%.
        XCTAssertEqual(detect(cluster(usage: (3.0, 2 * 1_073_741_824))).count, 0)
        // Memory p95 12 GiB of ~30 GiB = 40%.
        XCTAssertEqual(detect(cluster(usage: (0.4, 12 * 1_073_741_824))).count, 0)
    }

    func testHighRequestsAreNotIdle() {
        // 2.5 of 7.91 cores requested outside DaemonSets = 32%.
        XCTAssertEqual(detect(cluster(deploymentCPU: 2.5)).count, 0)
    }

    func testNoNodeUsageMeansNoFinding() {
        XCTAssertEqual(detect(cluster(usage: nil)).count, 0)
    }

    func testFinishedPodsHoldNoCapacity() {
        let job = Observed.WorkloadKey(namespace: "batch", kind: "Job", name: "nightly-report")
        let done = Fixtures.pod("nightly-report-x7b2c", of: job, on: nodeName,
                                containers: [Fixtures.container("report", cpu: 4, memory: 16 * gib)], phase: "Succeeded")
        XCTAssertEqual(detect(cluster(extraPods: [done])).count, 1)
    }

    func testSpotNodeIsPricedAtTheSpotDiscount() throws {
        let finding = try XCTUnwrap(detect(cluster(capacityType: "spot")).first)
        XCTAssertEqual(finding.priceSource, "spot-discount")
        // 0.384 × (1 − 0.65) × 730 = $98.11.
        XCTAssertEqual(finding.monthlySavings, Money(dollars: 0.384 * 0.35 * 730))
        XCTAssertEqual(finding.monthlySavings, Money(cents: 9_811))
        XCTAssertEqual(finding.current["capacityType"], JSONValue.string("spot"))
    }

    func testBarePodWithDoNotDisruptIsABlocker() throws {
        let bare = Fixtures.pod("debug-shell", of: nil, namespace: "ops", on: nodeName,
                                containers: [Fixtures.container("shell", cpu: 0.1, memory: 64 * mib)],
                                annotations: ["karpenter.sh/do-not-disrupt": "true"])
        let finding = try XCTUnwrap(detect(cluster(extraPods: [bare])).first)
        XCTAssertTrue(finding.notes.contains { $0.contains("ops/debug-shell") && $0.contains("karpenter.sh/do-not-disrupt") },
                      "\(finding.notes)")
        XCTAssertTrue(finding.notes.contains { $0.contains("ops/debug-shell has no controller") }, "\(finding.notes)")
        XCTAssertEqual(finding.recommended["movePods"]?.stringList, ["apps/web-0", "ops/debug-shell"])
        XCTAssertLessThan(finding.confidence, 1)
    }

    func testUnknownInstanceTypeHasNoPrice() throws {
        let finding = try XCTUnwrap(detect(cluster(type: "x9.mega")).first)
        XCTAssertEqual(finding.priceSource, "unknown")
        XCTAssertNil(finding.monthlyCost)
        XCTAssertNil(finding.monthlySavings)
        XCTAssertEqual(finding.json["monthlySavings"], JSONValue.null)
    }

    /// An idle node whose pods fit nowhere else cannot go: no finding (and no dollars claimed).
    func testIdleNodeWhosePodsCannotMoveIsNotAFinding() {
        XCTAssertEqual(detect(cluster(withSpareNode: false)).count, 0)
    }
}
