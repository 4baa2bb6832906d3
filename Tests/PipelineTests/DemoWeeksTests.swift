import AutopilotKit
import Foundation
import XCTest

/// `make demo`'s four weeks (pipelines/demo-weeks.sh) with the built tools: every week's fixtures replay
/// (no missing capture), and the ledger tells the story the README tells — merges seen in git implemented
/// and verified by the next week's cluster, one change found unsafe and rolled back, a new finding in
/// week 3, one expired in week 4 — with the same bytes on a second run. Week 1 is the capture as it is.
final class DemoWeeksTests: XCTestCase {
    typealias F = LedgerFixtures

    nonisolated(unsafe) static var cached: URL?

    /// The four weeks, run once for the class.
    func demo() throws -> URL {
        if let cached = Self.cached { return cached }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("demo-weeks-\(UUID().uuidString)")
        let result = try Self.runWeeks(into: out)
        XCTAssertEqual(result.status, 0, result.stderr)
        Self.cached = out
        return out
    }

    override class func tearDown() {
        if let cached { try? FileManager.default.removeItem(at: cached) }
        super.tearDown()
    }

    static func runWeeks(into out: URL) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [repositoryRoot.appendingPathComponent("pipelines/demo-weeks.sh").path, Tool.binDirectory.path, out.path]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        let exited = try process.start()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        exited.wait()
        return (process.terminationStatus, text)
    }

    func testWeekOneIsTheCaptureByteForByte() throws {
        let scratch = try makeScratchDirectory(self)
        for cluster in ["demo", "staging"] {
            let out = scratch.appendingPathComponent(cluster)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", repositoryRoot.appendingPathComponent("pipelines/demo_week.py").path, "--from",
                                 repositoryRoot.appendingPathComponent("fixtures/\(cluster)").path, "--cluster", cluster, "--week", "1",
                                 "--out", out.path]
            try process.start().wait()
            XCTAssertEqual(process.terminationStatus, 0)
            let source = repositoryRoot.appendingPathComponent("fixtures/\(cluster)")
            var compared = 0
            for folder in ["", "prometheus"] {
                let names = try FileManager.default.contentsOfDirectory(atPath: source.appendingPathComponent(folder).path)
                for name in names where name.hasSuffix(".json") || name == "queries.ndjson" {
                    let original = try Data(contentsOf: source.appendingPathComponent(folder).appendingPathComponent(name))
                    let written = try Data(contentsOf: out.appendingPathComponent(folder).appendingPathComponent(name))
                    XCTAssertEqual(original, written, "\(cluster)/\(folder)/\(name)")
                    compared += 1
                }
            }
            XCTAssertGreaterThan(compared, 20, cluster)
        }
    }

    func testFourWeeksTellTheStory() throws {
        let out = try demo()
        let records = try decodeRecords(try String(contentsOf: out.appendingPathComponent("ledger.ndjson"), encoding: .utf8)
            .split(separator: "\n").map(String.init))
        let ledger = records.filter { $0["kind"] as? String == "ledger" }
        // A workload's or a volume's waste (etl-transformer's HPA has a finding of its own, not patchable).
        func entries(_ name: String, in cluster: String = "demo") -> [[String: Any]] {
            ledger.filter {
                F.string($0, "cluster") == cluster && F.string($0, "target", "name") == name && F.string($0, "detector") != "misconfigured-autoscaling"
            }
        }
        func reasons(_ entry: [String: Any]) -> [String] { (entry["transitions"] as? [[String: Any]] ?? []).compactMap { $0["reason"] as? String } }

        // Merged in git a day after a run, deployed by the next: implemented by the merge, verified by the cluster.
        for (cluster, name) in [("demo", "checkout-web"), ("demo", "airflow-scheduler"), ("demo", "etl-transformer"), ("demo", "redis"),
                                ("demo", "pvc-a226a192-9237-5838-ab56-b18137a4319e"), ("demo", "pvc-b9819e03-e841-5aeb-8e36-aaeb4e3ccc17"),
                                ("staging", "reports-db-restore-20261106")] {
            let found = entries(name, in: cluster)
            XCTAssertFalse(found.isEmpty, name)
            for entry in found {
                XCTAssertEqual(entry["status"] as? String, "verified", name)
                XCTAssertEqual(F.string(entry, "change", "state"), "merged", name)
                XCTAssertGreaterThan(F.cents(entry["realizedMonthlySavings"]) ?? 0, 0, name)
            }
        }
        // grafana's cut: verified (CPU) and unsafe (memory grew past the new request), then reverted: rolled back.
        let grafana = entries("grafana")
        XCTAssertEqual(grafana.count, 2)
        for entry in grafana {
            XCTAssertEqual(entry["status"] as? String, "rejected")
            XCTAssertTrue(reasons(entry).last?.hasPrefix(LedgerRecorder.rollbackPrefix) == true, "\(reasons(entry))")
        }
        let memory = try XCTUnwrap(grafana.first { $0["detector"] as? String == "over-requested-memory" })
        XCTAssertEqual(F.string(memory, "verification", "state"), "unsafe")
        XCTAssertTrue(F.string(memory, "verification", "reason")?.hasPrefix("peak working set") == true)
        // Deleted by hand in the console: no longer reported, expired. Left behind in week 3: new.
        XCTAssertEqual(entries("orders-restore-20261014").first?["status"] as? String, "expired")
        XCTAssertEqual(entries("pvc-5d0c2f7e-61a4-5b8e-9d21-8c3f4a7e2b19").first?["firstSeen"] as? String, "2026-12-04T12:00:00Z")

        // Each week is a run in the cost history; verified money adds up week by week to what the entries realize.
        let costs = records.filter { $0["kind"] as? String == "costhistory" }
        let runs = Set(costs.compactMap { $0["at"] as? String }).sorted()
        XCTAssertEqual(runs, ["2026-11-20T12:00:00Z", "2026-11-27T12:00:00Z", "2026-12-04T12:00:00Z", "2026-12-11T12:00:00Z"])
        let lastRun = costs.filter { $0["at"] as? String == runs.last }.compactMap { F.cents($0["realizedMonthlySavings"]) }.reduce(0, +)
        let realized = ledger.filter { $0["status"] as? String == "verified" }.compactMap { F.cents($0["realizedMonthlySavings"]) }.reduce(0, +)
        XCTAssertEqual(lastRun, realized)
        XCTAssertGreaterThan(realized, 0)

        // A verified finding's page shows the evidence it was last reported with (the ledger keeps it).
        let web = try XCTUnwrap(entries("checkout-web").first { $0["detector"] as? String == "over-requested-cpu" })
        XCTAssertEqual(F.string(web, "lastReported", "id"), web["id"] as? String)
        let site = out.appendingPathComponent("site")
        let page = try String(contentsOf: site.appendingPathComponent("findings/\(web["id"] as? String ?? "").html"), encoding: .utf8)
        XCTAssertTrue(page.contains("As last reported, by the run of 2026-11-20T12:00:00Z"), page)
        XCTAssertTrue(page.contains("How it was computed"), page)
        XCTAssertTrue(page.contains("<strong>merged</strong>: merged into main (seen in git)"), page)

        // The GitOps repo holds the merges and the revert, made by people; Autopilot only made branches.
        let log = try EmitPRFixtures.git(["log", "--format=%an %s", "main"], in: out.appendingPathComponent("gitops"))
        XCTAssertTrue(log.contains("Reviewer Revert \"Merge branch 'autopilot/demo/monitoring/grafana'\""), log)
        XCTAssertEqual(log.split(separator: "\n").filter { $0.hasPrefix("Reviewer Merge branch") }.count, 8, log)
    }

    func testTheWeeksAreDeterministic() throws {
        let first = try demo()
        let again = try makeScratchDirectory(self).appendingPathComponent("out")
        let result = try Self.runWeeks(into: again)
        XCTAssertEqual(result.status, 0, result.stderr)
        // The records name where they were written (evidence packs, the repo): the same once that is set aside.
        func text(_ out: URL, _ file: String) throws -> String {
            try String(contentsOf: out.appendingPathComponent(file), encoding: .utf8).replacingOccurrences(of: out.path, with: "OUT")
        }
        for file in ["ledger.ndjson", "demo.ndjson", "weeks/2/ledger.ndjson", "weeks/3/demo/pods.json", "weeks/4/demo/prometheus/queries.ndjson"] {
            let (one, two) = (try text(first, file), try text(again, file))
            XCTAssertTrue(one == two, "\(file) differs between two runs")
        }
        XCTAssertEqual(try EmitPRFixtures.git(["rev-parse", "main"], in: first.appendingPathComponent("gitops")),
                       try EmitPRFixtures.git(["rev-parse", "main"], in: again.appendingPathComponent("gitops")))
    }
}
