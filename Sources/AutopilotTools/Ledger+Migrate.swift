import ArgumentParser
import AutopilotKit
import Foundation

extension Ledger {
    struct Migrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move a ledger into another, empty one: a bastion's SQLite file into the fleet's PostgreSQL, or back.",
            discussion: """
                Every finding, transition, run, cost history line, Slack message id, seen signature, bill \
                reconciliation and incident is copied with its ids and run numbers, in one transaction on the \
                target (a failed copy leaves it as it was), which must be empty (exit 73 otherwise). Both are \
                opened as every ledger command opens them, so each is first migrated to this version's schema; \
                the source's rows are only read. Passwords as for --db: PGPASSWORD, PGPASSFILE, or a file each.

                Example:
                  ledger migrate --from sqlite:/var/lib/autopilot/autopilot.db --to postgresql://autopilot@db.internal/autopilot?sslmode=verify-full
                """)

        @Option(help: ArgumentHelp("The ledger to copy (sqlite:PATH, a path, or a postgresql:// URL).", valueName: "location"))
        var from: String

        @Option(help: ArgumentHelp("The empty ledger to fill (a postgresql:// URL, sqlite:PATH or a path).", valueName: "location"))
        var to: String

        @Option(help: ArgumentHelp("A file whose first line is --from's PostgreSQL password.", valueName: "file"))
        var fromPasswordFile: String?

        @Option(help: ArgumentHelp("A file whose first line is --to's PostgreSQL password.", valueName: "file"))
        var toPasswordFile: String?

        @Flag(help: "Print the rows copied per table on stderr.")
        var summary = false

        func validate() throws {
            if let path = LedgerLocation(from).missingFile {
                throw ValidationError("--from: no ledger at \(path)")
            }
            if LedgerLocation(from) == LedgerLocation(to) { throw ValidationError("--from and --to are the same ledger") }
        }

        func run() throws {
            let diagnostics = Diagnostics(tool: "ledger")
            try Ledger.exitingOnFailure(diagnostics) {
                let source = try LedgerStore(at: from, passwordFile: fromPasswordFile)
                let target = try LedgerStore(at: to, passwordFile: toPasswordFile)
                let copied = try LedgerMigration.copy(from: source, to: target)
                if summary {
                    let counts = copied.map { "\($0.rows) \($0.table)" }.joined(separator: ", ")
                    diagnostics.note("migrated \(source.db.name) to \(target.db.name): \(counts)")
                }
            }
        }
    }
}
