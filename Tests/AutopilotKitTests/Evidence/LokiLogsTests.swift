import XCTest
@testable import AutopilotKit

/// What build-evidence asks Loki and how it reads the answer, without a server.
final class LokiLogsTests: XCTestCase {
    private let loki = LokiLogs(baseURL: URL(string: "http://127.0.0.1:1")!)

    /// Names from the cluster cannot widen the selector: the namespace's quote is escaped, a pod's dots
    /// are literal in the regex (`\\.` in the PromQL string, `\.` to the regex engine).
    func testTheQuerySelectsExactlyThePods() {
        XCTAssertEqual(loki.query(namespace: "shop", pods: ["web-1", "web-2"]),
                       #"{namespace="shop", pod=~"^(web-1|web-2)$"} |~ `(?i)(error|exception|panic|fatal|oom|killed|timeout|refused)`"#)
        XCTAssertEqual(loki.query(namespace: #"a"b"#, pods: ["x.y"]),
                       #"{namespace="a\"b", pod=~"^(x\\.y)$"} |~ `(?i)(error|exception|panic|fatal|oom|killed|timeout|refused)`"#)
    }

    func testTimesAreWholeSecondsInNanoseconds() {
        XCTAssertEqual(LokiLogs.nanoseconds(RFC3339.date("2026-11-20T12:00:00Z")!), "1795176000000000000")
    }

    /// Every line of every stream with its stream's labels, newest first (by the nanosecond stamp, a
    /// longer stamp being later), times to the second.
    func testStreamsAreReadNewestFirst() throws {
        let body = #"""
            {"status":"success","data":{"resultType":"streams","result":[
              {"stream":{"pod":"web-1","container":"app"},"values":[["1795176000500000000","OOM: killed"],["1795175990000000000","timeout calling db"]]},
              {"stream":{"pod":"web-2","container":"app"},"values":[["1795176005000000000","panic: nil map"],["bad","skipped"],["1795176001000000000"]]}
            ]}}
            """#
        let lines = try LokiLogs.decode(Array(body.utf8))
        XCTAssertEqual(lines.map(\.text), ["panic: nil map", "OOM: killed", "timeout calling db"])
        XCTAssertEqual(lines.map(\.time), ["2026-11-20T12:00:05Z", "2026-11-20T12:00:00Z", "2026-11-20T11:59:50Z"])
        XCTAssertEqual(lines.first?.labels, ["pod": "web-2", "container": "app"])
    }

    func testAnErrorOrNotJSONSaysSo() {
        XCTAssertThrowsError(try LokiLogs.decode(Array(#"{"status":"error","error":"parse error at line 1"}"#.utf8))) { error in
            XCTAssertEqual("\(error)", "Loki: parse error at line 1")
        }
        XCTAssertThrowsError(try LokiLogs.decode(Array("<html>502 Bad Gateway</html>".utf8))) { error in
            XCTAssertTrue("\(error)".hasPrefix("Loki answered with something that is not JSON"), "\(error)")
        }
        XCTAssertThrowsError(try LokiLogs.decode(Array(#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#.utf8))) { error in
            XCTAssertEqual("\(error)", "Loki: not a streams result")
        }
    }
}
