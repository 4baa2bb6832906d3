import ArgumentParser
import AutopilotKit
import Foundation

struct NotifySlack: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify-slack",
        abstract: "Ask for approval in Slack: one Block Kit message per finding that needs a person.",
        discussion: """
            Input: NDJSON records on stdin (after emit-pr, so messages link the PRs; after `ledger record`, so they \
            know who decided). Every record is forwarded; each finding whose gate is `approve` (or --gate) is written \
            back with `notified` (true/false) and `notification: {channel, ts, action, reason}`.

            The message: the opportunity in one line, monthly savings, confidence, risk level and score with its top \
            reasons, the PR, and Approve / Reject / Explain / View details buttons (slack-approvals answers them). \
            With --db, the message's ts is kept in the ledger: a later run updates the same message (chat.update) \
            instead of posting again, shows who decided once someone has, and posts anew only when the finding comes \
            back after expiring. Channels: --channel, else the team's channel from --config, else its defaultChannel.

            Sending: a bot token (SLACK_BOT_TOKEN; chat.postMessage / chat.update) or --webhook-url (an incoming \
            webhook: posts once per lifecycle, cannot update). HTTP 429 is waited out (Retry-After). If Slack is \
            down, the findings flow on with `notified: false` and the reason, and the exit status is 69. --dry-run \
            prints the payloads (`slackmessage` records) instead of sending.

            Exit status: 0 ok, 64 usage, 65 malformed input lines, 69 Slack unreachable, 74 I/O error.

            Examples:
              … | emit-pr --repo ~/infra | ledger record --db a.db | SLACK_BOT_TOKEN=… notify-slack --db a.db --config slack.yaml
              … | notify-slack --dry-run --channel '#savings' | jq 'select(.kind=="slackmessage") | .payload'
            """)

    @Option(help: ArgumentHelp("The ledger that remembers each message's ts and who decided (a SQLite path or a postgresql:// URL, as ledger's --db).",
                               valueName: "path|url"))
    var db: String?

    @Option(help: ArgumentHelp("A file whose first line is the ledger's PostgreSQL password.", valueName: "file"))
    var dbPasswordFile: String?

    @Option(help: ArgumentHelp("YAML: defaultChannel, approvers, teams: {TEAM: {channel, approvers}}.", valueName: "file"))
    var config: String?

    @Option(help: ArgumentHelp("Send every message to this channel (name or id).", valueName: "channel"))
    var channel: String?

    @Option(help: ArgumentHelp("Gates that ask a person (repeatable; default approve).", valueName: "gate"))
    var gate: [String] = []

    @OptionGroup var delivery: SlackDeliveryOptions

    @Option(help: ArgumentHelp("Link View details to URL/<finding id>/evidence.html.", valueName: "url"))
    var evidenceUrl: String?

    @Option(help: Moment.help("Time recorded for the messages (default now)."))
    var now: Moment?

    @OptionGroup var options: FilterOptions

    func validate() throws {
        if let db, let path = LedgerLocation(db).missingFile { throw ValidationError("--db: \(path) does not exist; run `ledger record` first") }
    }

    func run() throws {
        var settings = NotifyFilter.Settings()
        if !gate.isEmpty { settings.gates = Set(gate) }
        settings.channel = channel
        settings.ledger = db
        settings.ledgerPasswordFile = dbPasswordFile
        settings.evidenceBaseURL = evidenceUrl
        settings.now = now?.date ?? Date()
        if let config {
            do { settings.config = try SlackConfig.load(config) } catch { throw ValidationError("--config: \(error)") }
        }
        let diagnostics = options.diagnostics("notify-slack")
        let filter = NotifyFilter(diagnostics: diagnostics, delivery: delivery.delivery, settings: settings)
        try FilterRun.run(diagnostics) { reader, writer in
            let outcome = try filter.run(reader, to: writer)
            try writer.flush()
            if options.summary {
                diagnostics.note("\(outcome.posted) posted, \(outcome.updated) updated, \(outcome.unchanged) unchanged, \(outcome.failed) not sent")
            }
        }
    }
}
