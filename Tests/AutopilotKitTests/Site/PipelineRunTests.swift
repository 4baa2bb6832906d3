@testable import AutopilotKit
import XCTest

/// Site/Pipeline.swift with the system's own filters as stages: records counted per stage, the output file
/// written with open(2) (a device stays a device), and a write that fails is the run's failure, never a
/// stream silently cut short.
final class PipelineRunTests: XCTestCase {
    private func scratch() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pipeline-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        return folder
    }

    func testStagesAreConnectedAndTheirRecordsCounted() throws {
        let folder = try scratch()
        let input = folder.appendingPathComponent("in.ndjson")
        try (1...1000).map { "{\"n\":\($0)}" }.joined(separator: "\n").appending("\n").write(to: input, atomically: true, encoding: .utf8)
        let output = folder.appendingPathComponent("out.ndjson")
        let results = try Pipeline.run(
            [PipelineStage("cat"), PipelineStage("grep", ["-v", "-x", "{\"n\":7}"]), PipelineStage("head", ["-n", "500"])],
            toolDirectory: "/usr/bin", input: input.path, output: output.path)
        XCTAssertEqual(results.map(\.tool), ["cat", "grep", "head"])
        XCTAssertEqual(results.map(\.status), [0, 0, 0])
        XCTAssertEqual(results.map(\.records), [1000, 999, 500], "what each stage passed on")
        XCTAssertEqual(try String(contentsOf: output, encoding: .utf8).split(separator: "\n").count, 500)
        XCTAssertTrue(results.allSatisfy { $0.seconds > 0 })
    }

    func testAStageThatStopsReadingEarlyDoesNotBlockTheOneBefore() throws {
        let folder = try scratch()
        let results = try Pipeline.run(
            [PipelineStage("yes", ["{}"]), PipelineStage("head", ["-n", "3"])], toolDirectory: "/usr/bin", input: nil,
            output: folder.appendingPathComponent("out").path)
        XCTAssertEqual(results[1].records, 3)
        XCTAssertNotEqual(results[0].status, 0, "yes ends on its broken pipe, as in a shell, and the run goes on")
    }

    func testADeviceAsOutputStaysADevice() throws {
        _ = try Pipeline.run([PipelineStage("echo", ["{}"])], toolDirectory: "/bin", input: nil, output: "/dev/null")
        let type = try FileManager.default.attributesOfItem(atPath: "/dev/null")[.type] as? FileAttributeType
        XCTAssertEqual(type, .typeCharacterSpecial)
    }

    func testAWriteThatFailsFailsTheRun() throws {
        XCTAssertThrowsError(try Pipeline.run([PipelineStage("echo", ["{}"])], toolDirectory: "/bin", input: nil, output: "/dev/full")) { error in
            XCTAssertTrue("\(error)".hasPrefix("writing /dev/full: "), "\(error)")
        }
        XCTAssertThrowsError(try Pipeline.run([PipelineStage("echo")], toolDirectory: "/bin", input: nil, output: "/nonexistent/out")) { error in
            XCTAssertEqual("\(error)", "cannot write /nonexistent/out: No such file or directory")
        }
        XCTAssertThrowsError(try Pipeline.run([PipelineStage("no-such-tool")], toolDirectory: "/bin", input: nil, output: nil)) { error in
            XCTAssertTrue("\(error)".hasPrefix("cannot start no-such-tool from /bin"), "\(error)")
        }
    }
}
