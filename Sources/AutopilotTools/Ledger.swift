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

        @Option(help: ArgumentHelp("The run's time, RFC 3339 (default: the end of the usage window in the stream, else its latest time, else now).", valueName: "time"))
        var now: String?

        @Option(help: ArgumentHelp("Prices for the cost history, as detect-waste's --prices.", valueName: "file"))
        var prices: String?

        @Option(help: ArgumentHelp("Spot discount where no spot price is known (0–1, default 0.65).", valueName: "share"))
        var spotDiscount: Double?

        @Option(help: ArgumentHelp("Billing exports (FOCUS or CUR 2.0, as detect-waste's --billing): verify removals by the bill and reconcile the allocation to it.",
                                   valueName: "path"))
        var billing: String?

        @Flag(help: "Stop at the first malformed input line (exit 65), recording nothing.")
        var strict = false

        @Flag(help: "Print a one-line summary on stderr.")
        var summary = false

        func validate() throws {
            if let now, RFC3339.date(now) == nil { throw ValidationError("--now: '\(now)' is not RFC 3339 or Unix seconds") }
            if let spotDiscount, !(0...1).contains(spotDiscount) { throw ValidationError("--spot-discount must be between 0 and 1") }
        }

        func run() throws {
            let table: PriceTable
            do { table = try .embedded(merging: prices) } catch { throw ValidationError("--prices: \(error)") }
            let diagnostics = Diagnostics(tool: "ledger", strict: strict)
            let model = CostModel(prices: table, spotDiscount: spotDiscount ?? CostModel.defaultSpotDiscount, bill: try BillingOption.read(billing, diagnostics))
            let writer = NDJSONWriter()
            let status = ToolRun.run(diagnostics, writer: writer) {
                let set = try ClusterSet.read(NDJSONReader(fileDescriptor: 0, source: "<stdin>"), forwardingTo: writer, diagnostics: diagnostics)
                let store = try options.open()
                let time = now.flatMap(RFC3339.date) ?? set.latestTime ?? Date()
                let records = try LedgerRecorder(store: store, model: model, diagnostics: diagnostics).record(set, now: time)
                for record in records { try writer.write(record) }
                if summary {
                    let ledger = records.filter { $0["kind"]?.stringValue == "ledger" }
                    let counts = FindingStatus.allCases.map { status in
                        "\(ledger.filter { $0["status"]?.stringValue == status.rawValue }.count) \(status.rawValue)"
                    }
                    let incidents = records.filter { $0["kind"]?.stringValue == "ledgerincident" }
                    let incidentCounts = IncidentStatus.allCases.map { status in
                        "\(incidents.filter { $0["status"]?.stringValue == status.rawValue }.count) \(status.rawValue)"
                    }
                    let changes = ChangeState.allCases.compactMap { state -> String? in
                        let count = ledger.filter { $0["change"]?["state"]?.stringValue == state.rawValue }.count
                        return count == 0 ? nil : "\(count) \(state.rawValue)"
                    }
                    diagnostics.note("\(set.findings.count) findings and \(set.incidents.count) incidents recorded in \(store.db.name); "
                        + "ledger: \(counts.joined(separator: ", ")); changes: \(changes.isEmpty ? "none" : changes.joined(separator: ", ")); "
                        + "incidents: \(incidentCounts.joined(separator: ", "))")
                }
            }
            if status != .ok { throw ExitCode(status.rawValue) }
        }
    }

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

    /// approve and reject: a person's decision on a finding, with who and why. Prints the finding's
    /// explanation (what Slack's Explain shows) so the terminal decision is as informed as the chat one.
    struct Decide {
        static func run(_ id: String, to status: FindingStatus, by actor: String, reason: String?, now: String?, options: Ledger.Options) throws {
            let diagnostics = Diagnostics(tool: "ledger")
            var at = Date()
            if let now {
                guard let date = RFC3339.date(now) else { throw ValidationError("--now: '\(now)' is not RFC 3339 or Unix seconds") }
                at = date
            }
            let (store, outcome) = try Ledger.exitingOnFailure(diagnostics) {
                let store = try options.openExisting()
                return (store, try LedgerDecision.decide(id, status, by: actor, reason: reason, at: at, in: store))
            }
            switch outcome {
            case .unknown:
                diagnostics.reportError("no finding \(id) in \(store.db.name); `ledger export` lists them")
                throw ExitCode(65)
            case .notAllowed(let current):
                let allowed = LedgerDecision.allowed(status).map(\.rawValue).joined(separator: " or ")
                diagnostics.reportError("\(id) is \(current.rawValue); only \(allowed) findings can be \(status.rawValue)")
                throw ExitCode(65)
            case .already:
                let last = try LedgerDecision.lastTransition(id, in: store)
                diagnostics.note("\(id) is already \(status.rawValue)\(last.map { " (by \($0.actor) at \($0.at))" } ?? "")")
            case .decided:
                break
            }
            if let text = try store.finding(id)?.row["finding"].string, let finding = try? FindingRecord(JSON.parse(text)) {
                print(FindingExplanation.text(finding))
            }
            if case .decided(let from) = outcome { print("\(id): \(from.rawValue) → \(status.rawValue) by \(actor)") }
        }
    }

    struct Approve: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Approve a detected finding.")
        @OptionGroup var options: Ledger.Options
        @Argument(help: "The finding's id (f-…).") var id: String
        @Option(help: ArgumentHelp("Who approves (a person, or slack:U123).", valueName: "name")) var by: String
        @Option(help: ArgumentHelp("Why, kept with the transition.", valueName: "text")) var reason: String?
        @Option(help: ArgumentHelp("When it was decided, RFC 3339 or Unix seconds (default: now).", valueName: "time")) var now: String?
        func run() throws { try Decide.run(id, to: .approved, by: by, reason: reason, now: now, options: options) }
    }

    struct Reject: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reject a detected or approved finding; later runs keep it rejected.")
        @OptionGroup var options: Ledger.Options
        @Argument(help: "The finding's id (f-…).") var id: String
        @Option(help: ArgumentHelp("Who rejects.", valueName: "name")) var by: String
        @Option(help: ArgumentHelp("Why, kept with the transition.", valueName: "text")) var reason: String?
        @Option(help: ArgumentHelp("When it was decided, RFC 3339 or Unix seconds (default: now).", valueName: "time")) var now: String?
        func run() throws { try Decide.run(id, to: .rejected, by: by, reason: reason, now: now, options: options) }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the whole ledger: NDJSON (ledger and costhistory records) or CSV (one row per finding).")
        @OptionGroup var options: Ledger.Options
        @Option(help: ArgumentHelp("ndjson or csv.", valueName: "format")) var format = "ndjson"

        func validate() throws {
            if format != "ndjson" && format != "csv" { throw ValidationError("--format must be ndjson or csv") }
        }

        func run() throws {
            try options.requireExisting()
            let diagnostics = Diagnostics(tool: "ledger")
            let writer = NDJSONWriter()
            let status = ToolRun.run(diagnostics, writer: writer) {
                let export = LedgerExport(store: try options.open())
                if format == "csv" {
                    try writer.write(raw: Array(try export.csv().dropLast().utf8))
                } else {
                    for record in try export.records() { try writer.write(record) }
                }
            }
            if status != .ok { throw ExitCode(status.rawValue) }
        }
    }
}
