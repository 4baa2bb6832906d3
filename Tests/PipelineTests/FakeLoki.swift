import Foundation
import XCTest

/// Support/fake_loki.py on a port of its own choosing: a recorded Loki answer, every request logged
/// (Loki itself is not packaged for Debian). Returns the process, its URL and the request log.
enum FakeLoki {
    static func start(_ scratch: URL, fail: Bool = false) throws -> (Process, URL, URL) {
        let log = scratch.appendingPathComponent("loki-requests-\(UUID().uuidString).ndjson")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        // Port 0: the server takes a free port and says which; none is found free and then raced for.
        process.arguments = [repositoryRoot.appendingPathComponent("Tests/PipelineTests/Support/fake_loki.py").path, "0",
                             repositoryRoot.appendingPathComponent("fixtures/loki/query_range.json").path, log.path] + (fail ? ["--fail"] : [])
        let stdout = Pipe()
        process.standardOutput = stdout
        try process.run()
        let port = try XCTUnwrap(Int(String(decoding: stdout.fileHandleForReading.availableData, as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)), "fake_loki.py did not say its port")
        for _ in 0..<100 {
            let probe = try PrometheusServer.run("/usr/bin/env", ["python3", "-c",
                "import urllib.request; urllib.request.urlopen('http://127.0.0.1:\(port)/ready', timeout=1)"])
            if probe.status == 0 { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        try? FileManager.default.removeItem(at: log)
        return (process, URL(string: "http://127.0.0.1:\(port)")!, log)
    }
}
