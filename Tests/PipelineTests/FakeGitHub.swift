import Foundation
import XCTest

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The fake GitHub REST API in Support/fake_github.py, started on 127.0.0.1 for one test and stopped
/// after it. It holds one repository's pull requests in memory and logs every request as a JSON line.
final class FakeGitHub {
    let process = Process()
    let port: Int
    let log: URL
    let token: String
    let ownerRepo: String
    /// What emit-pr gets as its API base, e.g. `http://127.0.0.1:PORT` (no trailing slash).
    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts the server for `ownerRepo`, requiring `token`; `extraArguments` passes --rate-limit-once,
    /// --fail-first N or --preload FILE. `preload` (pull request objects, defaults filled in by the
    /// server) is written under `scratch` and passed as --preload.
    init(
        scratch: URL, token: String, ownerRepo: String = "acme/infra", extraArguments: [String] = [],
        preload: [[String: Any]] = []
    ) throws {
        self.token = token
        self.ownerRepo = ownerRepo
        log = scratch.appendingPathComponent("fake-github.jsonl")
        let errors = scratch.appendingPathComponent("fake-github.stderr")
        let script = repositoryRoot.appendingPathComponent("Tests/PipelineTests/Support/fake_github.py")
        var arguments = [
            "python3", script.path, "--port", "0", "--log", log.path, "--token", token, "--owner-repo", ownerRepo,
        ]
        if !preload.isEmpty {
            let file = scratch.appendingPathComponent("fake-github-preload.json")
            try JSONSerialization.data(withJSONObject: preload).write(to: file)
            arguments += ["--preload", file.path]
        }
        port = try ServerProcess.start(process, arguments: arguments + extraArguments, name: "fake GitHub", stderr: errors)
    }

    /// The requests the server logged, oldest first: method, path, query, headers (lower-cased names:
    /// authorization, accept, x-github-api-version, content-type, user-agent; only those sent), json
    /// (the parsed body or NSNull) and status. The test's own /_fake/ calls are left out unless
    /// `includeControl`.
    func requests(includeControl: Bool = false) throws -> [[String: Any]] {
        guard FileManager.default.fileExists(atPath: log.path) else { return [] }
        let text = try String(contentsOf: log, encoding: .utf8)
        return try text.split(separator: "\n").compactMap { line -> [String: Any]? in
            guard let record = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw Self.failure("log line is not an object: \(line)")
            }
            if !includeControl, let path = record["path"] as? String, path.hasPrefix("/_fake/") { return nil }
            return record
        }
    }

    /// Every pull request the server holds, in number order, as GitHub's PR objects.
    func pulls() throws -> [[String: Any]] {
        let (status, data) = try control("GET", "/_fake/pulls")
        guard status == 200, let list = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw Self.failure("GET /_fake/pulls answered \(status): \(String(decoding: data, as: UTF8.self))")
        }
        return list
    }

    /// From now on every request waits `seconds` before its answer, as a slow GitHub would.
    func delay(_ seconds: Double) throws {
        let (status, data) = try control("POST", "/_fake/delay/\(seconds)")
        guard status == 200 else { throw Self.failure("POST /_fake/delay answered \(status): \(String(decoding: data, as: UTF8.self))") }
    }

    /// Marks pull request `number` merged (state closed, merged true, merged_at set), as if a human
    /// had merged it on GitHub.
    func merge(_ number: Int) throws {
        let (status, data) = try control("POST", "/_fake/merge/\(number)")
        guard status == 200 else {
            throw Self.failure("POST /_fake/merge/\(number) answered \(status): \(String(decoding: data, as: UTF8.self))")
        }
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    deinit { stop() }

    /// One blocking request to the server's unauthenticated /_fake/ endpoints.
    private func control(_ method: String, _ path: String) throws -> (status: Int, data: Data) {
        try blockingRequest(method, baseURL + path, domain: "FakeGitHub")
    }

    static func failure(_ message: String) -> NSError {
        NSError(domain: "FakeGitHub", code: 1, userInfo: [NSLocalizedDescriptionKey: message])
    }
}
