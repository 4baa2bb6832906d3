import Foundation

/// The emit-pr filter: forwards the stream, then for each finding (or workload group) its gate allows,
/// edits a private worktree of the infra checkout, commits to an `autopilot/…` branch, optionally pushes
/// and opens or updates the PR, and appends a `change` record.
public struct EmitPRFilter {
    public enum Grouping: String, Sendable { case finding, workload }

    public struct Settings {
        public var repo: String
        public var grouping: Grouping = .workload
        public var onlyAuto = false
        /// The ref branches start from and PRs target; nil: the checkout's current branch.
        public var base: String?
        public var valuesMap: [ValuesMapping] = []
        /// Cluster → folders of the repo it deploys (`--cluster-path`, `--cluster-paths`).
        public var clusterPaths: [String: [String]] = [:]
        public var runbookDirectory = "runbooks"
        /// Folders of the repo to search (a monorepo's `clusters/prod`); empty: all of it.
        public var scopes: [String] = []
        public var evidenceBaseURL: String?
        public var github: GitHubClient?
        /// `OWNER/NAME` given without a token: everything stays local, and the record says why.
        public var githubWithoutToken: String?
        public var remote: String?
        public var labels = ["autopilot", "cost-optimization"]
        public var commitDate: Date?
        /// Name each finding that could not be patched on stderr (the records always say why).
        public var verbose = false
        public init(repo: String) { self.repo = repo }
    }

    /// What a run did, for the summary line.
    public struct Outcome {
        public var committed = 0
        public var unchanged = 0
        public var opened = 0
        public var updated = 0
        public var notPatchable = 0
        public var refused = 0
        /// Branches of earlier runs the base now contains (no GitHub: a merge seen in git).
        public var merged = 0
        /// Set at the first GitHub outage: later branches stay local without asking again.
        public var githubUnreachable = false

        /// emit-pr's `--summary` line.
        public var summary: String {
            "\(committed) branches committed, \(unchanged) unchanged, \(opened) PRs opened, \(updated) updated, "
                + "\(notPatchable) not patchable, \(refused) refused, \(merged) merged"
        }
    }

    public let diagnostics: Diagnostics
    public var settings: Settings

    /// What the patches read of the cluster: a workload's pod template (containers, a runtime's memory
    /// flag) and the nodes (a node's group or NodePool). Pods, usage and events, most of the stream, are
    /// forwarded by their kind prefix without being parsed.
    static let clusterKinds: Set<Substring> = ["node", "workload"]

    public init(diagnostics: Diagnostics, settings: Settings) {
        self.diagnostics = diagnostics
        self.settings = settings
    }

    public func run(_ reader: NDJSONReader, to writer: NDJSONWriter) throws -> Outcome {
        var (cluster, held) = try ObservedCluster.read(reader, forwardingTo: writer, diagnostics: diagnostics, holdingFindings: true,
                                                       reading: Self.clusterKinds)
        // Findings alone (no cluster records) still name their cluster.
        if cluster.name.isEmpty, let named = held.lazy.map(\.finding.cluster).first(where: { !$0.isEmpty }) {
            cluster.name = named
        }
        for finding in held { try writer.write(raw: finding.text) }
        var unscored = 0
        let eligible = held.map(\.finding).filter { finding in
            switch finding.risk?.gate {
            case "auto": return true
            case "approve": return !settings.onlyAuto
            case nil:
                unscored += 1
                return false
            default: return false
            }
        }
        if unscored > 0 { diagnostics.warning("\(unscored) finding(s) have no risk gate and were left alone; run score-risk before emit-pr") }
        var outcome = Outcome()
        guard !eligible.isEmpty else {
            // Nothing to patch; merges of earlier branches are still news (quietly skipped if the repo cannot be read).
            if settings.github == nil, let checkout = try? GitCheckout(path: settings.repo), let base = checkout.commit(settings.base ?? "HEAD") {
                for record in mergedBranches(checkout, base: base, cluster: cluster.name, outcome: &outcome) { try writer.write(record) }
            }
            return outcome
        }

        let checkout: GitCheckout
        do { checkout = try GitCheckout(path: settings.repo) } catch {
            diagnostics.ioError("\(error); no changes made", source: settings.repo)
            return outcome
        }
        checkout.commitDate = settings.commitDate ?? Date()
        let baseRef = settings.base ?? "HEAD"
        guard let base = checkout.commit(baseRef) else {
            diagnostics.ioError("--base \(baseRef) is not a commit in \(checkout.root); no changes made", source: settings.repo)
            return outcome
        }
        // Before this run rewrites any branch: a merged one may be rebuilt below for a further step.
        if settings.github == nil {
            for record in mergedBranches(checkout, base: base, cluster: cluster.name, outcome: &outcome) { try writer.write(record) }
        }
        let userBranch = checkout.currentBranch()
        let baseBranch = settings.base ?? userBranch
        let worktree: GitCheckout.Worktree
        do { worktree = try checkout.addWorktree(at: base) } catch {
            diagnostics.ioError("\(error); no changes made", source: settings.repo)
            return outcome
        }
        defer { worktree.remove() }
        let files: [String]
        do {
            let scopes = settings.scopes.map { $0.hasSuffix("/") ? $0 : $0 + "/" }
            files = try worktree.files().filter { path in scopes.isEmpty || scopes.contains { path.hasPrefix($0) } }
        } catch {
            diagnostics.ioError("\(error); no changes made", source: settings.repo)
            return outcome
        }

        let manifests = ManifestIndex(root: worktree.path, files: files)
        let terraform = TerraformIndex(root: worktree.path, files: files)
        for failure in manifests.failures {
            diagnostics.warning("cannot parse: \(failure.error.message) (column \(failure.error.column)); skipped, its objects cannot be patched",
                                source: failure.path, line: failure.error.line)
        }
        for failure in terraform.failures {
            diagnostics.warning("cannot parse HCL: \(failure.message); skipped", source: failure.path, line: failure.line)
        }
        var planner = PatchPlanner(manifests: manifests, terraform: terraform, valuesMap: settings.valuesMap, cluster: cluster)
        planner.clusterPaths = ClusterPaths(mapped: settings.clusterPaths, manifests: manifests)
        planner.runbookDirectory = settings.runbookDirectory
        let repoName = settings.github.map { "\($0.owner)/\($0.repository)" } ?? checkout.root

        for group in groups(eligible, cluster: cluster) {
            var workspace = PatchWorkspace(root: worktree.path)
            var patched: [FindingRecord] = []
            for finding in group.findings {
                switch planner.apply(finding, to: &workspace) {
                case .applied: patched.append(finding)
                case .notPatchable(let reason):
                    outcome.notPatchable += 1
                    let message = "\(finding.id): not patchable: \(reason)"
                    // A target missing while a file that names it could not be read may be in it: that is an input error.
                    if reason.contains("could not be read and may define it") { try diagnostics.error(message, source: settings.repo) } else if settings.verbose { diagnostics.note(message) }
                    try writer.write(changeRecord(cluster: cluster.name, ids: [finding], state: "not-patchable", reason: reason, repo: repoName))
                }
            }
            guard !patched.isEmpty else { continue }
            // The base already holds the values: the change was merged and the cluster does not run it yet.
            if workspace.changedPaths.allSatisfy({ (try? FileIO.readAll(worktree.path + "/" + $0)) == workspace.files[$0] }) {
                outcome.notPatchable += patched.count
                try writer.write(changeRecord(cluster: cluster.name, ids: patched, state: "not-patchable",
                                              reason: "the base already sets these values (merged, not deployed yet?)", repo: repoName))
                continue
            }
            let text = PullRequestText(findings: patched, edits: workspace.edits, notes: workspace.notes, evidenceBaseURL: settings.evidenceBaseURL)
            let branch = Self.branchName(group.key, cluster: cluster.name)
            var record = changeRecord(cluster: cluster.name, ids: patched, state: "local", reason: nil, repo: repoName)
            record.set("branch", to: .string(branch))
            record.set("base", to: .optional(baseBranch))
            record.set("files", to: .strings(workspace.changedPaths))
            record.set("title", to: .string(text.title))
            record.set("body", to: .string(text.body))
            record.set("gate", to: .string(text.gate))
            record.set("edits", to: .array(workspace.edits.map { edit in
                ["findingId": .string(edit.findingId), "file": .string(edit.path), "line": .int(Int64(edit.line)), "field": .string(edit.field),
                 "from": .optional(edit.from), "to": .optional(edit.to)]
            }))
            do {
                let dirty = try checkout.modified(workspace.changedPaths)
                if !dirty.isEmpty {
                    outcome.refused += 1
                    let reason = "\(dirty.joined(separator: ", ")) has uncommitted changes in \(checkout.root); commit or stash them, then rerun"
                    try diagnostics.error("\(patched.map(\.id).joined(separator: ", ")): refused: \(reason)", source: dirty[0])
                    record.set("state", to: "refused")
                    record.set("reason", to: .string(reason))
                    try writer.write(record)
                    continue
                }
                if userBranch == branch {
                    throw GitError(description: "branch \(branch) is checked out in \(checkout.root); switch to another branch and rerun", refusal: true)
                }
                checkTerraformFormat(workspace, in: worktree)
                let commit = try commitBranch(branch, workspace: workspace, message: text.commitMessage, worktree: worktree, outcome: &outcome)
                record.set("commit", to: .string(commit))
                publish(&record, branch: branch, commit: commit, base: base, baseBranch: baseBranch, text: text, checkout: checkout,
                            outcome: &outcome)
            } catch let error as GitError where error.refusal {
                outcome.refused += 1
                try diagnostics.error("\(patched.map(\.id).joined(separator: ", ")): refused: \(error)", source: settings.repo)
                record.set("state", to: "refused")
                record.set("reason", to: .string(error.description))
            } catch let error as GitError {
                diagnostics.ioError("\(patched.map(\.id).joined(separator: ", ")): \(error)", source: settings.repo)
                record.set("state", to: "refused")
                record.set("reason", to: .string(error.description))
            }
            try writer.write(record)
        }
        return outcome
    }

    // MARK: Grouping

    struct Group {
        var key: String
        var findings: [FindingRecord]
    }

    /// Findings grouped by workload (an HPA joins the workload it scales), in input order; or one a group.
    func groups(_ findings: [FindingRecord], cluster: ObservedCluster) -> [Group] {
        var groups: [Group] = []
        var index: [String: Int] = [:]
        for finding in findings {
            let key: String
            let id = finding.id
            let namespace = finding.namespace ?? ""
            switch (settings.grouping, finding.target.kind) {
            case (.workload, "HorizontalPodAutoscaler"):
                let scaled = finding.basis?["scaleTarget"]?.string.flatMap { $0.split(separator: "/").last.map(String.init) }
                key = scaled.map { "\(namespace)/\($0)" } ?? id
            case (.workload, _) where finding.target.container != nil:
                key = "\(namespace)/\(finding.target.name)"
            default:
                key = id
            }
            if let at = index[key] {
                groups[at].findings.append(finding)
            } else {
                index[key] = groups.count
                groups.append(Group(key: key, findings: [finding]))
            }
        }
        return groups
    }

    /// `autopilot/<cluster>/<namespace>/<name>` (Kubernetes names hold no `/`, so no two workloads share a
    /// branch) or `autopilot/<cluster>/<finding id>`. Each part is made a valid ref component by git's rules
    /// (`git check-ref-format`: ASCII letters, digits, `-`, `_` and single dots; no leading or trailing
    /// dot, no `.lock` ending); a part that had to change gets a hash of what it was, so two names that
    /// clean up alike still get two branches.
    static func branchName(_ key: String, cluster: String) -> String {
        let parts = ([cluster.isEmpty ? "cluster" : cluster[...]] + key.split(separator: "/")).map(Self.refComponent)
        return "autopilot/" + parts.joined(separator: "/")
    }

    static func refComponent(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        for byte in text.utf8 {
            let allowed = (97...122).contains(byte) || (65...90).contains(byte) || (48...57).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
            if allowed {
                bytes.append(byte)
            } else if byte == UInt8(ascii: "."), let last = bytes.last, last != UInt8(ascii: ".") {
                bytes.append(byte)
            } else {
                bytes.append(UInt8(ascii: "-"))
            }
        }
        var part = String(decoding: bytes, as: UTF8.self)
        if part.hasSuffix(".") { part = String(part.dropLast()) + "-" }
        if part.hasSuffix(".lock") { part = String(part.dropLast(5)) + "-lock" }
        if part.isEmpty { part = "-" }
        return part == text ? part : part + "-" + String(StableHash.fnv1a64(String(text)).prefix(8))
    }

    // MARK: Git and GitHub

    /// Without GitHub, a merge is seen in git: an `autopilot/<cluster>/…` branch of an earlier run whose tip
    /// (an Autopilot commit) the base now contains was merged, by hand or on a forge emit-pr does not talk
    /// to. Its findings (the commit's `Autopilot-Findings:` line) are reported `merged`, so the ledger
    /// implements them even when the deployed change means the run no longer reports them. A merge the base
    /// no longer holds (reverted, or overwritten by a later change of the same files) is not reported: the
    /// ledger learns of a revert from the cluster. A squash or rebase merge leaves no such trace and is not seen.
    private func mergedBranches(_ checkout: GitCheckout, base: String, cluster: String, outcome: inout Outcome) -> [JSONValue] {
        let prefix = "refs/heads/" + Self.branchName("", cluster: cluster) + "/"
        // One git call: the branches the base contains, with their tip's author and findings line.
        let format = "%(refname:short)%09%(objectname)%09%(authoremail:trim)%09%(trailers:key=Autopilot-Findings,valueonly,separator=%x2C)"
        let listed: String
        do { listed = try checkout.git(["for-each-ref", "--merged", base, "--format=" + format, prefix]) } catch {
            diagnostics.warning("cannot list merged branches (\(error)); merges are not reported this run", source: settings.repo)
            return []
        }
        let baseBranch = settings.base ?? checkout.currentBranch()
        var records: [JSONValue] = []
        for line in listed.split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            // A fast-forward merge leaves the base at the tip itself: that is a merge too.
            guard fields.count == 4, fields[2] == checkout.authorEmail else { continue }
            let ids = fields[3].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !ids.isEmpty, baseHolds(fields[1], base: base, checkout: checkout) else { continue }
            var record = changeRecord(cluster: cluster, findingIds: ids, state: "merged",
                                      reason: "merged into \(baseBranch ?? "the base") (seen in git)", repo: checkout.root)
            record.set("branch", to: .string(fields[0]))
            record.set("commit", to: .string(fields[1]))
            record.set("base", to: .optional(baseBranch))
            records.append(record)
            outcome.merged += 1
        }
        return records
    }

    /// Whether the base still holds what `commit` changed: its diff, without context lines, applies in
    /// reverse to the base's tree (checked in a scratch index, nothing written). Later edits elsewhere in
    /// the same files (another branch's, an image bump) keep it held; a revert does not.
    private func baseHolds(_ commit: String, base: String, checkout: GitCheckout) -> Bool {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("emit-pr-held-\(UUID().uuidString)")
        defer {
            try? FileManager.default.removeItem(atPath: scratch.path + ".patch")
            try? FileManager.default.removeItem(atPath: scratch.path + ".index")
        }
        let index = ["GIT_INDEX_FILE": scratch.path + ".index"]
        guard let patch = try? checkout.git(["diff", "--binary", "-U0", commit + "^", commit], trimming: false), !patch.isEmpty,
            (try? FileIO.writeAtomically(Array(patch.utf8), to: scratch.path + ".patch")) != nil,
            (try? checkout.git(["read-tree", base], environment: index)) != nil
        else { return false }
        return (try? checkout.git(["apply", "--cached", "--check", "--reverse", "--unidiff-zero", scratch.path + ".patch"], environment: index)) != nil
    }

    /// Commits the group on top of the base; keeps the branch as it is when it already holds the same change.
    private func commitBranch(_ branch: String, workspace: PatchWorkspace, message: String, worktree: GitCheckout.Worktree,
                              outcome: inout Outcome) throws(GitError) -> String {
        let checkout = worktree.checkout
        let commit = try worktree.commit(workspace.files, message: message)
        if let existing = checkout.commit("refs/heads/" + branch),
            let answer = try? checkout.git(["rev-parse", existing + "^{tree}", commit + "^{tree}", existing + "^"]) {
            let lines = answer.split(separator: "\n")
            if lines.count == 3 && lines[0] == lines[1] && lines[2] == worktree.base {
                outcome.unchanged += 1
                return existing
            }
        }
        if let existing = checkout.commit("refs/heads/" + branch) {
            // Our branch, unless someone committed to it: their work is not thrown away.
            let people = try checkout.git(["log", "--format=%ae%n%ce", "\(worktree.base)..\(existing)"]).split(separator: "\n")
            if people.contains(where: { $0 != checkout.authorEmail }) {
                throw GitError(description: "branch \(branch) has commits by someone else; left alone (merge or delete it, then rerun)", refusal: true)
            }
        }
        // `branch --force` refuses a branch checked out in any worktree.
        try checkout.git(["branch", "--force", "--no-track", branch, commit])
        outcome.committed += 1
        return commit
    }

    /// Pushes the branch and opens or updates its PR; a merged or closed PR is reported, never reopened.
    private func publish(_ record: inout JSONValue, branch: String, commit: String, base: String, baseBranch: String?, text: PullRequestText,
                         checkout: GitCheckout, outcome: inout Outcome) {
        guard let github = settings.github else {
            if let repo = settings.githubWithoutToken {
                record.set("reason", to: .string("no GITHUB_TOKEN in the environment: branch \(branch) kept local, no PR opened on \(repo)"))
            }
            return
        }
        if outcome.githubUnreachable {
            record.set("reason", to: "GitHub API unreachable (reported above): branch kept local")
            return
        }
        guard let baseBranch else {
            record.set("reason", to: "the checkout is on a detached HEAD: give --base BRANCH to open a PR")
            diagnostics.ioError("the checkout is on a detached HEAD; give --base BRANCH to open PRs", source: settings.repo)
            return
        }
        do {
            let existing = try github.pullRequest(head: branch)
            if let existing, existing.merged || existing.state == "closed" {
                record.set("state", to: .string(existing.merged ? "merged" : "closed"))
                record.set("url", to: .string(existing.url))
                record.set("pr", to: .int(existing.number))
                if !existing.merged { record.set("reason", to: "the PR was closed without merging; not reopened") }
                return
            }
            if let failure = push(branch, commit: commit, base: base, checkout: checkout) {
                // The remote could not take the branch, or holds someone's work: the commit stays local, the run goes on.
                if failure.refusal { diagnostics.reportError("\(branch): refused: \(failure)", source: settings.repo) } else {
                    diagnostics.unavailable("\(branch): \(failure)")
                }
                record.set("reason", to: .string(failure.description))
                return
            }
            record.set("pushed", to: true)
            let pull: GitHubClient.PullRequest
            if let existing {
                try github.updatePullRequest(existing.number, title: text.title, body: text.body)
                pull = existing
                outcome.updated += 1
            } else {
                pull = try github.createPullRequest(head: branch, base: baseBranch, title: text.title, body: text.body, draft: text.gate != "auto")
                outcome.opened += 1
            }
            try github.addLabels(pull.number, settings.labels + ["risk:\(text.riskLevel)", "gate:\(text.gate)"])
            record.set("state", to: .string(pull.draft ? "draft" : "open"))
            record.set("draft", to: .bool(pull.draft))
            record.set("url", to: .string(pull.url))
            record.set("pr", to: .int(pull.number))
        } catch {
            if error.unreachable {
                outcome.githubUnreachable = true
                diagnostics.unavailable("\(branch): \(error); later branches stay local")
            } else {
                diagnostics.ioError("\(branch): \(error)")
            }
            record.set("reason", to: .string(error.description))
        }
    }

    /// Pushes `commit` as the branch. A remote branch holding commits not made by Autopilot is not overwritten.
    private func push(_ branch: String, commit: String, base: String, checkout: GitCheckout) -> GitError? {
        do { try pushOrThrow(branch, commit: commit, base: base, checkout: checkout) } catch { return error }
        return nil
    }

    private func pushOrThrow(_ branch: String, commit: String, base: String, checkout: GitCheckout) throws(GitError) {
        guard let remote = settings.remote ?? checkout.defaultRemote() else {
            throw GitError(description: "the checkout has no remote to push \(branch) to")
        }
        let listed = try checkout.git(["ls-remote", remote, "refs/heads/" + branch])
        let remoteCommit = listed.split(separator: "\t").first.map(String.init)
        if remoteCommit == commit { return }
        var lease = "--force-with-lease=refs/heads/\(branch):"
        if let remoteCommit {
            try checkout.git(["fetch", "--quiet", remote, "refs/heads/" + branch])
            let authors = try checkout.git(["log", "--format=%ae%n%ce", "\(base)..\(remoteCommit)"]).split(separator: "\n")
            if authors.contains(where: { $0 != checkout.authorEmail }) {
                throw GitError(description: "\(remote)/\(branch) has commits by someone else; left alone (delete the branch or merge by hand)",
                               refusal: true)
            }
            lease += remoteCommit
        }
        try checkout.git(["push", "--quiet", lease, remote, "\(commit):refs/heads/\(branch)"])
    }

    private func checkTerraformFormat(_ workspace: PatchWorkspace, in worktree: GitCheckout.Worktree) {
        let changed = workspace.changedPaths.filter { $0.hasSuffix(".tf") }
        guard !changed.isEmpty, let terraform = Executables.onPath("terraform") else { return }
        for path in changed {
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("emit-pr-fmt-\(UUID().uuidString).tf")
            defer { try? FileManager.default.removeItem(at: scratch) }
            guard (try? FileIO.writeAtomically(workspace.files[path] ?? [], to: scratch.path)) != nil else { continue }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: terraform)
            process.arguments = ["fmt", "-check", scratch.path]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            guard let exited = try? process.start() else { continue }
            exited.wait()
            if process.terminationStatus != 0 { diagnostics.warning("terraform fmt -check fails on the edited file", source: path) }
        }
    }

    private func changeRecord(cluster: String, ids findings: [FindingRecord], state: String, reason: String?, repo: String) -> JSONValue {
        changeRecord(cluster: cluster, findingIds: findings.map(\.id), state: state, reason: reason, repo: repo)
    }

    private func changeRecord(cluster: String, findingIds: [String], state: String, reason: String?, repo: String) -> JSONValue {
        var record: JSONValue = ["kind": "change", "cluster": .string(cluster)]
        record.set("findingIds", to: .strings(findingIds))
        record.set("repo", to: .string(repo))
        for key in ["branch", "commit", "base"] { record.set(key, to: .null) }
        record.set("files", to: .array([]))
        for key in ["title", "body", "url"] { record.set(key, to: .null) }
        record.set("state", to: .string(state))
        record.set("pushed", to: false)
        record.set("reason", to: .optional(reason))
        return record
    }
}
