import AutopilotKit
import Foundation
import XCTest

/// collect-metrics to a real Prometheus behind TLS signed by a private CA, with basic auth, as
/// Prometheus' own web config sets them up.
final class CollectMetricsTLSTests: XCTestCase {
    private let input = #"{"kind":"workload","cluster":"t","namespace":"shop","name":"api","workloadKind":"Deployment","containers":[{"name":"app"}]}"# + "\n"
        + #"{"kind":"pod","cluster":"t","namespace":"shop","name":"api-1","owner":{"kind":"Deployment","name":"api"}}"# + "\n"

    func testPrivateCAAndBasicAuth() throws {
        let scratch = try makeScratchDirectory(self)
        try TestCertificates.make(in: scratch)
        let hash = try PrometheusServer.run("/usr/bin/env", ["python3", "-W", "ignore", "-c",
            "import crypt; print(crypt.crypt('s3cret', crypt.mksalt(crypt.METHOD_BLOWFISH)))"]).output
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let end = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 3600).rounded(.down) * 3600 - 3600)
        var metrics = SyntheticMetrics(end: end, window: 6 * 3600)
        metrics.containers = [.init(namespace: "shop", pod: "api-1", container: "app", cpu: { _ in 0.25 },
                                    memory: { _ in 100 * 1_048_576 }, blocks: 1...metrics.blockCount, throttledShare: 0)]
        let server = try PrometheusServer(openMetrics: metrics.openMetrics, scratch: scratch, webConfig: """
            tls_server_config:
              cert_file: \(scratch.path)/server.crt
              key_file: \(scratch.path)/server.key
            basic_auth_users:
              autopilot: '\(hash)'
            """)
        addTeardownBlock { server.stop() }
        let credentials = scratch.appendingPathComponent("basic-auth")
        try "autopilot:s3cret\n".write(to: credentials, atomically: true, encoding: .utf8)
        let common = ["--prometheus", server.url.absoluteString, "--window", "6h", "--end", String(Int(end.timeIntervalSince1970)),
                      "--retries", "0"]

        let trusted = try Tool.run("collect-metrics", common + ["--ca-file", "\(scratch.path)/ca.crt", "--basic-auth-file", credentials.path], stdin: input)
        XCTAssertEqual(trusted.status, 0, trusted.stderr)
        let usage = try XCTUnwrap(try decodeRecords(trusted.lines).first { $0["kind"] as? String == "usage" })
        XCTAssertEqual((usage["cpu"] as! [String: Double])["p95"]!, 0.25, accuracy: 1e-6)

        // build-evidence reaches the same Prometheus with the same options (it had a bearer token only): the
        // series the stream lacks come through TLS and basic auth.
        let window = #"{"start":"\#(RFC3339.string(end.addingTimeInterval(-6 * 3600)))","end":"\#(RFC3339.string(end))","step":"5m"}"#
        let stream = input + """
            {"kind":"usage","cluster":"t","namespace":"shop","workload":{"kind":"Deployment","name":"api"},"container":"app","window":\(window),"samples":72,"pods":1,"cpu":{"p50":0.25,"p90":0.25,"p95":0.25,"p99":0.25,"max":0.25},"memory":{"p50":104857600,"p95":104857600,"p99":104857600,"max":104857600},"oomKills":0,"throttledRatio":null,"series":null}
            {"kind":"finding","cluster":"t","id":"f-api","detector":"over-requested-cpu","namespace":"shop","target":{"kind":"Deployment","name":"api","container":"app"},"summary":"Lower it.","current":{"cpu":2.0},"recommended":{"cpu":1.0},"basis":{"window":\(window)}}

            """
        let evidence = try Tool.run("build-evidence", ["--out", scratch.appendingPathComponent("ev").path, "--prometheus", server.url.absoluteString,
                                                       "--ca-file", "\(scratch.path)/ca.crt", "--basic-auth-file", credentials.path], stdin: stream)
        XCTAssertEqual(evidence.status, 0, evidence.stderr)
        let pack = try JSONSerialization.jsonObject(with: Data(contentsOf: scratch.appendingPathComponent("ev/f-api/evidence.json"))) as! [String: Any]
        let cpu = (((pack["charts"] as! [[String: Any]]).first?["data"] as? [String: Any])?["values"] as? [Any] ?? []).compactMap { $0 as? Double }
        XCTAssertFalse(cpu.isEmpty, "\(pack)")
        for value in cpu { XCTAssertEqual(value, 0.25, accuracy: 1e-6) }

        let untrusted = try Tool.run("collect-metrics", common + ["--basic-auth-file", credentials.path], stdin: input)
        XCTAssertEqual(untrusted.status, 69, "an unknown CA is refused")
        XCTAssertTrue(untrusted.stdout.hasPrefix(input))

        try "autopilot:wrong\n".write(to: credentials, atomically: true, encoding: .utf8)
        let refused = try Tool.run("collect-metrics", common + ["--ca-file", "\(scratch.path)/ca.crt", "--basic-auth-file", credentials.path], stdin: input)
        XCTAssertEqual(refused.status, 69)
        XCTAssertTrue(refused.stderr.contains("HTTP 401"), refused.stderr)
    }
}
