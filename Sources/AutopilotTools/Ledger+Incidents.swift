import ArgumentParser
import AutopilotKit
import Foundation

extension Ledger {
    struct Incidents: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the incidents the ledger keeps: status, root cause, when detected and resolved, linked findings.",
            discussion: """
                An incident is open from the run that first reports it, resolved by the first run of its \
                cluster that no longer does, and reopened if a later run reports it again. Newest detection first.

                Examples:
                  ledger incidents --db postgresql://autopilot@db/autopilot --open
                  ledger incidents --cluster prod-eu --format csv > incidents.csv
                """)

        @OptionGroup var options: Ledger.Options
        @Flag(help: "Only incidents still open (open or reopened).") var open = false
        @Option(help: ArgumentHelp("Only this cluster's (repeatable).", valueName: "name")) var cluster: [String] = []
        @Option(help: ArgumentHelp("table, ndjson or csv.", valueName: "format")) var format = "table"

        func validate() throws {
            if !["table", "ndjson", "csv"].contains(format) { throw ValidationError("--format must be table, ndjson or csv") }
        }

        func run() throws {
            try options.requireExisting()
            let diagnostics = Diagnostics(tool: "ledger")
            try FilterRun.writing(diagnostics) { writer in
                let records = try LedgerExport(store: try options.open()).incidents(clusters: cluster.isEmpty ? nil : cluster, openOnly: open)
                switch format {
                case "ndjson": for record in records { try writer.write(record) }
                case "csv": try writer.write(raw: Array(IncidentListing.csv(records).dropLast().utf8))
                default: if !records.isEmpty { try writer.write(raw: Array(IncidentListing.table(records).dropLast().utf8)) }
                }
            }
        }
    }
}
