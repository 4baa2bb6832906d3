import Foundation
import XCTest

/// A real Prometheus (Debian's package) on 127.0.0.1 over a data directory backfilled with
/// `promtool tsdb create-blocks-from openmetrics`; installed by the test when missing.
final class PrometheusServer {
    private(set) var process = Process()
    private(set) var port = 0
    let scheme: String
    var url: URL { URL(string: "\(scheme)://127.0.0.1:\(port)")! }

    /// Installs prometheus if needed, backfills `openMetrics` into a fresh TSDB under `scratch`, and
    /// starts the server on a free port; `webConfig` is Prometheus' own --web.config.file (TLS, basic auth).
    /// Prometheus cannot be asked to pick its own port and say it, so a port found free may be taken by
    /// the time it binds: then it exits at once and is started again on another (three tries).
    /// `openMetrics` nil starts with an empty TSDB; `configuration` is prometheus.yml (scrape jobs).
    init(openMetrics: String?, scratch: URL, webConfig: String? = nil, configuration: String = "global:\n  scrape_interval: 1m\n") throws {
        try Self.install()
        let input = scratch.appendingPathComponent("series.om")
        let data = scratch.appendingPathComponent("tsdb")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        if let openMetrics {
            try openMetrics.write(to: input, atomically: true, encoding: .utf8)
            // Large blocks: promtool re-reads its input once per block.
            let backfill = try Self.run(
                "/usr/bin/promtool", ["tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=192h", input.path, data.path])
            guard backfill.status == 0 else { throw Self.failure("promtool backfill failed: \(backfill.output)") }
        }

        let config = scratch.appendingPathComponent("prometheus.yml")
        try configuration.write(to: config, atomically: true, encoding: .utf8)
        scheme = webConfig?.contains("tls_server_config") == true ? "https" : "http"
        var webConfigFile: URL?
        if let webConfig {
            let file = scratch.appendingPathComponent("web.yml")
            try webConfig.write(to: file, atomically: true, encoding: .utf8)
            webConfigFile = file
        }
        let log = scratch.appendingPathComponent("prometheus.log")
        var tail = ""
        for _ in 0..<3 {
            port = try Self.freePort()
            process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/prometheus")
            process.arguments = [
                "--config.file=\(config.path)", "--storage.tsdb.path=\(data.path)",
                "--storage.tsdb.retention.time=3650d", "--web.listen-address=127.0.0.1:\(port)",
            ] + (webConfigFile.map { ["--web.config.file=\($0.path)"] } ?? [])
            process.standardOutput = FileHandle.nullDevice
            FileManager.default.createFile(atPath: log.path, contents: nil)
            process.standardError = try FileHandle(forWritingTo: log)
            try process.run()
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline && process.isRunning {
                // Any HTTP answer (even 401) means it listens; TLS is not checked for this probe.
                let probe = try Self.run("/usr/bin/env", ["python3", "-c", """
                    import ssl, urllib.request, urllib.error
                    try: urllib.request.urlopen('\(url.absoluteString)/-/ready', timeout=2, context=ssl._create_unverified_context())
                    except urllib.error.HTTPError: pass
                    """])
                if probe.status == 0 { return }
                Thread.sleep(forTimeInterval: 0.2)
            }
            stop()
            tail = ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").suffix(5).joined(separator: " | ")
            // Anything but a lost race for the port is not worth another try.
            guard tail.contains("address already in use") else { break }
        }
        throw Self.failure("prometheus did not become ready on port \(port): \(tail)")
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    deinit { stop() }

    /// `apt-get install prometheus` when the binaries are missing (the suite runs as root here and in CI).
    static func install() throws {
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/prometheus")
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool")
        {
            return
        }
        let result = try run("/usr/bin/env", ["DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-qq", "prometheus"])
        guard result.status == 0 else { throw failure("apt-get install prometheus failed: \(result.output)") }
    }

    static func freePort() throws -> Int {
        let result = try run("/usr/bin/env", ["python3", "-c", "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1])"])
        guard let port = Int(result.output.trimmingCharacters(in: .whitespacesAndNewlines)) else { throw failure("no free port") }
        return port
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    static func failure(_ message: String) -> NSError {
        NSError(domain: "PrometheusServer", code: 1, userInfo: [NSLocalizedDescriptionKey: message])
    }
}
