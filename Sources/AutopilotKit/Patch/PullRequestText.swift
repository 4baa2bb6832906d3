import Foundation

/// The title, Markdown body and commit message of one change: what changes and why, the money, the risk
/// and its reasons, the gate, the evidence, the exact rollback and a checklist for the reviewer.
public struct PullRequestText {
    public let findings: [FindingRecord]
    public let edits: [AppliedEdit]
    public let notes: [String]
    /// Turns an evidence pack's path into a link (e.g. an artifact server); nil: paths as they are.
    public var evidenceBaseURL: String?

    public init(findings: [FindingRecord], edits: [AppliedEdit], notes: [String], evidenceBaseURL: String? = nil) {
        self.findings = findings
        self.edits = edits
        self.notes = notes
        self.evidenceBaseURL = evidenceBaseURL
    }

    public var savings: Money { findings.map { $0.monthlySavings ?? .zero }.sum() }
    var costBefore: Money { findings.map { $0.monthlyCost?.current ?? .zero }.sum() }
    var costAfter: Money { findings.map { $0.monthlyCost?.recommended ?? .zero }.sum() }

    /// `approve` if any finding needs a human, else `auto`.
    public var gate: String { findings.contains { $0.risk?.gate != "auto" } ? "approve" : "auto" }

    /// The riskiest finding's level.
    public var riskLevel: String {
        let riskiest = findings.max { ($0.risk?.overall ?? 0) < ($1.risk?.overall ?? 0) }
        return riskiest?.risk?.level ?? "unknown"
    }

    public var title: String {
        guard let first = findings.first else { return "Autopilot change" }
        let cluster = first.cluster
        let target = Self.targetName(first)
        let what: String
        switch first.kind {
        case .overRequestedCPU, .overRequestedMemory: what = "Right-size \(target)"
        case .underProvisionedMemory: what = "Raise memory of \(target)"
        case .underProvisionedCPU: what = "Raise CPU of \(target)"
        case .misconfiguredAutoscaling: what = "Fix autoscaling bounds of \(target)"
        case .idleNode: what = "Remove idle node \(target)"
        case .orphanVolume: what = "Delete orphan volume \(target)"
        case .nodeConsolidation where first.target.kind == "NodePool": what = "Consolidate NodePool \(target)"
        case .nodeConsolidation: what = "Replace \(first.current["instanceType"]?.string ?? "instance type") with \(first.recommended["instanceType"]?.string ?? "?") (\(target))"
        case .stuckTerminating, nil: what = "Change \(target)"
        }
        let money = savings.cents > 0 ? ": save \(savings)/month" : savings.cents < 0 ? ": \(Money(cents: -savings.cents))/month more, for safety" : ""
        // Names come from the cluster: a newline in one must not start a forged line in the subject.
        return TextSafety.oneLine("\(what) [\(cluster)]\(money)")
    }

    public var body: String {
        var lines: [String] = []
        lines.append("<!-- autopilot:findings \(findings.map(\.id).joined(separator: ",")) -->")
        lines.append("## Summary")
        for finding in findings {
            lines.append("- \(Self.escape(finding.summary ?? "")) (`\(Self.code(finding.id))`, \(Self.escape(finding.detector)), confidence \(Self.percent(finding.confidence)))")
        }
        // What the reviewer must know of each finding: its replayed window and its caveats (a runtime's
        // heap flag that must move with the request is named here, with where it lives).
        let known = findings.filter { !Backtest.lines($0.backtest?.value).isEmpty || !$0.notes.isEmpty }
        if !known.isEmpty {
            lines.append("")
            lines.append("### Backtest and caveats")
            for finding in known {
                lines.append("- `\(Self.code(finding.id))`:")
                for line in Backtest.lines(finding.backtest?.value) { lines.append("  - \(Self.escape(line))") }
                for note in finding.notes { lines.append("  - \(Self.escape(note))") }
            }
        }
        lines.append("")
        lines.append("| Change | Where | Current | Recommended |")
        lines.append("| --- | --- | --- | --- |")
        for edit in edits {
            lines.append("| \(Self.escape(edit.field)) | `\(Self.code(edit.path)):\(edit.line)` | \(Self.cell(edit.from, removed: "(absent)")) | \(Self.cell(edit.to, removed: "(removed)")) |")
        }
        lines.append("")
        lines.append("**Monthly savings:** \(savings) (\(costBefore) → \(costAfter) a month, at 730 hours).")
        lines.append("")
        lines.append("**Risk:** \(riskLevel); gate **\(gate)**: " + (gate == "auto"
            ? "low risk, merge when checks pass."
            : "a person approves this (in Slack or here) before it merges."))
        for finding in findings {
            let reasons = finding.risk?.reasons ?? []
            let overall = finding.riskOverallText
            lines.append("- `\(Self.code(finding.id))`: \(Self.escape(finding.risk?.level ?? "unscored")) (\(overall))")
            for reason in reasons { lines.append("  - \(Self.escape(reason))") }
        }
        lines.append("")
        lines.append("**Evidence:**")
        for finding in findings {
            let id = finding.id
            if let html = finding.evidenceHTML {
                let target = evidenceBaseURL.map { "\($0.hasSuffix("/") ? $0 : $0 + "/")\(id)/evidence.html" }
                lines.append("- `\(id)`: " + (target.map { "[evidence pack](\($0))" } ?? "`\(Self.code(html))`"))
            } else {
                lines.append("- `\(id)`: no evidence pack (run build-evidence before emit-pr)")
            }
        }
        if !notes.isEmpty {
            lines.append("")
            lines.append("### Notes")
            for note in notes { lines.append("- \(Self.escape(note))") }
        }
        lines.append("")
        lines.append("### Rollback")
        lines.append("Revert this PR, or set these back:")
        for edit in edits {
            switch (edit.from, edit.to) {
            case (nil, _): lines.append("- `\(Self.code(edit.path))`: remove \(Self.escape(edit.field)) (it was absent)")
            case (let from?, nil): lines.append("- `\(Self.code(edit.path))`: restore \(Self.escape(edit.field)) from this PR's base (\(from.split(separator: "\n").count) lines)")
            case (let from?, _): lines.append("- `\(Self.code(edit.path)):\(edit.line)` \(Self.escape(edit.field)): `\(Self.code(from))`")
            }
        }
        lines.append("")
        lines.append("### Reviewer checklist")
        lines.append("- [ ] The new values are at or above the peaks in the evidence (p99 and max), with headroom you are comfortable with.")
        lines.append("- [ ] No launch, migration, batch run or seasonal peak is coming that the observed window does not show.")
        lines.append("- [ ] The diff changes only the values in the table above.")
        lines.append("- [ ] The rollout is safe: enough replicas or a PodDisruptionBudget, and someone watching after the merge.")
        lines.append("")
        lines.append("_Opened by Autopilot emit-pr. Rerunning updates this branch and PR instead of opening another._")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The commit message: the title, the table as text, and the finding ids as a trailer.
    public var commitMessage: String {
        var lines = [title, ""]
        for edit in edits {
            lines.append(TextSafety.oneLine("\(edit.path):\(edit.line): \(edit.field): \(edit.from.map { Self.oneLine($0) } ?? "(absent)") -> \(edit.to ?? "(removed)")"))
        }
        lines.append("")
        lines.append(TextSafety.oneLine("Autopilot-Findings: \(findings.map(\.id).joined(separator: ", "))"))
        return lines.joined(separator: "\n") + "\n"
    }

    static func targetName(_ finding: FindingRecord) -> String {
        let name = finding.target.name
        if let namespace = finding.namespace { return "\(namespace)/\(name)" }
        return name
    }

    static func percent(_ value: Double?) -> String { value.map { "\(Int(($0 * 100).rounded()))%" } ?? "?" }

    static func oneLine(_ text: String) -> String {
        let first = text.split(separator: "\n").first.map(String.init) ?? ""
        return text.contains("\n") ? first + " …" : first
    }

    /// Cluster text in Markdown: no HTML, no table breaks.
    static func escape(_ text: String) -> String {
        TextSafety.oneLine(text).replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "|", with: "\\|")
            .replacingOccurrences(of: "\n", with: " ")
    }

    /// Text inside a code span: backquotes and line breaks cannot appear.
    static func code(_ text: String) -> String {
        TextSafety.oneLine(text).replacingOccurrences(of: "`", with: "'").replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "|", with: "\\|")
    }

    static func cell(_ value: String?, removed: String) -> String {
        guard let value else { return removed }
        return value.contains("\n") ? "(\(value.split(separator: "\n").count)-line block)" : "`\(code(value))`"
    }
}
