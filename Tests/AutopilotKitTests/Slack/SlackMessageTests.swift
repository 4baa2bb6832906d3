import XCTest
@testable import AutopilotKit

/// The Block Kit message of one finding, built without Slack: fields, escaping, buttons, the decided form.
final class SlackMessageTests: XCTestCase {
    private func finding(summary: String = "Lower the CPU of shop/web from 2 to 500m") throws -> FindingRecord {
        let risk = #""risk":{"overall":0.25,"level":"low","gate":"auto","reasons":["one","two","three","four"]}"#
        let summaryJSON = String(decoding: try JSONSerialization.data(withJSONObject: [summary], options: [.withoutEscapingSlashes]), as: UTF8.self).dropFirst().dropLast()
        return try FindingRecord.test(#"{"id":"f-1a2b","cluster":"prod-us","detector":"over-requested-cpu","summary":\#(summaryJSON),"team":"shop","monthlySavings":1234.5,"confidence":0.876,\#(risk)}"#)
    }

    /// The blocks as Foundation objects (independent of the JSON code under test).
    private func decode(_ blocks: JSONValue) throws -> [[String: Any]] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(blocks.text.utf8)) as? [[String: Any]])
    }

    /// Every text the blocks show: section texts, fields and context elements.
    private func texts(_ blocks: JSONValue) throws -> [String] {
        var found: [String] = []
        func walk(_ value: [String: Any]) {
            if let text = value["text"] as? String { found.append(text) }
            if let text = (value["text"] as? [String: Any])?["text"] as? String { found.append(text) }
            for key in ["fields", "elements"] { for element in value[key] as? [[String: Any]] ?? [] { walk(element) } }
        }
        for block in try decode(blocks) { walk(block) }
        return found
    }

    func testTheFieldsAreTheFindingsFigures() throws {
        let message = SlackMessage(finding: try finding(), pullRequestURL: "https://github.example/acme/infra/pull/7",
                                   evidenceURL: "https://autopilot.example/evidence/f-1a2b.html")
        let shown = try texts(message.blocks)
        XCTAssertEqual(message.text, "Autopilot: Lower the CPU of shop/web from 2 to 500m ($1,234.50/month)")
        // $1,234.50 grouped; 0.876 → 88%; the risk level with its overall score to two decimals.
        for field in ["*Savings*\n$1,234.50/month", "*Confidence*\n88%", "*Risk*\nlow (0.25)", "*Team / cluster*\nshop / prod-us"] {
            XCTAssertTrue(shown.contains(field), "\(field) not in \(shown)")
        }
        // The top three reasons only.
        XCTAssertTrue(shown.contains("• three"))
        XCTAssertFalse(shown.contains("• four"))
        XCTAssertTrue(shown.contains("Pull request: <https://github.example/acme/infra/pull/7|https://github.example/acme/infra/pull/7>"), "\(shown)")
        let actions = try XCTUnwrap(try decode(message.blocks).first { $0["type"] as? String == "actions" })
        XCTAssertEqual(actions["block_id"] as? String, "autopilot:f-1a2b")
        let buttons = actions["elements"] as? [[String: Any]] ?? []
        XCTAssertEqual(buttons.compactMap { $0["action_id"] as? String }, ["approve", "reject", "explain", "details"])
        XCTAssertEqual(buttons.compactMap { $0["value"] as? String }, Array(repeating: "f-1a2b", count: 4))
        XCTAssertEqual(buttons.first?["style"] as? String, "primary")
        XCTAssertNotNil(buttons.first?["confirm"], "approving asks first")
        XCTAssertEqual(buttons.last?["url"] as? String, "https://autopilot.example/evidence/f-1a2b.html")
        XCTAssertTrue(shown.contains("`f-1a2b` · over-requested-cpu · gate auto"), "\(shown)")
    }

    /// Words from the cluster cannot ping a channel or make a link: Slack's control characters are escaped.
    func testTheClustersWordsAreEscapedEverywhere() throws {
        let message = SlackMessage(finding: try finding(summary: "Lower <!channel> & <https://evil.example|click>"))
        let escaped = "Lower &lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;"
        XCTAssertEqual(message.text, "Autopilot: \(escaped) ($1,234.50/month)")
        XCTAssertTrue(try texts(message.blocks).contains("*\(escaped)*"))
        XCTAssertFalse(try texts(message.blocks).joined().contains("<!channel>"))
    }

    func testADecidedMessageSaysWhoAndHasNoButtons() throws {
        var message = SlackMessage(finding: try finding())
        message.decision = ("rejected", "slack:bob (U02BOB)", "2026-11-20T12:00:00Z")
        XCTAssertNil(try decode(message.blocks).first { $0["type"] as? String == "actions" })
        XCTAssertTrue(try texts(message.blocks).contains(":x: Rejected by slack:bob (U02BOB) at 2026-11-20T12:00:00Z"))
    }
}
