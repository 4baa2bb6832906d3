import ArgumentParser
import AutopilotKit
import Foundation

struct Ledger: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Keep every finding's life and the savings it realized: in a SQLite file, or in a PostgreSQL database a fleet shares.",
        discussion: """
            A finding goes detected → approved → implemented → verified, or is rejected by a human, or \
            expires when a run no longer reports it. `record` runs in the pipeline; `approve` and `reject` \
            are for people and the Slack flow; `export` is for finance.

            --db is a SQLite file (WAL mode; every run is one transaction, and two cron runs at once queue \
            on a busy timeout instead of corrupting it) or a postgresql:// URL: one database for every \
            cluster's runs, each run one transaction holding its clusters' advisory locks, so runs of \
            different clusters write side by side and two runs of one cluster queue. Either is migrated \
            forward on open, by the same versioned migrations.

            Exit status: 0 ok, 64 usage, 65 malformed input or an unknown/ineligible finding, 69 the \
            PostgreSQL server cannot be reached or refuses the login (64 for a URL libpq cannot read), 73 migrate into a ledger that is not \
            empty, 74 I/O or database error (a run of the same cluster holding the lock for 5 minutes too).
            """,
        subcommands: [Record.self, Approve.self, Reject.self, Export.self, Incidents.self, Migrate.self])

    struct Options: ParsableArguments {
        @Option(help: ArgumentHelp("The ledger: a SQLite file (a path, or sqlite:PATH), or a PostgreSQL database shared by a fleet (postgresql://user@host/db?sslmode=verify-full; password from PGPASSWORD, PGPASSFILE or --db-password-file).",
                                   valueName: "path|url"))
        var db = "autopilot.db"

        @Option(help: ArgumentHelp("A file whose first line is the PostgreSQL password (a mounted Secret).", valueName: "file"))
        var dbPasswordFile: String?

        /// Opens the ledger (creating a SQLite file if needed) and migrates it.
        func open() throws -> LedgerStore { try LedgerStore(at: db, passwordFile: dbPasswordFile) }

        /// approve, reject, export and incidents read a ledger: a mistyped path must not create an empty file.
        func requireExisting() throws {
            if let path = LedgerLocation(db).missingFile {
                throw ValidationError("--db: no ledger at \(path) (`ledger record` creates it)")
            }
        }

        func openExisting() throws -> LedgerStore {
            try requireExisting()
            return try open()
        }
    }
}

extension Ledger {
    /// Runs `body`, and turns a failure into one line on stderr and its exit status: 69 a server that does not
    /// answer, 64 a URL that is no URL, 73 a migrate target that is not empty, 74 any other database or I/O
    /// error. (Subcommands that stream records get the same from ToolRun.)
    static func exitingOnFailure<T>(_ diagnostics: Diagnostics, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ValidationError {
            throw error
        } catch let error as ServiceUnavailable {
            diagnostics.reportError(error.message)
            throw ExitCode(ExitStatus.unavailable.rawValue)
        } catch let error as ValidationFailure {
            diagnostics.reportError(error.message)
            throw ExitCode(ExitStatus.usage.rawValue)
        } catch let error as LedgerMigration.TargetNotEmpty {
            diagnostics.reportError("\(error)")
            throw ExitCode(ExitStatus.cannotCreate.rawValue)
        } catch {
            diagnostics.reportError("\(error)")
            throw ExitCode(ExitStatus.ioError.rawValue)
        }
    }
}
