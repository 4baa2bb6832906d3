import Foundation

/// The Block Kit message of one finding awaiting a decision: the opportunity in one line, savings,
/// confidence, risk with its top reasons, the PR, and Approve / Reject / Explain / View details buttons.
/// Once decided, the same message shows who decided and when, without buttons.
public struct SlackMessage {
    public var finding: FindingRecord
    public var pullRequestURL: String?
    public var evidenceURL: String?
    /// Set once a person decided: the status, who and when.
    public var decision: (status: String, actor: String, at: String)?

    public init(finding: FindingRecord, pullRequestURL: String? = nil, evidenceURL: String? = nil) {
        self.finding = finding
        self.pullRequestURL = pullRequestURL
        self.evidenceURL = evidenceURL
    }

    public var id: String { finding.id }

    /// The fallback text (notifications, screen readers). Slack reads it as mrkdwn too, so the cluster's
    /// words are escaped here as in the blocks: a name holding `<!channel>` must not ping anyone.
    public var text: String {
        let savings = finding.monthlySavings ?? .zero
        return "Autopilot: \(Self.escape(finding.summary ?? id)) (\(savings)/month)"
    }

    public var blocks: JSONValue {
        let savings = finding.monthlySavings ?? .zero
        let confidence = Int(((finding.confidence ?? 0) * 100).rounded())
        let overall = finding.riskOverallText
        let cluster = finding.cluster
        var blocks: [JSONValue] = [
            ["type": "section", "text": Self.markdown("*\(Self.escape(finding.summary ?? id))*")],
            ["type": "section", "fields": .array([
                Self.markdown("*Savings*\n\(savings)/month"),
                Self.markdown("*Confidence*\n\(confidence)%"),
                Self.markdown("*Risk*\n\(Self.escape(finding.risk?.level ?? "unscored")) (\(overall))"),
                Self.markdown("*Team / cluster*\n\(Self.escape(finding.team ?? "unassigned")) / \(Self.escape(cluster))"),
            ])],
        ]
        let reasons = (finding.risk?.reasons ?? []).prefix(3)
        if !reasons.isEmpty {
            blocks.append(["type": "context", "elements": .array(reasons.map { Self.markdown("• " + Self.escape($0)) })])
        }
        if let pullRequestURL {
            blocks.append(["type": "section", "text": Self.markdown("Pull request: <\(Self.escape(pullRequestURL))|\(Self.escape(pullRequestURL))>")])
        }
        if let decision {
            let verb = decision.status == "approved" ? ":white_check_mark: Approved" : ":x: Rejected"
            blocks.append(["type": "context", "elements": [Self.markdown("\(verb) by \(Self.escape(decision.actor)) at \(Self.escape(decision.at))")]])
        } else {
            var buttons: [JSONValue] = [
                button("Approve", action: "approve", style: "primary"),
                button("Reject", action: "reject", style: "danger"),
                button("Explain", action: "explain", style: nil),
            ]
            var details = button("View details", action: "details", style: nil)
            if let evidenceURL { details.set("url", to: .string(evidenceURL)) }
            buttons.append(details)
            blocks.append(["type": "actions", "block_id": .string("autopilot:\(id)"), "elements": .array(buttons)])
        }
        blocks.append(["type": "context", "elements": [Self.markdown("`\(Self.escape(id))` · \(Self.escape(finding.detector)) · gate \(Self.escape(finding.risk?.gate ?? "?"))")]])
        return .array(blocks)
    }

    private func button(_ label: String, action: String, style: String?) -> JSONValue {
        var button: JSONValue = ["type": "button", "text": ["type": "plain_text", "text": .string(label)], "action_id": .string(action), "value": .string(id)]
        if let style { button.set("style", to: .string(style)) }
        if action == "approve" {
            button.set("confirm", to: [
                "title": ["type": "plain_text", "text": "Approve this change?"],
                "text": Self.markdown("Autopilot will mark the pull request ready for review."),
                "confirm": ["type": "plain_text", "text": "Approve"], "deny": ["type": "plain_text", "text": "Cancel"],
            ])
        }
        return button
    }

    static func markdown(_ text: String) -> JSONValue { ["type": "mrkdwn", "text": .string(text)] }

    /// Slack's three control characters in text: `&`, `<`, `>`.
    public static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
