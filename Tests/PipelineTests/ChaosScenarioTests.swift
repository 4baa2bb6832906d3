import AutopilotKit
import Foundation
import XCTest

/// The chaos scenarios of fixtures/chaos replayed through the incident pipeline: each yields exactly the
/// incident, root cause and actions its expected.json names; the fixes flow through score-risk into
/// emit-pr; the demo cluster's incidents; and detect-incidents' bad-input paths.
final class ChaosScenarioTests: XCTestCase {
    static let chaos = repositoryRoot.appendingPathComponent("fixtures/chaos")
    static let scenarios = ["bad-rollout", "cpu-stress", "memory-leak-oom", "network-latency", "node-not-ready", "pod-kill"]

    /// What the scenario's captures replay to: cluster and usage records, then the alert records.
    static func stream(_ scenario: String) throws -> String {
        let directory = "fixtures/chaos/\(scenario)"
        let cluster = try Tool.run("collect-cluster", ["--from", "\(directory)/chaos-lab"])
        guard cluster.status == 0 else { throw failure("collect-cluster: \(cluster.stderr)") }
        let metrics = try Tool.run("collect-metrics", ["--from", "\(directory)/prometheus"], stdin: cluster.stdout)
        guard metrics.status == 0 else { throw failure("collect-metrics: \(metrics.stderr)") }
        let alerts = try Tool.run("receive-alerts", ["--from", "\(directory)/alerts.ndjson"])
        guard alerts.status == 0 else { throw failure("receive-alerts: \(alerts.stderr)") }
        return metrics.stdout + alerts.stdout
    }

    static func expected(_ scenario: String) throws -> [String: Any] {
        let data = try Data(contentsOf: chaos.appendingPathComponent("\(scenario)/expected.json"))
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func failure(_ message: String) -> NSError { NSError(domain: "chaos", code: 1, userInfo: [NSLocalizedDescriptionKey: message]) }

    func testEveryScenarioYieldsExactlyTheExpectedIncidentRootCauseAndActions() throws {
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: Self.chaos.path).filter {
            FileManager.default.fileExists(atPath: Self.chaos.appendingPathComponent("\($0)/expected.json").path)
        }.sorted(), Self.scenarios)
        for scenario in Self.scenarios {
            let expected = try Self.expected(scenario)
            let stream = try Self.stream(scenario)
            let result = try Tool.run("detect-incidents", ["--now", try XCTUnwrap(expected["now"] as? String)], stdin: stream)
            XCTAssertEqual(result.status, 0, "\(scenario): \(result.stderr)")
            XCTAssertTrue(result.stdout.hasPrefix(stream), "\(scenario): the stream is forwarded unchanged")
            let records = try decodeRecords(result.lines)
            let incidents = records.filter { $0["kind"] as? String == "incident" }
            let findings = Dictionary(uniqueKeysWithValues: records.filter { $0["kind"] as? String == "finding" }.map { ($0["id"] as! String, $0) })
            let wanted = try XCTUnwrap(expected["incidents"] as? [[String: Any]])
            XCTAssertEqual(incidents.count, wanted.count, "\(scenario): \(incidents.map { "\($0["category"]!) \($0["target"]!)" })")
            for want in wanted {
                let target = want["target"] as! [String: String]
                let match = incidents.first {
                    $0["category"] as? String == want["category"] as? String
                        && ($0["target"] as? [String: Any])?["kind"] as? String == target["kind"]
                        && ($0["target"] as? [String: Any])?["name"] as? String == target["name"]
                }
                guard let incident = match else {
                    XCTFail("\(scenario): no \(want["category"]!) incident on \(target)")
                    continue
                }
                let rootCause = try XCTUnwrap(incident["rootCause"] as? [String: Any])
                XCTAssertEqual(rootCause["hypothesis"] as? String, want["hypothesis"] as? String, "\(scenario): \(rootCause)")
                XCTAssertFalse((rootCause["evidence"] as? [String] ?? []).isEmpty, scenario)
                let actions = incident["actions"] as? [[String: Any]] ?? []
                XCTAssertEqual(actions.compactMap { $0["type"] as? String }, want["actions"] as? [String], scenario)
                let opened = actions.compactMap { $0["findingId"] as? String }
                XCTAssertEqual(opened.compactMap { findings[$0]?["detector"] as? String }.sorted(), (want["findings"] as? [String])?.sorted(), scenario)
                XCTAssertEqual(findings.count, opened.count, "\(scenario): only the incident's fixes are findings")
                // Signals of more than one kind are one incident (an alert with what the cluster itself shows),
                // except where the scenario has only one witness.
                let sources = Set((incident["signals"] as? [[String: Any]] ?? []).compactMap { $0["source"] as? String })
                if ["memory-leak-oom", "node-not-ready", "bad-rollout", "cpu-stress"].contains(scenario) {
                    XCTAssertGreaterThan(sources.count, 1, "\(scenario): \(sources)")
                }
            }
        }
    }

    func testScenarioDetailsAnAnalystWouldCheck() throws {
        func incident(_ scenario: String) throws -> [String: Any] {
            let result = try Tool.run("detect-incidents", ["--now", "2026-11-23T12:00:00Z", "--quiet"], stdin: try Self.stream(scenario))
            return try XCTUnwrap(try decodeRecords(result.lines).first { $0["kind"] as? String == "incident" })
        }
        // Bad rollout: the previous image is the rollback, by revision.
        let rollout = try incident("bad-rollout")
        let rollback = try XCTUnwrap((rollout["actions"] as? [[String: Any]])?.first)
        XCTAssertEqual(rollback["command"] as? String, "kubectl rollout undo -n 'shop' deployment/'cart' --to-revision=4")
        XCTAssertTrue((rollback["summary"] as? String ?? "").contains("cart:2.3.1"), "\(rollback)")
        let evidence = ((rollout["rootCause"] as? [String: Any])?["evidence"] as? [String] ?? []).joined(separator: "\n")
        XCTAssertTrue(evidence.contains("revision 5 (image 381492150734.dkr.ecr.us-east-1.amazonaws.com/cart:2.4.0) rolled out at 2026-11-23T10:00:00Z"), evidence)
        XCTAssertTrue(evidence.contains("2 pods still on revision 4's image run without crashing"), evidence)
        XCTAssertEqual(rollout["status"] as? String, "firing")
        // Memory leak: the growth rate as planted (200 MiB/h), measured on the captured series.
        let leak = try incident("memory-leak-oom")
        let summary = try XCTUnwrap((leak["rootCause"] as? [String: Any])?["summary"] as? String)
        let rate = try XCTUnwrap(Int(summary.split(separator: " ").first { $0.hasSuffix("Mi/h") }?.dropLast(4) ?? ""))
        XCTAssertTrue((190...210).contains(rate), summary)
        // CPU stress: the anomaly's times are the stress window's (09:00–09:45, 15-minute series points).
        let stress = try incident("cpu-stress")
        let anomaly = try XCTUnwrap((stress["signals"] as? [[String: Any]])?.first { $0["source"] as? String == "usage" })
        XCTAssertEqual(anomaly["name"] as? String, "cpu-anomaly")
        let start = try XCTUnwrap(RFC3339.date(anomaly["at"] as? String ?? ""))
        let end = try XCTUnwrap(RFC3339.date(anomaly["until"] as? String ?? ""))
        XCTAssertGreaterThanOrEqual(start, RFC3339.date("2026-11-23T09:00:00Z")!)
        XCTAssertLessThanOrEqual(end, RFC3339.date("2026-11-23T10:00:00Z")!)
        // Node down: the workloads with pods on it are named.
        let node = try incident("node-not-ready")
        XCTAssertEqual((node["affected"] as? [String: Any])?["workloads"] as? [String], ["shop/Deployment/cart", "shop/Deployment/checkout-api"])
        // Pod kill: the replacement and the single replica.
        let kill = try incident("pod-kill")
        let killEvidence = ((kill["rootCause"] as? [String: Any])?["evidence"] as? [String] ?? []).joined(separator: "\n")
        XCTAssertTrue(killEvidence.contains("created 2s later, Running"), killEvidence)
        XCTAssertTrue(killEvidence.contains("1 desired replica; no PodDisruptionBudget"), killEvidence)
    }

    func testChaosCheckReportsFullDetectionAndRootCauseRates() throws {
        let result = try PrometheusServer.run("/bin/bash", [repositoryRoot.appendingPathComponent("pipelines/chaos-check.sh").path, Tool.binDirectory.path])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("chaos-check: detection 6/6, root cause 6/6, exact 6/6 scenarios"), result.output)
        XCTAssertEqual(result.output.split(separator: "\n").filter { $0.contains(" ok ") }.count, 6, result.output)
    }

    func testFixFindingsFlowThroughScoreRiskIntoEmitPR() throws {
        let scratch = try makeScratchDirectory(self)
        let repo = try EmitPRFixtures.makeRepo(["chaos-lab"], in: scratch)
        var stream = ""
        for scenario in ["memory-leak-oom", "cpu-stress"] {
            let incidents = try Tool.run("detect-incidents", ["--now", "2026-11-23T12:00:00Z", "--quiet"], stdin: try Self.stream(scenario))
            XCTAssertEqual(incidents.status, 0, incidents.stderr)
            stream += incidents.stdout
        }
        let risk = try Tool.run("score-risk", [], stdin: stream)
        XCTAssertEqual(risk.status, 0, risk.stderr)
        let scored = try decodeRecords(risk.lines.filter { $0.hasPrefix(#"{"kind":"finding""#) })
        XCTAssertEqual(Set(scored.compactMap { $0["detector"] as? String }), ["under-provisioned-memory", "under-provisioned-cpu"])
        XCTAssertTrue(scored.allSatisfy { $0["risk"] is [String: Any] }, "score-risk scored them")
        let result = try EmitPRFixtures.emitPR(repo, risk.stdout)
        XCTAssertEqual(result.status, 0, result.stderr)
        let changes = try EmitPRFixtures.changes(result).filter { $0["state"] as? String == "local" }
        XCTAssertEqual(Set(changes.compactMap { $0["branch"] as? String }), ["autopilot/chaos-lab/shop/checkout-api", "autopilot/chaos-lab/shop/cart"])
        let memory = try XCTUnwrap(changes.first { $0["branch"] as? String == "autopilot/chaos-lab/shop/checkout-api" })
        XCTAssertEqual(memory["files"] as? [String], ["apps/shop/checkout-api.yaml"])
        XCTAssertEqual(memory["title"] as? String, "Raise memory of shop/checkout-api [chaos-lab]: $5.24/month more, for safety")

        _ = try EmitPRFixtures.mergeAll(repo)
        let api = try XCTUnwrap(try EmitPRFixtures.container(repo.appendingPathComponent("apps/shop/checkout-api.yaml"), kind: "Deployment", name: "checkout-api", container: "api"))
        XCTAssertEqual(try Quantity.bytes(XCTUnwrap(api["resources", "requests", "memory"]), field: "memory"), 1344 * 1_048_576)
        XCTAssertEqual(try Quantity.bytes(XCTUnwrap(api["resources", "limits", "memory"]), field: "memory"), 1344 * 1_048_576)
        let cart = try XCTUnwrap(try EmitPRFixtures.container(repo.appendingPathComponent("apps/shop/cart.yaml"), kind: "Deployment", name: "cart", container: "cart"))
        XCTAssertEqual(try Quantity.cores(XCTUnwrap(cart["resources", "limits", "cpu"]), field: "cpu"), 0.75, accuracy: 1e-9)
        XCTAssertEqual(try Quantity.cores(XCTUnwrap(cart["resources", "requests", "cpu"]), field: "cpu"), 0.25, accuracy: 1e-9)
        let file = try String(contentsOf: repo.appendingPathComponent("apps/shop/checkout-api.yaml"), encoding: .utf8)
        XCTAssertTrue(file.contains("memory: 1344Mi   # Leak fix tracked in SHOP-881."), "the comment stays:\n\(file)")
    }

    func testDemoIncidentsAndNoFindingTwice() throws {
        // detect-waste already opened the OOM fix for fraud-scorer: detect-incidents refers to it by id.
        let result = try Tool.run("detect-incidents", ["--quiet"], stdin: ScoreRiskTests.wasteStream)
        XCTAssertEqual(result.status, 0, result.stderr)
        let records = try decodeRecords(result.lines)
        let incidents = records.filter { $0["kind"] as? String == "incident" }
        let summary = incidents.map { incident -> String in
            let target = incident["target"] as! [String: Any]
            return "\(incident["category"]!) \(target["name"]!) \((incident["rootCause"] as! [String: Any])["hypothesis"]!)"
        }
        XCTAssertEqual(summary.sorted(), [
            "crashloop promo-engine application-error", "eviction ip-10-0-88-143.ec2.internal noisy-neighbour",
            "failed-scheduling report-renderer cluster-full", "node-not-ready ip-10-0-14-227.ec2.internal node-failure",
            "oom fraud-scorer memory-limit-too-low",
        ])
        let oom = try XCTUnwrap(incidents.first { $0["category"] as? String == "oom" })
        let fix = try XCTUnwrap((oom["actions"] as? [[String: Any]])?.first?["findingId"] as? String)
        let ids = records.filter { $0["kind"] as? String == "finding" }.compactMap { $0["id"] as? String }
        XCTAssertEqual(ids.filter { $0 == fix }.count, 1, "the OOM fix is detect-waste's finding, not a second one")
        XCTAssertEqual(ids.count, Set(ids).count)
        // The evicted pod's own record dates the eviction (its DisruptionTarget condition), not the snapshot.
        let eviction = try XCTUnwrap(incidents.first { $0["category"] as? String == "eviction" })
        XCTAssertEqual(eviction["end"] as? String, "2026-11-20T11:18:53Z")
        let podSignal = (eviction["signals"] as? [[String: Any]])?.first { $0["source"] as? String == "pod" }
        XCTAssertEqual(podSignal?["at"] as? String, "2026-11-20T11:18:53Z")
    }

    func testAPodThatCannotFitBecauseOfOverRequestsPointsAtTheRightSizingFinding() throws {
        // The demo's feature-store-api requests 4Gi and peaks far below; a third replica cannot be placed.
        let input = try SchedulingFailureTests.demoWithAPendingPod(
            "0/16 nodes are available: 3 Insufficient memory, 13 node(s) didn't match Pod's node affinity/selector.")

        func schedulingIncident(_ records: [[String: Any]]) throws -> [String: Any] {
            try XCTUnwrap(records.first { $0["kind"] as? String == "incident" && $0["category"] as? String == "failed-scheduling"
                && ($0["target"] as? [String: Any])?["name"] as? String == "feature-store-api" })
        }
        func rightsizing(_ records: [[String: Any]]) -> [[String: Any]] {
            records.filter { $0["kind"] as? String == "finding" && $0["detector"] as? String == "over-requested-memory"
                && ($0["target"] as? [String: Any])?["name"] as? String == "feature-store-api" }
        }
        // After detect-waste: the incident refers to its finding, which stays one record.
        let waste = try Tool.run("detect-waste", ["--quiet", "--now", "2026-11-20T12:00:00Z"], stdin: input)
        XCTAssertEqual(waste.status, 0, waste.stderr)
        let afterWaste = try Tool.run("detect-incidents", ["--quiet", "--now", "2026-11-20T12:00:00Z"], stdin: waste.stdout)
        XCTAssertEqual(afterWaste.status, 0, afterWaste.stderr)
        let records = try decodeRecords(afterWaste.lines)
        let incident = try schedulingIncident(records)
        XCTAssertEqual((incident["rootCause"] as? [String: Any])?["hypothesis"] as? String, "requests-too-high")
        let actions = try XCTUnwrap(incident["actions"] as? [[String: Any]])
        XCTAssertEqual(actions.map { $0["type"] as? String }, ["lower-requests"])
        let finding = try XCTUnwrap(rightsizing(records).first)
        XCTAssertEqual(rightsizing(records).count, 1)
        XCTAssertEqual(actions.first?["findingId"] as? String, finding["id"] as? String)
        XCTAssertEqual(incident["start"] as? String, "2026-11-20T11:30:00Z", "the pod's PodScheduled condition dates it")
        // Without detect-waste in front, detect-incidents opens the same finding itself.
        let alone = try Tool.run("detect-incidents", ["--quiet", "--now", "2026-11-20T12:00:00Z"], stdin: input)
        XCTAssertEqual(alone.status, 0, alone.stderr)
        let opened = rightsizing(try decodeRecords(alone.lines))
        XCTAssertEqual(opened.map { $0["id"] as? String }, [finding["id"] as? String])
        XCTAssertEqual((opened.first?["recommended"] as? [String: Any])?["memory"] as? Int, (finding["recommended"] as? [String: Any])?["memory"] as? Int)
    }

    func testBadLinesAreReportedAndTheRestStillAnalysed() throws {
        var lines = try Self.stream("bad-rollout").split(separator: "\n").map(String.init)
        lines.insert("{\"kind\":\"pod\",", at: 3)
        lines.append(#"{"kind":"alert","cluster":"chaos-lab","alertname":"KubePodCrashLooping","status":"firing","labels":{}}"#)
        let result = try Tool.run("detect-incidents", ["--now", "2026-11-23T12:00:00Z", "--quiet"], stdin: lines.joined(separator: "\n") + "\n")
        XCTAssertEqual(result.status, 65, result.stderr)
        XCTAssertEqual(result.errorLines.count, 2, result.stderr)
        XCTAssertTrue(result.errorLines[0].hasPrefix("detect-incidents: <stdin>:4:"), result.stderr)
        XCTAssertTrue(result.errorLines[1].contains("<stdin>:\(lines.count): error: alert: missing or bad time field 'startsAt'"), result.stderr)
        let incidents = try decodeRecords(result.lines.filter { $0.hasPrefix(#"{"kind":"incident""#) })
        XCTAssertEqual(incidents.compactMap { ($0["rootCause"] as? [String: Any])?["hypothesis"] as? String }, ["bad-rollout"])
        XCTAssertTrue(result.stdout.contains(#""alertname":"KubePodCrashLooping","status":"firing","labels":{}}"#), "a bad record is still forwarded")
        // --strict stops at the first.
        let strict = try Tool.run("detect-incidents", ["--strict"], stdin: lines.joined(separator: "\n") + "\n")
        XCTAssertEqual(strict.status, 65)
        XCTAssertEqual(strict.errorLines.count, 1, strict.stderr)
    }
}

extension ChaosScenarioTests {
    func testTheWeeklyReportCountsTheIncidentsCaught() throws {
        let scratch = try makeScratchDirectory(self)
        let incidents = try Tool.run("detect-incidents", ["--now", "2026-11-23T12:00:00Z", "--quiet"], stdin: try Self.stream("bad-rollout"))
        let report = try Tool.run("render-report", ["--out", scratch.path, "--now", "2026-11-23T12:00:00Z"], stdin: incidents.stdout)
        XCTAssertEqual(report.status, 0, report.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: scratch.appendingPathComponent("report.json"))) as? [String: Any])
        XCTAssertEqual((json["headline"] as? [String: Any])?["incidentsCaught"] as? Int, 1, "\(json.keys)")
    }
}
