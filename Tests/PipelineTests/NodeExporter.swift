import Foundation
import XCTest

/// A real node_exporter (Debian's prometheus-node-exporter) on 127.0.0.1 with only its textfile collector,
/// reading `directory`: what serves Autopilot's own metrics file to Prometheus on a bastion.
final class NodeExporter {
    private(set) var process = Process()
    private(set) var port = 0
    var target: String { "127.0.0.1:\(port)" }

    init(textfileDirectory directory: URL, scratch: URL) throws {
        let binary = "/usr/bin/prometheus-node-exporter"
        try MissingComponent.check(FileManager.default.isExecutableFile(atPath: binary),
                                   "make deps installs prometheus-node-exporter (without enabling its service)")
        let log = scratch.appendingPathComponent("node-exporter.log")
        var tail = ""
        // Like Prometheus it cannot pick its own port and say it: a port found free may be taken by then.
        for _ in 0..<3 {
            port = try PrometheusServer.freePort()
            process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = [
                "--web.listen-address=\(target)", "--collector.disable-defaults", "--collector.textfile",
                "--collector.textfile.directory=\(directory.path)",
            ]
            process.standardOutput = FileHandle.nullDevice
            FileManager.default.createFile(atPath: log.path, contents: nil)
            process.standardError = try FileHandle(forWritingTo: log)
            try process.run()
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline && process.isRunning {
                let probe = try PrometheusServer.run("/usr/bin/env", ["python3", "-c",
                    "import urllib.request; urllib.request.urlopen('http://\(target)/metrics', timeout=2)"])
                if probe.status == 0 { return }
                Thread.sleep(forTimeInterval: 0.2)
            }
            stop()
            tail = ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").suffix(3).joined(separator: " | ")
            guard tail.contains("address already in use") else { break }
        }
        throw PrometheusServer.failure("node_exporter did not start on \(target): \(tail)")
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    deinit { stop() }
}
