import Foundation

/// A git failure: the command and git's own first line of complaint.
public struct GitError: Error, CustomStringConvertible {
    public var description: String
    /// emit-pr declined, to protect someone's work (exit 65), rather than git failing (exit 74).
    public var refusal = false
}

/// The git CLI on the user's checkout. Edits happen in a private worktree at the base commit, so the
/// user's branch, index and uncommitted changes are never touched.
public final class GitCheckout {
    /// The checkout's top level.
    public let root: String
    public var authorName = "Autopilot"
    public var authorEmail = "autopilot@users.noreply.github.com"
    /// Commit time: with the same input, the same commit (so a rerun is a no-op).
    public var commitDate: Date = Date()

    public init(path: String) throws(GitError) {
        root = try Self.git(["rev-parse", "--show-toplevel"], in: path)
    }

    /// Runs git in `directory` (default: the checkout) and returns its standard output, trimmed.
    @discardableResult
    public func git(_ arguments: [String], in directory: String? = nil, environment: [String: String] = [:], trimming: Bool = true) throws(GitError) -> String {
        try Self.git(arguments, in: directory ?? root, environment: environment, trimming: trimming)
    }

    static func git(_ arguments: [String], in directory: String, environment: [String: String] = [:], trimming: Bool = true) throws(GitError) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // Hooks and the user's pager, editor or signing settings have no business in an automated commit.
        process.arguments = ["git", "-C", directory, "-c", "core.hooksPath=/dev/null", "-c", "commit.gpgsign=false"] + arguments
        var env = ProcessInfo.processInfo.environment
        // Run from a git hook, these would point git at the user's repository, index or tree instead.
        for key in ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_OBJECT_DIRECTORY",
                    "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_NAMESPACE", "GIT_PREFIX"] { env[key] = nil }
        env["GIT_TERMINAL_PROMPT"] = "0"
        env["LC_ALL"] = "C"
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let output = Pipe()
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("emit-pr-git-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errors) }
        process.standardOutput = output
        process.standardError = try? FileHandle(forWritingTo: errors)
        process.standardInput = FileHandle.nullDevice
        let exited: DispatchSemaphore
        do { exited = try process.start() } catch { throw GitError(description: "cannot run git: \(error.localizedDescription); install git") }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        exited.wait()
        guard process.terminationStatus == 0 else {
            let message = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
            let first = message.split(separator: "\n").first { !$0.hasPrefix("hint:") } ?? "exit \(process.terminationStatus)"
            if process.terminationStatus == 127 { throw GitError(description: "git not found on PATH; install git") }
            throw GitError(description: "git \(arguments.prefix(2).joined(separator: " ")): \(first)")
        }
        let text = String(decoding: data, as: UTF8.self)
        return trimming ? text.trimmingCharacters(in: .whitespacesAndNewlines) : text
    }

    /// The commit a ref names, or nil.
    public func commit(_ ref: String) -> String? {
        try? git(["rev-parse", "--verify", "--quiet", ref + "^{commit}"])
    }

    /// The branch the user has checked out, or nil when detached.
    public func currentBranch() -> String? {
        (try? git(["symbolic-ref", "--quiet", "--short", "HEAD"])).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The paths among `paths` that have uncommitted changes (staged, unstaged or untracked) in the user's checkout.
    public func modified(_ paths: [String]) throws(GitError) -> [String] {
        guard !paths.isEmpty else { return [] }
        // -z: one `XY path` entry per NUL, paths unquoted; a rename adds its old path as the next entry.
        let status = try git(["status", "--porcelain=v1", "-z", "--untracked-files=all", "--"] + paths, trimming: false)
        return status.split(separator: "\0").filter { $0.count > 3 }.map { String($0.dropFirst(3)) }.filter(paths.contains)
    }

    /// The remote to push to: `origin` when there is one, else the first.
    public func defaultRemote() -> String? {
        let remotes = ((try? git(["remote"])) ?? "").split(separator: "\n").map(String.init)
        return remotes.contains("origin") ? "origin" : remotes.first
    }

    /// A private worktree, detached at `base`.
    public func addWorktree(at base: String) throws(GitError) -> Worktree {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("emit-pr-\(UUID().uuidString)").path
        try git(["worktree", "add", "--quiet", "--detach", path, base])
        return Worktree(checkout: self, path: path, base: base)
    }

    /// A worktree of the checkout where emit-pr writes and commits; removed with `remove()`.
    public final class Worktree {
        public let checkout: GitCheckout
        public let path: String
        public let base: String

        init(checkout: GitCheckout, path: String, base: String) {
            self.checkout = checkout
            self.path = path
            self.base = base
        }

        /// Tracked files at the base, repo-relative.
        public func files() throws(GitError) -> [String] {
            try checkout.git(["ls-files", "-z"], in: path).split(separator: "\0").map(String.init)
        }

        /// Writes `files` over a clean copy of the base and commits them; returns the new commit. The
        /// worktree is back at the base afterwards, so the next group reads the base's files, never this
        /// group's edits.
        public func commit(_ files: [String: [UInt8]], message: String) throws(GitError) -> String {
            try reset()
            defer { try? reset() }
            for (relative, bytes) in files.sorted(by: { $0.key < $1.key }) {
                let full = path + "/" + relative
                do {
                    // An edited file keeps its mode (an executable values file stays executable); a new
                    // runbook script is executable.
                    let mode = (try? FileManager.default.attributesOfItem(atPath: full)[.posixPermissions] as? Int)
                        ?? (relative.hasSuffix(".sh") ? 0o755 : 0o644)
                    try FileIO.makeDirectory((full as NSString).deletingLastPathComponent)
                    try FileIO.writeAtomically(bytes, to: full)
                    try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: full)
                } catch {
                    throw GitError(description: "cannot write \(relative) in the worktree: \(error)")
                }
            }
            try checkout.git(["add", "--"] + files.keys.sorted(), in: path)
            let date = RFC3339.string(checkout.commitDate)
            try checkout.git(["commit", "--quiet", "--no-verify", "--cleanup=verbatim", "-m", message], in: path, environment: [
                "GIT_AUTHOR_NAME": checkout.authorName, "GIT_AUTHOR_EMAIL": checkout.authorEmail, "GIT_AUTHOR_DATE": date,
                "GIT_COMMITTER_NAME": checkout.authorName, "GIT_COMMITTER_EMAIL": checkout.authorEmail, "GIT_COMMITTER_DATE": date,
            ])
            return try checkout.git(["rev-parse", "HEAD"], in: path)
        }

        /// Back to the base: a previous group's commit (and any file it added) goes away.
        private func reset() throws(GitError) {
            try checkout.git(["checkout", "--quiet", "--detach", "--force", base], in: path)
        }

        public func remove() {
            _ = try? checkout.git(["worktree", "remove", "--force", path])
            _ = try? checkout.git(["worktree", "prune"])
        }
    }
}
