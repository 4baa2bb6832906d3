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

    @Option(help: ArgumentHelp("Send through this incoming webhook instead of the Web API (or set SLACK_WEBHOOK_URL, which keeps the secret out of the process list).", valueName: "url"))
    var webhookUrl: String?

    /// --webhook-url, else SLACK_WEBHOOK_URL.
    private var webhook: String? {
        webhookUrl ?? ProcessInfo.processInfo.environment["SLACK_WEBHOOK_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    @Option(help: ArgumentHelp("Slack Web API base URL.", valueName: "url"))
    var apiUrl: String = "https://slack.com/api"

    @Option(help: ArgumentHelp("Link View details to URL/<finding id>/evidence.html.", valueName: "url"))
    var evidenceUrl: String?

    @Option(help: ArgumentHelp("Time recorded for the messages, RFC 3339 (default now).", valueName: "time"))
    var now: String?

    @Flag(help: "Print the payloads as NDJSON instead of sending them.")
    var dryRun = false

    @Flag(help: "Stop at the first malformed input line (exit 65).")
    var strict = false

    @Flag(help: "Print a one-line summary on stderr.")
    var summary = false

    func validate() throws {
        // The URL is the credential: it is not repeated in the message.
        if let webhook, URL(string: webhook)?.scheme == nil { throw ValidationError("--webhook-url (or SLACK_WEBHOOK_URL) is not a URL") }
        if let now, RFC3339.date(now) == nil { throw ValidationError("--now: '\(now)' is not an RFC 3339 time") }
        if let db, let path = LedgerLocation(db).missingFile { throw ValidationError("--db: \(path) does not exist; run `ledger record` first") }
        let token = ProcessInfo.processInfo.environment["SLACK_BOT_TOKEN"] ?? ""
        if !dryRun && webhook == nil && token.isEmpty {
            throw ValidationError("set SLACK_BOT_TOKEN, or give --webhook-url (or SLACK_WEBHOOK_URL), or --dry-run")
        }
    }

    func run() throws {
        var settings = NotifyFilter.Settings()
        if !gate.isEmpty { settings.gates = Set(gate) }
        settings.channel = channel
        settings.ledger = db
        settings.ledgerPasswordFile = dbPasswordFile
        settings.evidenceBaseURL = evidenceUrl
        settings.now = now.flatMap(RFC3339.date) ?? Date()
        if let config {
            do { settings.config = try SlackConfig.load(config) } catch { throw ValidationError("--config: \(error)") }
        }
        let token = ProcessInfo.processInfo.environment["SLACK_BOT_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        let delivery: NotifyFilter.Delivery =
            dryRun ? .dryRun
            : webhook.map { .webhook(SlackClient(apiURL: apiUrl, token: nil), url: $0) } ?? .bot(SlackClient(apiURL: apiUrl, token: token))
        let diagnostics = Diagnostics(tool: "notify-slack", strict: strict)
        let writer = NDJSONWriter()
        let filter = NotifyFilter(diagnostics: diagnostics, delivery: delivery, settings: settings)
        let status = ToolRun.run(diagnostics, writer: writer) {
            let outcome = try filter.run(NDJSONReader(fileDescriptor: 0, source: "<stdin>"), to: writer)
            try writer.flush()
            if summary {
                diagnostics.note("\(outcome.posted) posted, \(outcome.updated) updated, \(outcome.unchanged) unchanged, \(outcome.failed) not sent")
            }
        }
        if status != .ok { throw ExitCode(status.rawValue) }
    }
}
