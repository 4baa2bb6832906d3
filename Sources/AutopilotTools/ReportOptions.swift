import ArgumentParser
import AutopilotKit
import Foundation

/// What render-report and render-site read besides the stream, and how both read it: the week's end,
/// prices and the bill for an allocation the stream lacks, the ledger for pasted commands.
struct ReportOptions: ParsableArguments {
    @Option(help: Moment.help("The end of the reported week (default: the latest ledger transition or record time, else now)."))
    var now: Moment?

    /// For the allocation when the stream has no cost history, as detect-waste was given.
    @OptionGroup var pricing: PricingOptions

    @Option(help: ArgumentHelp("Billing exports (as detect-waste's --billing): reconcile the allocation to the bill when the stream has no ledger reconciliation.",
                               valueName: "path"))
    var billing: String?

    @Option(help: ArgumentHelp("The ledger the stream came from (as ledger's --db), written into the next steps' commands so that they work when pasted (never its password). Not opened.",
                               valueName: "path-or-url"))
    var db: String?

    @OptionGroup var filter: FilterOptions

    func validate() throws {
        if let billing, !FileManager.default.fileExists(atPath: billing) { throw ValidationError("--billing: \(billing): no such file or directory") }
    }

    /// The render tools' run: the stream from stdin, the week's end and the cost model (the bill read only
    /// when the stream has no ledger reconciliation, which is the bill's already) given to `render`, which
    /// writes the files; nothing goes to stdout.
    func run(_ tool: String, _ render: (ClusterSet, Date, CostModel, Diagnostics) throws -> Void) throws {
        let table = try pricing.table()
        let diagnostics = filter.diagnostics(tool)
        try FilterRun.run(diagnostics) { reader, _ in
            let set = try ClusterSet.read(reader, forwardingTo: nil, diagnostics: diagnostics)
            var bill: Bill?
            if set.billReconciliations.isEmpty, let billing {
                do { bill = try BillingReader.read(path: billing) { diagnostics.warning("--billing: \($0)") } } catch {
                    throw ValidationFailure("--billing: \(error)")
                }
            }
            let model = pricing.costModel(table, bill: bill)
            try render(set, now?.date ?? Self.latest(set) ?? Date(), model, diagnostics)
        }
    }

    /// The ledger as the pages may name it: a path, or a URL without its password.
    var ledger: String? { db.map { LedgerLocation($0).description } }

    /// The latest moment the ledger or the cluster records speak of.
    static func latest(_ set: ClusterSet) -> Date? {
        let ledgerTimes = set.ledger.compactMap { $0["lastSeen"]?.string.flatMap(RFC3339.date) }
        return (ledgerTimes + [set.latestTime].compactMap { $0 }).max()
    }
}
