import ArgumentParser
import AutopilotKit
import Foundation

/// Every tool Autopilot ships, by the name it is called with. One binary holds them all, the way busybox
/// does: `make install` puts `autopilot` in PREFIX/bin and a link per tool name beside it, so
/// `detect-waste …` and `autopilot detect-waste …` run the same command. The names and behaviour are those
/// of the per-tool executables the tests run.
public enum Tools {
    /// The release's version: `autopilot --version`, and the name of `make dist`'s archive.
    public static let version = "0.11.0"

    static let commands: [(name: String, command: any ParsableCommand.Type)] = [
        ("collect-cluster", CollectCluster.self),
        ("collect-metrics", CollectMetrics.self),
        ("detect-waste", DetectWaste.self),
        ("detect-incidents", DetectIncidents.self),
        ("score-risk", ScoreRisk.self),
        ("build-evidence", BuildEvidence.self),
        ("emit-pr", EmitPR.self),
        ("ledger", Ledger.self),
        ("render-report", RenderReport.self),
        ("render-site", RenderSite.self),
        ("notify-slack", NotifySlack.self),
        ("slack-approvals", SlackApprovals.self),
        ("receive-alerts", ReceiveAlerts.self),
        ("synth-cluster", SynthClusterCommand.self),
        ("autopilot-run", AutopilotRun.self),
        ("autopilot-doctor", AutopilotDoctor.self),
    ]

    /// The names `make install` links to the multi-call binary.
    public static var names: [String] { commands.map(\.name) }

    /// Runs tool `name` on `arguments` (argv without the program name) and exits with its status.
    public static func run(_ name: String, arguments: [String]) -> Never {
        guard let command = commands.first(where: { $0.name == name })?.command else {
            writeStderr("autopilot: no tool named '\(name)'; the tools are: \(names.joined(separator: ", "))\n")
            exit(ExitCode.validationFailure.rawValue)
        }
        command.main(arguments)
        exit(0)
    }

    /// The multi-call entry point: the basename of argv[0] picks the tool (a link named `detect-waste`);
    /// called as `autopilot`, the first argument does (`autopilot detect-waste --help`).
    public static func multiCall(_ argv: [String] = CommandLine.arguments) -> Never {
        let called = argv.first.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "autopilot"
        if names.contains(called) { run(called, arguments: Array(argv.dropFirst())) }
        let rest = Array(argv.dropFirst())
        switch rest.first {
        case "--list":
            names.forEach { print($0) }
            exit(0)
        case "--version":
            print("autopilot \(version)")
            exit(0)
        case nil, "-h", "--help", "help":
            print("""
                autopilot \(version): find waste and reliability risk in EKS clusters, as composable filters.

                USAGE: autopilot <tool> [options]   (or call the tool by name: a link to this binary)

                TOOLS: \(names.joined(separator: ", "))

                `autopilot <tool> --help` describes one; `autopilot --list` prints the names (make install links them).
                """)
            exit(rest.isEmpty ? ExitCode.validationFailure.rawValue : 0)
        case let tool?:
            run(tool, arguments: Array(rest.dropFirst()))
        }
    }
}
