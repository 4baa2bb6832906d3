import XCTest
@testable import AutopilotKit

final class NodeConsolidationTests: XCTestCase {
    private let nodeA = "ip-10-0-6-11.ec2.internal"
    private let nodeB = "ip-10-0-6-12.ec2.internal"
    private let nodeC = "ip-10-0-6-13.ec2.internal"
    private let mib = Fixtures.mib
    private let gib = Fixtures.gib
    private let web = Fixtures.deployment("web")
    private let batch = Fixtures.deployment("batch")

    /// Three m6i.2xlarge nodes of NodePool `default` (WhenEmpty). B and C each carry a 4-core batch pod (half full);
    /// A carries only `webPod`. Every node runs the aws-node DaemonSet.
    private func cluster(webPod: Observed.Pod, zones: [String] = ["us-east-1a", "us-east-1a", "us-east-1a"],
                         labels: [[String: String]] = [[:], [:], [:]], taints: [[Observed.Taint]] = [[], [], []],
                         policy: String = "WhenEmpty", consolidateAfter: String = "30s") -> ObservedCluster {
        var cluster = Fixtures.cluster()
        cluster.add(Observed.NodePool(name: "default", consolidationPolicy: policy, consolidateAfter: consolidateAfter))
        for (index, name) in [nodeA, nodeB, nodeC].enumerated() {
            cluster.add(Fixtures.node(name, zone: zones[index], nodepool: "default", labels: labels[index], taints: taints[index]))
            cluster.add(Fixtures.pod("aws-node-\(index)", of: Fixtures.daemonSet("aws-node"), on: name, cpu: 0.025, memory: 64 * mib))
        }
        cluster.add(Fixtures.workload(web, containers: [Fixtures.container("app", cpu: 0.5, memory: gib)]))
        cluster.add(Fixtures.workload(batch, replicas: 2, containers: [Fixtures.container("app", cpu: 4, memory: 16 * gib)]))
        cluster.add(Fixtures.pod("batch-0", of: batch, on: nodeB, cpu: 4, memory: 16 * gib))
        cluster.add(Fixtures.pod("batch-1", of: batch, on: nodeC, cpu: 4, memory: 16 * gib))
        cluster.add(webPod)
        return cluster
    }

    private func webPod(nodeSelector: [String: String] = [:], tolerations: [Observed.Toleration] = [],
                        claims: [String] = []) -> Observed.Pod {
        Fixtures.pod("web-0", of: web, on: nodeA, cpu: 0.5, memory: gib, nodeSelector: nodeSelector,
                     tolerations: tolerations, claims: claims)
    }

    private func detect(_ cluster: ObservedCluster) -> [Finding] { NodeConsolidation().detect(in: Fixtures.context(cluster)) }

    private func removals(_ cluster: ObservedCluster) -> [Finding] { detect(cluster).filter { $0.target.kind == "NodePool" } }

    // MARK: Removal

    func testNodeWhosePodsFitElsewhereIsRemoved() throws {
        let findings = removals(cluster(webPod: webPod()))
        XCTAssertEqual(findings.count, 1)
        let finding = try XCTUnwrap(findings.first)
        XCTAssertEqual(finding.detector, "node-consolidation")
        XCTAssertEqual(finding.target, Finding.Target(kind: "NodePool", name: "default"))
        XCTAssertNil(finding.namespace)
        XCTAssertEqual(finding.recommended["removeNodes"]?.stringList, [nodeA])
        XCTAssertEqual(finding.recommended["consolidationPolicy"]?.stringValue, "WhenEmptyOrUnderutilized")
        XCTAssertEqual(finding.current["consolidationPolicy"]?.stringValue, "WhenEmpty")
        // The node's m6i.2xlarge on-demand price: 0.384 × 730 = $280.32.
        XCTAssertEqual(finding.monthlySavings, Money(cents: 28_032))
        XCTAssertEqual(finding.monthlyCost?.recommended, .zero)
        XCTAssertEqual(finding.priceSource, "on-demand")
        // First fit by name: B is the first node with room.
        XCTAssertTrue(finding.notes.contains("apps/web-0 → \(nodeB)"), "\(finding.notes)")
        XCTAssertTrue(finding.notes.contains { $0.contains("consolidationPolicy WhenEmpty") }, "\(finding.notes)")
    }

    // MARK: Measured use

    /// web-0 requests 500m but uses 1.5 cores at p95. The ceiling is 80% of 7.91 = 6.328 cores.
    private func measured(_ cluster: ObservedCluster, b: Double, c: Double) -> ObservedCluster {
        var cluster = cluster
        cluster.add(Fixtures.usage(web, cpu: Fixtures.figures(p50: 1, p90: 1.3, p95: 1.5, p99: 1.7, max: 2),
                                   memory: Fixtures.figures(p50: Double(gib) * 0.5, p95: Double(gib) * 0.8, max: Double(gib) * 0.9)))
        cluster.add(Fixtures.nodeUsage(nodeA, cpuP95: 1.6, memoryP95: Double(2 * gib)))
        cluster.add(Fixtures.nodeUsage(nodeB, cpuP95: b, memoryP95: Double(10 * gib)))
        cluster.add(Fixtures.nodeUsage(nodeC, cpuP95: c, memoryP95: Double(10 * gib)))
        return cluster
    }

    func testAMoveThatFitsByRequestsButNotByMeasuredUseIsRefused() throws {
        // B: 5.0 + 1.5 = 6.5 cores (82%), C: the same. Both fit web-0's 500m request; neither its use.
        let findings = detect(measured(cluster(webPod: webPod()), b: 5, c: 5))
        XCTAssertTrue(findings.filter { $0.target.kind == "NodePool" }.isEmpty, "\(findings.map(\.summary))")
        // With C at 4.0 (5.5 cores, 70%), web-0 skips B (first by name) and goes to C.
        let finding = try XCTUnwrap(removals(measured(cluster(webPod: webPod()), b: 5, c: 4)).first)
        XCTAssertTrue(finding.notes.contains("apps/web-0 → \(nodeC)"), "\(finding.notes)")
        let receiver = try XCTUnwrap(finding.backtest["receivers"]?.arrayValue?.first)
        XCTAssertEqual(receiver["node"]?.stringValue, nodeC)
        XCTAssertEqual(receiver["usedP95"]?["cpu"]?.doubleValue ?? 0, 5.5, accuracy: 1e-9)
        // Requests on C after the move: DaemonSet 25m + batch 4 cores + web 500m = 4.525 cores.
        XCTAssertEqual(receiver["requested"]?["cpu"]?.doubleValue ?? 0, 4.525, accuracy: 1e-9)
        XCTAssertEqual(finding.backtest["ceiling"]?.doubleValue, 0.8)
        XCTAssertTrue(finding.notes.contains { $0.hasPrefix("\(nodeC) after the moves: requests 4.53 of 7.91 cores (57%)")
            && $0.contains("measured p95 5.50 cores (70%)") }, "\(finding.notes)")
    }

    func testTheRefusalSaysWhichNodeAndWhichFigure() throws {
        // No finding is written when nothing can go: the reason is the plan's.
        let cluster = measured(cluster(webPod: webPod()), b: 5, c: 5)
        let plan = NodePlan.make(Fixtures.context(cluster))
        let reason = try XCTUnwrap(plan.blocked["NodePool/default"]?.first)
        XCTAssertEqual(reason, "\(nodeA) stays: its pods fit by requests but not by measured use: apps/web-0 on \(nodeB) would take "
            + "CPU p95 to 6.50 of 7.91 cores (82%), above the 80% ceiling")
    }

    func testARemovalSavingLessThanTheChurnFloorIsNotProposed() throws {
        var config = DetectionConfig()
        // The m6i.2xlarge saves $280.32 a month: under a $300 floor it stays.
        config.consolidation.minSavingsPerNode = Money(cents: 30_000)
        let plan = NodePlan.make(Fixtures.context(cluster(webPod: webPod()), config: config))
        XCTAssertTrue(plan.consolidated.isEmpty)
        XCTAssertEqual(plan.blocked["NodePool/default"]?.first,
                       "\(nodeA) stays: removing it saves $280.32/month, under the $300.00 churn floor (minSavingsPerNode)")
    }

    /// 3.3 of 7.91 cores is 41.7% requested, over the 40% threshold: not a candidate, though its pod would fit on B.
    func testANodeOverFortyPercentRequestedIsNotACandidate() {
        let heavy = Fixtures.pod("web-0", of: web, on: nodeA, cpu: 3.3, memory: gib)
        XCTAssertEqual(removals(cluster(webPod: heavy)).count, 0)
        // 3.1 cores is 39.2%: a candidate, and its pod fits B's 3.885 free cores.
        let lighter = Fixtures.pod("web-0", of: web, on: nodeA, cpu: 3.1, memory: gib)
        XCTAssertEqual(removals(cluster(webPod: lighter)).first?.recommended["removeNodes"]?.stringList, [nodeA])
    }

    /// `consolidateAfter: Never` (as kubernetes-sigs/karpenter's own test NodePool writes it) turns consolidation
    /// off whatever the policy: the finding says so instead of leaving it to Karpenter.
    func testConsolidateAfterNeverIsSaid() throws {
        let finding = try XCTUnwrap(removals(cluster(webPod: webPod(), policy: "WhenEmptyOrUnderutilized", consolidateAfter: "Never")).first)
        XCTAssertNil(finding.recommended["consolidationPolicy"], "the policy is already right")
        XCTAssertTrue(finding.notes.contains { $0.contains("consolidateAfter: Never: Karpenter does not consolidate its nodes at all") }, "\(finding.notes)")
    }

    func testPDBAllowingNoDisruptionPinsTheNode() {
        var cluster = self.cluster(webPod: webPod())
        cluster.add(Observed.PDB(namespace: "apps", name: "web", matchLabels: ["app": "web"], disruptionsAllowed: 0))
        XCTAssertEqual(removals(cluster).count, 0)
    }

    func testPDBAllowingADisruptionDoesNotPin() {
        var cluster = self.cluster(webPod: webPod())
        cluster.add(Observed.PDB(namespace: "apps", name: "web", matchLabels: ["app": "web"], disruptionsAllowed: 1))
        XCTAssertEqual(removals(cluster).count, 1)
    }

    func testPodWithoutControllerPinsTheNode() {
        let bare = Fixtures.pod("web-0", of: nil, namespace: "apps", on: nodeA,
                                containers: [Fixtures.container("app", cpu: 0.5, memory: gib)])
        XCTAssertEqual(removals(cluster(webPod: bare)).count, 0)
    }

    func testDoNotDisruptPinsTheNode() {
        let pinned = Fixtures.pod("web-0", of: web, on: nodeA, cpu: 0.5, memory: gib,
                                  annotations: ["karpenter.sh/do-not-disrupt": "true"])
        XCTAssertEqual(removals(cluster(webPod: pinned)).count, 0)
    }

    func testNodeSelectorNoOtherNodeSatisfiesBlocksRemoval() {
        let selector = ["example.com/local-nvme": "true"]
        let cluster = self.cluster(webPod: webPod(nodeSelector: selector), labels: [selector, [:], [:]])
        XCTAssertEqual(removals(cluster).count, 0)
        // The same selector on C lets it move there.
        let movable = self.cluster(webPod: webPod(nodeSelector: selector), labels: [selector, [:], selector])
        let finding = removals(movable).first
        XCTAssertEqual(finding?.notes.contains("apps/web-0 → \(nodeC)"), true, "\(finding?.notes ?? [])")
    }

    func testTaintedDestinationIsNotUsedWithoutToleration() throws {
        let gpu = [Observed.Taint(key: "nvidia.com/gpu", value: "true", effect: "NoSchedule")]
        let finding = try XCTUnwrap(removals(cluster(webPod: webPod(), taints: [[], gpu, []])).first)
        XCTAssertTrue(finding.notes.contains("apps/web-0 → \(nodeC)"), "\(finding.notes)")
        XCTAssertFalse(finding.notes.contains { $0.hasSuffix("→ \(nodeB)") }, "\(finding.notes)")

        // Tainted everywhere else: nowhere to go.
        XCTAssertEqual(removals(cluster(webPod: webPod(), taints: [[], gpu, gpu])).count, 0)

        // A toleration opens B again (first by name).
        let tolerant = webPod(tolerations: [Observed.Toleration(key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule")])
        let moved = try XCTUnwrap(removals(cluster(webPod: tolerant, taints: [[], gpu, gpu])).first)
        XCTAssertTrue(moved.notes.contains("apps/web-0 → \(nodeB)"), "\(moved.notes)")
    }

    func testPreferNoScheduleTaintDoesNotBlock() throws {
        let soft = [Observed.Taint(key: "example.com/draining-soon", effect: "PreferNoSchedule")]
        let finding = try XCTUnwrap(removals(cluster(webPod: webPod(), taints: [[], soft, soft])).first)
        XCTAssertTrue(finding.notes.contains("apps/web-0 → \(nodeB)"), "\(finding.notes)")
    }

    func testVolumeInAnotherZoneKeepsThePod() throws {
        var volume = Observed.Volume(name: "pvc-0c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f", claim: ("apps", "web-cache"), phase: "Bound",
                                     volumeType: "gp3", sizeBytes: 20 * gib, volumeHandle: "vol-0f1e2d3c4b5a69788",
                                     mountedBy: ["web-0"], createdAt: Fixtures.daysAgo(40))
        volume.zone = "us-east-1a"
        var stuck = cluster(webPod: webPod(claims: ["web-cache"]), zones: ["us-east-1a", "us-east-1b", "us-east-1c"])
        stuck.add(volume)
        XCTAssertEqual(removals(stuck).count, 0, "the EBS volume cannot follow the pod to another zone")

        var sameZone = cluster(webPod: webPod(claims: ["web-cache"]), zones: ["us-east-1a", "us-east-1b", "us-east-1a"])
        sameZone.add(volume)
        let finding = try XCTUnwrap(removals(sameZone).first)
        XCTAssertTrue(finding.notes.contains("apps/web-0 → \(nodeC)"), "\(finding.notes)")
    }

    func testPodsArePlacedLargestFirst() throws {
        // B has 1.5 cores free, C 1.0. The 600m pod comes first in input order: placed first it would take B
        // and leave the 1.4-core pod nowhere to go. Largest first, 1.4 → B and 0.6 → C fit.
        var cluster = Fixtures.cluster()
        cluster.add(Observed.NodePool(name: "default", consolidationPolicy: "WhenEmptyOrUnderutilized"))
        for name in [nodeA, nodeB, nodeC] { cluster.add(Fixtures.node(name, nodepool: "default")) }
        let fill = Fixtures.deployment("fill")
        let small = Fixtures.deployment("small")
        let big = Fixtures.deployment("big")
        cluster.add(Fixtures.pod("fill-b", of: fill, on: nodeB, cpu: 6.41, memory: 4 * gib))
        cluster.add(Fixtures.pod("fill-c", of: fill, on: nodeC, cpu: 6.91, memory: 4 * gib))
        cluster.add(Fixtures.pod("small-0", of: small, on: nodeA, cpu: 0.6, memory: gib))
        cluster.add(Fixtures.pod("big-0", of: big, on: nodeA, cpu: 1.4, memory: gib))

        let findings = removals(cluster)
        XCTAssertEqual(findings.count, 1)
        let finding = try XCTUnwrap(findings.first)
        XCTAssertEqual(finding.recommended["removeNodes"]?.stringList, [nodeA])
        XCTAssertEqual(finding.notes.prefix(2), ["apps/big-0 → \(nodeB)", "apps/small-0 → \(nodeC)"])
        XCTAssertNil(finding.recommended["consolidationPolicy"], "the pool already consolidates underutilized nodes")
        XCTAssertEqual(finding.monthlySavings, Money(cents: 28_032))
    }

    func testPodsThatDoNotFitKeepTheNode() {
        var cluster = Fixtures.cluster()
        for name in [nodeA, nodeB] { cluster.add(Fixtures.node(name, nodepool: "default")) }
        let fill = Fixtures.deployment("fill")
        cluster.add(Fixtures.pod("fill-b", of: fill, on: nodeB, cpu: 7, memory: 4 * gib))
        cluster.add(Fixtures.pod("web-0", of: web, on: nodeA, cpu: 1.5, memory: gib))
        XCTAssertEqual(removals(cluster).count, 0)
    }

    // MARK: Replacement

    private func loneNodeCluster(requirements: [Observed.NodeSelectorRequirement]) -> ObservedCluster {
        var cluster = Fixtures.cluster()
        cluster.add(Observed.NodePool(name: "general", consolidationPolicy: "WhenEmptyOrUnderutilized", requirements: requirements))
        let name = "ip-10-0-7-70.ec2.internal"
        cluster.add(Fixtures.node(name, type: "m6i.4xlarge", nodepool: "general"))
        cluster.add(Fixtures.pod("aws-node-0", of: Fixtures.daemonSet("aws-node"), on: name, cpu: 0.1, memory: 256 * mib))
        cluster.add(Fixtures.pod("web-0", of: web, on: name, cpu: 0.9, memory: 1792 * mib))
        return cluster
    }

    private let categoryCMR = Observed.NodeSelectorRequirement(key: "karpenter.k8s.aws/instance-category", operator: "In",
                                                               values: ["c", "m", "r"])

    func testLoneOversizedNodeIsReplacedByACheaperType() throws {
        let findings = detect(loneNodeCluster(requirements: [categoryCMR]))
        XCTAssertEqual(findings.count, 1, "\(findings.map(\.summary))")
        let finding = try XCTUnwrap(findings.first)
        XCTAssertEqual(finding.target, Finding.Target(kind: "Node", name: "ip-10-0-7-70.ec2.internal"))
        XCTAssertEqual(finding.current["instanceType"]?.stringValue, "m6i.4xlarge")
        let type = try XCTUnwrap(finding.recommended["instanceType"]?.stringValue)
        XCTAssertNotEqual(type, "m6i.4xlarge")
        XCTAssertTrue(["c", "m", "r"].contains(String(type.prefix(1))), type)
        // Cheapest amd64 (the node's architecture) c/m/r type in us-east-1 holding 1 core / 2Gi after
        // kube-reserved: c6a.large at $0.0765/h (c6g.large is cheaper but arm64).
        XCTAssertEqual(type, "c6a.large")
        let savings = try XCTUnwrap(finding.monthlySavings)
        XCTAssertGreaterThan(savings, .zero)
        // 0.768 × 730 − 0.0765 × 730 = 560.64 − 55.85 (55.845 rounded half away from zero).
        XCTAssertEqual(finding.monthlyCost?.current, Money(cents: 56_064))
        XCTAssertEqual(finding.monthlyCost?.recommended, Money(cents: 5_585))
        XCTAssertEqual(savings, Money(cents: 50_479))
        XCTAssertEqual(finding.priceSource, "on-demand")
    }

    func testReplacementHonorsTheArchitectureRequirement() throws {
        let amd64 = Observed.NodeSelectorRequirement(key: "kubernetes.io/arch", operator: "In", values: ["amd64"])
        let finding = try XCTUnwrap(detect(loneNodeCluster(requirements: [categoryCMR, amd64])).first)
        XCTAssertEqual(finding.recommended["instanceType"]?.stringValue, "c6a.large")
    }

    func testReplacementAppliesInstanceLabelsToThePods() {
        let labels = InstanceLabels.labels(type: "c6g.large", instance: PriceTable.Instance(vcpu: 2, memoryGiB: 4, onDemandHourly: 0.068))
        XCTAssertEqual(labels["karpenter.k8s.aws/instance-category"], "c")
        XCTAssertEqual(labels["karpenter.k8s.aws/instance-family"], "c6g")
        XCTAssertEqual(labels["karpenter.k8s.aws/instance-generation"], "6")
        XCTAssertEqual(labels["karpenter.k8s.aws/instance-size"], "large")
        XCTAssertEqual(labels["kubernetes.io/arch"], "arm64")
        XCTAssertEqual(InstanceLabels.labels(type: "m6i.4xlarge", instance: PriceTable.Instance(vcpu: 16, memoryGiB: 64, onDemandHourly: 0.768))["kubernetes.io/arch"], "amd64")
        let allocatable = InstanceLabels.estimatedAllocatable(PriceTable.Instance(vcpu: 2, memoryGiB: 4, onDemandHourly: 0.068))
        XCTAssertEqual(allocatable.cpu, 1.93, accuracy: 1e-9)
        XCTAssertGreaterThan(allocatable.memory, 2 * gib)
    }

    /// A node that took pods from a removed node is not removed in the same run: every pod moves once,
    /// and the notes say where it ends up.
    func testANodeThatReceivedPodsStays() throws {
        var cluster = Fixtures.cluster()
        cluster.add(Observed.NodePool(name: "default", consolidationPolicy: "WhenEmptyOrUnderutilized"))
        for name in [nodeA, nodeB, nodeC] {
            cluster.add(Fixtures.node(name, nodepool: "default"))
        }
        cluster.add(Fixtures.workload(web, replicas: 3, containers: [Fixtures.container("app", cpu: 0.5, memory: gib)]))
        // A and B are nearly empty, C is busy; A's pod lands on B, so B must stay.
        cluster.add(Fixtures.pod("web-a", of: web, on: nodeA, cpu: 0.5, memory: gib))
        cluster.add(Fixtures.pod("web-b", of: web, on: nodeB, cpu: 0.6, memory: gib))
        cluster.add(Fixtures.workload(batch, containers: [Fixtures.container("app", cpu: 7, memory: 24 * gib)]))
        cluster.add(Fixtures.pod("batch-0", of: batch, on: nodeC, cpu: 7, memory: 24 * gib))
        let finding = try XCTUnwrap(removals(cluster).first)
        XCTAssertEqual(finding.recommended["removeNodes"]?.stringList, [nodeA])
        XCTAssertEqual(finding.notes.filter { $0.contains("→") }, ["apps/web-a → \(nodeB)"])
        XCTAssertTrue(finding.notes.contains("\(nodeB) stays: it takes pods from another node that goes"), "\(finding.notes)")
    }

    /// policy/v1 selectors: matchExpressions count, `{}` selects every pod of the namespace, null selects none.
    func testPDBSelectorsFollowPolicyV1() {
        let pod = Fixtures.pod("web-0", of: web, on: nodeA, cpu: 0.5, memory: gib)
        let exists = Observed.NodeSelectorRequirement(key: "app", operator: "In", values: ["web", "api"])
        XCTAssertTrue(Observed.PDB(namespace: "apps", name: "a", matchLabels: [:], matchExpressions: [exists], disruptionsAllowed: 0).selects(pod))
        XCTAssertTrue(Observed.PDB(namespace: "apps", name: "b", matchLabels: [:], disruptionsAllowed: 0).selects(pod))
        XCTAssertFalse(Observed.PDB(namespace: "apps", name: "c", matchLabels: nil, disruptionsAllowed: 0).selects(pod))
        XCTAssertFalse(Observed.PDB(namespace: "other", name: "d", matchLabels: [:], disruptionsAllowed: 0).selects(pod))
        let notIn = Observed.NodeSelectorRequirement(key: "app", operator: "NotIn", values: ["web"])
        XCTAssertFalse(Observed.PDB(namespace: "apps", name: "e", matchLabels: [:], matchExpressions: [notIn], disruptionsAllowed: 0).selects(pod))
        // And one selecting by expression alone pins the node.
        var cluster = cluster(webPod: webPod())
        cluster.add(Observed.PDB(namespace: "apps", name: "web", matchLabels: [:], matchExpressions: [exists], disruptionsAllowed: 0))
        XCTAssertEqual(removals(cluster).count, 0)
    }
}
