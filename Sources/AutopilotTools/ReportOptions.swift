import ArgumentParser
import AutopilotKit
import Foundation

/// What render-report and render-site read besides the stream, and how both read it: the week's end,
/// prices and the bill for an allocation the stream lacks, the ledger for pasted commands.
struct ReportOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The end of the reported week, RFC 3339 (default: the latest ledger transition or record time, else now).", valueName: "time"))
    var now: String?

    @Option(help: ArgumentHelp("Prices for the allocation when the stream has no cost history, as detect-waste's --prices.", valueName: "file"))
    var prices: String?

    @Option(help: ArgumentHelp("Billing exports (as detect-waste's --billing): reconcile the allocation to the bill when the stream has no ledger reconciliation.",
                               valueName: "path"))
    var billing: String?

    @Option(help: ArgumentHelp("The ledger the stream came from (as ledger's --db), written into the next steps' commands so that they work when pasted (never its password). Not opened.",
                               valueName: "path-or-url"))
    var db: String?

    func validate() throws {
        if let now, RFC3339.date(now) == nil { throw ValidationError("--now: '\(now)' is not RFC 3339 or Unix seconds") }
        if let billing, !FileManager.default.fileExists(atPath: billing) { throw ValidationError("--billing: \(billing): no such file or directory") }
    }

    func priceTable() throws -> PriceTable {
        do { return try .embedded(merging: prices) } catch { throw ValidationError("--prices: \(error)") }
    }

    /// The stream from stdin, the week's end and the cost model (the bill read only when the stream has no
    /// ledger reconciliation, which is the bill's already).
    func read(_ table: PriceTable, _ diagnostics: Diagnostics) throws -> (set: ClusterSet, now: Date, model: CostModel) {
        let set = try ClusterSet.read(NDJSONReader(fileDescriptor: 0, source: "<stdin>"), forwardingTo: nil, diagnostics: diagnostics)
        var bill: Bill?
        if set.billReconciliations.isEmpty, let billing {
            do { bill = try BillingReader.read(path: billing) { diagnostics.warning("--billing: \($0)") } } catch {
                throw ValidationFailure("--billing: \(error)")
            }
        }
        return (set, now.flatMap(RFC3339.date) ?? Self.latest(set) ?? Date(), CostModel(prices: table, bill: bill))
    }

    /// The ledger as the pages may name it: a path, or a URL without its password.
    var ledger: String? { db.map { LedgerLocation($0).description } }

    /// The latest moment the ledger or the cluster records speak of.
    static func latest(_ set: ClusterSet) -> Date? {
        let ledgerTimes = set.ledger.compactMap { $0["lastSeen"]?.string.flatMap(RFC3339.date) }
        return (ledgerTimes + [set.latestTime].compactMap { $0 }).max()
    }
}
