import AutopilotKit
import Foundation
import XCTest

/// notify-slack against a Slack stand-in (one message per finding, then updates; 429; an outage), and
/// slack-approvals over HTTP: signatures, the allow-list, and the whole loop from a demo finding to an
/// approved, ready-for-review PR and a report that counts the approval. SlackApprovalPostgresTests runs
/// every one again with the ledger on PostgreSQL.
class SlackApprovalTests: XCTestCase {
    typealias F = EmitPRFixtures
    static let secret = "slack-signing-secret-for-tests"
    static let config = """
        defaultChannel: "#cloud-savings"
        approvers: [U0PLATFORM]
        teams:
          checkout: {channel: "#checkout-infra", approvers: [U01ALICE]}
          payments: {channel: C0PAYMENTS, approvers: [U03CAROL]}
        """

    /// A new ledger: a SQLite file here, a PostgreSQL database in SlackApprovalPostgresTests.
    func newLedger(_ scratch: URL) throws -> String { scratch.appendingPathComponent("ledger.db").path }

    /// The demo stream, recorded in a fresh ledger; returns the ledger's output stream.
    private func ledger(_ db: String, _ stream: String) throws -> String {
        let result = try Tool.run("ledger", ["record", "--db", db, "--now", F.now], stdin: stream)
        XCTAssertEqual(result.status, 0, result.stderr)
        return result.stdout
    }

    private func notify(_ stream: String, _ arguments: [String], token: String? = "xoxb-test") throws -> ToolResult {
        var environment = ProcessInfo.processInfo.environment
        environment["SLACK_BOT_TOKEN"] = token
        return try Tool.run("notify-slack", ["--now", F.now] + arguments, stdin: stream, environment: environment)
    }

    private func approveGated(_ stream: String) throws -> [[String: Any]] {
        try decodeRecords(stream.split(separator: "\n").map(String.init).filter { $0.hasPrefix(#"{"kind":"finding""#) })
            .filter { ($0["risk"] as? [String: Any])?["gate"] as? String == "approve" }
    }

    func testOneMessagePerFindingThenUpdatesOfTheSameMessage() throws {
        let scratch = try makeScratchDirectory(self)
        let db = try newLedger(scratch)
        let config = scratch.appendingPathComponent("slack.yaml")
        try Self.config.write(to: config, atomically: true, encoding: .utf8)
        let stream = try ledger(db, F.demoStream)
        let slack = try FakeSlack(scratch: scratch, token: "xoxb-test", extraArguments: ["--rate-limit-once"])
        defer { slack.stop() }
        let wanted = try approveGated(F.demoStream)
        XCTAssertEqual(wanted.count, 31)

        let first = try notify(stream, ["--db", db, "--config", config.path, "--api-url", slack.apiURL])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(first.stderr, "", "quiet on success")
        let requests = try slack.requests()
        XCTAssertEqual(requests.first?["status"] as? Int, 429, "rate limited once, waited Retry-After, went on")
        let messages = try slack.messages()
        XCTAssertEqual(messages.count, wanted.count, "one message per approve-gated finding")
        // Routed by team: checkout's own channel, the others to the default.
        let channels = try slack.channels()
        let checkout = wanted.filter { $0["team"] as? String == "checkout" }.count
        XCTAssertEqual(messages.filter { $0["channel"] as? String == channels["#checkout-infra"] }.count, checkout)
        // Every record flows on; the notified findings say where their message is.
        let output = try decodeRecords(first.lines)
        XCTAssertEqual(output.count, stream.split(separator: "\n").count)
        let notified = output.filter { $0["notification"] != nil }
        XCTAssertEqual(notified.count, wanted.count)
        XCTAssertTrue(notified.allSatisfy { $0["notified"] as? Bool == true })

        // The message: summary, savings, confidence, risk, and the four buttons carrying the finding id.
        let redis = try XCTUnwrap(wanted.first { ($0["target"] as? [String: Any])?["name"] as? String == "redis" })
        let id = try XCTUnwrap(redis["id"] as? String)
        let message = try XCTUnwrap(messages.first { ($0["text"] as? String)?.contains(redis["summary"] as! String) == true })
        let blocks = try XCTUnwrap(message["blocks"] as? [[String: Any]])
        let actions = try XCTUnwrap(blocks.first { $0["type"] as? String == "actions" })
        let buttons = try XCTUnwrap(actions["elements"] as? [[String: Any]])
        XCTAssertEqual(buttons.compactMap { $0["action_id"] as? String }, ["approve", "reject", "explain", "details"])
        XCTAssertTrue(buttons.allSatisfy { $0["value"] as? String == id })
        let text = String(data: try JSONSerialization.data(withJSONObject: blocks, options: [.withoutEscapingSlashes]), encoding: .utf8)!
        // The figures are the finding's own: its savings to the cent and its risk level.
        let savings = try XCTUnwrap(redis["monthlySavings"] as? Double)
        XCTAssertTrue(text.contains("*Savings*\\n$\(String(format: "%.2f", savings))/month"), text)
        XCTAssertTrue(text.contains("*Confidence*"), text)
        let level = try XCTUnwrap((redis["risk"] as? [String: Any])?["level"] as? String)
        XCTAssertTrue(text.contains("*Risk*\\n\(level)"), text)

        // A day later a branch is ready for one of them: a transition that keeps its status, not a new lifecycle.
        let branch = #"{"kind":"change","cluster":"demo","findingIds":["\#(id)"],"branch":"autopilot/demo/checkout/redis","state":"local"}"#
        let later = try Tool.run("ledger", ["record", "--db", db, "--now", "2026-11-21T12:00:00Z"], stdin: F.demoStream + branch + "\n")
        XCTAssertEqual(later.status, 0, later.stderr)

        // The next run updates the same messages instead of posting new ones.
        let second = try notify(stream, ["--db", db, "--config", config.path, "--api-url", slack.apiURL])
        XCTAssertEqual(second.status, 0, second.stderr)
        let again = try slack.requests().dropFirst(requests.count)
        XCTAssertEqual(again.filter { ($0["path"] as? String) == "/api/chat.postMessage" }.count, 0)
        XCTAssertEqual(again.filter { ($0["path"] as? String) == "/api/chat.update" }.count, wanted.count)
        XCTAssertEqual(try slack.messages().count, wanted.count)
    }

    func testASlackOutageForwardsEveryRecordAndExits69() throws {
        let scratch = try makeScratchDirectory(self)
        let slack = try FakeSlack(scratch: scratch, token: "xoxb-test", extraArguments: ["--fail-all"])
        defer { slack.stop() }
        let result = try notify(F.demoStream, ["--channel", "#savings", "--api-url", slack.apiURL])
        XCTAssertEqual(result.status, 69, result.stderr)
        XCTAssertEqual(result.errorLines.count, 1, "one outage, one line: \(result.stderr)")
        XCTAssertTrue(result.errorLines[0].hasPrefix("notify-slack: "), result.stderr)
        let output = try decodeRecords(result.lines)
        XCTAssertEqual(output.count, F.demoStream.split(separator: "\n").count, "nothing lost")
        let unsent = output.filter { $0["notified"] != nil }
        XCTAssertEqual(unsent.count, 31)
        XCTAssertTrue(unsent.allSatisfy { $0["notified"] as? Bool == false })
        XCTAssertTrue(unsent.allSatisfy { (($0["notification"] as? [String: Any])?["reason"] as? String)?.contains("Slack unreachable") == true })
        // After the first failure (with its retries), the rest are not tried again.
        XCTAssertLessThanOrEqual(try slack.requests().count, 4)
    }

    func testDryRunPrintsThePayloadsAndWebhookPostsOncePerLifecycle() throws {
        let scratch = try makeScratchDirectory(self)
        let dry = try notify(F.demoStream, ["--dry-run", "--channel", "#savings"], token: nil)
        XCTAssertEqual(dry.status, 0, dry.stderr)
        let payloads = try decodeRecords(dry.lines.filter { $0.hasPrefix(#"{"kind":"slackmessage""#) })
        XCTAssertEqual(payloads.count, 31)
        XCTAssertEqual((payloads.first?["payload"] as? [String: Any])?["channel"] as? String, "#savings")

        let db = try newLedger(scratch)
        let stream = try ledger(db, F.demoStream)
        let slack = try FakeSlack(scratch: scratch, token: "xoxb-test")
        defer { slack.stop() }
        for _ in 0..<2 {
            let result = try notify(stream, ["--db", db, "--channel", "#savings", "--webhook-url", slack.webhookURL], token: nil)
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        XCTAssertEqual(try slack.messages().count, 31, "a webhook cannot update: posted once, not again")
    }

    // MARK: slack-approvals

    func testOnlyCorrectlySignedFreshRequestsAreAcceptedAndAReplayIsRefused() throws {
        let scratch = try makeScratchDirectory(self)
        let db = try newLedger(scratch)
        _ = try ledger(db, F.demoStream)
        let slack = try FakeSlack(scratch: scratch, token: "xoxb-test")
        defer { slack.stop() }
        let server = try ApprovalServer(scratch: scratch, db: db, slack: slack)
        defer { server.stop() }
        let finding = try XCTUnwrap(try approveGated(F.demoStream).first { $0["team"] as? String == "checkout" })
        let body = Self.actionBody("explain", id: finding["id"] as! String, user: "U01ALICE", name: "alice", responseURL: slack.responseURL("a"))
        let now = Int(Date().timeIntervalSince1970)

        XCTAssertEqual(try server.post(body, timestamp: now - 360, secret: Self.secret).status, 401, "6 minutes old")
        XCTAssertEqual(try server.post(body, timestamp: now, secret: "wrong-secret").status, 401, "wrong secret")
        XCTAssertEqual(try server.post(body, timestamp: now, secret: Self.secret, tamper: "&x=1").status, 401, "body tampered")
        XCTAssertEqual(try server.post(body, timestamp: nil, secret: Self.secret).status, 401, "missing headers")
        let valid = try server.post(body, timestamp: now, secret: Self.secret)
        XCTAssertEqual(valid.status, 200, valid.body)
        XCTAssertEqual(try server.replay().status, 401, "the captured valid request, sent again")
        XCTAssertEqual(try server.get("/healthz").status, 200, "still serving")
        XCTAssertTrue(eventually { !(try slack.responses()).isEmpty }, "Explain answered nothing: \(server.log())")
        XCTAssertEqual(try slack.messages().filter { $0["thread_ts"] != nil }.count, 0, "Explain without a message ts answers through response_url")
        XCTAssertEqual(try slack.responses().count, 1, "only the valid request did anything")
        // The server logged each refusal on one line.
        XCTAssertEqual(server.log().components(separatedBy: "refused a Slack callback").count - 1, 5, server.log())

        // A restart does not forget: the captured request, sent to a new server on the same ledger, is refused.
        server.stop()
        let restarted = try ApprovalServer(scratch: scratch, db: db, slack: slack)
        defer { restarted.stop() }
        XCTAssertEqual(try server.replay(to: restarted).status, 401, "replayed after a restart")
        XCTAssertTrue(restarted.log().contains("the same signed request was already handled (a replay)"), restarted.log())
        XCTAssertEqual(try slack.responses().count, 1)
    }

    /// An id that came back in a click, and every word of the replies, are escaped: a reply cannot ping a channel.
    func testRepliesEscapeWhatTheClickCarried() throws {
        let (_, slack, server, _) = try checkoutDecision()
        let body = Self.actionBody("approve", id: "<!channel> <https://evil.example|x>", user: "U01ALICE", name: "alice", responseURL: slack.responseURL("a"))
        XCTAssertEqual(try server.post(body, timestamp: Int(Date().timeIntervalSince1970), secret: Self.secret).status, 200)
        XCTAssertTrue(eventually { !(try slack.responses()).isEmpty }, "no reply: \(server.log())")
        let text = try XCTUnwrap(((try slack.responses().last)?["json"] as? [String: Any])?["text"] as? String)
        XCTAssertEqual(text, "Autopilot's ledger has no finding &lt;!channel&gt; &lt;https://evil.example|x&gt;.")
    }

    /// The demo stream in a fresh ledger, a fake Slack and slack-approvals (stopped when the test ends), and
    /// the id of an approve-gated finding of team checkout, which alice may decide.
    private func checkoutDecision() throws -> (db: String, slack: FakeSlack, server: ApprovalServer, id: String) {
        let scratch = try makeScratchDirectory(self)
        let db = try newLedger(scratch)
        _ = try ledger(db, F.demoStream)
        let slack = try FakeSlack(scratch: scratch, token: "xoxb-test")
        addTeardownBlock { slack.stop() }
        let server = try ApprovalServer(scratch: scratch, db: db, slack: slack)
        addTeardownBlock { server.stop() }
        let finding = try XCTUnwrap(try approveGated(F.demoStream).first { $0["team"] as? String == "checkout" })
        return (db, slack, server, try XCTUnwrap(finding["id"] as? String))
    }

    func testAUserNotOnTheAllowListChangesNothing() throws {
        let (db, slack, server, id) = try checkoutDecision()
        // Carol approves payments' findings, not checkout's.
        let body = Self.actionBody("approve", id: id, user: "U03CAROL", name: "carol", responseURL: slack.responseURL("carol"))
        XCTAssertEqual(try server.post(body, timestamp: Int(Date().timeIntervalSince1970), secret: Self.secret).status, 200)
        XCTAssertTrue(eventually { !(try slack.responses()).isEmpty }, "no ephemeral reply: \(server.log())")
        let reply = try XCTUnwrap(try slack.responses().last)
        XCTAssertEqual((reply["json"] as? [String: Any])?["response_type"] as? String, "ephemeral")
        XCTAssertTrue(((reply["json"] as? [String: Any])?["text"] as? String ?? "").contains("not on the approvers list for team checkout"))
        let export = try Tool.run("ledger", ["export", "--db", db])
        let entry = try XCTUnwrap(try decodeRecords(export.lines).first { $0["id"] as? String == id })
        XCTAssertEqual(entry["status"] as? String, "detected")
    }

    /// Demo finding → emit-pr (draft PR) → ledger → notify-slack → signed Approve → ledger approved by that
    /// user → PR ready for review and labelled → the message shows the decision → the report counts it.
    func testFromFindingToApprovedPullRequest() throws {
        let scratch = try makeScratchDirectory(self)
        let (repo, _) = try F.makeRepoWithRemote(["manifests"], in: scratch)
        let github = try FakeGitHub(scratch: scratch, token: "ghp-test")
        defer { github.stop() }
        var environment = ProcessInfo.processInfo.environment
        environment["GITHUB_TOKEN"] = "ghp-test"
        let emitted = try F.emitPR(repo, F.demoStream, ["--github-repo", "acme/infra", "--api-url", github.baseURL, "--base", "main"],
                                   environment: environment)
        XCTAssertEqual(emitted.status, 0, emitted.stderr)
        let redisChange = try XCTUnwrap(try F.changes(emitted).first { F.string($0, "branch") == "autopilot/demo/checkout/redis" })
        XCTAssertEqual(F.string(redisChange, "state"), "draft", "approve-gated: a draft waiting for a person")
        let id = try XCTUnwrap((redisChange["findingIds"] as? [String])?.first)

        let db = try newLedger(scratch)
        let recorded = try ledger(db, emitted.stdout)
        // Decisions are stamped with the wall clock: the reports look at the week up to now.
        let reportNow = RFC3339.string(Date().addingTimeInterval(120))
        let before = try report(try Tool.run("ledger", ["export", "--db", db]).stdout, scratch.appendingPathComponent("before"), now: reportNow)
        let config = scratch.appendingPathComponent("slack.yaml")
        try Self.config.write(to: config, atomically: true, encoding: .utf8)
        let slack = try FakeSlack(scratch: scratch, token: "xoxb-test")
        defer { slack.stop() }
        let notified = try notify(recorded, ["--db", db, "--config", config.path, "--api-url", slack.apiURL])
        XCTAssertEqual(notified.status, 0, notified.stderr)
        let message = try XCTUnwrap(try slack.messages().first { (($0["blocks"] as? [[String: Any]])?.first { $0["type"] as? String == "actions" }?["block_id"] as? String) == "autopilot:\(id)" })
        let blocksText = String(data: try JSONSerialization.data(withJSONObject: message["blocks"]!, options: .withoutEscapingSlashes), encoding: .utf8)!
        XCTAssertTrue(blocksText.contains("https://github.example/acme/infra/pull/"), "the PR is linked: \(blocksText)")

        let server = try ApprovalServer(scratch: scratch, db: db, slack: slack, github: github)
        defer { server.stop() }
        let body = Self.actionBody("approve", id: id, user: "U01ALICE", name: "alice", responseURL: slack.responseURL("alice"),
                                   channel: message["channel"] as? String, ts: message["ts"] as? String)
        // Acknowledged within Slack's 3 s while this GitHub takes 5 s a call: the answer cannot have waited
        // for GitHub, whatever the load on the machine; the work is done after.
        try github.delay(5)
        let started = Date()
        XCTAssertEqual(try server.post(body, timestamp: Int(Date().timeIntervalSince1970), secret: Self.secret).status, 200)
        XCTAssertLessThan(Date().timeIntervalSince(started), 3, "answered within Slack's 3 s, before the first GitHub call could finish")
        XCTAssertTrue(eventually(timeout: 30) { (try slack.messages()).contains { $0["ts"] as? String == message["ts"] as? String && "\($0)".contains("Approved by") } },
                      "the message was not updated: \(server.log())")

        // The ledger: approved by that Slack user.
        let export = try decodeRecords(try Tool.run("ledger", ["export", "--db", db]).lines)
        let entry = try XCTUnwrap(export.first { $0["id"] as? String == id })
        XCTAssertEqual(entry["status"] as? String, "approved")
        let last = try XCTUnwrap((entry["transitions"] as? [[String: Any]])?.last)
        XCTAssertEqual(last["actor"] as? String, "slack:alice (U01ALICE)")
        // GitHub: the draft is ready for review and labelled.
        let pull = try XCTUnwrap(try github.pulls().first { ($0["head"] as? [String: Any])?["ref"] as? String == "autopilot/demo/checkout/redis" })
        XCTAssertEqual(pull["draft"] as? Bool, false)
        XCTAssertTrue(((pull["labels"] as? [[String: Any]]) ?? []).contains { $0["name"] as? String == "autopilot-approved" })
        XCTAssertTrue(try github.requests().contains { $0["path"] as? String == "/graphql" })
        // Slack: the original message now says who approved, without buttons.
        let updated = try XCTUnwrap(try slack.messages().first { $0["ts"] as? String == message["ts"] as? String })
        let updatedText = String(data: try JSONSerialization.data(withJSONObject: updated["blocks"]!, options: .withoutEscapingSlashes), encoding: .utf8)!
        XCTAssertTrue(updatedText.contains("Approved by slack:alice (U01ALICE)"), updatedText)
        XCTAssertFalse(updatedText.contains("\"actions\""), "decided: no buttons")
        // The report: one more approval this week.
        let after = try report(try Tool.run("ledger", ["export", "--db", db]).stdout, scratch.appendingPathComponent("after"), now: reportNow)
        XCTAssertEqual(approvals(after), approvals(before) + 1)

        // Explain answers in the message's thread.
        let explain = Self.actionBody("explain", id: id, user: "U01ALICE", name: "alice", responseURL: slack.responseURL("alice-2"),
                                      channel: message["channel"] as? String, ts: message["ts"] as? String)
        XCTAssertEqual(try server.post(explain, timestamp: Int(Date().timeIntervalSince1970), secret: Self.secret).status, 200)
        XCTAssertTrue(eventually { (try slack.messages()).contains { $0["thread_ts"] as? String == message["ts"] as? String } }, server.log())
        let thread = try XCTUnwrap(try slack.messages().first { $0["thread_ts"] as? String == message["ts"] as? String })
        XCTAssertTrue((thread["text"] as? String ?? "").contains("Risk: "), "\(thread)")

        // Reject, by a global approver, of another draft: the PR is closed (not merged) and labelled.
        try github.delay(0)
        let idleNode = try XCTUnwrap(try F.changes(emitted).first { F.string($0, "branch") == "autopilot/demo/f-642a04ee062ac90b" })
        let rejectedId = try XCTUnwrap((idleNode["findingIds"] as? [String])?.first)
        let reject = Self.actionBody("reject", id: rejectedId, user: "U0PLATFORM", name: "pat", responseURL: slack.responseURL("pat"))
        XCTAssertEqual(try server.post(reject, timestamp: Int(Date().timeIntervalSince1970), secret: Self.secret).status, 200)
        XCTAssertTrue(eventually { server.log().contains("\(rejectedId): rejected by slack:pat (U0PLATFORM)") }, server.log())
        XCTAssertTrue(eventually {
            (try github.pulls()).contains { ($0["head"] as? [String: Any])?["ref"] as? String == "autopilot/demo/f-642a04ee062ac90b" && $0["state"] as? String == "closed" }
        }, "the rejected PR is still open: \(server.log())")
        let closed = try XCTUnwrap(try github.pulls().first { ($0["head"] as? [String: Any])?["ref"] as? String == "autopilot/demo/f-642a04ee062ac90b" })
        XCTAssertEqual(closed["merged"] as? Bool, false)
        XCTAssertTrue(((closed["labels"] as? [[String: Any]]) ?? []).contains { $0["name"] as? String == "autopilot-rejected" })
        let rejected = try XCTUnwrap(try decodeRecords(try Tool.run("ledger", ["export", "--db", db]).lines).first { $0["id"] as? String == rejectedId })
        XCTAssertEqual(rejected["status"] as? String, "rejected")
    }

    /// SIGTERM right after Slack's callback was acknowledged: the decision still lands before the exit.
    func testAnAcknowledgedDecisionIsFinishedBeforeTheServerStops() throws {
        let (db, slack, server, id) = try checkoutDecision()
        // Slack answers after 1.5 s: the server must still be waiting for it when SIGTERM comes.
        try slack.delay(1.5)
        let body = Self.actionBody("reject", id: id, user: "U01ALICE", name: "alice", responseURL: slack.responseURL("alice"))
        XCTAssertEqual(try server.post(body, timestamp: Int(Date().timeIntervalSince1970), secret: Self.secret).status, 200)
        server.process.terminate()
        server.process.waitUntilExit()
        // Slack had the updated message before the process was gone.
        let responses = try slack.responses()
        let update = responses.first { $0["replace_original"] as? Bool == true }
        XCTAssertTrue("\(update?["blocks"] ?? "")".contains("Rejected by slack:alice"), "exited before Slack heard of the decision: \(responses)")
        XCTAssertEqual(server.process.terminationStatus, 0, server.log())
        let export = try Tool.run("ledger", ["export", "--db", db])
        let entry = try XCTUnwrap(try decodeRecords(export.lines).first { $0["id"] as? String == id })
        XCTAssertEqual(entry["status"] as? String, "rejected", server.log())
        XCTAssertTrue(server.log().contains("\(id): rejected by slack:alice (U01ALICE)"), server.log())
    }

    /// Polls `condition` until it holds or `timeout` passes.
    func eventually(timeout: TimeInterval = 10, _ condition: () throws -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            if (try? condition()) == true { return true }
            Thread.sleep(forTimeInterval: 0.05)
        } while Date() < deadline
        return false
    }

    func testTheTerminalApprovalPrintsTheSameExplanation() throws {
        let scratch = try makeScratchDirectory(self)
        let db = try newLedger(scratch)
        _ = try ledger(db, F.demoStream)
        let finding = try XCTUnwrap(try approveGated(F.demoStream).first)
        let id = finding["id"] as! String
        let result = try Tool.run("ledger", ["approve", id, "--by", "dana", "--db", db])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.hasPrefix("\(id): \(finding["summary"] as! String)\n"), result.stdout)
        for reason in (finding["risk"] as! [String: Any])["reasons"] as! [String] { XCTAssertTrue(result.stdout.contains("  - \(reason)\n")) }
        XCTAssertTrue(result.stdout.hasSuffix("\(id): detected → approved by dana\n"), result.stdout)
    }

    // MARK: Helpers

    private func report(_ stream: String, _ directory: URL, now: String) throws -> [String: Any] {
        let result = try Tool.run("render-report", ["--out", directory.path, "--now", now], stdin: stream)
        XCTAssertEqual(result.status, 0, result.stderr)
        return try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("report.json"))) as! [String: Any]
    }

    private func approvals(_ report: [String: Any]) -> Int {
        ((report["changedThisWeek"] as? [[String: Any]]) ?? []).filter { ($0["what"] as? String)?.hasPrefix("approved") == true }.count
    }

    /// A block_actions callback as Slack sends it: `payload=<JSON>`, form-encoded.
    static func actionBody(_ action: String, id: String, user: String, name: String, responseURL: String,
                           channel: String? = nil, ts: String? = nil) -> String {
        var payload: [String: Any] = [
            "type": "block_actions", "user": ["id": user, "username": name, "team_id": "T000"],
            "actions": [["action_id": action, "block_id": "autopilot:\(id)", "value": id, "type": "button"]],
            "response_url": responseURL, "trigger_id": "1.2.3",
        ]
        if let channel { payload["channel"] = ["id": channel] }
        if let ts { payload["message"] = ["ts": ts]; payload["container"] = ["type": "message", "message_ts": ts, "channel_id": channel ?? ""] }
        let json = String(data: try! JSONSerialization.data(withJSONObject: payload), encoding: .utf8)!
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return "payload=" + json.addingPercentEncoding(withAllowedCharacters: allowed)!
    }
}

/// slack-approvals started on 127.0.0.1 for one test, with curl as the client.
final class ApprovalServer {
    let process = Process()
    let port: Int
    let logFile: URL
    private var lastRequest: (body: String, headers: [String])?

    init(scratch: URL, db: String, slack: FakeSlack, github: FakeGitHub? = nil) throws {
        let secret = scratch.appendingPathComponent("signing-secret")
        try (SlackApprovalTests.secret + "\n").write(to: secret, atomically: true, encoding: .utf8)
        let config = scratch.appendingPathComponent("approvers.yaml")
        try SlackApprovalTests.config.write(to: config, atomically: true, encoding: .utf8)
        logFile = scratch.appendingPathComponent("slack-approvals.log")
        var arguments = ["--listen", "127.0.0.1:0", "--db", db, "--signing-secret-file", secret.path, "--config", config.path,
                         "--slack-api-url", slack.apiURL]
        var environment = ProcessInfo.processInfo.environment
        environment["SLACK_BOT_TOKEN"] = "xoxb-test"
        if let github {
            arguments += ["--github-repo", "acme/infra", "--api-url", github.baseURL]
            environment["GITHUB_TOKEN"] = "ghp-test"
        }
        port = try ServerProcess.start(process, executable: Tool.binDirectory.appendingPathComponent("slack-approvals"), arguments: arguments,
                                       environment: environment, name: "slack-approvals", stderr: logFile)
    }

    func log() -> String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// Signs `body` at `timestamp` with `secret` (nil timestamp: no Slack headers) and posts it.
    func post(_ body: String, timestamp: Int?, secret: String, tamper: String = "") throws -> (status: Int, body: String) {
        var headers = ["Content-Type: application/x-www-form-urlencoded"]
        if let timestamp {
            let signature = SlackSignature.signature(timestamp: String(timestamp), body: Array(body.utf8), secret: Array(secret.utf8))
            headers += ["X-Slack-Request-Timestamp: \(timestamp)", "X-Slack-Signature: \(signature)"]
        }
        lastRequest = (body + tamper, headers)
        return try curl("POST", "/slack/interactions", body: body + tamper, headers: headers)
    }

    /// The last request, byte for byte, again (to this server, or to another one).
    func replay(to other: ApprovalServer? = nil) throws -> (status: Int, body: String) {
        guard let lastRequest else { throw NSError(domain: "ApprovalServer", code: 2) }
        return try (other ?? self).curl("POST", "/slack/interactions", body: lastRequest.body, headers: lastRequest.headers)
    }

    func get(_ path: String) throws -> (status: Int, body: String) { try curl("GET", path, body: nil, headers: []) }

    fileprivate func curl(_ method: String, _ path: String, body: String?, headers: [String]) throws -> (status: Int, body: String) {
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        var arguments = ["curl", "-sS", "-X", method, "-o", "-", "-w", "\n%{http_code}", "http://127.0.0.1:\(port)\(path)"]
        for header in headers { arguments += ["-H", header] }
        if let body { arguments += ["--data-binary", body] }
        curl.arguments = arguments
        let output = Pipe()
        curl.standardOutput = output
        try curl.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        curl.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    deinit { stop() }
}
