import Foundation
import XCTest
@testable import AutopilotKit

/// Each risk factor on its own, against the terms docs/tools/score-risk.md documents.
final class RiskFactorsTests: XCTestCase {
    private let nodeName = RiskFixtures.nodeName
    private let otherNode = "ip-10-0-1-11.ec2.internal"
    private let web = RiskFixtures.web
    private let mib = Fixtures.mib
    private let gib = Fixtures.gib

    private func score(_ finding: Finding, _ cluster: ObservedCluster, policy: RiskPolicy = RiskPolicy()) throws -> RiskAssessment {
        try RiskFixtures.assess(finding, in: cluster, policy: policy).risk
    }

    /// `count` Services selecting `key`'s pods, plus ones that must not count: another namespace, another
    /// selector, and no selector at all.
    private func addServices(_ count: Int, for key: Observed.WorkloadKey, to cluster: inout ObservedCluster) {
        for index in 0..<count {
            cluster.add(Observed.Service(namespace: key.namespace, name: "\(key.name)-\(index)", selector: ["app": key.name]))
        }
        cluster.add(Observed.Service(namespace: "elsewhere", name: key.name, selector: ["app": key.name]))
        cluster.add(Observed.Service(namespace: key.namespace, name: "other", selector: ["app": "other"]))
        cluster.add(Observed.Service(namespace: key.namespace, name: "manual", selector: [:]))
    }

    /// node-consolidation removing `nodes` from NodePool `default`.
    private func consolidationFinding(_ nodes: [String]) -> Finding {
        Finding(
            cluster: "test", detector: "node-consolidation", severity: .warning, namespace: nil, target: .init(kind: "NodePool", name: "default"),
            team: "platform", summary: "Consolidate NodePool default: \(nodes.count) nodes; saves $560.64/month.",
            current: ["nodes": .strings(nodes)], recommended: ["removeNodes": .strings(nodes)],
            monthlyCost: (Money(dollars: 560.64), .zero), priceSource: "on-demand", confidence: 0.9, basis: ["window": RiskFixtures.window])
    }

    // MARK: blastRadius

    func testBlastRadiusCountsPodsServicesAndDaemonSets() throws {
        let agent = Fixtures.daemonSet("agent", namespace: "monitoring")
        let rows: [(name: String, key: Observed.WorkloadKey, pods: Int, services: Int, expected: Double)] = [
            ("no running pods", web, 0, 0, 0),
            ("1 pod", web, 1, 0, 0.05),
            ("3 pods", web, 3, 0, 0.15),
            ("3 pods and 2 Services", web, 3, 2, 0.35),
            ("20 pods", web, 20, 0, 1),
            ("30 pods: capped at 1", web, 30, 0, 1),
            ("18 pods and 3 Services: capped at 1", web, 18, 3, 1),
            ("DaemonSet with 4 pods", agent, 4, 0, 0.45),
            ("DaemonSet with 4 pods and a Service", agent, 4, 1, 0.55),
        ]
        for row in rows {
            var cluster = RiskFixtures.cluster(row.key, pods: row.pods)
            addServices(row.services, for: row.key, to: &cluster)
            let (record, risk) = try RiskFixtures.assess(RiskFixtures.cpuFinding(row.key, to: 1.5), in: cluster)
            XCTAssertEqual(risk.blastRadius.score, row.expected, accuracy: 1e-9, row.name)
            XCTAssertEqual(record["risk", "blastRadius", "pods"]?.int, Int64(row.pods), row.name)
            XCTAssertEqual(record["risk", "blastRadius", "services"]?.array.count, row.services, row.name)
            XCTAssertEqual(record["risk", "blastRadius", "nodeLevel"]?.bool, row.key.kind == "DaemonSet", row.name)
        }
    }

    func testBlastRadiusCountsOnlyRunningPods() throws {
        var cluster = RiskFixtures.cluster(pods: 2)
        let container = Fixtures.container("app", cpu: 2, memory: 4 * gib)
        cluster.add(Fixtures.pod("web-pending", of: web, on: nil, containers: [container], phase: "Pending"))
        cluster.add(Fixtures.pod("web-done", of: web, on: nodeName, containers: [container], phase: "Succeeded"))
        let risk = try score(RiskFixtures.cpuFinding(to: 1.5), cluster)
        XCTAssertEqual(risk.blastRadius.score, 0.1, accuracy: 1e-9)
        XCTAssertEqual(risk.reasons.first, "blast radius 0.1 × 0.25 = 0.025: 2 pods (÷ 20)")
    }

    func testBlastRadiusOfANodeIsEveryPodOnIt() throws {
        var cluster = RiskFixtures.cluster(pods: 2)
        cluster.add(Fixtures.node(otherNode))
        // Counted: web-0 and web-1. Not counted: a DaemonSet pod (it goes with the node), a finished Job pod,
        // and web-2 on the node that stays.
        cluster.add(Fixtures.pod("agent-0", of: Fixtures.daemonSet("agent"), on: nodeName, cpu: 0.1, memory: 64 * mib))
        cluster.add(Fixtures.pod("report-0", of: Observed.WorkloadKey(namespace: "apps", kind: "Job", name: "report"), on: nodeName,
                                 containers: [Fixtures.container("app", cpu: 1, memory: gib)], phase: "Succeeded"))
        cluster.add(Fixtures.pod("web-2", of: web, on: otherNode, cpu: 2, memory: 4 * gib))
        cluster.add(Observed.Service(namespace: "apps", name: "web", selector: ["app": "web"]))

        let (record, risk) = try RiskFixtures.assess(RiskFixtures.nodeFinding(), in: cluster)
        // 2 ÷ 20 + 0.1 + 0.25.
        XCTAssertEqual(risk.blastRadius.score, 0.45, accuracy: 1e-9)
        XCTAssertEqual(record["risk", "blastRadius", "nodes"]?.array.compactMap(\.string), [nodeName])
        XCTAssertEqual(record["risk", "blastRadius", "nodeLevel"]?.bool, true)
        XCTAssertEqual(risk.reasons.first, "blast radius 0.45 × 0.25 = 0.1125: 2 pods (÷ 20); 1 Service (× 0.1): apps/web; "
            + "every pod on \(nodeName) (+ 0.25)")

        // An empty node still counts as a node change.
        XCTAssertEqual(try score(RiskFixtures.nodeFinding(otherNode), RiskFixtures.cluster(pods: 0)).blastRadius.score, 0.25, accuracy: 1e-9)

        // A consolidation: every pod on every node it removes.
        cluster.add(Fixtures.pod("api-0", of: Fixtures.deployment("api"), on: otherNode, cpu: 1, memory: gib))
        let consolidation = try score(consolidationFinding([nodeName, otherNode]), cluster)
        // web-0, web-1, web-2, api-0: 4 ÷ 20 + 0.1 + 0.25.
        XCTAssertEqual(consolidation.blastRadius.score, 0.55, accuracy: 1e-9)
    }

    // MARK: latencyImpact

    func testLatencyOfACPUCutFollowsHeadroomOverP99AndThrottling() throws {
        // Request 2 cores cut to `to` (never more than 50%: no step), p99 from the finding's basis.
        let rows: [(name: String, to: Double, p99: Double, throttled: Double?, expected: Double, level: String)] = [
            ("below p99", 1, 1.2, nil, 0.8, "high"),
            ("at p99", 1, 1, nil, 0.5, "medium"),
            ("10% headroom", 1.1, 1, nil, 0.5, "medium"),
            ("25% headroom", 1.25, 1, nil, 0.2, "low"),
            ("50% headroom", 1.5, 1, nil, 0.05, "low"),
            ("90% headroom", 1.9, 1, nil, 0.05, "low"),
            ("throttled 5%", 1.25, 1, 0.05, 0.4, "medium"),
            ("throttled 4%", 1.25, 1, 0.04, 0.2, "low"),
            ("throttled 10% with room", 1.5, 1, 0.1, 0.25, "low"),
            ("below p99 and throttled: capped", 1, 1.2, 0.3, 1, "high"),
        ]
        for row in rows {
            var cluster = RiskFixtures.cluster()
            var usage = Fixtures.usage(web, cpu: Fixtures.figures(p95: row.p99 / 1.2, p99: row.p99))
            usage.throttledRatio = row.throttled
            cluster.add(usage)
            let (record, risk) = try RiskFixtures.assess(RiskFixtures.cpuFinding(to: row.to, p99: row.p99), in: cluster)
            XCTAssertTrue(risk.step == .null, "\(row.name): no step")
            XCTAssertEqual(risk.latencyImpact.score, row.expected, accuracy: 1e-9, row.name)
            XCTAssertEqual(record["risk", "latencyImpact", "level"]?.string, row.level, row.name)
            XCTAssertEqual(record["risk", "latencyImpact", "newRequest"]?.double, row.to, row.name)
            XCTAssertEqual(record["risk", "latencyImpact", "throttledRatio"]?.double, row.throttled, row.name)
        }
    }

    func testThrottlingIsReadForTheFindingsContainer() throws {
        var cluster = RiskFixtures.cluster()
        var sidecar = Fixtures.usage(web, container: "envoy", cpu: Fixtures.figures(p99: 0.1))
        sidecar.throttledRatio = 0.5
        cluster.add(sidecar)
        XCTAssertEqual(try score(RiskFixtures.cpuFinding(to: 1.5), cluster).latencyImpact.score, 0.05, accuracy: 1e-9)
    }

    func testLatencyOfAMemoryCutFollowsHeadroomOverThePeak() throws {
        let peak = Double(2 * gib)
        let rows: [(name: String, to: Int64, expected: Double)] = [
            ("at the peak", 2 * gib, 0.5),
            ("5% over the peak", 2 * gib + 100 * mib, 0.5),
            ("12.5% over the peak", 2 * gib + 256 * mib, 0.2),
            ("25% over the peak", 2 * gib + 512 * mib, 0.05),
            ("50% over the peak", 3 * gib, 0.05),
        ]
        for row in rows {
            let risk = try score(RiskFixtures.memoryFinding(to: row.to, peak: peak), RiskFixtures.cluster())
            XCTAssertTrue(risk.step == .null, "\(row.name): no step")
            XCTAssertEqual(risk.latencyImpact.score, row.expected, accuracy: 1e-9, row.name)
        }
    }

    func testLatencyOfAutoscalingAndNodeChanges() throws {
        var cluster = RiskFixtures.cluster(pods: 4)
        cluster.add(Observed.HPA(namespace: "apps", name: "web", target: web, minReplicas: 6, maxReplicas: 20, currentReplicas: 6,
                                 cpuTargetUtilization: 75, cpuCurrentUtilization: 12))
        let lowered = try score(RiskFixtures.hpaFinding(from: 6, to: 4), cluster)
        XCTAssertEqual(lowered.latencyImpact.score, 0.3, accuracy: 1e-9)
        XCTAssertTrue(lowered.reasons.contains { $0.hasPrefix("latency impact 0.3 × 0.25 = 0.075: minReplicas 6 → 4") }, "\(lowered.reasons)")
        XCTAssertEqual(try score(RiskFixtures.hpaFinding(from: 6, to: 6), cluster).latencyImpact.score, 0)
        XCTAssertEqual(try score(RiskFixtures.hpaFinding(from: 2, to: 3), cluster).latencyImpact.score, 0)

        let node = try score(RiskFixtures.nodeFinding(), cluster)
        XCTAssertEqual(node.latencyImpact.score, 0.2, accuracy: 1e-9)
        XCTAssertTrue(node.reasons.contains { $0.contains("4 pods restart on other nodes (0.2)") }, "\(node.reasons)")
        XCTAssertEqual(try score(RiskFixtures.nodeFinding(), RiskFixtures.cluster(pods: 0)).latencyImpact.score, 0)
        XCTAssertEqual(try score(RiskFixtures.volumeFinding(), cluster).latencyImpact.score, 0)
    }

    // MARK: dependencyRisk

    func testDependencyRiskTerms() throws {
        let db = Observed.WorkloadKey(namespace: "apps", kind: "StatefulSet", name: "db")
        let agent = Fixtures.daemonSet("agent", namespace: "monitoring")
        let shop = ["app.kubernetes.io/part-of": "shop"]
        let peers = ["cart", "checkout", "catalog", "search", "reviews"].map { Fixtures.deployment($0) }
        let rows: [(name: String, key: Observed.WorkloadKey, pods: Int, labels: [String: String], services: Int,
                    peers: [Observed.WorkloadKey], expected: Double)] = [
            ("two replicas, nothing else", web, 2, [:], 0, [], 0),
            ("one Service", web, 2, [:], 1, [], 0.15),
            ("two Services", web, 2, [:], 2, [], 0.3),
            ("four Services: at most 0.45", web, 2, [:], 4, [], 0.45),
            ("one part-of peer", web, 2, shop, 0, [peers[0]], 0.05),
            ("five part-of peers: at most 0.2", web, 2, shop, 0, peers, 0.2),
            ("a peer in another namespace", web, 2, shop, 0, [Fixtures.deployment("cart", namespace: "shop-b")], 0),
            ("part-of without peers", web, 2, shop, 0, [], 0),
            ("StatefulSet", db, 2, [:], 0, [], 0.3),
            ("single replica", web, 1, [:], 0, [], 0.3),
            ("single-replica StatefulSet", db, 1, [:], 0, [], 0.6),
            ("a one-pod DaemonSet is not a single replica", agent, 1, [:], 0, [], 0),
            ("everything: capped at 1", db, 1, shop, 3, peers.map { Observed.WorkloadKey(namespace: "apps", kind: "StatefulSet", name: $0.name) }, 1),
        ]
        for row in rows {
            var cluster = RiskFixtures.cluster(row.key, pods: row.pods, labels: row.labels)
            addServices(row.services, for: row.key, to: &cluster)
            for peer in row.peers { RiskFixtures.add(peer, pods: 1, labels: shop, to: &cluster) }
            let (record, risk) = try RiskFixtures.assess(RiskFixtures.cpuFinding(row.key, to: 1.5), in: cluster)
            XCTAssertEqual(risk.dependencyRisk.score, row.expected, accuracy: 1e-9, row.name)
            XCTAssertEqual(record["risk", "dependencyRisk", "services"]?.int, Int64(row.services), row.name)
            XCTAssertEqual(record["risk", "dependencyRisk", "statefulSet"]?.bool, row.key.kind == "StatefulSet", row.name)
            XCTAssertEqual(record["risk", "dependencyRisk", "singleReplica"]?.bool, row.pods == 1 && row.key.kind != "DaemonSet", row.name)
        }
    }

    func testPartOfPeersAreNamed() throws {
        var cluster = RiskFixtures.cluster(labels: ["app.kubernetes.io/part-of": "shop"])
        RiskFixtures.add(Fixtures.deployment("cart"), pods: 1, labels: ["app.kubernetes.io/part-of": "shop"], to: &cluster)
        RiskFixtures.add(Fixtures.deployment("ledger"), pods: 1, labels: ["app.kubernetes.io/part-of": "bank"], to: &cluster)
        let (record, risk) = try RiskFixtures.assess(RiskFixtures.cpuFinding(to: 1.5), in: cluster)
        XCTAssertEqual(record["risk", "dependencyRisk", "partOfPeers"]?.array.compactMap(\.string), ["cart"])
        XCTAssertTrue(risk.reasons.contains { $0.contains("part of shop with cart (× 0.05, at most 0.2)") }, "\(risk.reasons)")
    }

    func testBlockingPDBsWeighOnNodeFindingsOnly() throws {
        func pdb(_ name: String, namespace: String = "apps", labels: [String: String]? = ["app": "web"], allowed: Int64?) -> Observed.PDB {
            Observed.PDB(namespace: namespace, name: name, matchLabels: labels, disruptionsAllowed: allowed)
        }
        let rows: [(name: String, pdbs: [Observed.PDB], expected: Double)] = [
            ("no PDB", [], 0),
            ("a PDB allowing 0, selecting both pods: counted once", [pdb("web", allowed: 0)], 0.3),
            ("two PDBs allowing 0", [pdb("web", allowed: 0), pdb("all", labels: [:], allowed: 0)], 0.6),
            ("a PDB allowing 1", [pdb("web", allowed: 1)], 0),
            ("a PDB without status", [pdb("web", allowed: nil)], 0),
            ("a PDB in another namespace", [pdb("web", namespace: "other", allowed: 0)], 0),
            ("a PDB with a null selector", [pdb("web", labels: nil, allowed: 0)], 0),
        ]
        for row in rows {
            var cluster = RiskFixtures.cluster(pods: 2)
            for budget in row.pdbs { cluster.add(budget) }
            let (record, risk) = try RiskFixtures.assess(RiskFixtures.nodeFinding(), in: cluster)
            XCTAssertEqual(risk.dependencyRisk.score, row.expected, accuracy: 1e-9, row.name)
            XCTAssertEqual(record["risk", "dependencyRisk", "blockingPDBs"]?.array.count, Int((row.expected / 0.3).rounded()), row.name)
        }
        // A workload's own change does not drain anything.
        var cluster = RiskFixtures.cluster(pods: 2)
        cluster.add(pdb("web", allowed: 0))
        XCTAssertEqual(try score(RiskFixtures.cpuFinding(to: 1.5), cluster).dependencyRisk.score, 0)
    }

    func testDeletingAVolumeIsIrreversible() throws {
        let (record, risk) = try RiskFixtures.assess(RiskFixtures.volumeFinding(), in: RiskFixtures.cluster())
        XCTAssertEqual(risk.dependencyRisk.score, 0.5, accuracy: 1e-9)
        XCTAssertEqual(record["risk", "dependencyRisk", "irreversible"]?.bool, true)
        XCTAssertEqual(risk.blastRadius.score, 0)
    }

    // MARK: sloImpact

    func testCriticalMarkerLabelAnnotationAndPolicyKey() throws {
        let critical = ["autopilot.io/critical": "true"]
        XCTAssertEqual(try score(RiskFixtures.cpuFinding(to: 1.5), RiskFixtures.cluster(labels: critical)).sloImpact.score, 0.6, accuracy: 1e-9)
        XCTAssertEqual(try score(RiskFixtures.cpuFinding(to: 1.5), RiskFixtures.cluster(annotations: critical)).sloImpact.score, 0.6, accuracy: 1e-9)
        XCTAssertEqual(try score(RiskFixtures.cpuFinding(to: 1.5), RiskFixtures.cluster(labels: ["autopilot.io/critical": "false"])).sloImpact.score, 0)

        var policy = RiskPolicy()
        policy.criticalMarker = "example.com/tier-zero"
        let marked = RiskFixtures.cluster(annotations: ["example.com/tier-zero": "true"])
        let risk = try score(RiskFixtures.cpuFinding(to: 1.5), marked, policy: policy)
        XCTAssertEqual(risk.sloImpact.score, 0.6, accuracy: 1e-9)
        XCTAssertTrue(risk.reasons.contains { $0.contains("marked example.com/tier-zero: apps/web (+ 0.6)") }, "\(risk.reasons)")
        XCTAssertEqual(try score(RiskFixtures.cpuFinding(to: 1.5), RiskFixtures.cluster(labels: critical), policy: policy).sloImpact.score, 0,
                       "the default key no longer counts once the policy names another")
        XCTAssertEqual(try score(RiskFixtures.cpuFinding(to: 1.5), marked).sloImpact.score, 0)
    }

    func testWarningEventsInTheWindow() throws {
        let recent = Fixtures.daysAgo(2)
        let rows: [(name: String, events: [Observed.Event], expected: [String])] = [
            ("none", [], []),
            ("a BackOff about a pod", [RiskFixtures.event("BackOff", about: "Pod", "web-0", at: recent)], ["BackOff"]),
            ("two reasons", [RiskFixtures.event("BackOff", about: "Pod", "web-0", at: recent),
                             RiskFixtures.event("Evicted", about: "Pod", "web-1", at: recent)], ["BackOff", "Evicted"]),
            ("three reasons: at most 0.4", [RiskFixtures.event("BackOff", about: "Pod", "web-0", at: recent),
                                            RiskFixtures.event("Evicted", about: "Pod", "web-1", at: recent),
                                            RiskFixtures.event("Unhealthy", about: "Pod", "web-1", at: recent)], ["BackOff", "Evicted", "Unhealthy"]),
            ("the same reason twice counts once", [RiskFixtures.event("BackOff", about: "Pod", "web-0", at: recent),
                                                   RiskFixtures.event("BackOff", about: "Pod", "web-1", at: Fixtures.daysAgo(1))], ["BackOff"]),
            ("about the workload itself", [RiskFixtures.event("FailedScheduling", about: "Deployment", "web", at: recent)], ["FailedScheduling"]),
            ("no timestamp", [RiskFixtures.event("BackOff", about: "Pod", "web-0", at: nil)], ["BackOff"]),
            ("before the window", [RiskFixtures.event("BackOff", about: "Pod", "web-0", at: Fixtures.daysAgo(10))], []),
            ("a Normal event", [RiskFixtures.event("BackOff", about: "Pod", "web-0", at: recent, type: "Normal")], []),
            ("a reason outside the policy", [RiskFixtures.event("FailedMount", about: "Pod", "web-0", at: recent)], []),
            ("another workload's pod", [RiskFixtures.event("BackOff", about: "Pod", "api-0", at: recent)], []),
            ("a pod of the same name in another namespace", [RiskFixtures.event("BackOff", about: "Pod", "web-0", namespace: "staging", at: recent)], []),
            ("the kernel's OOMKilling on the node, naming a pod",
             [RiskFixtures.event("OOMKilling", about: "Node", nodeName, namespace: nil, at: recent,
                                 message: "Memory cgroup out of memory: Killed process 4242 (java), pod apps/web-1")], ["OOMKilling"]),
            ("an OOMKilling naming another pod",
             [RiskFixtures.event("OOMKilling", about: "Node", nodeName, namespace: nil, at: recent,
                                 message: "Memory cgroup out of memory: Killed process 4242 (java), pod apps/api-0")], []),
        ]
        for row in rows {
            var cluster = RiskFixtures.cluster()
            RiskFixtures.add(Fixtures.deployment("api"), pods: 1, to: &cluster)
            for event in row.events { cluster.add(event) }
            let (record, risk) = try RiskFixtures.assess(RiskFixtures.cpuFinding(to: 1.5), in: cluster)
            XCTAssertEqual(risk.sloImpact.score, min(0.4, 0.2 * Double(row.expected.count)), accuracy: 1e-9, row.name)
            XCTAssertEqual(record["risk", "sloImpact", "warningEvents"]?.array.compactMap(\.string), row.expected, row.name)
        }
    }

    func testOOMKilledContainerInTheWindow() throws {
        let rows: [(name: String, reason: String?, at: String?, counts: Bool)] = [
            ("OOMKilled yesterday", "OOMKilled", Fixtures.daysAgo(1), true),
            ("OOMKilled, time unknown", "OOMKilled", nil, true),
            ("OOMKilled before the window", "OOMKilled", Fixtures.daysAgo(20), false),
            ("an Error exit", "Error", Fixtures.daysAgo(1), false),
            ("never terminated", nil, nil, false),
        ]
        for row in rows {
            var cluster = RiskFixtures.cluster(pods: 1)
            let container = Observed.Container(name: "app", requests: .init(cpu: 2, memory: 4 * gib), restarts: 3,
                                               lastTermination: row.reason.map { Observed.Termination(reason: $0, at: row.at) })
            cluster.add(Fixtures.pod("web-oom", of: web, on: nodeName, containers: [container]))
            let (record, risk) = try RiskFixtures.assess(RiskFixtures.cpuFinding(to: 1.5), in: cluster)
            XCTAssertEqual(risk.sloImpact.score, row.counts ? 0.2 : 0, accuracy: 1e-9, row.name)
            XCTAssertEqual(record["risk", "sloImpact", "warningEvents"]?.array.compactMap(\.string), row.counts ? ["OOMKilled"] : [], row.name)
        }
    }

    func testWindowDefaultsToFourteenDaysAndReasonsFollowThePolicy() throws {
        var cluster = RiskFixtures.cluster()
        cluster.add(RiskFixtures.event("BackOff", about: "Pod", "web-0", at: Fixtures.daysAgo(10)))
        cluster.add(RiskFixtures.event("Evicted", about: "Pod", "web-1", at: Fixtures.daysAgo(20)))
        cluster.add(RiskFixtures.event("FailedMount", about: "Pod", "web-1", at: Fixtures.daysAgo(1)))
        // A finding without a window: the 14 days before now.
        let unwindowed = try score(RiskFixtures.cpuFinding(to: 1.5, withWindow: false), cluster)
        XCTAssertEqual(unwindowed.sloImpact.score, 0.2, accuracy: 1e-9)
        // The 7-day window leaves the BackOff out.
        XCTAssertEqual(try score(RiskFixtures.cpuFinding(to: 1.5), cluster).sloImpact.score, 0)

        var policy = RiskPolicy()
        policy.sloEventReasons = ["FailedMount"]
        let (record, custom) = try RiskFixtures.assess(RiskFixtures.cpuFinding(to: 1.5, withWindow: false), in: cluster, policy: policy)
        XCTAssertEqual(custom.sloImpact.score, 0.2, accuracy: 1e-9)
        XCTAssertEqual(record["risk", "sloImpact", "warningEvents"]?.array.compactMap(\.string), ["FailedMount"])
    }

    func testCriticalAndEventsTogetherCapAtOne() throws {
        var cluster = RiskFixtures.cluster(labels: ["autopilot.io/critical": "true"])
        cluster.add(RiskFixtures.event("BackOff", about: "Pod", "web-0", at: Fixtures.daysAgo(2)))
        cluster.add(RiskFixtures.event("Evicted", about: "Pod", "web-1", at: Fixtures.daysAgo(2)))
        XCTAssertEqual(try score(RiskFixtures.cpuFinding(to: 1.5), cluster).sloImpact.score, 1, accuracy: 1e-9)
        // A node finding weighs the workloads of the pods it moves.
        XCTAssertEqual(try score(RiskFixtures.nodeFinding(), cluster).sloImpact.score, 1, accuracy: 1e-9)
    }
}
