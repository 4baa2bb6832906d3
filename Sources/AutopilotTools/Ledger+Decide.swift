import ArgumentParser
import AutopilotKit
import Foundation

extension Ledger {
    /// approve and reject: a person's decision on a finding, with who and why. Prints the finding's
    /// explanation (what Slack's Explain shows) so the terminal decision is as informed as the chat one.
    struct Decide {
        static func run(_ id: String, to status: FindingStatus, by actor: String, reason: String?, now: Moment?, options: Ledger.Options) throws {
            let diagnostics = Diagnostics(tool: "ledger")
            let at = now?.date ?? Date()
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
            if let text = try store.finding(id)?.row["finding"].string, let stored = try? JSON.parse(text) {
                print(FindingExplanation.text(FindingRecord(stored: stored)))
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
        @Option(help: Moment.help("When it was decided (default: now).")) var now: Moment?
        func run() throws { try Decide.run(id, to: .approved, by: by, reason: reason, now: now, options: options) }
    }

    struct Reject: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reject a detected or approved finding; later runs keep it rejected.")
        @OptionGroup var options: Ledger.Options
        @Argument(help: "The finding's id (f-…).") var id: String
        @Option(help: ArgumentHelp("Who rejects.", valueName: "name")) var by: String
        @Option(help: ArgumentHelp("Why, kept with the transition.", valueName: "text")) var reason: String?
        @Option(help: Moment.help("When it was decided (default: now).")) var now: Moment?
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
            try FilterRun.writing(diagnostics) { writer in
                let export = LedgerExport(store: try options.open())
                if format == "csv" {
                    try writer.write(raw: Array(try export.csv().dropLast().utf8))
                } else {
                    for record in try export.records() { try writer.write(record) }
                }
            }
        }
    }
}
