import Foundation
import XCTest
@testable import AutopilotKit

final class NDJSONTests: XCTestCase {
    /// Feeds `text` through a pipe and collects (line number, text, terminated).
    private func lines(of text: String, blockSize: Int = 1 << 20) throws -> [(Int, String, Bool)] {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        let bytes = Array(text.utf8)
        let writeEnd = fds[1]
        let writer = Thread {
            bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = write(writeEnd, raw.baseAddress! + offset, min(7, raw.count - offset))
                    if n <= 0 { break }
                    offset += n
                }
            }
            close(writeEnd)
        }
        writer.start()
        let reader = NDJSONReader(fileDescriptor: fds[0], source: "<test>", blockSize: blockSize)
        var result: [(Int, String, Bool)] = []
        try reader.forEachLine { line in
            result.append((line.number, String(decoding: line.bytes, as: UTF8.self), line.terminated))
        }
        close(fds[0])
        return result
    }

    func testLinesKeepTheirNumbersAcrossBlanks() throws {
        let result = try lines(of: "{\"a\":1}\n\n  \n{\"b\":2}\r\n{\"c\":3}")
        XCTAssertEqual(result.map(\.0), [1, 4, 5])
        XCTAssertEqual(result.map(\.1), [#"{"a":1}"#, #"{"b":2}"#, #"{"c":3}"#])
        XCTAssertEqual(result.map(\.2), [true, true, false])
    }

    func testLinesLongerThanTheBlockGrowTheBuffer() throws {
        let long = "{\"x\":\"" + String(repeating: "y", count: 5000) + "\"}"
        let result = try lines(of: "\(long)\n{\"z\":1}\n", blockSize: 64)
        XCTAssertEqual(result.count, 2)
        XCTAssertEqual(result[0].1, long)
        XCTAssertEqual(result[1].0, 2)
    }

    func testEmptyInputHasNoLines() throws {
        XCTAssertTrue(try lines(of: "").isEmpty)
    }

    func testKindPrefixWithoutParsing() throws {
        let result = try lines(of: "{\"kind\":\"pod\",\"x\":1}\n{\"x\":1,\"kind\":\"pod\"}\n{\"kind\":\"a\\\"b\"}\n")
        var kinds: [String?] = []
        let reader = try NDJSONReader(path: writeTemp(result.map(\.1).joined(separator: "\n")))
        try reader.forEachLine { kinds.append($0.kindPrefix.map(String.init)) }
        XCTAssertEqual(kinds, ["pod", nil, nil])
    }

    func testWriterPutsKindFirstAndForwardsBytes() throws {
        let path = NSTemporaryDirectory() + "/ndjson-writer-\(UUID().uuidString)"
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let writer = NDJSONWriter(fileDescriptor: descriptor, blockSize: 16)
        try writer.write(["cluster": "c", "kind": "node", "name": "n1"])
        let input = try NDJSONReader(path: writeTemp("{ \"kind\" : \"keep\",  \"spacing\": 1 }\n"))
        try input.forEachLine { try writer.forward($0) }
        try writer.flush()
        close(descriptor)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertEqual(text, "{\"kind\":\"node\",\"cluster\":\"c\",\"name\":\"n1\"}\n{ \"kind\" : \"keep\",  \"spacing\": 1 }\n")
    }

    func testWriteToClosedDescriptorIsAnIOFailure() {
        let writer = NDJSONWriter(fileDescriptor: 9999)
        XCTAssertNoThrow(try writer.write(["kind": "x"]))  // buffered: nothing written yet
        XCTAssertThrowsError(try writer.flush()) { XCTAssertTrue($0 is IOFailure) }
    }

    private func writeTemp(_ text: String) -> String {
        let path = NSTemporaryDirectory() + "/ndjson-\(UUID().uuidString).ndjson"
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }
}
