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

            With --summary: one line on stderr (branches committed, unchanged, PRs opened and updated, not \
            patchable, refused, merged) and a line for each finding that could not be patched, with why.

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

    @OptionGroup var layout: RepoLayoutOptions

    @OptionGroup var github: GitHubOptions

    @Option(help: Moment.help("Commit time (default now): with the same input, the same commits."))
    var now: Moment?

    /// `--summary` also prints a line for each finding that could not be patched.
    @OptionGroup var options: FilterOptions

    func validate() throws {
        guard EmitPRFilter.Grouping(rawValue: groupBy) != nil else { throw ValidationError("--group-by must be workload or finding") }
        guard FileIO.isDirectory(repo) else { throw ValidationError("--repo: \(repo) is not a directory") }
    }

    func run() throws {
        var settings = EmitPRFilter.Settings(repo: repo)
        settings.grouping = EmitPRFilter.Grouping(rawValue: groupBy) ?? .workload
        settings.onlyAuto = onlyAuto
        settings.base = base
        settings.verbose = options.summary
        settings.commitDate = now?.date
        try layout.apply(to: &settings, repo: repo)
        github.apply(to: &settings)
        let diagnostics = options.diagnostics("emit-pr")
        let filter = EmitPRFilter(diagnostics: diagnostics, settings: settings)
        try FilterRun.run(diagnostics) { reader, writer in
            let outcome = try filter.run(reader, to: writer)
            try writer.flush()
            if options.summary { diagnostics.note(outcome.summary) }
        }
    }
}
