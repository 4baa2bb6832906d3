import AutopilotKit
import Foundation
import XCTest

/// The HTTP server receive-alerts and slack-approvals share, in this process, fed raw bytes by a client
/// that misbehaves on purpose (Support/raw_http.py): pipelined keep-alive requests, a chunked body over
/// the limit, a request that is not HTTP.
final class HTTPServerTests: XCTestCase {
    private var server: HTTPServer!
    private var port = 0

    override func setUpWithError() throws {
        server = HTTPServer(host: "127.0.0.1", port: 0, log: { _ in }) { request in
            .text(200, "\(request.method) \(request.path) ?\(request.query) \(request.body.count) bytes")
        }
        server.maxBodySize = 16
        port = try server.start()
        addTeardownBlock { [server] in server?.shutdown(grace: 1) }
    }

    private func send(_ bytes: String) throws -> String {
        let client = Process()
        client.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        client.arguments = [repositoryRoot.appendingPathComponent("Tests/PipelineTests/Support/raw_http.py").path, "raw", String(port)]
        let input = Pipe(), output = Pipe()
        client.standardInput = input
        client.standardOutput = output
        try client.run()
        input.fileHandleForWriting.write(Data(bytes.utf8))
        try input.fileHandleForWriting.close()
        let answer = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        client.waitUntilExit()
        return answer
    }

    func testPipelinedRequestsOnOneConnectionAreAnsweredInOrder() throws {
        let answer = try send("GET /a?x=1 HTTP/1.1\r\nHost: h\r\n\r\nPOST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc")
        let statuses = answer.components(separatedBy: "HTTP/1.1 ").dropFirst().map { String($0.prefix(3)) }
        XCTAssertEqual(statuses, ["200", "200"], answer)
        let first = try XCTUnwrap(answer.range(of: "GET /a ?x=1 0 bytes"))
        let second = try XCTUnwrap(answer.range(of: "POST /b ? 3 bytes"))
        XCTAssertLessThan(first.lowerBound, second.lowerBound, "answers in request order")
    }

    func testAChunkedBodyOverTheLimitIs413() throws {
        // 32 bytes in one chunk (0x20) against a 16-byte limit: no Content-Length to refuse by up front.
        let answer = try send("POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n20\r\n" + String(repeating: "x", count: 32) + "\r\n0\r\n\r\n")
        XCTAssertTrue(answer.hasPrefix("HTTP/1.1 413"), answer)
        XCTAssertFalse(answer.contains("bytes\n"), "the handler never saw it: \(answer)")
        // A body within the limit, chunked, reaches the handler whole.
        let small = try send("POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n3\r\n!!!\r\n0\r\n\r\n")
        XCTAssertTrue(small.hasPrefix("HTTP/1.1 200") && small.contains("POST /p ? 8 bytes"), small)
    }

    func testARequestThatIsNotHTTPIsRefusedAndTheServerServesOn() throws {
        // A header line without a colon: the parser refuses it, 400, and the connection closes at once
        // (it stayed open until the 10 s idle timeout).
        let started = Date()
        let answer = try send("GET / HTTP/1.1\r\nHost: h\r\nthis is no header\r\n\r\n")
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "closed by the server, not by the idle timeout")
        XCTAssertFalse(answer.contains(" bytes"), "no handler ran for it: \(answer)")
        XCTAssertTrue(answer.hasPrefix("HTTP/1.1 400"), answer)
        let next = try send("GET /still-here HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
        XCTAssertTrue(next.contains("GET /still-here ? 0 bytes"), next)
    }
}
