import Foundation

/// Answers Slack's interactivity callbacks for the approval messages. Every request's signature is checked
/// before its body is read; a request seen before is refused (signatures are kept in the ledger, so a
/// restart does not forget them). Approve and Reject move the finding in the ledger with the Slack user as
/// actor (allow-listed users only), mark the PR ready for review and label it on Approve (close and label
/// it on Reject), and update the original message to show who decided and when; Explain answers in the
/// thread.
///
/// Slack wants the callback answered within 3 seconds, and GitHub or the ledger's busy timeout may take
/// longer: a valid callback is acknowledged at once and its work runs after, one at a time, on
/// `followUps`; `finish()` waits for what is queued (slack-approvals calls it before exiting).
public final class ApprovalService: @unchecked Sendable {
    public let signingSecret: [UInt8]
    /// The ledger: a SQLite path or a PostgreSQL URL, with the password file for one.
    public let ledgerPath: String
    public let ledgerPasswordFile: String?
    public let config: SlackConfig
    public let slack: SlackClient
    public let github: GitHubClient?
    public var now: @Sendable () -> Date = { Date() }
    private let log: @Sendable (String) -> Void
    /// Decisions run here in the order they were clicked: two clicks on one finding never interleave.
    private let followUps = DispatchQueue(label: "autopilot.slack.followups")

    public init(signingSecret: [UInt8], ledgerPath: String, ledgerPasswordFile: String? = nil, config: SlackConfig, slack: SlackClient, github: GitHubClient?,
                log: @escaping @Sendable (String) -> Void) {
        self.signingSecret = signingSecret
        self.ledgerPath = ledgerPath
        self.ledgerPasswordFile = ledgerPasswordFile
        self.config = config
        self.slack = slack
        self.github = github
        self.log = log
    }

    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        switch (request.method, request.path) {
        case ("GET", "/healthz"): return .text(200, "ok")
        case ("POST", "/slack/interactions"): return interaction(request)
        case (_, "/slack/interactions"): return .text(405, "POST only")
        default: return .text(404, "not found")
        }
    }

    private func interaction(_ request: HTTPRequest) -> HTTPResponse {
        let signature = request.header("X-Slack-Signature")
        if case .failure(let failure) = SlackSignature.verify(timestamp: request.header("X-Slack-Request-Timestamp"), signature: signature,
                                                              body: request.body, secret: signingSecret, now: now()) {
            log("refused a Slack callback: \(failure)")
            return .text(401, "invalid request: \(failure)")
        }
        do {
            let store = try LedgerStore(at: ledgerPath, passwordFile: ledgerPasswordFile)
            guard try store.rememberSignature(signature ?? "", at: now(), keep: SlackSignature.window * 2) else {
                log("refused a Slack callback: the same signed request was already handled (a replay)")
                return .text(401, "invalid request: replayed")
            }
        } catch {
            // Without the ledger a replay cannot be told apart: refuse, and Slack's user sees it failed.
            log("refused a Slack callback: cannot check it against the requests already handled: \(error)")
            return .text(503, "ledger unavailable")
        }
        guard (request.header("Content-Type") ?? "").hasPrefix("application/x-www-form-urlencoded") else {
            return .text(415, "expected application/x-www-form-urlencoded")
        }
        guard let text = Self.formValue("payload", in: request.body), let payload = try? JSON.parse(text), payload.isObject else {
            log("refused a Slack callback: no JSON payload field")
            return .text(400, "expected a payload field holding JSON")
        }
        guard payload["type"]?.string == "block_actions", let action = payload["actions"]?.array.first,
            let id = action["value"]?.string, let user = payload["user", "id"]?.string
        else { return .text(200, "") }
        let name = payload["user", "username"]?.string ?? payload["user", "name"]?.string ?? user
        let context = Context(id: id, user: user, name: name, responseURL: payload["response_url"]?.string,
                              channel: payload["channel", "id"]?.string ?? payload["container", "channel_id"]?.string,
                              ts: payload["message", "ts"]?.string ?? payload["container", "message_ts"]?.string)
        let actionId = action["action_id"]?.string
        followUps.async { [self] in
            do {
                switch actionId {
                case "approve": try decide(.approved, context)
                case "reject": try decide(.rejected, context)
                case "explain": try explain(context)
                default: break  // View details is a link; nothing to do.
                }
            } catch {
                log("\(id): \(error)")
                tell(context, "Autopilot could not finish this: \(error)")
            }
        }
        return .text(200, "")
    }

    /// Waits until every acknowledged callback's work is done.
    public func finish() { followUps.sync {} }

    struct Context {
        var id: String
        var user: String
        var name: String
        var responseURL: String?
        var channel: String?
        var ts: String?
        var actor: String { "slack:\(name) (\(user))" }
    }

    private func decide(_ decision: FindingStatus, _ context: Context) throws {
        let store = try LedgerStore(at: ledgerPath, passwordFile: ledgerPasswordFile)
        guard let stored = try store.finding(context.id) else { return tell(context, "Autopilot's ledger has no finding \(context.id).") }
        let team = stored.row["team"].string
        guard config.mayDecide(user: context.user, team: team) else {
            log("\(context.id): \(context.actor) may not decide for team \(team ?? "unassigned"); nothing changed")
            return tell(context, "You are not on the approvers list for team \(team ?? "unassigned"); nothing was changed.")
        }
        let at = now()
        switch try LedgerDecision.decide(context.id, decision, by: context.actor, reason: "from Slack", at: at, in: store) {
        case .unknown: return tell(context, "Autopilot's ledger has no finding \(context.id).")
        case .already:
            let last = try LedgerDecision.lastTransition(context.id, in: store)
            return tell(context, "\(context.id) is already \(decision.rawValue)\(last.map { " (by \($0.actor) at \($0.at))" } ?? "").")
        case .notAllowed(let status):
            return tell(context, "\(context.id) is \(status.rawValue); it can no longer be \(decision.rawValue).")
        case .decided:
            log("\(context.id): \(decision.rawValue) by \(context.actor)")
        }
        let url = stored.row["change_url"].string
        if let url, url.contains("/pull/"), let github {
            do {
                let number = try pullNumber(url, github)
                if decision == .approved {
                    try markApproved(number, github)
                } else if try !close(number, github) {
                    tell(context, "Rejected, but its pull request \(url) is already merged: revert it to undo the change.")
                }
            } catch {
                log("\(context.id): \(decision.rawValue), but GitHub: \(error)")
                tell(context, "\(decision == .approved ? "Approved" : "Rejected"). Autopilot could not update the pull request: \(error)")
            }
        }
        guard let text = stored.row["finding"].string, let stored = try? JSON.parse(text) else { return }
        let finding = FindingRecord(stored: stored)
        var message = SlackMessage(finding: finding, pullRequestURL: url)
        message.decision = (decision.rawValue, context.actor, RFC3339.string(at))
        if let channel = context.channel, let ts = context.ts {
            try slack.update(channel: channel, ts: ts, text: message.text, blocks: message.blocks)
        } else if let responseURL = context.responseURL {
            try slack.post(to: responseURL, ["replace_original": true, "text": .string(message.text), "blocks": message.blocks])
        }
    }

    /// The number of the pull request at `url`, which must be one of the configured repository's.
    private func pullNumber(_ url: String, _ github: GitHubClient) throws -> Int64 {
        guard url.contains("/\(github.owner)/\(github.repository)/pull/"), let number = url.split(separator: "/").last.flatMap({ Int64($0) }) else {
            throw GitHubError(description: "\(url) is not a pull request of \(github.owner)/\(github.repository); left alone", unreachable: false)
        }
        return number
    }

    /// Draft → ready for review, and the `autopilot-approved` label.
    private func markApproved(_ number: Int64, _ github: GitHubClient) throws {
        let pull = try github.pullRequest(number: number)
        if pull.draft { try github.markReadyForReview(nodeId: pull.nodeId) }
        try github.addLabels(number, ["autopilot-approved"])
    }

    /// A rejected change's PR is closed (not merged) and labelled `autopilot-rejected`; emit-pr leaves a
    /// closed PR closed, so the change is not proposed again on this branch. False: it is already merged.
    private func close(_ number: Int64, _ github: GitHubClient) throws -> Bool {
        let pull = try github.pullRequest(number: number)
        guard !pull.merged else { return false }
        try github.addLabels(number, ["autopilot-rejected"])
        if pull.state == "open" { try github.closePullRequest(number) }
        return true
    }

    private func explain(_ context: Context) throws {
        let store = try LedgerStore(at: ledgerPath, passwordFile: ledgerPasswordFile)
        guard let text = try store.finding(context.id)?.row["finding"].string, let stored = try? JSON.parse(text) else {
            return tell(context, "Autopilot's ledger has no finding \(context.id).")
        }
        let explanation = "```\n" + FindingExplanation.text(FindingRecord(stored: stored)) + "\n```"
        if let channel = context.channel, let ts = context.ts {
            _ = try slack.postMessage(channel: channel, text: SlackMessage.escape(explanation), blocks: nil, threadTs: ts)
        } else {
            tell(context, explanation)
        }
    }

    /// An ephemeral reply to the person who clicked. Its text carries ids, team names and errors that came
    /// from outside, so all of it is escaped for mrkdwn.
    private func tell(_ context: Context, _ text: String) {
        guard let responseURL = context.responseURL else { return }
        do {
            try slack.post(to: responseURL, ["response_type": "ephemeral", "replace_original": false, "text": .string(SlackMessage.escape(text))])
        } catch {
            log("\(context.id): could not answer in Slack: \(error)")
        }
    }


    /// One field of an `application/x-www-form-urlencoded` body, decoded.
    static func formValue(_ name: String, in body: [UInt8]) -> String? {
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0] == name else { continue }
            return String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
        }
        return nil
    }
}
