import ArgumentParser
import AutopilotKit
import AutopilotSynth
import Foundation

struct SynthClusterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth-cluster",
        abstract: "Generate a realistic EKS cluster, its Prometheus data and the waste planted in it.",
        discussion: """
            Writes DIR as collect-cluster --capture would (one kubectl List per resource: nodes in a managed \
            node group and three Karpenter NodePools, namespaces of teams, Deployments with ReplicaSets, \
            StatefulSets with volumes, DaemonSets, CronJobs, HPAs, PDBs, Services, events), DIR/prometheus as \
            collect-metrics --capture would (every query it asks about this cluster, answered from the usage \
            model), and DIR/expected/waste.ndjson: one `planted` record per piece of waste put there on \
            purpose (over-requested CPU or memory, an HPA minimum too high, idle nodes, underused nodes of a \
            NodePool, Released volumes). Everything else is sized so no detector should flag it, so a run can \
            be scored for recall and precision. --openmetrics also writes DIR/openmetrics/metrics.om, the raw \
            series for `promtool tsdb create-blocks-from openmetrics`. The same seed and sizes give the same \
            bytes.

            Exit status: 0 ok, 64 usage, 74 I/O error.

            Examples:
              synth-cluster --nodes 50 --workloads 300 --pods 1500 --out /tmp/small
              collect-cluster --from /tmp/small | collect-metrics --from /tmp/small/prometheus | detect-waste --now 2026-11-20T12:00:00Z
            """)

    @Option(help: "Seed of the generator.") var seed: UInt64 = 1
    @Option(help: "Nodes (at least 8).") var nodes = 50
    @Option(help: "Workloads, three DaemonSets included.") var workloads = 300
    @Option(help: "Pods, one per node for each DaemonSet included.") var pods = 1_500
    @Option(help: "Days of Prometheus data, ending at --now.") var days = 7
    @Option(help: ArgumentHelp("Prometheus step of the captured answers.", valueName: "duration")) var step = "1h"
    @Option(help: "Share of Deployments and StatefulSets given planted waste.") var waste = 0.1
    @Option(help: "Cluster name (the directory's name is what collect-cluster calls it).") var cluster = "synth"
    @Option(help: Moment.help("End of the data.")) var now = Moment(argument: "2026-11-20T12:00:00Z")!
    @Option(help: ArgumentHelp("Directory to write.", valueName: "dir")) var out: String
    @Flag(help: "Also write the raw series as OpenMetrics text (large: a scrape every 150 s per series).") var openmetrics = false

    func run() throws {
        var spec = SynthSpec()
        spec.seed = seed
        spec.nodes = nodes
        spec.workloads = workloads
        spec.pods = pods
        spec.days = days
        spec.wasteFraction = waste
        spec.cluster = cluster
        guard let stepValue = Duration(step), 86_400 % stepValue.seconds == 0 else {
            throw ValidationError("--step: '\(step)' is not a Prometheus duration that divides a day")
        }
        spec.step = stepValue
        spec.now = now.date
        if let problem = spec.problem { throw ValidationError(problem) }
        let generated = SynthCluster(spec)
        do {
            try generated.write(to: out, openMetrics: openmetrics)
        } catch {
            writeStderr("synth-cluster: \(error)\n")
            throw ExitCode(74)
        }
        writeStderr("synth-cluster: wrote \(out): \(generated.summary)\n")
    }
}
