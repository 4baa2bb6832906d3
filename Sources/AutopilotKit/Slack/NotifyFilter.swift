import Foundation

/// The notify-slack filter: forwards the stream; each finding whose gate asks for a person (`approve`, or
/// `--gate`) gets one Slack message per lifecycle, posted once and updated after (its `ts` kept in the
/// ledger), and is written back with `notified` (true or false) and `notification: {channel, ts, action, reason}`.
public struct NotifyFilter {
    public enum Delivery {
        /// `chat.postMessage` / `chat.update` with a bot token.
        case bot(SlackClient)
        /// An incoming webhook: it can post, never update, so a finding is posted once per lifecycle.
        case webhook(SlackClient, url: String)
        /// Print the payloads as NDJSON instead of sending them.
        case dryRun
    }

    public struct Settings {
        public var gates: Set<String> = ["approve"]
        public var channel: String?
        public var config = SlackConfig()
        /// The ledger (a SQLite path or a PostgreSQL URL) and the password file for one.
        public var ledger: String?
        public var ledgerPasswordFile: String?
        public var evidenceBaseURL: String?
        public var now = Date()
        public init() {}
    }

    public let diagnostics: Diagnostics
    public let delivery: Delivery
    public var settings: Settings

    public init(diagnostics: Diagnostics, delivery: Delivery, settings: Settings) {
        self.diagnostics = diagnostics
        self.delivery = delivery
        self.settings = settings
    }

    public struct Outcome {
        public var posted = 0
        public var updated = 0
        public var unchanged = 0
        public var failed = 0
    }

    public func run(_ reader: NDJSONReader, to writer: NDJSONWriter) throws -> Outcome {
        var held: [(finding: FindingRecord, text: [UInt8])] = []
        var pullRequests: [String: String] = [:]
        try RecordForwarding.run(reader, to: writer, wanted: ["finding", "change"], diagnostics: diagnostics) { record, line in
            if record["kind"]?.string == "finding" {
                guard let finding = try FindingRecord.read(record, at: line, diagnostics: diagnostics, otherwise: "not notified") else { return true }
                held.append((finding, Array(line.bytes)))
                return false
            }
            for id in record["findingIds"]?.value.stringList ?? [] {
                if let url = record["url"]?.string ?? record["branch"]?.string { pullRequests[id] = url }
            }
            return true
        }
        let store = try settings.ledger.map { try LedgerStore(at: $0, passwordFile: settings.ledgerPasswordFile) }
        var outcome = Outcome()
        var outage: SlackError?
        for (finding, text) in held {
            let id = finding.id
            guard settings.gates.contains(finding.risk?.gate ?? "") else {
                try writer.write(raw: text)
                continue
            }
            var notification: JSONValue = ["channel": .null, "ts": .null, "action": "none", "reason": .null]
            var notified = false
            do {
                notified = try notify(id, finding, pullRequest: pullRequests[id], store: store, outage: outage, into: &notification, writer: writer, outcome: &outcome)
            } catch let error as SlackError {
                if error.unreachable && outage == nil {
                    outage = error
                    diagnostics.unavailable("\(error); the other findings are forwarded unsent")
                } else if !error.unreachable {
                    diagnostics.ioError("\(id): \(error)")
                }
                outcome.failed += 1
                notification.set("reason", to: .string(error.description))
            } catch {
                // A ledger or other failure: reported, and the finding still flows.
                diagnostics.ioError("\(id): \(error)")
                outcome.failed += 1
                notification.set("reason", to: .string("\(error)"))
            }
            if case .dryRun = delivery { try writer.write(raw: text); continue }
            var record = finding.json.value
            record.remove("notified")
            record.remove("notification")
            record.set("notified", to: .bool(notified))
            record.set("notification", to: notification)
            try writer.write(record)
        }
        return outcome
    }

    private func notify(_ id: String, _ finding: FindingRecord, pullRequest: String?, store: LedgerStore?, outage: SlackError?,
                        into notification: inout JSONValue, writer: NDJSONWriter, outcome: inout Outcome) throws -> Bool {
        var message = SlackMessage(finding: finding, pullRequestURL: pullRequest, evidenceURL: evidenceURL(id))
        var lifecycle = ""
        var existing: SQLRow?
        if let store, let stored = try store.finding(id) {
            if message.pullRequestURL == nil { message.pullRequestURL = stored.row["change_url"].string }
            switch stored.status {
            case .detected: break
            case .approved, .rejected:
                if let last = try LedgerDecision.lastTransition(id, in: store), !last.actor.hasPrefix("policy") {
                    message.decision = (stored.status.rawValue, last.actor, last.at)
                }
            default:
                notification.set("reason", to: .string("the finding is \(stored.status.rawValue): nothing to ask"))
                return false
            }
            lifecycle = try store.db.rows(
                "SELECT at FROM transitions WHERE finding_id = ? AND to_status = 'detected' AND \(LedgerStore.statusChanged) ORDER BY seq DESC LIMIT 1",
                [.text(id)]
            ).first?["at"].string ?? ""
            existing = try store.db.rows("SELECT * FROM slack_messages WHERE finding_id = ? AND lifecycle_start = ?", [.text(id), .text(lifecycle)]).first
        }
        if message.decision != nil && existing == nil {
            notification.set("reason", to: "decided before any message was sent: nothing to ask")
            return false
        }
        guard let channel = settings.channel ?? settings.config.channel(team: finding.team) else {
            throw SlackError(description: "no channel for team \(finding.team ?? "unassigned"): give --channel or a defaultChannel in --config", unreachable: false)
        }
        let payload: JSONValue = ["channel": .string(channel), "text": .string(message.text), "blocks": message.blocks]
        switch delivery {
        case .dryRun:
            let method = existing == nil ? "chat.postMessage" : "chat.update"
            try writer.write(["kind": "slackmessage", "cluster": .optional(finding.cluster), "findingId": .string(id),
                              "method": .string(method), "payload": payload])
            return false
        case .webhook(let client, let url):
            if outage != nil { throw SlackError(description: "Slack unreachable (reported above); not sent", unreachable: true) }
            if let existing {
                notification.set("channel", to: .optional(existing["channel"].string))
                notification.set("action", to: "unchanged")
                notification.set("reason", to: "posted before through the webhook, which cannot update it")
                outcome.unchanged += 1
                return false
            }
            try client.post(to: url, ["text": .string(message.text), "blocks": message.blocks])
            try remember(id, channel: "webhook", ts: "webhook", lifecycle: lifecycle, store: store)
            notification.set("channel", to: "webhook")
            notification.set("action", to: "posted")
            outcome.posted += 1
        case .bot(let client):
            if outage != nil { throw SlackError(description: "Slack unreachable (reported above); not sent", unreachable: true) }
            if let existing, let ts = existing["ts"].string, let postedChannel = existing["channel"].string {
                do {
                    try client.update(channel: postedChannel, ts: ts, text: message.text, blocks: message.blocks)
                    try remember(id, channel: postedChannel, ts: ts, lifecycle: lifecycle, store: store)
                    notification.set("channel", to: .string(postedChannel))
                    notification.set("ts", to: .string(ts))
                    notification.set("action", to: "updated")
                    outcome.updated += 1
                    return true
                } catch let error as SlackError where !error.unreachable && error.description.hasSuffix("message_not_found") {
                    // Deleted in Slack: post it again.
                }
            }
            let posted = try client.postMessage(channel: channel, text: message.text, blocks: message.blocks)
            try remember(id, channel: posted.channel, ts: posted.ts, lifecycle: lifecycle, store: store)
            notification.set("channel", to: .string(posted.channel))
            notification.set("ts", to: .string(posted.ts))
            notification.set("action", to: "posted")
            outcome.posted += 1
        }
        return true
    }

    private func remember(_ id: String, channel: String, ts: String, lifecycle: String, store: LedgerStore?) throws {
        guard let store, try store.finding(id) != nil else { return }
        let now = RFC3339.string(settings.now)
        _ = try store.db.run("""
            INSERT INTO slack_messages (finding_id, channel, ts, lifecycle_start, posted_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT(finding_id) DO UPDATE SET channel = excluded.channel, ts = excluded.ts, lifecycle_start = excluded.lifecycle_start,
                updated_at = excluded.updated_at
            """, [.text(id), .text(channel), .text(ts), .text(lifecycle), .text(now), .text(now)])
    }

    private func evidenceURL(_ id: String) -> String? {
        settings.evidenceBaseURL.map { ($0.hasSuffix("/") ? $0 : $0 + "/") + "\(id)/evidence.html" }
    }
}
