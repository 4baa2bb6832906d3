import XCTest
@testable import AutopilotKit

final class MisconfiguredAutoscalingTests: XCTestCase {
    private let nodeName = "ip-10-0-5-50.ec2.internal"
    private let api = Fixtures.deployment("api")

    /// `Deployment apps/api` (500m / 1Gi per pod, or no CPU request) with `pods` running pods on one m6i.2xlarge.
    private func cluster(pods: Int = 3, cpuRequest: Double? = 0.5) -> ObservedCluster {
        var cluster = Fixtures.cluster()
        cluster.add(Fixtures.node(nodeName))
        let container = Fixtures.container("app", cpu: cpuRequest, memory: Fixtures.gib)
        cluster.add(Fixtures.workload(api, replicas: Int64(pods), containers: [container], team: "checkout"))
        for index in 0..<pods { cluster.add(Fixtures.pod("api-\(index)", of: api, on: nodeName, containers: [container])) }
        return cluster
    }

    private func hpa(_ name: String = "api", min: Int64, max: Int64?, current: Int64?, target: Int64? = 70, utilization: Int64?,
                     metrics: [String] = ["cpu"], conditions: [Observed.Condition] = [], labels: [String: String] = [:]) -> Observed.HPA {
        Observed.HPA(namespace: "apps", name: name, target: api, minReplicas: min, maxReplicas: max, currentReplicas: current,
                     cpuTargetUtilization: target, cpuCurrentUtilization: utilization, metricNames: metrics, conditions: conditions,
                     labels: labels)
    }

    private func detect(_ cluster: ObservedCluster) -> [Finding] { MisconfiguredAutoscaling().detect(in: Fixtures.context(cluster)) }

    // MARK: HPA

    func testMinEqualToMaxIsAWarning() throws {
        var cluster = self.cluster(pods: 3)
        cluster.add(hpa(min: 3, max: 3, current: 3, utilization: 60))
        let findings = detect(cluster)
        XCTAssertEqual(findings.count, 1)
        let finding = try XCTUnwrap(findings.first)
        XCTAssertEqual(finding.detector, "misconfigured-autoscaling")
        XCTAssertEqual(finding.severity, .warning)
        XCTAssertEqual(finding.target, Finding.Target(kind: "HorizontalPodAutoscaler", name: "api"))
        XCTAssertEqual(finding.namespace, "apps")
        XCTAssertEqual(finding.team, "checkout")
        XCTAssertTrue(finding.notes.contains { $0.contains("minReplicas equals maxReplicas (3)") }, "\(finding.notes)")
        XCTAssertNil(finding.monthlyCost)
        XCTAssertEqual(finding.priceSource, "none")
    }

    func testHPAPinnedAtMinimumFarUnderTargetLowersMinReplicas() throws {
        var cluster = self.cluster(pods: 8)
        cluster.add(hpa(min: 8, max: 20, current: 8, target: 75, utilization: 12))
        let context = Fixtures.context(cluster)
        let findings = MisconfiguredAutoscaling().detect(in: context)
        XCTAssertEqual(findings.count, 1)
        let finding = try XCTUnwrap(findings.first)
        XCTAssertEqual(finding.severity, .warning)
        // 8 replicas × 12% ÷ 75% = 1.28 → 2 replicas carry the load at the target.
        XCTAssertEqual(finding.recommended["minReplicas"]?.intValue, 2)
        XCTAssertEqual(finding.recommended["replicas"]?.intValue, 2)
        XCTAssertEqual(finding.current["minReplicas"]?.intValue, 8)
        XCTAssertTrue(finding.summary.hasPrefix("Fix HPA apps/api: replicas sit at minReplicas 8"), finding.summary)
        XCTAssertTrue(finding.summary.contains("lower minReplicas from 8 to 2; saves"), finding.summary)

        let savings = try XCTUnwrap(finding.monthlySavings)
        XCTAssertGreaterThan(savings, .zero)
        XCTAssertEqual(finding.priceSource, "on-demand")
        // Eight pods of 500m / 1Gi, then two, by hand on an m6i.2xlarge ($0.384/h, 7.91 cores, 29.920187 GiB:
        // $0.0322138 per core-hour, $0.0043178 per GiB-hour): 8 × (0.5 × 0.0322138 + 0.0043178) × 730 = $119.28;
        // two of them $29.82.
        XCTAssertEqual(finding.monthlyCost?.current, Money(cents: 11_928))
        XCTAssertEqual(finding.monthlyCost?.recommended, Money(cents: 2_982))
        XCTAssertEqual(savings, Money(cents: 8_946))
    }

    func testPinnedAtTwoKeepsTwo() {
        var cluster = self.cluster(pods: 2)
        // 2 × 5% ÷ 70% → 1 replica, but a minimum of 2 or more never drops under 2.
        cluster.add(hpa(min: 2, max: 10, current: 2, target: 70, utilization: 5))
        XCTAssertEqual(detect(cluster).count, 0)
    }

    func testCPUHPAWithoutCPURequestIsCritical() throws {
        var cluster = self.cluster(pods: 3, cpuRequest: nil)
        cluster.add(hpa(min: 2, max: 10, current: 3, target: 70, utilization: nil))
        let finding = try XCTUnwrap(detect(cluster).first)
        XCTAssertEqual(finding.severity, .critical)
        XCTAssertTrue(finding.notes.contains { $0.contains("container app requests no CPU") }, "\(finding.notes)")
    }

    func testScalingActiveFalseIsCritical() throws {
        var cluster = self.cluster(pods: 3)
        let condition = Observed.Condition(type: "ScalingActive", status: "False", reason: "FailedGetResourceMetric",
                                           message: "the HPA was unable to compute the replica count: no metrics returned from resource metrics API")
        cluster.add(hpa(min: 2, max: 10, current: 3, utilization: nil, conditions: [condition]))
        let finding = try XCTUnwrap(detect(cluster).first)
        XCTAssertEqual(finding.severity, .critical)
        XCTAssertTrue(finding.notes.contains { $0.contains("ScalingActive is False (FailedGetResourceMetric)") }, "\(finding.notes)")
    }

    func testHealthyHPAHasNoFinding() {
        var cluster = self.cluster(pods: 5)
        cluster.add(hpa(min: 2, max: 10, current: 5, target: 70, utilization: 58,
                        conditions: [Observed.Condition(type: "ScalingActive", status: "True", reason: "ValidMetricFound", message: nil)]))
        XCTAssertEqual(detect(cluster).count, 0)
    }

    func testIgnoredHPAHasNoFinding() {
        var cluster = self.cluster(pods: 3)
        cluster.add(hpa(min: 3, max: 3, current: 3, utilization: 60, labels: ["autopilot.io/ignore": "true"]))
        XCTAssertEqual(detect(cluster).count, 0)
    }

    func testMaxReplicasNeverApproachedIsInfo() throws {
        var cluster = self.cluster(pods: 3)
        var usage = Fixtures.usage(api, cpu: Fixtures.cpuFigures(p95: 0.3))
        usage.pods = 4
        cluster.add(usage)
        cluster.add(hpa(min: 2, max: 50, current: 3, target: 70, utilization: 60))
        let finding = try XCTUnwrap(detect(cluster).first)
        XCTAssertEqual(finding.severity, .info)
        XCTAssertTrue(finding.notes.contains { $0.contains("maxReplicas 50 was never approached") }, "\(finding.notes)")
    }

    // MARK: KEDA

    func testScaledObjectAndASeparateHPAFight() throws {
        var cluster = self.cluster(pods: 3)
        cluster.add(Observed.ScaledObject(namespace: "apps", name: "api-queue", target: api, minReplicaCount: 1, maxReplicaCount: 30,
                                          triggerTypes: ["aws-sqs-queue"]))
        cluster.add(hpa("keda-hpa-api-queue", min: 1, max: 30, current: 3, target: nil, utilization: nil, metrics: ["s0-aws-sqs-queue"]))
        cluster.add(hpa("api", min: 2, max: 10, current: 3, target: 70, utilization: 60))
        let findings = detect(cluster)
        XCTAssertEqual(findings.count, 1, "\(findings.map(\.summary))")
        let finding = try XCTUnwrap(findings.first)
        XCTAssertEqual(finding.target, Finding.Target(kind: "HorizontalPodAutoscaler", name: "api"))
        XCTAssertEqual(finding.severity, .critical)
        XCTAssertTrue(finding.notes.contains { $0.contains("ScaledObject api-queue") }, "\(finding.notes)")
        XCTAssertTrue(finding.summary.contains("ScaledObject api-queue"), finding.summary)
    }

    func testKEDAsOwnHPAAloneIsFine() {
        var cluster = self.cluster(pods: 3)
        cluster.add(Observed.ScaledObject(namespace: "apps", name: "api-queue", target: api, minReplicaCount: 0, maxReplicaCount: 30,
                                          triggerTypes: ["aws-sqs-queue"]))
        cluster.add(hpa("keda-hpa-api-queue", min: 1, max: 30, current: 3, target: nil, utilization: nil, metrics: ["s0-aws-sqs-queue"]))
        XCTAssertEqual(detect(cluster).count, 0)
    }

    func testKEDAHPAWithCustomNameIsRecognised() {
        var cluster = self.cluster(pods: 3)
        cluster.add(Observed.ScaledObject(namespace: "apps", name: "api-queue", target: api, triggerTypes: ["aws-sqs-queue"],
                                          hpaName: "api-autoscaler"))
        cluster.add(hpa("api-autoscaler", min: 1, max: 30, current: 3, target: nil, utilization: nil, metrics: ["s0-aws-sqs-queue"]))
        XCTAssertEqual(detect(cluster).count, 0)
    }

    func testShortCooldownIsInfo() throws {
        var cluster = self.cluster(pods: 3)
        cluster.add(Observed.ScaledObject(namespace: "apps", name: "api-queue", target: api, minReplicaCount: 0, maxReplicaCount: 30,
                                          cooldownPeriod: 10, triggerTypes: ["aws-sqs-queue"]))
        let findings = detect(cluster)
        XCTAssertEqual(findings.count, 1)
        let finding = try XCTUnwrap(findings.first)
        XCTAssertEqual(finding.severity, .info)
        XCTAssertEqual(finding.target, Finding.Target(kind: "ScaledObject", name: "api-queue"))
        XCTAssertEqual(finding.recommended["cooldownPeriod"]?.intValue, 30)
        XCTAssertEqual(finding.recommended["minReplicaCount"]?.intValue, 0)
        XCTAssertTrue(finding.notes.contains { $0.contains("cooldownPeriod 10s") }, "\(finding.notes)")
        XCTAssertNil(finding.monthlyCost)
        XCTAssertEqual(finding.priceSource, "none")
    }

    func testIdleTriggersWithMinimumAboveZeroRecommendScaleToZero() throws {
        var cluster = self.cluster(pods: 2)
        cluster.add(Observed.ScaledObject(
            namespace: "apps", name: "api-queue", target: api, minReplicaCount: 2, maxReplicaCount: 30, triggerTypes: ["aws-sqs-queue"],
            conditions: [Observed.Condition(type: "Ready", status: "True", reason: nil, message: nil),
                         Observed.Condition(type: "Active", status: "False", reason: "ScalerNotActive", message: nil)]))
        let finding = try XCTUnwrap(detect(cluster).first)
        XCTAssertEqual(finding.severity, .warning)
        XCTAssertEqual(finding.current["minReplicaCount"]?.intValue, 2)
        XCTAssertEqual(finding.recommended["minReplicaCount"]?.intValue, 0)
    }

    func testPausedScaledObjectIsLeftAlone() {
        var cluster = self.cluster(pods: 3)
        var scaled = Observed.ScaledObject(namespace: "apps", name: "api-queue", target: api, cooldownPeriod: 10)
        scaled.paused = true
        cluster.add(scaled)
        XCTAssertEqual(detect(cluster).count, 0)
    }

    /// A ScaledObject on StatefulSet `api` does not fight an HPA on Deployment `api`.
    func testScaledObjectOnAnotherKindIsNoConflict() {
        var cluster = self.cluster(pods: 3)
        cluster.add(Observed.ScaledObject(namespace: "apps", name: "api-queue",
                                          target: Observed.WorkloadKey(namespace: "apps", kind: "StatefulSet", name: "api"),
                                          minReplicaCount: 1, maxReplicaCount: 30, triggerTypes: ["aws-sqs-queue"]))
        cluster.add(hpa("api", min: 2, max: 10, current: 3, target: 70, utilization: 60))
        XCTAssertEqual(detect(cluster).filter { $0.target.kind == "HorizontalPodAutoscaler" }.count, 0)
    }
}
