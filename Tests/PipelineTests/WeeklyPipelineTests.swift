import Foundation
import XCTest

/// pipelines/weekly.mk as cron runs it (real kubectl against the local API server serving the demo
/// cluster, a real Prometheus) and pipelines/replay.sh rerunning that run offline.
final class WeeklyPipelineTests: XCTestCase {
    private func run(_ executable: String, _ arguments: [String], environment: [String: String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = repositoryRoot
        process.environment = environment
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("weekly-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, try String(contentsOf: log, encoding: .utf8))
    }

    func testCronRunWritesADatedFolderAndReplaysOffline() throws {
        _ = try MissingComponent.executable("kubectl", "make deps installs it (Debian's kubernetes-client)")
        let scratch = try makeScratchDirectory(self)
        let kube = try FakeKubeAPIServer(fixtures: repositoryRoot.appendingPathComponent("fixtures/demo"), scratch: scratch)
        addTeardownBlock { kube.stop() }
        // Prometheus with a series but no container data: usage is `samples: 0`, never made up, and the
        // findings that need no usage (volumes, autoscaling, packing) still come.
        let end = Int(Date().timeIntervalSince1970 / 60) * 60
        let metrics = (0..<30).map { "up{job=\"x\"} 1 \(end - 3600 + $0 * 60)" }.joined(separator: "\n") + "\n# EOF\n"
        let prometheus = try PrometheusServer(openMetrics: metrics, scratch: scratch)
        addTeardownBlock { prometheus.stop() }

        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = scratch.path
        environment["KUBECONFIG"] = kube.kubeconfig.path
        let out = scratch.appendingPathComponent("autopilot")
        // The run's date is fixed: a test that crosses midnight UTC must still see its second run refused.
        let arguments = ["-s", "-f", "pipelines/weekly.mk", "CONTEXTS=demo", "PROMETHEUS=\(prometheus.url.absoluteString)",
                         "OUT=\(out.path)", "BIN=\(Tool.binDirectory.path)", "DATE=2026-11-23",
                         "BILLING=\(repositoryRoot.appendingPathComponent("fixtures/billing/demo/cur2/BILLING_PERIOD=2026-11").path)"]
        let weekly = try run("/usr/bin/make", arguments, environment: environment)
        XCTAssertEqual(weekly.status, 0, weekly.output)

        let runs = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("runs").path)
        XCTAssertEqual(runs.count, 1, "one dated folder, no .tmp left: \(runs)")
        let day = try XCTUnwrap(runs.first)
        XCTAssertEqual(day, "2026-11-23")
        let folder = out.appendingPathComponent("runs/\(day)")
        for file in ["report/report.html", "report/report.md", "report/report.json", "ledger.ndjson", "streams/demo.ndjson",
                     "capture/metrics/demo/queries.ndjson", "capture/cluster/demo/demo/pods.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path), file)
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("autopilot.db").path))
        let ledger = try decodeRecords(String(contentsOf: folder.appendingPathComponent("ledger.ndjson"), encoding: .utf8)
            .split(separator: "\n").map(String.init))
        let findings = Set(ledger.filter { $0["kind"] as? String == "finding" }.compactMap { $0["id"] as? String })
        // Volumes need no usage: the demo's four orphans are found, with the ids the offline golden run gives them;
        // without usage nothing is right-sized and no node is idle.
        let golden = try decodeRecords(String(contentsOf: repositoryRoot.appendingPathComponent("fixtures/demo/findings.golden.ndjson"), encoding: .utf8)
            .split(separator: "\n").map(String.init))
        let orphans = Set(golden.filter { $0["detector"] as? String == "orphan-volume" }.compactMap { $0["id"] as? String })
        XCTAssertEqual(orphans.count, 4)
        XCTAssertTrue(orphans.isSubset(of: findings), "\(orphans.subtracting(findings))")
        let detectors = Set(ledger.filter { $0["kind"] as? String == "finding" }.compactMap { $0["detector"] as? String })
        XCTAssertTrue(detectors.isDisjoint(with: ["over-requested-cpu", "over-requested-memory", "idle-node"]), "\(detectors)")
        XCTAssertEqual(Set(ledger.filter { $0["kind"] as? String == "ledger" }.compactMap { $0["id"] as? String }), findings)
        // BILLING reaches detect-waste, ledger record and render-report.
        XCTAssertTrue(ledger.contains { $0["kind"] as? String == "finding" && $0["billedSavings"] != nil })
        XCTAssertTrue(ledger.contains { $0["kind"] as? String == "billreconciliation" && $0["cluster"] as? String == "demo" })
        let markdown = try String(contentsOf: folder.appendingPathComponent("report/report.md"), encoding: .utf8)
        XCTAssertTrue(markdown.contains("## Allocation reconciled to the bill: demo"), markdown)

        // The same week again is refused: the folder is the week's record.
        let again = try run("/usr/bin/make", arguments, environment: environment)
        XCTAssertEqual(again.status, 2, "make reports the recipe's failure")
        XCTAssertTrue(again.output.contains("this week's run is done"), again.output)

        // Offline: no API server, no Prometheus; the replay finds the same findings.
        kube.stop()
        prometheus.stop()
        let replayed = scratch.appendingPathComponent("replay")
        let replay = try run("/bin/bash", ["pipelines/replay.sh", folder.path, replayed.path, Tool.binDirectory.path], environment: environment)
        XCTAssertEqual(replay.status, 0, replay.output)
        let replayLedger = try decodeRecords(String(contentsOf: replayed.appendingPathComponent("ledger.ndjson"), encoding: .utf8)
            .split(separator: "\n").map(String.init))
        XCTAssertEqual(Set(replayLedger.filter { $0["kind"] as? String == "finding" }.compactMap { $0["id"] as? String }), findings)
        XCTAssertTrue(FileManager.default.fileExists(atPath: replayed.appendingPathComponent("report/report.html").path))
    }
}
