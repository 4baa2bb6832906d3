import Foundation
import XCTest
@testable import AutopilotKit

/// The gate: block, approve or auto, and the policy rule behind each.
final class RiskGateTests: XCTestCase {
    private let nodeName = RiskFixtures.nodeName
    private let web = RiskFixtures.web
    private let gib = Fixtures.gib
    private let autoReason = "gate auto: low risk outside protected namespaces"

    /// A low-risk CPU cut (2 → 1.5 cores under a p99 of 1, two replicas): overall 0.05.
    private func lowRisk(_ key: Observed.WorkloadKey, policy: RiskPolicy = RiskPolicy()) throws -> RiskAssessment {
        try RiskFixtures.assess(RiskFixtures.cpuFinding(key, to: 1.5), in: RiskFixtures.cluster(key), policy: policy).risk
    }

    private func assertPrefixes(_ risk: RiskAssessment, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(risk.gateReasons.isEmpty, file: file, line: line)
        for reason in risk.gateReasons {
            XCTAssertTrue(reason.hasPrefix("gate \(risk.gate.rawValue): "), reason, file: file, line: line)
        }
        XCTAssertEqual(Array(risk.reasons.suffix(risk.gateReasons.count)), risk.gateReasons, "the gate's reasons come last", file: file, line: line)
    }

    // MARK: auto

    func testLowRiskOutsideProtectedNamespacesIsAuto() throws {
        let (record, risk) = try RiskFixtures.assess(RiskFixtures.cpuFinding(to: 1.5), in: RiskFixtures.cluster())
        XCTAssertEqual(risk.overall, 0.05, accuracy: 1e-9)
        XCTAssertEqual(risk.gate, .auto)
        XCTAssertEqual(risk.gateReasons, [autoReason])
        XCTAssertEqual(record["risk", "gate"]?.string, "auto")
        assertPrefixes(risk)
    }

    // MARK: approve

    func testProtectedNamespacesNeedApprovalUnlessAllowed() throws {
        let rows: [(namespace: String, allow: [String], gate: RiskAssessment.Gate)] = [
            ("apps", [], .auto),
            ("kube-system", [], .approve),
            ("payments-prod", [], .approve),
            ("payments-production", [], .auto),
            ("prod", [], .auto),
            ("payments-prod", ["payments-prod"], .auto),
            ("payments-prod", ["payments-*"], .auto),
            ("kube-system", ["payments-prod"], .approve),
        ]
        for row in rows {
            var policy = RiskPolicy()
            policy.allowAutoNamespaces = row.allow
            let risk = try lowRisk(Fixtures.deployment("web", namespace: row.namespace), policy: policy)
            XCTAssertEqual(risk.gate, row.gate, "\(row)")
            let expected = row.gate == .auto
                ? [autoReason] : ["gate approve: namespace \(row.namespace) is protected (kube-system, *-prod)"]
            XCTAssertEqual(risk.gateReasons, expected, "\(row)")
            assertPrefixes(risk)
        }
    }

    func testOverallAtOrAboveAutoBelowNeedsApproval() throws {
        var policy = RiskPolicy()
        policy.autoBelow = 0.05
        let risk = try lowRisk(web, policy: policy)
        XCTAssertEqual(risk.gate, .approve)
        XCTAssertEqual(risk.gateReasons, ["gate approve: overall 0.05 is not below 0.05, where `auto` stops"])
        policy.autoBelow = 0.06
        XCTAssertEqual(try lowRisk(web, policy: policy).gate, .auto)
    }

    func testChangeRestartingTheOnlyReplicaNeedsApproval() throws {
        let single = RiskFixtures.cluster(pods: 1)
        let findings = [RiskFixtures.cpuFinding(to: 1.5), RiskFixtures.memoryFinding(to: 3 * gib, peak: Double(2 * gib))]
        for finding in findings {
            let risk = try RiskFixtures.assess(finding, in: single).risk
            XCTAssertEqual(risk.gate, .approve, finding.detector)
            XCTAssertEqual(risk.gateReasons, ["gate approve: the change restarts the only replica of apps/web"], finding.detector)
            XCTAssertLessThan(risk.overall, 0.3, finding.detector)

            var policy = RiskPolicy()
            policy.autoSingleReplica = true
            XCTAssertEqual(try RiskFixtures.assess(finding, in: single, policy: policy).risk.gate, .auto, finding.detector)
        }
        // A one-pod DaemonSet is one pod per node, not a single replica.
        let agent = Fixtures.daemonSet("agent", namespace: "monitoring")
        let daemon = try RiskFixtures.assess(RiskFixtures.cpuFinding(agent, to: 1.5), in: RiskFixtures.cluster(agent, pods: 1)).risk
        XCTAssertEqual(daemon.gate, .auto, "\(daemon.reasons)")
    }

    func testNodeChangesNeedApprovalUnlessThePolicyAllowsThem() throws {
        let cluster = RiskFixtures.cluster(pods: 2)
        let consolidation = Finding(
            cluster: "test", detector: "node-consolidation", severity: .warning, namespace: nil, target: .init(kind: "NodePool", name: "default"),
            team: "platform", summary: "Consolidate NodePool default: 1 node; saves $280.32/month.", current: ["nodes": [.string(nodeName)]],
            recommended: ["removeNodes": [.string(nodeName)]], monthlyCost: (Money(dollars: 280.32), .zero), priceSource: "on-demand",
            confidence: 0.9, basis: ["window": RiskFixtures.window])
        for finding in [RiskFixtures.nodeFinding(), consolidation] {
            let risk = try RiskFixtures.assess(finding, in: cluster).risk
            XCTAssertLessThan(risk.overall, 0.3, finding.detector)
            XCTAssertEqual(risk.gate, .approve, finding.detector)
            XCTAssertEqual(risk.gateReasons, ["gate approve: node removals and replacements need a human (autoNodeChanges: false)"], finding.detector)

            var policy = RiskPolicy()
            policy.autoNodeChanges = true
            XCTAssertEqual(try RiskFixtures.assess(finding, in: cluster, policy: policy).risk.gate, .auto, finding.detector)
        }
    }

    func testDeletingAVolumeNeedsApproval() throws {
        let risk = try RiskFixtures.assess(RiskFixtures.volumeFinding(), in: RiskFixtures.cluster()).risk
        XCTAssertLessThan(risk.overall, 0.3)
        XCTAssertEqual(risk.gate, .approve)
        XCTAssertEqual(risk.gateReasons, ["gate approve: deleting a volume is irreversible"])
    }

    /// stuck-terminating asks a person to force-delete or clear a finalizer: never `auto`.
    func testAStuckTerminatingFindingNeedsApproval() throws {
        var cluster = RiskFixtures.cluster()
        var node = Fixtures.node("ip-10-0-7-12.ec2.internal")
        node.deletingSince = Fixtures.daysAgo(1)
        node.finalizers = ["karpenter.sh/termination"]
        cluster.add(node)
        let finding = try XCTUnwrap(StuckTerminating().detect(in: Fixtures.context(cluster)).first)
        let risk = try RiskFixtures.assess(finding, in: cluster).risk
        XCTAssertEqual(risk.gate, .approve)
        XCTAssertTrue(risk.gateReasons.contains("gate approve: a person must act: force-deleting or removing a finalizer skips the cleanup it waits for"),
                      "\(risk.gateReasons)")
    }

    func testAFindingWithNoSingleChangeNeedsApproval() throws {
        var cluster = RiskFixtures.cluster(pods: 3)
        cluster.add(Observed.HPA(namespace: "apps", name: "web", target: web, minReplicas: 3, maxReplicas: 3, currentReplicas: 3,
                                 cpuTargetUtilization: 75, cpuCurrentUtilization: 40))
        let finding = RiskFixtures.hpaFinding(from: 3, to: 3)
        XCTAssertEqual(finding.priceSource, "none")
        let risk = try RiskFixtures.assess(finding, in: cluster).risk
        XCTAssertEqual(risk.gate, .approve)
        XCTAssertEqual(risk.gateReasons, ["gate approve: no single change to apply: a human decides the fix"])
    }

    func testApprovalReasonsAccumulate() throws {
        let key = Fixtures.deployment("coredns", namespace: "kube-system")
        let risk = try RiskFixtures.assess(RiskFixtures.cpuFinding(key, to: 1.5), in: RiskFixtures.cluster(key, pods: 1)).risk
        XCTAssertEqual(risk.gate, .approve)
        XCTAssertEqual(risk.gateReasons, ["gate approve: namespace kube-system is protected (kube-system, *-prod)",
                                          "gate approve: the change restarts the only replica of kube-system/coredns"])
        assertPrefixes(risk)
    }

    // MARK: block

    func testOverallAtOrAboveBlockAboveBlocks() throws {
        var policy = RiskPolicy()
        policy.blockAbove = 0.05
        let risk = try lowRisk(web, policy: policy)
        XCTAssertEqual(risk.gate, .block)
        XCTAssertEqual(risk.gateReasons, ["gate block: overall 0.05 ≥ 0.05: too risky to change"])
        // Block wins: a protected namespace adds no approve reason.
        let protected = try lowRisk(Fixtures.deployment("web", namespace: "kube-system"), policy: policy)
        XCTAssertEqual(protected.gate, .block)
        XCTAssertEqual(protected.gateReasons, ["gate block: overall 0.05 ≥ 0.05: too risky to change"])
        policy.blockAbove = 0.06
        XCTAssertEqual(try lowRisk(web, policy: policy).gate, .auto)
    }

    func testAHighRiskChangeIsBlockedAtTheDefaults() throws {
        let db = Observed.WorkloadKey(namespace: "apps", kind: "StatefulSet", name: "db")
        let shop = ["app.kubernetes.io/part-of": "shop"]
        var cluster = RiskFixtures.cluster(db, pods: 20, labels: shop.merging(["autopilot.io/critical": "true"]) { $1 })
        for index in 0..<3 { cluster.add(Observed.Service(namespace: "apps", name: "db-\(index)", selector: ["app": "db"])) }
        for name in ["cart", "checkout", "catalog", "search"] { RiskFixtures.add(Fixtures.deployment(name), pods: 2, labels: shop, to: &cluster) }
        cluster.add(RiskFixtures.event("BackOff", about: "Pod", "db-0", at: Fixtures.daysAgo(2)))
        cluster.add(RiskFixtures.event("Unhealthy", about: "Pod", "db-1", at: Fixtures.daysAgo(2)))
        var usage = Fixtures.usage(db, cpu: Fixtures.figures(p95: 1, p99: 1.2))
        usage.throttledRatio = 0.1
        cluster.add(usage)

        let risk = try RiskFixtures.assess(RiskFixtures.cpuFinding(db, to: 1, p99: 1.2, confidence: 0.5), in: cluster).risk
        XCTAssertEqual(risk.blastRadius.score, 1)
        XCTAssertEqual(risk.latencyImpact.score, 1)
        // 0.45 (3 Services) + 0.2 (4 peers) + 0.3 (StatefulSet).
        XCTAssertEqual(risk.dependencyRisk.score, 0.95, accuracy: 1e-9)
        XCTAssertEqual(risk.sloImpact.score, 1)
        // 0.25 + 0.25 + 0.19 + 0.2 + 0.05.
        XCTAssertEqual(risk.overall, 0.94, accuracy: 1e-9)
        XCTAssertEqual(risk.level, "high")
        XCTAssertEqual(risk.gate, .block)
        XCTAssertEqual(risk.gateReasons, ["gate block: overall 0.94 ≥ 0.8: too risky to change"])
    }

    func testANodeWhoseDrainIsBlockedIsBlocked() throws {
        let container = Fixtures.container("app", cpu: 1, memory: gib)
        let rows: [(name: String, extra: [Observed.Pod], pdb: Observed.PDB?, reasons: [String])] = [
            ("a bare pod", [Fixtures.pod("debug", of: nil, namespace: "apps", on: nodeName, containers: [container])], nil,
             ["gate block: the drain is blocked: apps/debug has no controller: draining deletes it for good"]),
            ("a do-not-disrupt pod",
             [Fixtures.pod("web-9", of: web, on: nodeName, containers: [container], annotations: ["karpenter.sh/do-not-disrupt": "true"])], nil,
             ["gate block: the drain is blocked: apps/web-9 is annotated karpenter.sh/do-not-disrupt: Karpenter will not drain this node until it goes"]),
            ("a PDB allowing 0", [], Observed.PDB(namespace: "apps", name: "web", matchLabels: ["app": "web"], disruptionsAllowed: 0),
             ["gate block: the drain is blocked: PodDisruptionBudget apps/web allows 0 disruptions: it blocks evicting apps/web-0",
              "gate block: the drain is blocked: PodDisruptionBudget apps/web allows 0 disruptions: it blocks evicting apps/web-1"]),
        ]
        for row in rows {
            var cluster = RiskFixtures.cluster(pods: 2)
            for pod in row.extra { cluster.add(pod) }
            if let pdb = row.pdb { cluster.add(pdb) }
            var policy = RiskPolicy()
            for autoNodeChanges in [false, true] {
                policy.autoNodeChanges = autoNodeChanges
                let (record, risk) = try RiskFixtures.assess(RiskFixtures.nodeFinding(), in: cluster, policy: policy)
                XCTAssertEqual(risk.gate, .block, row.name)
                XCTAssertEqual(risk.gateReasons, row.reasons, row.name)
                XCTAssertEqual(record["risk", "gate"]?.string, "block", row.name)
            }
        }
    }

    func testPodsThatDoNotMoveDoNotBlockADrain() throws {
        var cluster = RiskFixtures.cluster(pods: 2)
        let container = Fixtures.container("app", cpu: 1, memory: gib)
        // A finished bare pod holds nothing; a PDB that still allows a disruption does not block.
        cluster.add(Fixtures.pod("debug", of: nil, namespace: "apps", on: nodeName, containers: [container], phase: "Succeeded"))
        cluster.add(Observed.PDB(namespace: "apps", name: "web", matchLabels: ["app": "web"], disruptionsAllowed: 1))
        let risk = try RiskFixtures.assess(RiskFixtures.nodeFinding(), in: cluster).risk
        XCTAssertEqual(risk.gate, .approve, "\(risk.reasons)")
    }

    func testLoweringAnHPABelowThePolicyMinimumIsBlocked() throws {
        var cluster = RiskFixtures.cluster(pods: 3)
        cluster.add(Observed.HPA(namespace: "apps", name: "web", target: web, minReplicas: 3, maxReplicas: 20, currentReplicas: 3,
                                 cpuTargetUtilization: 75, cpuCurrentUtilization: 12))
        var three = RiskPolicy()
        three.minReplicas = 3
        let rows: [(from: Int64, to: Int64, policy: RiskPolicy, gate: RiskAssessment.Gate, reasons: [String])] = [
            (2, 1, RiskPolicy(), .block, ["gate block: minReplicas 1 is below the policy's 2"]),
            (3, 2, RiskPolicy(), .auto, [autoReason]),
            (3, 2, three, .block, ["gate block: minReplicas 2 is below the policy's 3"]),
            // Already below the policy's minimum: the rule is about crossing it.
            (2, 1, three, .auto, [autoReason]),
        ]
        for row in rows {
            let risk = try RiskFixtures.assess(RiskFixtures.hpaFinding(from: row.from, to: row.to), in: cluster, policy: row.policy).risk
            XCTAssertTrue(risk.step == .null, "\(row.from) → \(row.to): no step")
            XCTAssertEqual(risk.gate, row.gate, "\(row.from) → \(row.to), policy \(row.policy.minReplicas)")
            XCTAssertEqual(risk.gateReasons, row.reasons, "\(row.from) → \(row.to), policy \(row.policy.minReplicas)")
        }
    }
}

/// Review findings: one high factor needs a human; a change that cannot be stepped is not let through;
/// the overall rounds half up as on paper.
final class RiskGateReviewTests: XCTestCase {
    func testOverallRoundsHalfUpLikeAHandSum() {
        let zero = RiskAssessment.Factor(score: 0, details: [], reasons: [])
        let critical = RiskAssessment.Factor(score: 0.6, details: [], reasons: ["critical"])
        let risk = RiskAssessment(blastRadius: zero, latencyImpact: zero, dependencyRisk: zero, sloImpact: critical, confidence: 0.75,
                                  gate: .auto, gateReasons: [], step: .null)
        // 0.2 × 0.6 + 0.1 × 0.25 = 0.145 → 0.15 (a binary floating-point sum gives 0.14).
        XCTAssertEqual(risk.overall, 0.15)
    }

    func testCannotStepWhenRoundingReachesTheCurrentValue() throws {
        let finding = try FindingRecord.test(#"{"kind":"finding","detector":"misconfigured-autoscaling","current":{"minReplicas":2},"recommended":{"minReplicas":1}}"#)
        guard case .cannotStep(let step) = StepLimit.apply(finding, maxReduction: 0.3) else { return XCTFail("2 → 1 at 30% has no first step") }
        XCTAssertEqual(step["uncapped"], .bool(true))
        let hpa = try FindingRecord.test(#"{"kind":"finding","detector":"over-requested-cpu","current":{"cpu":2.0},"recommended":{"cpu":0.5},"basis":{"hpa":{"name":"api"}}}"#)
        guard case .cannotStep = StepLimit.apply(hpa, maxReduction: 0.5) else { return XCTFail("an HPA-forecast finding is not stepped") }
    }
}
