import Foundation
import XCTest

/// collect-metrics when Prometheus is down, failing, or has nothing: a stand-in server on 127.0.0.1.
final class CollectMetricsFailureTests: XCTestCase {
    private let input = [
        #"{"kind":"node","cluster":"t","name":"n1"}"#,
        #"{"kind":"workload","cluster":"t","namespace":"shop","name":"api","workloadKind":"Deployment","containers":[{"name":"app"}]}"#,
        #"{"kind":"event","cluster":"t","namespace":"shop","name":"e1","reason":"BackOff"}"#,
    ].joined(separator: "\n") + "\n"

    private func start(_ mode: String, _ scratch: URL, logAuth: Bool = false) throws -> (Process, URL, URL) {
        let log = scratch.appendingPathComponent("requests.log")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", repositoryRoot.appendingPathComponent("Tests/PipelineTests/Support/fake_prometheus.py").path,
                             "--mode", mode, "--log", log.path] + (logAuth ? ["--log-auth"] : [])
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        addTeardownBlock { process.terminate(); process.waitUntilExit() }
        let line = String(decoding: pipe.fileHandleForReading.availableData, as: UTF8.self)
        let port = try XCTUnwrap(Int(line.trimmingCharacters(in: .whitespacesAndNewlines).dropFirst("LISTENING ".count)))
        return (process, URL(string: "http://127.0.0.1:\(port)")!, log)
    }

    private func requests(_ log: URL) -> [String] {
        ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func testEmptyResultGivesZeroSamplesNeverNumbers() throws {
        let scratch = try makeScratchDirectory(self)
        let (_, url, log) = try start("empty", scratch)
        let result = try Tool.run("collect-metrics", ["--prometheus", url.absoluteString, "--end", "1700000000"], stdin: input)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.hasPrefix(input))
        let usage = try decodeRecords(result.lines).filter { $0["kind"] as? String == "usage" }
        XCTAssertEqual(usage.count, 1)
        XCTAssertEqual(usage[0]["samples"] as? Int, 0)
        XCTAssertTrue((usage[0]["memory"] as! [String: Any])["max"] is NSNull)
        // Every query went by POST as a form, a handful of them, not one per container.
        let sent = requests(log)
        XCTAssertTrue(sent.allSatisfy { $0.hasPrefix("POST /api/v1/query") && $0.contains("application/x-www-form-urlencoded") }, "\(sent)")
        XCTAssertEqual(sent.count, 9 + 4, "9 per namespace chunk, 4 per node chunk")
    }

    func testBearerTokenAndSigV4ReachTheServer() throws {
        let scratch = try makeScratchDirectory(self)
        let (_, url, log) = try start("empty", scratch, logAuth: true)
        let token = scratch.appendingPathComponent("token")
        try "s3cret-token\n".write(to: token, atomically: true, encoding: .utf8)
        let bearer = try Tool.run(
            "collect-metrics", ["--prometheus", url.absoluteString, "--end", "1700000000", "--token-file", token.path], stdin: input)
        XCTAssertEqual(bearer.status, 0, bearer.stderr)
        XCTAssertTrue(requests(log).allSatisfy { $0.contains("| Bearer s3cret-token |") }, "\(requests(log).prefix(2))")

        let before = requests(log).count
        var environment = ProcessInfo.processInfo.environment
        environment["AWS_ACCESS_KEY_ID"] = "AKIDEXAMPLE"
        environment["AWS_SECRET_ACCESS_KEY"] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
        let signed = try Tool.run(
            "collect-metrics", ["--prometheus", url.absoluteString, "--end", "1700000000", "--sigv4-region", "us-east-1"],
            stdin: input, environment: environment)
        XCTAssertEqual(signed.status, 0, signed.stderr)
        let sent = Array(requests(log).dropFirst(before))
        XCTAssertEqual(sent.count, 13)
        for line in sent {
            XCTAssertTrue(line.contains("| AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"), line)
            XCTAssertTrue(line.contains("/us-east-1/aps/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature="), line)
        }
    }

    func testServerErrorIsRetriedThenSucceeds() throws {
        let scratch = try makeScratchDirectory(self)
        let (_, url, log) = try start("fail-first:3", scratch)
        let result = try Tool.run(
            "collect-metrics", ["--prometheus", url.absoluteString, "--end", "1700000000", "--concurrency", "1"], stdin: input)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(requests(log).count, 13 + 3, "three failures, each retried")
    }

    func testQueryErrorBodyIsReportedAndExits69() throws {
        let scratch = try makeScratchDirectory(self)
        let (_, url, _) = try start("error", scratch)
        let result = try Tool.run("collect-metrics", ["--prometheus", url.absoluteString, "--end", "1700000000"], stdin: input)
        XCTAssertEqual(result.status, 69)
        XCTAssertTrue(result.stdout.hasPrefix(input), "the stream still flows")
        XCTAssertTrue(result.errorLines.allSatisfy { $0.hasPrefix("collect-metrics: error: ") }, result.stderr)
        XCTAssertTrue(result.stderr.contains("Prometheus rejected the query (bad_data): invalid parameter"), result.stderr)
        let usage = try decodeRecords(result.lines).filter { $0["kind"] as? String == "usage" }
        XCTAssertEqual(usage.first?["samples"] as? Int, 0, "nothing made up")
    }

    /// Prometheus refusing the credentials answers 401 before reading the body and closes; the client may
    /// then fail on the body it could not finish sending (CI saw HTTPClientError.bodyLengthMismatch). A GET
    /// without a body asks again: the error names the 401, not an unreachable server.
    func testCredentialsRefusedBeforeTheBodyIsReadSay401() throws {
        let scratch = try makeScratchDirectory(self)
        let (_, url, _) = try start("refuse-early", scratch)
        let result = try Tool.run("collect-metrics", ["--prometheus", url.absoluteString, "--end", "1700000000", "--retries", "0"], stdin: input)
        XCTAssertEqual(result.status, 69, result.stderr)
        XCTAssertTrue(result.stderr.contains("HTTP 401"), result.stderr)
        XCTAssertFalse(result.stderr.contains("unreachable"), result.stderr)
        XCTAssertTrue(result.stdout.hasPrefix(input), "nothing lost")
    }

    func testUnreachableServerExits69AndKeepsTheStream() throws {
        let port = try RefusingPort(self).port
        let result = try Tool.run(
            "collect-metrics", ["--prometheus", "http://127.0.0.1:\(port)", "--end", "1700000000", "--retries", "1"], stdin: input)
        XCTAssertEqual(result.status, 69)
        XCTAssertEqual(result.stdout, input, "input forwarded, no usage invented")
        XCTAssertEqual(result.errorLines.count, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("Prometheus unreachable"), result.stderr)
    }

    func testMalformedInputLineIsReportedAndTheRestFlows() throws {
        let scratch = try makeScratchDirectory(self)
        let (_, url, _) = try start("empty", scratch)
        let broken = input.replacingOccurrences(of: #"{"kind":"workload","#, with: #"{"kind":"workload""#)
        let result = try Tool.run("collect-metrics", ["--prometheus", url.absoluteString, "--end", "1700000000"], stdin: broken)
        XCTAssertEqual(result.status, 65)
        XCTAssertTrue(result.stderr.hasPrefix("collect-metrics: <stdin>:2:"), result.stderr)
        let inputLines = input.split(separator: "\n").map(String.init)
        XCTAssertEqual(Array(result.lines.prefix(2)), [inputLines[0], inputLines[2]])
    }

    func testReplayWithoutCaptureSaysWhatToDo() throws {
        let scratch = try makeScratchDirectory(self)
        let result = try Tool.run("collect-metrics", ["--from", scratch.path], stdin: input)
        XCTAssertEqual(result.status, 64)
        XCTAssertTrue(result.stderr.contains("not a collect-metrics capture"), result.stderr)
    }
}
