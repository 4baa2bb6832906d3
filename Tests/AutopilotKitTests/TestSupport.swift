import Foundation
import XCTest
@testable import AutopilotKit

/// The checkout this test file is in: fixtures and data files are read from it.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A scratch directory removed when the test ends.
func makeScratchDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("autopilot-kit-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

extension FindingRecord {
    /// A finding record for a test: `text` as the case writes it, with the fields every record carries
    /// (`id`, `detector`, `cluster`, `target`, and a `monthlyCost` for a `monthlySavings`) added where the
    /// case leaves them out, so a case states only the figures it is about.
    static func test(_ text: String) throws -> FindingRecord {
        var record = try JSON.parse(text).value
        let defaults: [(String, JSONValue)] = [("id", "f-test"), ("detector", "over-requested-cpu"), ("cluster", "test"),
                                               ("target", ["kind": "Deployment", "name": "web"])]
        for (key, value) in defaults where record[key] == nil { record.set(key, to: value) }
        if let savings = record["monthlySavings"], savings != .null, record["monthlyCost"] == nil {
            record.set("monthlyCost", to: ["current": savings, "recommended": 0])
        }
        return try FindingRecord(JSON.parse(record.text))
    }
}
