import ArgumentParser
import AutopilotKit
import Foundation

struct ScoreRisk: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score-risk",
        abstract: "Add a risk score and an approval gate to every finding.",
        discussion: """
            Input: NDJSON records on stdin, as detect-waste writes them. Every record is forwarded; each \
            `finding` is written back (at the end, in input order) with a `risk` object: blastRadius, \
            latencyImpact, dependencyRisk, sloImpact (each 0–1 with the figures behind it), confidence, \
            overall (their weighted sum), level (low/medium/high), gate (auto/approve/block) and reasons[] \
            from which every score can be recomputed by hand.

            A change larger than the policy's maximum reduction per step (default 50%) is cut to its first \
            step: the finding's recommendation, cost and savings become the step's, and risk.step keeps the \
            final target; a later run continues from there.

            Exit status: 0 ok, 64 usage (bad option or policy file), 65 malformed input lines, 74 I/O error.

            Examples:
              … | detect-waste | score-risk | jq -c 'select(.kind=="finding") | {id, gate: .risk.gate, overall: .risk.overall}'
              … | detect-waste | score-risk --policy policy.yaml --summary
            """)

    @Option(help: ArgumentHelp("YAML policy: protectedNamespaces, allowAutoNamespaces, minReplicas, maxReductionPerStep, autoBelow, blockAbove, autoNodeChanges, autoSingleReplica, criticalMarker, sloEventReasons (see docs/tools/score-risk.md).", valueName: "file"))
    var policy: String?

    @Option(help: Moment.help("The time events are counted back from when a finding has no window (default: the data's)."))
    var now: Moment?

    /// `--summary`: findings by gate and level.
    @OptionGroup var options: FilterOptions

    func run() throws {
        var rules = RiskPolicy()
        if let policy {
            guard let bytes = try? FileIO.readAll(policy) else { throw ValidationError("--policy: cannot read \(policy)") }
            do { try rules.apply(yaml: bytes, source: policy) } catch { throw ValidationError("--policy: \(error)") }
        }
        let diagnostics = options.diagnostics("score-risk")
        let filter = RiskFilter(diagnostics: diagnostics, policy: rules, now: now?.date)
        try FilterRun.run(diagnostics) { reader, writer in
            let risks = try filter.run(reader, to: writer)
            try writer.flush()
            if options.summary {
                let gates = ["auto", "approve", "block"].map { gate in "\(risks.filter { $0.gate.rawValue == gate }.count) \(gate)" }
                let levels = ["low", "medium", "high"].map { level in "\(risks.filter { $0.level == level }.count) \(level)" }
                diagnostics.note("\(risks.count) findings scored: \(gates.joined(separator: ", ")); \(levels.joined(separator: ", "))")
            }
        }
    }
}
