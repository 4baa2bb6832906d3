import XCTest
@testable import AutopilotKit

/// The node path of stuck-terminating (no real Node being deleted was found in public data; the volume and
/// pod paths are tested on real objects in UpstreamObjectsTests).
final class StuckTerminatingTests: XCTestCase {
    func testANodeKarpenterCannotDrainSaysWhatBlocksItAndWhatItCosts() throws {
        var cluster = Fixtures.cluster()
        var node = Fixtures.node("ip-10-0-7-12.ec2.internal", nodepool: "default")
        node.deletingSince = Fixtures.daysAgo(0.125)  // 3 hours
        node.finalizers = ["karpenter.sh/termination"]
        cluster.add(node)
        let checkout = Fixtures.deployment("checkout")
        cluster.add(Fixtures.workload(checkout, containers: [Fixtures.container(cpu: 0.5, memory: 512 << 20)]))
        cluster.add(Fixtures.pod("checkout-7d9f8c6b5-x2x9z", of: checkout, on: node.name, cpu: 0.5, memory: 512 << 20))
        cluster.add(Observed.PDB(namespace: "apps", name: "checkout", matchLabels: ["app": "checkout"], disruptionsAllowed: 0))
        let finding = try XCTUnwrap(StuckTerminating().detect(in: Fixtures.context(cluster)).first)
        XCTAssertEqual(finding.target, Finding.Target(kind: "Node", name: "ip-10-0-7-12.ec2.internal"))
        XCTAssertEqual(finding.notes, [
            "held by finalizer karpenter.sh/termination, waiting for Karpenter draining the node before it terminates the instance",
            "PodDisruptionBudget apps/checkout allows 0 disruptions: it blocks evicting apps/checkout-7d9f8c6b5-x2x9z",
            "still on it: apps/checkout-7d9f8c6b5-x2x9z",
        ])
        // m6i.2xlarge in us-east-1 at $0.384 an hour × 730 hours.
        XCTAssertEqual(finding.monthlyCost?.current, Money(cents: 28_032))
        XCTAssertTrue(finding.summary.hasPrefix("Node ip-10-0-7-12.ec2.internal (m6i.2xlarge) has been terminating for 3h (since "), finding.summary)
        XCTAssertEqual(finding.recommended["command"]?.stringValue,
                       "kubectl get node 'ip-10-0-7-12.ec2.internal' -o jsonpath='{.metadata.finalizers}'; kubectl get pods -A --field-selector spec.nodeName='ip-10-0-7-12.ec2.internal'")
        // Other detectors leave it alone: it is going already.
        XCTAssertEqual(IdleNode().detect(in: Fixtures.context(cluster)).count, 0)
    }

    func testAnHourIsAllowed() {
        var cluster = Fixtures.cluster()
        var node = Fixtures.node("ip-10-0-7-13.ec2.internal")
        node.deletingSince = Fixtures.daysAgo(0.04)  // 58 minutes
        cluster.add(node)
        XCTAssertEqual(StuckTerminating().detect(in: Fixtures.context(cluster)).count, 0)
        // 62 minutes is past the hour.
        var late = cluster
        var stuck = Fixtures.node("ip-10-0-7-14.ec2.internal")
        stuck.deletingSince = RFC3339.string(Fixtures.now.addingTimeInterval(-62 * 60))
        late.add(stuck)
        XCTAssertEqual(StuckTerminating().detect(in: Fixtures.context(late)).map(\.target.name), ["ip-10-0-7-14.ec2.internal"])
        var config = DetectionConfig()
        config.stuckTerminating.after = Duration(seconds: 1800)
        XCTAssertEqual(StuckTerminating().detect(in: Fixtures.context(cluster, config: config)).count, 1)
    }
}
