import ArgumentParser
import AutopilotKit
import Foundation

struct CollectCluster: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collect-cluster",
        abstract: "Read a Kubernetes cluster (live through kubectl, or captured files) and write normalized NDJSON records.",
        discussion: """
            Input: live, `kubectl get … -A -o json` for nodes, namespaces, pods, deployments, statefulsets, \
            daemonsets, replicasets, jobs, cronjobs, persistentvolumes, persistentvolumeclaims, storageclasses, \
            horizontalpodautoscalers, services, poddisruptionbudgets, events, and the CRDs scaledobjects.keda.sh \
            and nodepools.karpenter.sh where installed. Offline, --from reads the same captured output: a \
            directory of files, one `kubectl get -o json` file, NDJSON (.ndjson/.jsonl, one object or List a \
            line), a multi-document YAML dump (.yaml/.yml), or - for standard input.

            Output: one JSON record a line on stdout, `kind` first, every record with its `cluster`: node, pod, \
            workload, volume, hpa, scaledobject, nodepool, service, pdb, event. CPU in cores, memory and \
            storage in bytes. Pods resolve to their top workload (Pod → ReplicaSet → Deployment, \
            Pod → Job → CronJob).

            Errors go to stderr as `collect-cluster: FILE:LINE[:COLUMN]: error: …`; good records still come out. \
            Exit status: 0 ok, 64 usage, 65 some input was malformed, 69 kubectl or the API server unreachable, \
            74 I/O error.

            Examples:
              collect-cluster --from fixtures/demo --cluster demo | jq -c 'select(.kind=="workload")'
              collect-cluster --context prod-us --context prod-eu --capture captures/$(date +%F) > cluster.ndjson
              kubectl get pods -A -o json | collect-cluster --from - --cluster prod
            """)

    @Option(name: .long, help: ArgumentHelp("Read captured kubectl output instead of a live cluster.", valueName: "path"))
    var from: String?

    @Option(name: .long, help: ArgumentHelp("Cluster name: for offline input (default: the directory or file name), one context, or in a pod (default: in-cluster).", valueName: "name"))
    var cluster: String?

    @Option(name: .long, help: ArgumentHelp("kubectl context to collect; repeat for several clusters (default: the current context).", valueName: "name"))
    var context: [String] = []

    @Option(name: .long, help: ArgumentHelp("kubeconfig file for kubectl.", valueName: "path"))
    var kubeconfig: String?

    @Option(name: .long, help: ArgumentHelp("Save each raw kubectl response under DIR/<cluster>/ for replay with --from.", valueName: "dir"))
    var capture: String?

    @Option(name: .long, help: ArgumentHelp("Label key naming a workload's team; repeat to give an order (default: team, owner, app.kubernetes.io/part-of, then the namespace's labels).", valueName: "key"))
    var teamLabel: [String] = []

    @Option(name: .long, help: ArgumentHelp("Team for workloads that no label names.", valueName: "name"))
    var defaultTeam: String = "unassigned"

    @Option(name: .long, help: ArgumentHelp("Retries of a failed kubectl call, with doubling backoff from 1 s.", valueName: "n"))
    var retries: Int = 3

    @Option(name: .long, help: ArgumentHelp("The kubectl program.", valueName: "path"))
    var kubectl: String = "kubectl"

    /// `--summary`: records written per kind.
    @OptionGroup var options: FilterOptions

    func validate() throws {
        if from != nil && !context.isEmpty { throw ValidationError("--from and --context exclude each other") }
        if from == "-" && cluster == nil { throw ValidationError("--from - needs --cluster NAME") }
        if cluster != nil && context.count > 1 { throw ValidationError("--cluster names one cluster; with several --context each is named after its context") }
        if retries < 0 { throw ValidationError("--retries must be 0 or more") }
    }

    func run() throws {
        let diagnostics = options.diagnostics("collect-cluster")
        let teams = TeamResolver(keys: teamLabel.isEmpty ? TeamResolver.defaultKeys : teamLabel, fallback: defaultTeam)
        let collector = ClusterCollector(teams: teams, diagnostics: diagnostics)
        var totals: [String: Int] = [:]
        defer { if options.summary { diagnostics.note(ClusterCollector.summary(totals, errors: diagnostics.errorCount)) } }
        try FilterRun.writing(diagnostics) { writer in
            for snapshot in try snapshots(collector) {
                totals.merge(try collector.write(snapshot, to: writer), uniquingKeysWith: +)
            }
        }
    }

    /// One snapshot per cluster, offline or live.
    private func snapshots(_ collector: ClusterCollector) throws -> [ClusterSnapshot] {
        if let from {
            return try collector.offlineSources(path: from, cluster: cluster).map {
                try collector.readOffline(cluster: $0.cluster, files: $0.files)
            }
        }
        var targets = ClusterCollector.LiveTargets()
        (targets.kubectl, targets.kubeconfig, targets.contexts) = (kubectl, kubeconfig, context)
        (targets.retries, targets.cluster, targets.capture) = (retries, cluster, capture)
        return try collector.readLive(targets)
    }
}
