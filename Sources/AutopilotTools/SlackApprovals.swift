import ArgumentParser
import AutopilotKit
import Foundation

struct SlackApprovals: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slack-approvals",
        abstract: "Serve Slack's interactivity callbacks: Approve / Reject / Explain on notify-slack's messages.",
        discussion: """
            Point the Slack app's Interactivity Request URL at http(s)://HOST/slack/interactions (behind your TLS \
            proxy). Every request's X-Slack-Signature (v0, HMAC-SHA256 with the signing secret) is checked before \
            anything else, requests older than 5 minutes and replays are refused (401, one log line).

            Approve / Reject: only users on the --config allow-list for the finding's team (or on its global \
            approvers) may decide; others get an ephemeral "not allowed" and nothing changes. A decision moves the \
            finding in the ledger (actor slack:NAME (USER ID)), updates the original message to show who decided \
            and when, on Approve marks the PR ready for review and labels it autopilot-approved, on Reject \
            closes it and labels it autopilot-rejected (with --github-repo and GITHUB_TOKEN). Explain answers in \
            the message's thread with the risk reasons and the basis of the recommendation (what `ledger approve` \
            prints too).

            A valid callback is answered 200 at once (Slack allows 3 seconds) and its work done after, one \
            callback at a time; what cannot be done is said to the user in an ephemeral reply and logged.

            GET /healthz answers ok. SIGTERM or SIGINT stops accepting, lets requests in flight finish and the \
            work of every acknowledged callback, exits 0. Logs go to stderr, one line each.

            Example:
              SLACK_BOT_TOKEN=… GITHUB_TOKEN=… slack-approvals --listen 127.0.0.1:9096 --db autopilot.db \\
                --signing-secret-file /etc/autopilot/slack-signing-secret --config slack.yaml --github-repo acme/infra
            """)

    @Option(help: ArgumentHelp("Address to listen on.", valueName: "host:port"))
    var listen = ListenAddress(argument: "127.0.0.1:9096")!

    @Option(help: ArgumentHelp("The ledger the decisions are recorded in (a SQLite path or a postgresql:// URL, as ledger's --db).",
                               valueName: "path|url"))
    var db: String

    @Option(help: ArgumentHelp("A file whose first line is the ledger's PostgreSQL password.", valueName: "file"))
    var dbPasswordFile: String?

    @Option(help: ArgumentHelp("File holding the Slack app's signing secret.", valueName: "path"))
    var signingSecretFile: String

    @Option(help: ArgumentHelp("YAML with the approvers per team (see notify-slack).", valueName: "file"))
    var config: String

    @Option(help: ArgumentHelp("Slack Web API base URL.", valueName: "url"))
    var slackApiUrl: String = "https://slack.com/api"

    @Option(help: ArgumentHelp("Mark PRs ready and label them on this GitHub repository (token from GITHUB_TOKEN).", valueName: "owner/name"))
    var githubRepo: String?

    @Option(help: ArgumentHelp("GitHub API base URL.", valueName: "url"))
    var apiUrl: String = "https://api.github.com"

    func validate() throws {
        if let path = LedgerLocation(db).missingFile { throw ValidationError("--db: \(path) does not exist; run `ledger record` first") }
        guard let secret = try? String(contentsOfFile: signingSecretFile, encoding: .utf8),
            !secret.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        else { throw ValidationError("--signing-secret-file: cannot read a secret from \(signingSecretFile)") }
        if let githubRepo, githubRepo.split(separator: "/").count != 2 { throw ValidationError("--github-repo must be OWNER/NAME") }
    }

    func run() throws {
        let secret = try String(contentsOfFile: signingSecretFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let slackConfig: SlackConfig
        do { slackConfig = try SlackConfig.load(config) } catch { throw ValidationError("--config: \(error)") }
        let environment = ProcessInfo.processInfo.environment
        let slackToken = environment["SLACK_BOT_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        let github = githubRepo.flatMap { repo in
            environment["GITHUB_TOKEN"].flatMap { $0.isEmpty ? nil : GitHubClient(apiURL: apiUrl, repository: repo, token: $0) }
        }
        let log: @Sendable (String) -> Void = { writeStderr("slack-approvals: \($0)\n") }
        let service = ApprovalService(signingSecret: Array(secret.utf8), ledgerPath: db, ledgerPasswordFile: dbPasswordFile, config: slackConfig,
                                      slack: SlackClient(apiURL: slackApiUrl, token: slackToken), github: github, log: log)
        let server = HTTPServer(host: listen.host, port: listen.port, log: log) { service.handle($0) }
        let bound: Int
        do { bound = try server.start() } catch {
            writeStderr("slack-approvals: cannot listen on \(listen): \(error)\n")
            throw ExitCode(69)
        }
        // The one line a supervisor (or a test) waits for.
        FileHandle.standardOutput.write(Data("LISTENING \(bound)\n".utf8))
        server.serveUntilTerminated()
        // Clicks already acknowledged still get their ledger change, PR update and Slack message.
        service.finish()
    }
}
