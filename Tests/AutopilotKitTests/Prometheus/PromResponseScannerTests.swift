import Foundation
import XCTest
@testable import AutopilotKit

/// The fast scanner must read exactly what the jansson decoder reads, and give up on anything else.
final class PromResponseScannerTests: XCTestCase {
    private func assertSame(_ body: String, file: StaticString = #filePath, line: UInt = #line) throws {
        try assertSame(Array(body.utf8), file: file, line: line)
    }

    private func assertSame(_ body: [UInt8], file: StaticString = #filePath, line: UInt = #line) throws {
        let scanned = try XCTUnwrap(PromResponseScanner.series(body), "the scanner gave up", file: file, line: line)
        let tree = try PrometheusResult.decodeTree(body)
        XCTAssertEqual(scanned.map(\.labels), tree.map(\.labels), file: file, line: line)
        XCTAssertEqual(scanned.map { $0.samples.map(\.time) }, tree.map { $0.samples.map(\.time) }, file: file, line: line)
        XCTAssertEqual(scanned.map { $0.samples.map(\.value) }, tree.map { $0.samples.map(\.value) }, file: file, line: line)
    }

    func testEveryCapturedDemoResponseReadsAsTheTreeReadsIt() throws {
        let directory = repositoryRoot.appendingPathComponent("fixtures/demo/prometheus")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }
        XCTAssertGreaterThan(files.count, 10)
        var points = 0
        for file in files {
            let body = try [UInt8](Data(contentsOf: directory.appendingPathComponent(file)))
            try assertSame(body)
            points += PromResponseScanner.series(body)!.reduce(0) { $0 + $1.samples.count }
        }
        XCTAssertGreaterThan(points, 100_000, "range answers are among them")
    }

    func testEscapesSpacingAndExtraKeysReadAsJSONSays() throws {
        try assertSame(#"""
            { "status" : "success", "warnings": ["x", {"a": [1, true, null]}],
              "data": { "resultType": "matrix", "result": [
                { "metric": { "pod": "a\"b\\c\u00e9\n", "ü": "日本", "emoji": "\ud83d\ude00\u003c/" }, "values": [ [ 1700000000.5 , "1e-3" ], [1700000300,"NaN"], [1700000600,"-Inf"] ] },
                { "values": [], "metric": {} } ] },
              "infos": [] }
            """#)
        try assertSame(#"{"status":"success","data":{"result":[{"metric":{"pod":"a"},"value":[1,"-0.5"]}],"resultType":"vector"}}"#)
        try assertSame(#"{"status":"success","data":{"resultType":"vector","result":[]}}"#)
    }

    func testAnythingElseIsLeftToTheTreeDecoder() {
        for body in [
            #"{"status":"error","errorType":"bad_data","error":"parse error"}"#,
            #"{"status":"success","data":{"resultType":"scalar","result":[1700000000,"1"]}}"#,
            #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"1"]}]}} trailing"#,
            #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"1"]}"#,
            #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"x"#,
            #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,1]}]}}"#,
            "<html>502 Bad Gateway</html>", "",
        ] {
            XCTAssertNil(PromResponseScanner.series(Array(body.utf8)), body)
        }
    }
}
