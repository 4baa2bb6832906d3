import AutopilotKit
import Foundation
import XCTest

/// Scratch git repos made from fixtures/repos, the scored streams emit-pr reads, and git helpers.
enum EmitPRFixtures {
    static let now = "2026-11-20T12:00:00Z"
    static let reposRoot = repositoryRoot.appendingPathComponent("fixtures/repos")

    /// collect-cluster | collect-metrics | detect-waste | score-risk over fixtures/demo.
    static var demoStream: String { BuildEvidenceTests.scoredStream }

    /// The same chain over fixtures/staging.
    static let stagingStream: String = {
        let cluster = try! Tool.run("collect-cluster", ["--from", "fixtures/staging", "--cluster", "staging"])
        precondition(cluster.status == 0, cluster.stderr)
        let metrics = try! Tool.run("collect-metrics", ["--from", "fixtures/staging/prometheus"], stdin: cluster.stdout)
        precondition(metrics.status == 0, metrics.stderr)
        let waste = try! Tool.run("detect-waste", ["--quiet", "--now", now], stdin: metrics.stdout)
        precondition(waste.status == 0, waste.stderr)
        let risk = try! Tool.run("score-risk", [], stdin: waste.stdout)
        precondition(risk.status == 0, risk.stderr)
        return risk.stdout
    }()

    /// A git checkout (branch main, one commit) holding `fixture`'s files, or several fixtures as folders.
    static func makeRepo(_ fixtures: [String], in scratch: URL, name: String = "infra", asFolders: Bool = false) throws -> URL {
        let repo = scratch.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: repo, withIntermediateDirectories: true)
        for fixture in fixtures {
            let source = reposRoot.appendingPathComponent(fixture)
            let destination = asFolders ? repo.appendingPathComponent(fixture) : repo
            try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: true)
            for item in try FileManager.default.contentsOfDirectory(atPath: source.path) {
                try FileManager.default.copyItem(at: source.appendingPathComponent(item), to: destination.appendingPathComponent(item))
            }
        }
        try git(["init", "--quiet", "--initial-branch=main"], in: repo)
        try git(["add", "-A"], in: repo)
        try git(["commit", "--quiet", "-m", "infra as it runs"], in: repo)
        return repo
    }

    /// A fixture repo whose `origin` is a bare repository beside it (what emit-pr pushes branches to).
    static func makeRepoWithRemote(_ fixtures: [String], in scratch: URL) throws -> (repo: URL, remote: URL) {
        let remote = scratch.appendingPathComponent("remote.git")
        try FileManager.default.createDirectory(at: remote, withIntermediateDirectories: true)
        try git(["init", "--quiet", "--bare", "--initial-branch=main"], in: remote)
        let repo = try makeRepo(fixtures, in: scratch)
        try git(["remote", "add", "origin", remote.path], in: repo)
        return (repo, remote)
    }

    /// Runs git with a fixed identity; throws with git's stderr on failure.
    @discardableResult
    static func git(_ arguments: [String], in directory: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", directory.path] + arguments
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in ["GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "dev@example.com", "GIT_COMMITTER_NAME": "Dev",
                             "GIT_COMMITTER_EMAIL": "dev@example.com", "GIT_CONFIG_NOSYSTEM": "1"] {
            environment[key] = value
        }
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let exited = try process.start()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        exited.wait()
        guard process.terminationStatus == 0 else {
            throw NSError(domain: "git", code: Int(process.terminationStatus),
                          userInfo: [NSLocalizedDescriptionKey: "git \(arguments.joined(separator: " ")): \(String(decoding: errorData, as: UTF8.self))"])
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func emitPR(_ repo: URL, _ stream: String, _ extra: [String] = [], environment: [String: String]? = nil) throws -> ToolResult {
        var env = environment ?? ProcessInfo.processInfo.environment
        if environment == nil { env["GITHUB_TOKEN"] = nil }
        let baseRef = extra.firstIndex(of: "--base").map { extra[$0 + 1] } ?? "HEAD"
        let base = try git(["rev-parse", baseRef + "^{commit}"], in: repo)
        let result = try Tool.run("emit-pr", ["--repo", repo.path, "--now", now] + extra, stdin: stream, environment: env)
        try BranchDiff.assertEachBranchHoldsOnlyItsEdits(result, repo: repo, base: base)
        return result
    }

    static func changes(_ result: ToolResult) throws -> [[String: Any]] {
        try decodeRecords(result.lines.filter { $0.hasPrefix(#"{"kind":"change""#) })
    }

    /// Applies every autopilot branch on top of main in a scratch branch: the repo as it is once all PRs merge.
    static func mergeAll(_ repo: URL) throws -> URL {
        try git(["checkout", "--quiet", "-B", "all-merged", "main"], in: repo)
        let branches = try git(["for-each-ref", "--format=%(refname:short)", "refs/heads/autopilot/"], in: repo)
        for branch in branches.split(separator: "\n") { try git(["cherry-pick", "--allow-empty", String(branch)], in: repo) }
        return repo
    }

    /// Files of `repo` that differ from the fixture they were copied from.
    static func changedFiles(_ repo: URL, from base: String = "main", to head: String = "all-merged") throws -> [String] {
        try git(["diff", "--name-only", base, head], in: repo).split(separator: "\n").map(String.init).sorted()
    }

    /// The golden files for `fixture`, repo-relative.
    static func expectedFiles(_ fixture: String) throws -> [String] {
        let root = reposRoot.appendingPathComponent("expected/\(fixture)")
        let enumerator = FileManager.default.enumerator(atPath: root.path)!
        return enumerator.compactMap { $0 as? String }.filter { !FileIO.isDirectory(root.appendingPathComponent($0).path) }.sorted()
    }

    static func assertMatchesGoldens(_ fixture: String, _ repo: URL, prefix: String = "", file: StaticString = #filePath, line: UInt = #line) throws {
        for path in try expectedFiles(fixture) {
            let golden = try Data(contentsOf: reposRoot.appendingPathComponent("expected/\(fixture)/\(path)"))
            let patched = try Data(contentsOf: repo.appendingPathComponent(prefix + path))
            XCTAssertEqual(String(decoding: patched, as: UTF8.self), String(decoding: golden, as: UTF8.self),
                           "\(fixture)/\(path) differs from its golden", file: file, line: line)
        }
    }

    /// The container of `kind/name` in a YAML file, read back with the collector's YAML reader.
    static func container(_ file: URL, kind: String, name: String, container: String) throws -> JSON? {
        var found: JSON?
        try YAMLDocuments(bytes: Array(try Data(contentsOf: file))).forEachDocument { document, _ in
            guard document["kind"]?.string == kind, document["metadata", "name"]?.string == name else { return }
            let spec = kind == "CronJob" ? document["spec", "jobTemplate", "spec", "template", "spec"] : document["spec", "template", "spec"]
            found = spec?["containers"]?.array.first { $0["name"]?.string == container }
        }
        return found
    }

    static func string(_ record: [String: Any], _ key: String) -> String? { record[key] as? String }
}
