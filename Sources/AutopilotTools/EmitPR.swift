import ArgumentParser
import AutopilotKit
import Foundation

struct EmitPR: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emit-pr",
        abstract: "Turn findings into surgical changes of an infra repo: one git branch (and PR) per workload or finding.",
        discussion: """
            Input: NDJSON records on stdin, as build-evidence (or score-risk) writes them. Every record is forwarded \
            unchanged; for each finding whose gate is `auto` (and `approve`, unless --only-auto) the change is written \
            into a private git worktree of --repo and committed to the branch autopilot/<cluster>/<workload or finding>, \
            and a `change` record is appended (findingIds, repo, branch, commit, files, title, body, url, state, edits).

            What is edited: container requests/limits in Kubernetes YAML (multi-document files; objects named as kustomize \
            renders them; a kustomize overlay patch of the cluster's overlay that sets the value wins over the base; Helm \
            values through --values-map, the autopilot.io/values annotation, or the Flux HelmRelease / Argo CD Application \
            that renders the workload), HPA min/max replicas, Karpenter NodePool consolidation, EKS managed node \
            groups in Terraform (aws_eks_node_group and the terraform-aws-modules/eks map), and aws_ebs_volume blocks of \
            orphan volumes. Only the value's bytes change: comments, quoting, order and indentation stay. Volumes and \
            Karpenter nodes not in code get a runbook script under runbooks/<cluster>/ instead. Anything ambiguous or \
            missing is reported as `not-patchable` with the reason, never guessed.

            Which files are the cluster's, in order: --cluster-path/--cluster-paths; the Argo CD Applications, \
            ApplicationSets and Flux Kustomizations in the repo; a folder named after the cluster; the only overlay \
            that builds the object. A Terraform node group is edited only where its root names the cluster (literally, \
            through variables, .tfvars, locals or modules) or is mapped to it.

            The checkout the user works in is never touched: edits happen in a temporary worktree at --base. A finding \
            whose file has uncommitted changes in the checkout is refused (exit 65); the others go on. Rerunning with the \
            same findings keeps or updates the same branches and PRs.

            With --github-repo OWNER/NAME and GITHUB_TOKEN set, each branch is pushed to the checkout's remote and a PR is \
            opened (draft when a person must approve) or updated, with labels; --api-url serves GitHub Enterprise. \
            Without a token everything stays local and the change record says so.

            Exit status: 0 ok, 64 usage, 65 malformed input or a refused finding, 69 GitHub or the git remote \
            unreachable, 74 the repo could not be read or written.

            Examples:
              … | build-evidence --out out/evidence | emit-pr --repo ~/src/infra | jq 'select(.kind=="change")'
              GITHUB_TOKEN=… emit-pr --repo ~/src/infra --github-repo acme/infra --base main < findings.ndjson
            """)

    @Option(help: ArgumentHelp("The local checkout of the infra repo (GitOps YAML, Helm values, Terraform).", valueName: "dir"))
    var repo: String

    @Option(help: ArgumentHelp("One branch per `workload` (its CPU, memory and HPA findings together) or per `finding`.", valueName: "workload|finding"))
    var groupBy: String = "workload"

    @Flag(help: "Only findings gated `auto`; leave `approve` ones alone.")
    var onlyAuto = false

    @Option(help: ArgumentHelp("Branch or commit the changes start from and PRs target (default: the checkout's current branch).", valueName: "ref"))
    var base: String?

    @Option(help: ArgumentHelp("YAML list mapping Helm-rendered workloads to values keys: {namespace, kind, name, container, file, path}.", valueName: "file"))
    var valuesMap: String?

    @Option(help: ArgumentHelp("The folder of the repo (or file) CLUSTER deploys from (repeatable); wins over what Argo CD and Flux objects say.", valueName: "cluster=dir"))
    var clusterPath: [String] = []

    @Option(help: ArgumentHelp("YAML mapping of cluster name to the folder or folders of the repo it deploys from.", valueName: "file"))
    var clusterPaths: String?

    @Option(help: ArgumentHelp("Folder of the repo for runbook scripts (default runbooks).", valueName: "dir"))
    var runbookDir: String = "runbooks"

    @Option(help: ArgumentHelp("Only look for code under this folder of the repo (repeatable), e.g. clusters/prod in a monorepo.", valueName: "dir"))
    var scope: [String] = []

    @Option(help: ArgumentHelp("Link evidence packs as URL/<finding id>/evidence.html in PR bodies (default: their paths).", valueName: "url"))
    var evidenceUrl: String?

    @Option(help: ArgumentHelp("Push branches and open PRs on this GitHub repository (token from GITHUB_TOKEN).", valueName: "owner/name"))
    var githubRepo: String?

    @Option(help: ArgumentHelp("GitHub API base URL (GitHub Enterprise: https://HOST/api/v3).", valueName: "url"))
    var apiUrl: String = "https://api.github.com"

    @Option(help: ArgumentHelp("The git remote to push to (default origin, else the first).", valueName: "name"))
    var remote: String?

    @Option(help: ArgumentHelp("Commit time, RFC 3339 (default now): with the same input, the same commits.", valueName: "time"))
    var now: String?

    @Flag(help: "Stop at the first malformed input line (exit 65).")
    var strict = false

    @Flag(help: "Print a one-line summary on stderr, and a line for each finding that could not be patched.")
    var summary = false

    func validate() throws {
        guard EmitPRFilter.Grouping(rawValue: groupBy) != nil else { throw ValidationError("--group-by must be workload or finding") }
        guard FileIO.isDirectory(repo) else { throw ValidationError("--repo: \(repo) is not a directory") }
        if let githubRepo, githubRepo.split(separator: "/").count != 2 { throw ValidationError("--github-repo must be OWNER/NAME") }
        if URL(string: apiUrl)?.scheme == nil { throw ValidationError("--api-url: '\(apiUrl)' is not a URL") }
        if let now, RFC3339.date(now) == nil { throw ValidationError("--now: '\(now)' is not an RFC 3339 time") }
        if let valuesMap, !FileManager.default.isReadableFile(atPath: valuesMap) { throw ValidationError("--values-map: cannot read \(valuesMap)") }
        for mapping in clusterPath where mapping.split(separator: "=", maxSplits: 1).count != 2 {
            throw ValidationError("--cluster-path: '\(mapping)' is not CLUSTER=DIR")
        }
    }

    func run() throws {
        var settings = EmitPRFilter.Settings(repo: repo)
        settings.grouping = EmitPRFilter.Grouping(rawValue: groupBy) ?? .workload
        settings.onlyAuto = onlyAuto
        settings.base = base
        settings.runbookDirectory = runbookDir
        settings.scopes = scope
        settings.verbose = summary
        settings.evidenceBaseURL = evidenceUrl
        settings.remote = remote
        settings.commitDate = now.flatMap(RFC3339.date)
        if let valuesMap {
            let repoPath = URL(fileURLWithPath: repo).resolvingSymlinksInPath().path
            let mapFolder = URL(fileURLWithPath: valuesMap).resolvingSymlinksInPath().deletingLastPathComponent().path
            let inRepo = mapFolder.hasPrefix(repoPath + "/") ? String(mapFolder.dropFirst(repoPath.count + 1)) : ""
            do { settings.valuesMap = try ValuesMapping.load(valuesMap, directoryInRepo: inRepo) } catch { throw ValidationError("--values-map: \(error)") }
        }
        if let clusterPaths {
            do { settings.clusterPaths = try ClusterPaths.load(clusterPaths) } catch { throw ValidationError("--cluster-paths: \(error)") }
        }
        for mapping in clusterPath {
            let parts = mapping.split(separator: "=", maxSplits: 1).map(String.init)
            settings.clusterPaths[parts[0], default: []].append(parts[1])
        }
        if let githubRepo {
            let token = ProcessInfo.processInfo.environment["GITHUB_TOKEN"] ?? ""
            if token.isEmpty {
                settings.githubWithoutToken = githubRepo
            } else {
                settings.github = GitHubClient(apiURL: apiUrl, repository: githubRepo, token: token)
            }
        }
        let diagnostics = Diagnostics(tool: "emit-pr", strict: strict)
        let writer = NDJSONWriter()
        let filter = EmitPRFilter(diagnostics: diagnostics, settings: settings)
        let status = ToolRun.run(diagnostics, writer: writer) {
            let outcome = try filter.run(NDJSONReader(fileDescriptor: 0, source: "<stdin>"), to: writer)
            try writer.flush()
            if summary {
                diagnostics.note("\(outcome.committed) branches committed, \(outcome.unchanged) unchanged, \(outcome.opened) PRs opened, \(outcome.updated) updated, \(outcome.notPatchable) not patchable, \(outcome.refused) refused, \(outcome.merged) merged")
            }
        }
        if status != .ok { throw ExitCode(status.rawValue) }
    }
}
