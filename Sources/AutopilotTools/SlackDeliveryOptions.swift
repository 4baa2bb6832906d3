import ArgumentParser
import AutopilotKit
import Foundation

/// How notify-slack sends: the Web API with SLACK_BOT_TOKEN, an incoming webhook, or nowhere (--dry-run).
struct SlackDeliveryOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Send through this incoming webhook instead of the Web API (or set SLACK_WEBHOOK_URL, which keeps the secret out of the process list).", valueName: "url"))
    var webhookUrl: String?

    /// --webhook-url, else SLACK_WEBHOOK_URL.
    var webhook: String? {
        webhookUrl ?? ProcessInfo.processInfo.environment["SLACK_WEBHOOK_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    @Option(help: ArgumentHelp("Slack Web API base URL.", valueName: "url"))
    var apiUrl: String = "https://slack.com/api"

    @Flag(help: "Print the payloads as NDJSON instead of sending them.")
    var dryRun = false

    func validate() throws {
        // The URL is the credential: it is not repeated in the message.
        if let webhook, URL(string: webhook)?.scheme == nil { throw ValidationError("--webhook-url (or SLACK_WEBHOOK_URL) is not a URL") }
        let token = ProcessInfo.processInfo.environment["SLACK_BOT_TOKEN"] ?? ""
        if !dryRun && webhook == nil && token.isEmpty {
            throw ValidationError("set SLACK_BOT_TOKEN, or give --webhook-url (or SLACK_WEBHOOK_URL), or --dry-run")
        }
    }

    var delivery: NotifyFilter.Delivery {
        let token = ProcessInfo.processInfo.environment["SLACK_BOT_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        if dryRun { return .dryRun }
        return webhook.map { .webhook(SlackClient(apiURL: apiUrl, token: nil), url: $0) } ?? .bot(SlackClient(apiURL: apiUrl, token: token))
    }
}
