import Foundation
import XCTest
@testable import AutopilotKit

/// Findings and clusters for the risk tests, built on the detector `Fixtures`: a Deployment `apps/web`
/// whose pods run on one m6i.2xlarge, and findings shaped as the detectors write them.
enum RiskFixtures {
    static let nodeName = "ip-10-0-1-10.ec2.internal"
    static let web = Fixtures.deployment("web")
    /// The week before `Fixtures.now`, as the usage fixtures have it.
    static let window: JSONValue = ["start": .string(Fixtures.daysAgo(7)), "end": .string(RFC3339.string(Fixtures.now)), "step": "5m"]

    typealias Cost = (current: Money, recommended: Money)

    // MARK: Clusters

    /// One node carrying `pods` running pods of `key` (labels `app: <name>`).
    static func cluster(_ key: Observed.WorkloadKey = web, pods: Int = 2, labels: [String: String] = [:],
                        annotations: [String: String] = [:]) -> ObservedCluster {
        var cluster = Fixtures.cluster()
        cluster.add(Fixtures.node(nodeName))
        add(key, pods: pods, labels: labels, annotations: annotations, to: &cluster)
        return cluster
    }

    /// A workload and its running pods on `nodeName`.
    static func add(_ key: Observed.WorkloadKey, pods: Int, labels: [String: String] = [:], annotations: [String: String] = [:],
                    to cluster: inout ObservedCluster) {
        let container = Fixtures.container("app", cpu: 2, memory: 4 * Fixtures.gib)
        cluster.add(Fixtures.workload(key, replicas: Int64(pods), containers: [container], labels: labels, annotations: annotations))
        for index in 0..<pods {
            cluster.add(Fixtures.pod("\(key.name)-\(index)", of: key, on: nodeName, containers: [container]))
        }
    }

    /// A Warning (or other) event at `time`.
    static func event(_ reason: String, about kind: String, _ name: String, namespace: String? = "apps", at time: String?,
                      type: String = "Warning", message: String? = nil) -> Observed.Event {
        var event = Observed.Event(namespace: namespace, type: type, reason: reason, message: message, objectKind: kind, objectName: name)
        event.lastTimestamp = time
        return event
    }

    // MARK: Findings

    private static func summaryEnd(_ cost: Cost?) -> String { cost.map { "; saves \($0.current - $0.recommended)/month." } ?? "." }

    /// over-requested-cpu for container `app`: `from` → `to` cores, the usage's p99 in the basis.
    static func cpuFinding(_ key: Observed.WorkloadKey = web, from: Double = 2, to: Double, p99: Double = 1,
                           cost: Cost? = (Money(dollars: 100), Money(dollars: 75)), confidence: Double = 0.9,
                           withWindow: Bool = true) -> Finding {
        var basis: [JSONValue.Member] = []
        if withWindow { basis.append(.init("window", window)) }
        basis.append(.init("samples", .int(2016)))
        basis.append(.init("usage", ["p95": .double(p99 / 1.2), "p99": .double(p99)]))
        return Finding(
            cluster: "test", detector: "over-requested-cpu", severity: .warning, namespace: key.namespace,
            target: .init(kind: key.kind, name: key.name, container: "app"), team: "payments",
            summary: "Lower the CPU request of \(key.kind.lowercased()) \(key) container app from \(Units.cpu(from)) to \(Units.cpu(to))"
                + " (p95 × 1.15 over 7d)" + summaryEnd(cost),
            current: ["cpu": .double(from), "cpuLimit": .null, "replicas": .int(2)],
            recommended: ["cpu": .double(to), "cpuLimit": .null, "replicas": .int(2)],
            monthlyCost: cost, priceSource: cost == nil ? "unknown" : "on-demand", confidence: confidence, basis: .object(basis))
    }

    /// over-requested-memory for container `app`: `from` → `to` bytes, the peak working set in the basis.
    static func memoryFinding(_ key: Observed.WorkloadKey = web, from: Int64 = 4 * Fixtures.gib, to: Int64, peak: Double,
                              cost: Cost? = (Money(dollars: 40), Money(dollars: 30)), confidence: Double = 0.9) -> Finding {
        Finding(
            cluster: "test", detector: "over-requested-memory", severity: .warning, namespace: key.namespace,
            target: .init(kind: key.kind, name: key.name, container: "app"), team: "payments",
            summary: "Lower the memory request of \(key.kind.lowercased()) \(key) container app from \(Units.memory(from)) to "
                + "\(Units.memory(to)) (max × 1.15 over 7d)" + summaryEnd(cost),
            current: ["memory": .int(from), "memoryLimit": .null, "replicas": .int(2)],
            recommended: ["memory": .int(to), "memoryLimit": .null, "replicas": .int(2)],
            monthlyCost: cost, priceSource: cost == nil ? "unknown" : "on-demand", confidence: confidence,
            basis: ["window": window, "samples": .int(2016), "usage": ["p95": .double(peak * 0.95), "max": .double(peak)]])
    }

    /// misconfigured-autoscaling for HPA `namespace/name` (scaling Deployment `name`): minReplicas `from` → `to`.
    /// With `to == from` it is a broken HPA with no single change (priceSource `none`).
    static func hpaFinding(_ name: String = "web", namespace: String = "apps", from: Int64, to: Int64,
                           cost: Cost? = (Money(dollars: 80), Money(dollars: 60)), confidence: Double = 0.8) -> Finding {
        let lowers = to < from
        var summary = "Fix HPA \(namespace)/\(name): replicas sit at minReplicas \(from) with CPU at 12% of requests against a 75% target"
        if lowers { summary += "; lower minReplicas from \(from) to \(to)" }
        summary += lowers ? summaryEnd(cost) : "."
        return Finding(
            cluster: "test", detector: "misconfigured-autoscaling", severity: .warning, namespace: namespace,
            target: .init(kind: "HorizontalPodAutoscaler", name: name), team: "payments", summary: summary,
            current: ["minReplicas": .int(from), "maxReplicas": .int(20), "currentReplicas": .int(from)],
            recommended: ["minReplicas": .int(to), "maxReplicas": .int(20), "replicas": .int(to)],
            monthlyCost: lowers ? cost : nil, priceSource: lowers ? (cost == nil ? "unknown" : "on-demand") : "none",
            confidence: confidence, basis: ["scaleTarget": .string("Deployment/\(name)"), "metrics": ["cpu"]])
    }

    /// idle-node for `node`.
    static func nodeFinding(_ node: String = nodeName, confidence: Double = 0.9) -> Finding {
        Finding(
            cluster: "test", detector: "idle-node", severity: .warning, namespace: nil, target: .init(kind: "Node", name: node),
            team: "platform", summary: "Drain and remove node \(node) (m6i.2xlarge, on-demand); saves $280.32/month.",
            current: ["instanceType": "m6i.2xlarge", "capacityType": "on-demand"], recommended: ["action": "drain and remove", "nodes": 0],
            monthlyCost: (Money(dollars: 280.32), .zero), priceSource: "on-demand", confidence: confidence, basis: ["window": window])
    }

    /// orphan-volume for an unattached gp3 volume.
    static func volumeFinding() -> Finding {
        Finding(
            cluster: "test", detector: "orphan-volume", severity: .warning, namespace: nil, target: .init(kind: "PersistentVolume", name: "pvc-0a1b2c"),
            team: "platform", summary: "Delete gp3 volume pvc-0a1b2c (100Gi, vol-0abc): Available, created 30 days ago; saves $8.00/month.",
            current: ["volume": "pvc-0a1b2c", "phase": "Available", "sizeBytes": .int(100 * Fixtures.gib)],
            recommended: ["action": "delete the volume", "sizeBytes": 0],
            monthlyCost: (Money(dollars: 8), .zero), priceSource: "ebs", confidence: 0.95, basis: ["ageDays": 30])
    }

    // MARK: Scoring

    static func json(_ finding: Finding) throws -> FindingRecord { try FindingRecord(JSON.parse(finding.json.text)) }

    /// The rewritten record (parsed back) and the assessment.
    static func assess(_ finding: Finding, in cluster: ObservedCluster, policy: RiskPolicy = RiskPolicy()) throws
        -> (record: JSON, risk: RiskAssessment) {
        let (record, risk) = RiskScorer(cluster: cluster, policy: policy, now: Fixtures.now).assess(try json(finding))
        return (try JSON.parse(record.text), risk)
    }
}

final class RiskScorerTests: XCTestCase {
    // MARK: Overall and level

    private func assessment(_ blast: Double, _ latency: Double, _ dependency: Double, _ slo: Double, confidence: Double) -> RiskAssessment {
        func factor(_ score: Double) -> RiskAssessment.Factor { .init(score: score, details: [], reasons: ["a term"]) }
        return RiskAssessment(blastRadius: factor(blast), latencyImpact: factor(latency), dependencyRisk: factor(dependency),
                              sloImpact: factor(slo), confidence: confidence, gate: .auto, gateReasons: [], step: .null)
    }

    func testOverallIsTheWeightedSumAndLevelsBreakAt03And06() {
        let cases: [(blast: Double, latency: Double, dependency: Double, slo: Double, confidence: Double, overall: Double, level: String)] = [
            (0, 0, 0, 0, 1, 0, "low"),
            // 0.25 × 0.15 + 0.25 × 0.05 + 0.1 × 0.17 = 0.067.
            (0.15, 0.05, 0, 0, 0.83, 0.07, "low"),
            (1, 0.16, 0, 0, 1, 0.29, "low"),
            (1, 0.2, 0, 0, 1, 0.3, "medium"),
            // 0.05 + 0.05 + 0.1 + 0.1 + 0.01.
            (0.2, 0.2, 0.5, 0.5, 0.9, 0.31, "medium"),
            (1, 1, 0.45, 0, 1, 0.59, "medium"),
            (1, 1, 0.5, 0, 1, 0.6, "high"),
            (1, 1, 1, 1, 0, 1, "high"),
        ]
        for row in cases {
            let risk = assessment(row.blast, row.latency, row.dependency, row.slo, confidence: row.confidence)
            let uncertainty = ((1 - row.confidence) * 100).rounded() / 100
            let sum = 0.25 * row.blast + 0.25 * row.latency + 0.2 * row.dependency + 0.2 * row.slo + 0.1 * uncertainty
            XCTAssertEqual(risk.overall, (sum * 100).rounded() / 100, accuracy: 1e-9, "\(row)")
            XCTAssertEqual(risk.overall, row.overall, accuracy: 1e-9, "\(row)")
            XCTAssertEqual(risk.level, row.level, "\(row)")
        }
    }

    func testWeightsAreDocumentedOnes() {
        XCTAssertEqual(RiskAssessment.weights.map(\.name), ["blastRadius", "latencyImpact", "dependencyRisk", "sloImpact", "uncertainty"])
        XCTAssertEqual(RiskAssessment.weights.map(\.weight), [0.25, 0.25, 0.2, 0.2, 0.1])
        XCTAssertEqual(RiskAssessment.weights.map(\.weight).reduce(0, +), 1, accuracy: 1e-12)
    }

    func testFactorScoresAreClampedToZeroOneAndTwoDecimals() {
        XCTAssertEqual(RiskAssessment.Factor(score: 1.7, details: [], reasons: []).score, 1)
        XCTAssertEqual(RiskAssessment.Factor(score: -0.2, details: [], reasons: []).score, 0)
        XCTAssertEqual(RiskAssessment.Factor(score: 0.123, details: [], reasons: []).score, 0.12)
        XCTAssertEqual(RiskAssessment.Factor(score: 0.35000000000000003, details: [], reasons: []).score, 0.35)
    }

    // MARK: Reasons recompute the score

    /// apps/web: 3 pods, one Service, marked critical, a BackOff in the window; CPU 2 → 1 under a p99 of 1.2.
    private func riskyCluster() -> ObservedCluster {
        var cluster = RiskFixtures.cluster(pods: 3, labels: ["autopilot.io/critical": "true"])
        cluster.add(Observed.Service(namespace: "apps", name: "web", selector: ["app": "web"]))
        cluster.add(RiskFixtures.event("BackOff", about: "Pod", "web-0", at: Fixtures.daysAgo(2)))
        return cluster
    }

    func testEveryFactorRaisesTheScoreWithItsReason() throws {
        let finding = RiskFixtures.cpuFinding(to: 1, p99: 1.2, confidence: 0.83)
        let (_, risk) = try RiskFixtures.assess(finding, in: riskyCluster())
        XCTAssertEqual(risk.blastRadius.score, 0.25, accuracy: 1e-9)
        XCTAssertEqual(risk.latencyImpact.score, 0.8, accuracy: 1e-9)
        XCTAssertEqual(risk.dependencyRisk.score, 0.15, accuracy: 1e-9)
        XCTAssertEqual(risk.sloImpact.score, 0.8, accuracy: 1e-9)
        XCTAssertEqual(risk.confidence, 0.83, accuracy: 1e-9)
        // 0.0625 + 0.2 + 0.03 + 0.16 + 0.017 = 0.4695.
        XCTAssertEqual(risk.overall, 0.47, accuracy: 1e-9)
        XCTAssertEqual(risk.level, "medium")
        XCTAssertEqual(risk.gate, .approve)

        let reasons = risk.reasons
        XCTAssertEqual(reasons.count, 8, "\(reasons)")
        guard reasons.count == 8 else { return }
        XCTAssertEqual(reasons[0], "blast radius 0.25 × 0.25 = 0.0625: 3 pods (÷ 20); 1 Service (× 0.1): apps/web")
        XCTAssertTrue(reasons[1].hasPrefix("latency impact 0.8 × 0.25 = 0.2: new request 1 leaves -16.7% headroom over p99 1.2"), reasons[1])
        XCTAssertEqual(reasons[2], "dependency risk 0.15 × 0.2 = 0.03: 1 Service sends it traffic (× 0.15, at most 0.45)")
        XCTAssertEqual(reasons[3], "SLO impact 0.8 × 0.2 = 0.16: marked autopilot.io/critical: apps/web (+ 0.6); "
            + "Warning events in the window: BackOff (× 0.2, at most 0.4)")
        XCTAssertEqual(reasons[4], "uncertainty 0.17 × 0.1 = 0.017: the finding's confidence is 0.83")
        XCTAssertEqual(reasons[5], "gate approve: overall 0.47 is not below 0.3, where `auto` stops")
        XCTAssertEqual(reasons[6], "gate approve: latency impact is high (0.8)")
        XCTAssertEqual(reasons[7], "gate approve: the workload is marked autopilot.io/critical")
    }

    /// The number after " = " up to the next ":" in a factor's reason line.
    private func contribution(_ line: String) -> Double? {
        guard let equals = line.range(of: " = ") else { return nil }
        let rest = line[equals.upperBound...]
        guard let colon = rest.firstIndex(of: ":") else { return nil }
        return Double(rest[..<colon])
    }

    func testOverallRecomputesFromTheReasons() throws {
        let findings: [(Finding, ObservedCluster)] = [
            (RiskFixtures.cpuFinding(to: 1, p99: 1.2, confidence: 0.83), riskyCluster()),
            (RiskFixtures.cpuFinding(to: 1.5, p99: 1, confidence: 0.9), RiskFixtures.cluster()),
            (RiskFixtures.memoryFinding(to: 2 * Fixtures.gib + 100 * Fixtures.mib, peak: Double(2 * Fixtures.gib), confidence: 0.61),
             RiskFixtures.cluster(pods: 1)),
            (RiskFixtures.nodeFinding(confidence: 0.77), RiskFixtures.cluster(pods: 5)),
            (RiskFixtures.volumeFinding(), RiskFixtures.cluster()),
        ]
        for (finding, cluster) in findings {
            let (record, risk) = try RiskFixtures.assess(finding, in: cluster)
            let factorLines = risk.reasons.filter { !$0.hasPrefix("gate ") }
            let parts = factorLines.compactMap(contribution)
            XCTAssertEqual(parts.count, factorLines.count, "every factor line has a contribution: \(factorLines)")
            let sum = parts.reduce(0, +)
            XCTAssertEqual((sum * 100).rounded() / 100, risk.overall, accuracy: 1e-9, "\(finding.detector): \(risk.reasons)")
            XCTAssertEqual(record["risk", "overall"]?.double ?? -1, risk.overall, accuracy: 1e-12)
            XCTAssertEqual(risk.reasons.filter { $0.hasPrefix("gate ") }.count, risk.reasons.count - factorLines.count)
            XCTAssertFalse(risk.reasons.filter { $0.hasPrefix("gate ") }.isEmpty, "a gate always says why")
        }
    }

    func testFactorsAtZeroHaveNoReasonLine() throws {
        // Two pods, no Service, no marker, no events, a generous request, full confidence.
        let (_, risk) = try RiskFixtures.assess(RiskFixtures.cpuFinding(to: 1.5, p99: 1, confidence: 1), in: RiskFixtures.cluster())
        XCTAssertEqual(risk.dependencyRisk.score, 0)
        XCTAssertEqual(risk.sloImpact.score, 0)
        XCTAssertEqual(risk.reasons.map { String($0.prefix(while: { $0 != " " })) }, ["blast", "latency", "gate"], "\(risk.reasons)")
    }

    // MARK: The record

    func testRecordCarriesTheAssessment() throws {
        let (record, risk) = try RiskFixtures.assess(RiskFixtures.cpuFinding(to: 1, p99: 1.2, confidence: 0.83), in: riskyCluster())
        let object = try XCTUnwrap(record["risk"])
        XCTAssertEqual(object.members.map { $0.key }, ["blastRadius", "latencyImpact", "dependencyRisk", "sloImpact", "confidence", "overall",
                                                   "level", "gate", "weights", "reasons", "step"])
        XCTAssertEqual(object["overall"]?.double, 0.47)
        XCTAssertEqual(object["level"]?.string, "medium")
        XCTAssertEqual(object["gate"]?.string, "approve")
        XCTAssertEqual(object["confidence"]?.double, 0.83)
        XCTAssertEqual(object["weights", "blastRadius"]?.double, 0.25)
        XCTAssertEqual(object["weights", "uncertainty"]?.double, 0.1)
        XCTAssertEqual(object["reasons"]?.array.compactMap(\.string), risk.reasons)
        XCTAssertEqual(object["step"]?.isNull, true)
        XCTAssertEqual(object["blastRadius", "score"]?.double, 0.25)
        XCTAssertEqual(object["blastRadius", "pods"]?.int, 3)
        XCTAssertEqual(object["blastRadius", "services"]?.array.compactMap(\.string), ["apps/web"])
        XCTAssertEqual(object["latencyImpact", "level"]?.string, "high")
        XCTAssertEqual(object["latencyImpact", "p99"]?.double, 1.2)
        XCTAssertEqual(object["dependencyRisk", "services"]?.int, 1)
        XCTAssertEqual(object["sloImpact", "critical"]?.bool, true)
        XCTAssertEqual(object["sloImpact", "warningEvents"]?.array.compactMap(\.string), ["BackOff"])
    }

    func testAssessReplacesAnEarlierRiskAndKeepsMemberOrder() throws {
        let finding = RiskFixtures.cpuFinding(to: 1.5)
        guard case .object(var members) = finding.json else { return XCTFail("a finding is an object") }
        let keys = members.map(\.key)
        members.insert(.init("risk", ["overall": 0.99, "gate": "block"]), at: 3)
        let stale = try FindingRecord(JSON.parse(JSONValue.object(members).text))

        let (record, risk) = RiskScorer(cluster: RiskFixtures.cluster(), now: Fixtures.now).assess(stale)
        guard case .object(let written) = record else { return XCTFail("the record is an object") }
        XCTAssertEqual(written.filter { $0.key == "risk" }.count, 1)
        XCTAssertEqual(written.map(\.key), keys + ["risk"])
        XCTAssertEqual(written.first?.key, "kind")
        XCTAssertEqual(record["risk"], risk.json)
        XCTAssertEqual(record["risk"]?["gate"], JSONValue.string("auto"))

        let text = record.text
        XCTAssertTrue(text.hasPrefix("{\"kind\":\"finding\""), text)
        XCTAssertEqual(text.components(separatedBy: "\"risk\":").count, 2, "one risk member in \(text)")
        XCTAssertEqual(try JSON.parse(text).members.map { $0.key }, keys + ["risk"])
    }

    func testAssessingTwiceGivesTheSameRecord() throws {
        let cluster = riskyCluster()
        let (first, _) = try RiskFixtures.assess(RiskFixtures.cpuFinding(to: 1, p99: 1.2, confidence: 0.83), in: cluster)
        let second = RiskScorer(cluster: cluster, now: Fixtures.now).assess(try FindingRecord(first)).record
        XCTAssertEqual(second.text, first.value.text)
    }

    func testAStepKeepsTheFindingsMemberOrder() throws {
        let finding = RiskFixtures.cpuFinding(from: 4, to: 0.3, cost: (Money(dollars: 100), Money(dollars: 10.01)))
        let (record, risk) = try RiskFixtures.assess(finding, in: RiskFixtures.cluster())
        XCTAssertFalse(risk.step == .null, "4 → 0.3 is cut to a first step")
        XCTAssertEqual(record.members.map { $0.key }, finding.json.memberKeys + ["risk"])
    }
}

private extension JSONValue {
    var memberKeys: [String] {
        guard case .object(let members) = self else { return [] }
        return members.map(\.key)
    }
}
