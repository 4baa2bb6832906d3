import AutopilotKit
import Foundation
import XCTest

/// The repository root, found from this file's place.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// What a finished tool run left behind.
struct ToolResult {
    var status: Int32
    var stdout: String
    var stderr: String
    /// Non-empty stdout lines.
    var lines: [String] { stdout.split(separator: "\n").map(String.init) }
    /// Non-empty stderr lines.
    var errorLines: [String] { stderr.split(separator: "\n").map(String.init) }
}

/// Runs the built executables as a user would: a subprocess with arguments, stdin, stdout and stderr.
enum Tool {
    /// The folder holding the built executables (beside the test bundle).
    static let binDirectory: URL = {
        var candidate = Bundle.main.bundleURL
        for _ in 0..<3 {
            if FileManager.default.isExecutableFile(atPath: candidate.appendingPathComponent("collect-cluster").path) {
                return candidate
            }
            candidate = candidate.deletingLastPathComponent()
        }
        return repositoryRoot.appendingPathComponent(".build/debug")
    }()

    /// Runs `name` from the build folder, feeding `stdin`; output is collected through files so a
    /// large output never blocks on a full pipe.
    static func run(
        _ name: String, _ arguments: [String], stdin: String? = nil, stdinPath: String? = nil,
        stdoutPath: String? = nil, environment: [String: String]? = nil
    ) throws -> ToolResult {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("tool-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = stdoutPath.map(URL.init(fileURLWithPath:)) ?? scratch.appendingPathComponent("stdout")
        let errURL = scratch.appendingPathComponent("stderr")
        let inURL = stdinPath.map(URL.init(fileURLWithPath:)) ?? scratch.appendingPathComponent("stdin")
        if stdinPath == nil { FileManager.default.createFile(atPath: inURL.path, contents: Data((stdin ?? "").utf8)) }
        if !FileManager.default.fileExists(atPath: outURL.path) { FileManager.default.createFile(atPath: outURL.path, contents: nil) }
        FileManager.default.createFile(atPath: errURL.path, contents: nil)

        let process = Process()
        process.executableURL = binDirectory.appendingPathComponent(name)
        process.arguments = arguments
        process.currentDirectoryURL = repositoryRoot
        if let environment { process.environment = environment }
        process.standardInput = try FileHandle(forReadingFrom: inURL)
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.start().wait()
        let stdout = stdoutPath == nil ? (try String(contentsOf: outURL, encoding: .utf8)) : ""
        return ToolResult(
            status: process.terminationStatus, stdout: stdout, stderr: try String(contentsOf: errURL, encoding: .utf8))
    }
}

/// A scratch directory removed when the test ends.
func makeScratchDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("autopilot-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// Parses NDJSON output lines into dictionaries (Foundation, independent of the code under test).
func decodeRecords(_ lines: [String]) throws -> [[String: Any]] {
    try lines.map { line in
        guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw NSError(domain: "test", code: 1, userInfo: [NSLocalizedDescriptionKey: "not an object: \(line)"])
        }
        return object
    }
}

/// A real component a test needs and cannot find (kubectl, promtool, Chromium, root for a tmpfs). On a
/// developer's machine the test is skipped with the reason; under `CI=true` it fails with it: a fresh CI
/// machine has everything `make deps` installs, so a missing one is a defect, never a silent skip.
struct MissingComponent: Error, CustomStringConvertible {
    let description: String

    static func check(_ available: Bool, _ reason: String) throws {
        guard !available else { return }
        if ProcessInfo.processInfo.environment["CI"] != nil { throw MissingComponent(description: "CI: \(reason)") }
        throw XCTSkip(reason)
    }

    /// `name` on PATH, or the skip or failure above.
    static func executable(_ name: String, _ reason: String) throws -> String {
        let path = Executables.onPath(name)
        try check(path != nil, "\(name) is not on PATH: \(reason)")
        return path!
    }
}

/// A port on 127.0.0.1 where nothing listens, for "the service is down" tests: held bound (not listening)
/// by a helper process for the test's life, so no other process can start listening on it meanwhile.
final class RefusingPort {
    let port: Int
    private let process = Process()
    private let stdin = Pipe()

    init(_ test: XCTestCase) throws {
        let stdout = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [repositoryRoot.appendingPathComponent("Tests/PipelineTests/Support/held_port.py").path]
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        let line = String(decoding: stdout.fileHandleForReading.availableData, as: UTF8.self)
        guard let port = Int(line.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw NSError(domain: "RefusingPort", code: 1, userInfo: [NSLocalizedDescriptionKey: "held_port.py said '\(line)'"])
        }
        self.port = port
        test.addTeardownBlock { [process, stdin] in
            try? stdin.fileHandleForWriting.close()
            process.waitUntilExit()
        }
    }
}
