import ArgumentParser
import AutopilotKit
import Foundation

extension Ledger {
    struct Record: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a run: forward the stream, then append `ledger`, `costhistory`, `ledgerincident` and (with --billing) `billreconciliation` records.",
            discussion: """
                Input: the stream of one run (findings after score-risk; `change` records from emit-pr; the \
                cluster's node, pod, workload, volume, hpa and usage records, for verification and the cost \
                history; `incident` records from detect-incidents). Several clusters may be concatenated. \
                Output: the input, then one `ledger` record per finding of the run's clusters, one \
                `costhistory` record per (run, cluster, team), with --billing one `billreconciliation` record \
                per cluster (the allocation reconciled to the bill), and one `ledgerincident` record per \
                incident of the run's clusters (open → resolved when a run no longer reports it → reopened).

                Findings gated `auto` by score-risk are approved by the policy. emit-pr's `change` records \
                say where each finding's change stands (local branch, pushed, draft or open PR, merged, \
                closed, not patchable); only a merged PR implements a finding, or, once a run no longer \
                reports it, the cluster running its pushed change's values. Implemented findings are \
                verified against the run: live and safe → verified with the realized monthly savings; \
                not live yet, or unsafe (OOM kills, usage above the new request) → flagged, still implemented.

                Examples:
                  … | score-risk | ledger record --db /var/lib/autopilot/ledger.db | render-report --out report/
                  cat run/*/stream.ndjson | ledger record --now 2026-11-23T06:00:00Z
                """)

        @OptionGroup var options: Ledger.Options

        @Option(help: Moment.help("The run's time (default: the end of the usage window in the stream, else its latest time, else now)."))
        var now: Moment?

        /// For the cost history, as detect-waste was given.
        @OptionGroup var pricing: PricingOptions

        @Option(help: ArgumentHelp("Billing exports (FOCUS or CUR 2.0, as detect-waste's --billing): verify removals by the bill and reconcile the allocation to it.",
                                   valueName: "path"))
        var billing: String?

        /// `--strict` records nothing after a malformed line.
        @OptionGroup var filter: FilterOptions

        func run() throws {
            let diagnostics = filter.diagnostics("ledger")
            let model = try pricing.costModel(bill: try BillingOption.read(billing, diagnostics))
            try FilterRun.run(diagnostics) { reader, writer in
                let set = try ClusterSet.read(reader, forwardingTo: writer, diagnostics: diagnostics)
                let store = try options.open()
                let records = try LedgerRecorder(store: store, model: model, diagnostics: diagnostics)
                    .record(set, now: now?.date ?? set.latestTime ?? Date())
                for record in records { try writer.write(record) }
                if filter.summary { diagnostics.note(LedgerRecorder.summary(of: set, records: records, in: store)) }
            }
        }
    }
}
