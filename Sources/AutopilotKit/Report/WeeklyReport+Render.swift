import Foundation

/// The report as report.json, report.md and report.html. The HTML is self-contained (inline CSS and
/// SVG, no script, a CSP that forbids fetching anything) and prints on A4.
extension WeeklyReport {
    static func teamLabel(_ team: String) -> String {
        switch team {
        case CostAllocation.idleTeam: return "idle (unallocated node capacity)"
        case BillAllocation.unallocated: return "unallocated (billed to the cluster, not in this snapshot)"
        case volumesLine: return "volumes no pod uses (outside the node allocation)"
        default: return team
        }
    }

    /// A line's name short enough for a chart's label column.
    static func shortTeamLabel(_ team: String) -> String {
        switch team {
        case CostAllocation.idleTeam: return "idle nodes"
        case BillAllocation.unallocated: return "unallocated"
        case volumesLine: return "unused volumes"
        default: return team
        }
    }

    /// "Per the bill" in words, or nil when no finding or reconciliation came from a bill.
    var billLine: String? {
        guard billedEntries > 0 || !reconciliations.isEmpty else { return nil }
        return "Per the customer's bill: \(realisableTotal)/month of the identified and projected savings would show on it "
            + "(list price \(identifiedTotal + projectedTotal)); verified by the bill \(verifiedByBillTotal)/month, "
            + "verified by the cluster \(verifiedToDateTotal)/month to date."
    }

    /// `2026-11-01 – 2026-12-01`.
    static func period(_ reconciliation: Reconciliation) -> String {
        "\(reconciliation.periodStart?.prefix(10) ?? "?") – \(reconciliation.periodEnd?.prefix(10) ?? "?")"
    }

    public var title: String {
        "Autopilot weekly report — \(team.map { "team \($0), " } ?? "")week ending \(RFC3339.string(now).prefix(10))"
    }

    /// One line for the terminal and cron mail.
    public var summaryLine: String {
        "verified \(verifiedThisWeekTotal)/month this week, projected \(projectedTotal)/month, identified \(identifiedTotal)/month not on its way, "
            + "\(incidents.count) incidents; \(entries.count) findings in \(clusters.count) clusters"
    }

    // MARK: JSON

    public var json: JSONValue {
        func money(_ value: Money) -> JSONValue { value.json }
        func entryJSON(_ entry: Entry) -> JSONValue {
            ["id": .string(entry.id), "cluster": .string(entry.cluster), "team": .string(entry.team), "detector": .string(entry.detector),
             "status": .string(entry.status.rawValue), "monthlySavings": money(entry.savings), "realizedMonthlySavings": money(entry.realized),
             "risk": ["overall": .optional(entry.riskOverall), "level": .optional(entry.riskLevel), "gate": .optional(entry.gate)],
             "summary": .string(entry.summary), "workload": .string(entry.workload), "stage": .string(entry.stage),
             "target": ["kind": .optional(entry.targetKind), "name": .optional(entry.targetName), "container": .optional(entry.container)],
             "costLine": .string(entry.costLine),
             "change": entry.changeState == nil ? .null
                : ["state": .optional(entry.changeState?.rawValue), "branch": .optional(entry.changeBranch), "url": .optional(entry.changeURL),
                   "reason": .optional(entry.changeReason)],
             "billedMonthlySavings": entry.billedSavings.map(money) ?? .null, "billVerification": .optional(entry.billVerification)]
        }
        func breakdownJSON(_ rows: [Breakdown]) -> JSONValue {
            .array(rows.map { row in
                ["name": .string(row.name), "label": .string(Self.teamLabel(row.name)), "findings": .int(Int64(row.findings)), "identified": money(row.identified),
                 "projected": money(row.projected), "verifiedThisWeek": money(row.verifiedThisWeek), "verifiedToDate": money(row.verifiedToDate)]
            })
        }
        var json: JSONValue = [
            "kind": "report", "title": .string(title), "weekStart": .string(RFC3339.string(weekStart)), "now": .string(RFC3339.string(now)),
            "team": .optional(team), "clusters": .strings(clusters),
            "headline": [
                "verifiedThisWeek": money(verifiedThisWeekTotal), "projectedNextWeek": money(projectedTotal),
                "identifiedNotActedOn": money(identifiedTotal), "incidentsCaught": .int(Int64(incidents.count)),
                "unit": "USD per month (run-rate)", "newFindingsThisWeek": .int(Int64(newThisWeek)),
                "changesThisWeek": .object(weekTally.map { .init($0.label, .int(Int64($0.count))) }),
            ],
            "rows": [
                "verifiedThisWeek": .strings(verifiedThisWeek.map(\.id)), "projectedNextWeek": .strings(projected.map(\.id)),
                "identifiedNotActedOn": .strings(identified.map(\.id)),
            ],
            "byTeam": breakdownJSON(byTeam), "byCluster": breakdownJSON(byCluster), "byDetector": breakdownJSON(byDetector),
            "topOpportunities": .array(topOpportunities.map(entryJSON)),
            "teamCosts": .array(teamCosts.map { row in
                ["team": .string(row.team), "monthlyCost": row.monthlyCost.map(money) ?? .null, "identified": money(row.identified),
                 "verifiedToDate": money(row.verifiedToDate)]
            }),
            "monthlyCostTotal": money(monthlyCostTotal),
            "trend": .array(trend.map { ["at": .string(RFC3339.string($0.at)), "monthlyCost": money($0.monthlyCost), "realized": money($0.realized)] }),
            "timeline": .array(timeline.map { ["at": .string(RFC3339.string($0.at)), "kind": .string($0.kind), "text": .string($0.text)] }),
            "changedThisWeek": .array(changedThisWeek.map { ["id": .string($0.entry.id), "workload": .string($0.entry.workload),
                                                              "what": .string($0.what), "risk": .optional($0.entry.riskOverall)] }),
            "nextSteps": .array(nextSteps.map { ["id": .string($0.entry.id), "workload": .string($0.entry.workload), "action": .string($0.text),
                                                 "command": .optional($0.command), "monthlySavings": money($0.entry.savings)] }),
            "notPatchable": .array(notPatchable.map { ["id": .string($0.id), "workload": .string($0.workload), "why": .optional($0.changeReason),
                                                       "whatToDo": .string(Self.remedy($0)), "monthlySavings": money($0.savings)] }),
            "findings": .array(entries.map(entryJSON)),
            "bill": billedEntries == 0 && reconciliations.isEmpty ? .null : [
                "realisableMonthlySavings": money(realisableTotal), "verifiedByBill": money(verifiedByBillTotal),
                "verifiedByCluster": money(verifiedToDateTotal),
                "reconciliations": .array(reconciliations.map { item in
                    ["cluster": .string(item.cluster), "periodStart": .optional(item.periodStart), "periodEnd": .optional(item.periodEnd),
                     "billedTotal": money(item.billedTotal), "allocatedTotal": money(item.allocatedTotal),
                     "lines": .array(item.lines.map { ["team": .string($0.team), "billed": money($0.billed)] })]
                }),
            ],
        ]
        // Only when the ledger or the stream holds incidents: a report without any has no such key.
        if let incidentLifecycle { json.set("incidentLifecycle", to: incidentLifecycle.json) }
        return json
    }

    // MARK: Markdown

    /// The headline figures, each with its unit in its label.
    var headline: [(label: String, value: String)] {
        [("Saved this week (verified), per month", "\(verifiedThisWeekTotal)"),
         ("Projected: approved and on its way, per month", "\(projectedTotal)"),
         ("Identified, not on its way yet, per month", "\(identifiedTotal)"),
         ("Incidents caught this week", "\(incidents.count)")]
    }

    /// "This week: first reported 55; approved 19; …".
    var tallyLine: String {
        "This week: " + weekTally.map { "\($0.label) \($0.count)" }.joined(separator: "; ") + "."
    }

    static let notPatchableNote = "emit-pr found no code it could change for these (or, refused, would not write it): running it again "
        + "as things are will not open the change; what to do instead is beside each."

    static let breakdownNote = "Node and volume savings count on the capacity line they reduce (idle nodes, volumes no pod uses), "
        + "not on the team that runs the nodes."
    static let allocationNote = "Monthly run-rate. Volumes no pod uses are not in the node allocation: their line has savings and no cost."

    public var markdown: String {
        func cell(_ text: String) -> String {
            text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "|", with: "\\|")
                .replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "<", with: "&lt;")
        }
        /// A command as inline code, verbatim (Markdown escapes nothing inside it): a backtick in it would end
        /// it, so the fence is one longer than the longest run of them.
        func code(_ text: String) -> String {
            let longest = text.components(separatedBy: CharacterSet(charactersIn: "`").inverted).map(\.count).max() ?? 0
            let fence = String(repeating: "`", count: longest + 1)
            let pad = text.hasPrefix("`") || text.hasSuffix("`") ? " " : ""
            return fence + pad + text.replacingOccurrences(of: "\n", with: " ") + pad + fence
        }
        var md = "# \(cell(title))\n\n"
        md += "All money is monthly run-rate in USD; each total is the sum of the rows behind it.\n\n"
        md += "| | |\n|---|---:|\n"
        for (label, value) in headline { md += "| \(label) | \(value) |\n" }
        md += "\n"
        if let billLine { md += billLine + "\n\n" }
        for (heading, rows) in [("By team", byTeam), ("By cluster", byCluster), ("By kind of waste", byDetector)] {
            md += "## \(heading), per month\n\n"
            if heading == "By team" { md += Self.breakdownNote + "\n\n" }
            md += "| | findings | identified | projected | verified this week | verified to date |\n|---|---:|---:|---:|---:|---:|\n"
            for row in rows {
                md += "| \(cell(Self.teamLabel(row.name))) | \(row.findings) | \(row.identified) | \(row.projected) | \(row.verifiedThisWeek) | \(row.verifiedToDate) |\n"
            }
            md += "\n"
        }
        md += "## Cost allocation by team, per month\n\n\(Self.allocationNote)\n\n"
        md += "| team | monthly cost | open savings (identified + projected) | verified to date |\n|---|---:|---:|---:|\n"
        for row in teamCosts {
            md += "| \(cell(Self.teamLabel(row.team))) | \(row.monthlyCost.map(\.description) ?? "–") | \(row.identified) | \(row.verifiedToDate) |\n"
        }
        md += "| **total** | **\(monthlyCostTotal)** | | |\n\n"
        for item in reconciliations {
            md += "## Allocation reconciled to the bill: \(cell(item.cluster)), \(Self.period(item))\n\n"
            md += "Dollars over the bill's period, not monthly run-rate. Nodes and volumes by their ids in the bill, split by the "
                + "teams' requests; what the bill charges the cluster that the snapshot does not show is unallocated.\n\n"
            md += "| team | billed |\n|---|---:|\n"
            for line in item.lines { md += "| \(cell(Self.teamLabel(line.team))) | \(line.billed) |\n" }
            md += "| **allocated total** | **\(item.allocatedTotal)** |\n\nBilled total for the cluster's nodes and volumes: \(item.billedTotal)"
                + (item.allocatedTotal == item.billedTotal ? " (equal to the cent).\n\n" : " (does not reconcile: \(item.billedTotal - item.allocatedTotal)).\n\n")
        }
        // With a bill, each opportunity's realisable saving beside its list-price one.
        let billed = billedEntries > 0
        md += "## Top opportunities, per month\n\n| # | savings\(billed ? " | per the bill" : "") | risk | gate | where it is | finding |\n"
            + "|---:|---:\(billed ? "|---:" : "")|---|---|---|---|\n"
        for (index, entry) in topOpportunities.enumerated() {
            let notes = entry.notesShown.isEmpty ? "" : " Notes: " + entry.notesShown.joined(separator: "; ") + "."
            md += "| \(index + 1) | \(entry.savings)\(billed ? " | \(entry.billedSavings.map(\.description) ?? "–")" : "") | \(cell(entry.riskLevel ?? "–")) | "
                + "\(cell(entry.gate ?? "–")) | \(cell(entry.stage)) | \(cell(entry.summary + notes)) |\n"
        }
        if let incidentLifecycle { md += "\n" + incidentLifecycle.markdown(cell).dropLast() }
        md += "\n## What changed this week\n\n"
        if !weekTally.isEmpty { md += "\(tallyLine)\n\n" }
        md += changedThisWeek.isEmpty ? (weekTally.isEmpty ? "Nothing.\n" : "")
            : changedThisWeek.map { "- **\(cell($0.entry.workload))** (\(cell($0.entry.cluster)), \(cell($0.entry.detector))): \(cell($0.what))\n" }.joined()
        md += "\n## Recommended next steps\n\n"
        for (index, step) in nextSteps.enumerated() {
            md += "\(index + 1). **\(cell(step.entry.workload))**: \(cell(step.text))" + (step.command.map { ": " + code($0) } ?? "") + "\n"
            md += "   \(cell(step.entry.summary))\n"
            for note in step.entry.notesShown { md += "   - \(cell(note))\n" }
        }
        if !notPatchable.isEmpty {
            md += "\n## Not patchable: why, and what to do\n\n\(Self.notPatchableNote)\n\n"
            md += "| savings | finding | why | what to do |\n|---:|---|---|---|\n"
            for entry in notPatchable {
                md += "| \(entry.savings) | \(cell(entry.workload)) (\(cell(entry.detector))) | \(cell(entry.changeReason ?? "–")) | \(cell(Self.remedy(entry))) |\n"
            }
        }
        return md
    }

    // MARK: HTML

    public var html: String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
        <title>\(HTML.escape(title))</title>
        <style>
        @page { size: A4; margin: 14mm; }
        body { font-family: sans-serif; color: #222; max-width: 760px; margin: 24px auto; font-size: 13px; }
        \(Self.styles)
        </style></head>
        <body>
        \(htmlBody)</body></html>

        """
    }

    /// The report's rules beyond the page's own: headline figures, tables, notes, charts (the site uses them too).
    public static let styles = """
        h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 24px; border-bottom: 1px solid #ddd; break-after: avoid; }
        .note { color: #666; }
        .headline { display: flex; gap: 12px; flex-wrap: wrap; }
        .figure { flex: 1 1 140px; border: 1px solid #ddd; border-radius: 6px; padding: 10px; }
        .figure .value { font-size: 22px; font-weight: bold; } .figure .label { color: #555; }
        table { border-collapse: collapse; width: 100%; break-inside: auto; } tr { break-inside: avoid; }
        th, td { border-bottom: 1px solid #eee; padding: 3px 6px; text-align: left; vertical-align: top; }
        th.n, td.n { text-align: right; white-space: nowrap; } tr.total td { font-weight: bold; border-top: 2px solid #999; }
        code { background: #f4f4f4; padding: 1px 4px; border-radius: 3px; word-break: break-all; }
        ul.notes { margin: 4px 0 0 0; padding-left: 18px; color: #555; }
        svg { max-width: 100%; height: auto; break-inside: avoid; display: block; margin: 8px 0; }
        """

    /// The report's content, without the page around it.
    public var htmlBody: String {
        let e = HTML.escape
        var body = "<h1>\(e(title))</h1>\n<p class=\"note\">All money is monthly run-rate in USD; each total is the sum of the rows behind it, to the cent.</p>\n"
        body += "<div class=\"headline\">"
        for (label, value) in headline {
            body += "<div class=\"figure\"><div class=\"value\">\(e(value))</div><div class=\"label\">\(e(label))</div></div>"
        }
        body += "</div>\n"
        if let billLine { body += "<p class=\"note\">\(e(billLine))</p>\n" }
        body += "<h2>Charts</h2>\n<div class=\"charts\">"
        body += SVGChart.trend(title: "Monthly cost at each run", points: trend.map { ($0.at, $0.monthlyCost.dollars) }, format: Self.dollars)
        body += SVGChart.trend(title: "Savings realized (verified, per month) at each run", points: trend.map { ($0.at, $0.realized.dollars) },
                               format: Self.dollars)
        body += SVGChart.timeline(title: "Incidents, verifications and unsafe changes, last 4 weeks", events: timeline.map { ($0.at, $0.kind, $0.text) },
                                  from: now.addingTimeInterval(-Self.timelineWindow), to: now)
        let teamRows = byTeam.filter { $0.identified + $0.projected + $0.verifiedToDate != .zero }
        let highest = teamRows.map { ($0.identified + $0.projected + $0.verifiedToDate).dollars }.max() ?? 0
        body += SVGChart.bars(title: "Savings by team: identified + projected + verified to date, per month",
                              rows: teamRows.map { (Self.shortTeamLabel($0.name), ($0.identified + $0.projected + $0.verifiedToDate).dollars, "#2ca02c") },
                              scale: highest, signed: true, format: Self.dollars)
        body += "</div>\n"
        func table(_ heading: String, _ rows: [Breakdown], note: String? = nil) -> String {
            var html = "<h2>\(e(heading)), per month</h2>\n" + (note.map { "<p class=\"note\">\(e($0))</p>\n" } ?? "")
            html += "<table><thead><tr><th></th><th class=\"n\">findings</th><th class=\"n\">identified</th><th class=\"n\">projected</th>"
                + "<th class=\"n\">verified this week</th><th class=\"n\">verified to date</th></tr></thead><tbody>"
            for row in rows {
                html += "<tr><td>\(e(Self.teamLabel(row.name)))</td><td class=\"n\">\(row.findings)</td><td class=\"n\">\(row.identified)</td><td class=\"n\">\(row.projected)</td><td class=\"n\">\(row.verifiedThisWeek)</td><td class=\"n\">\(row.verifiedToDate)</td></tr>"
            }
            return html + "</tbody></table>\n"
        }
        body += table("By team", byTeam, note: Self.breakdownNote) + table("By cluster", byCluster) + table("By kind of waste", byDetector)
        body += "<h2>Cost allocation by team, per month</h2>\n<p class=\"note\">\(e(Self.allocationNote))</p>\n"
        body += "<table><thead><tr><th>team</th><th class=\"n\">monthly cost</th><th class=\"n\">open savings (identified + projected)</th><th class=\"n\">verified to date</th></tr></thead><tbody>"
        for row in teamCosts {
            body += "<tr><td>\(e(Self.teamLabel(row.team)))</td><td class=\"n\">\(row.monthlyCost.map(\.description) ?? "–")</td><td class=\"n\">\(row.identified)</td><td class=\"n\">\(row.verifiedToDate)</td></tr>"
        }
        body += "<tr class=\"total\"><td>total</td><td class=\"n\">\(monthlyCostTotal)</td><td></td><td></td></tr></tbody></table>\n"
        for item in reconciliations {
            body += "<h2>Allocation reconciled to the bill: \(e(item.cluster)), \(e(Self.period(item)))</h2>\n"
            body += "<p class=\"note\">Dollars over the bill's period, not monthly run-rate. Nodes and volumes by their ids in the bill, split by "
                + "the teams' requests; what the bill charges the cluster that the snapshot does not show is unallocated.</p>\n"
            body += "<table><thead><tr><th>team</th><th class=\"n\">billed</th></tr></thead><tbody>"
            for line in item.lines { body += "<tr><td>\(e(Self.teamLabel(line.team)))</td><td class=\"n\">\(line.billed)</td></tr>" }
            body += "<tr class=\"total\"><td>allocated total</td><td class=\"n\">\(item.allocatedTotal)</td></tr></tbody></table>\n"
            body += "<p>Billed total for the cluster's nodes and volumes: \(item.billedTotal)"
                + (item.allocatedTotal == item.billedTotal ? " (equal to the cent).</p>\n" : " (does not reconcile: \(item.billedTotal - item.allocatedTotal)).</p>\n")
        }
        func notes(_ entry: Entry) -> String {
            entry.notesShown.isEmpty ? "" : "<ul class=\"notes\">" + entry.notesShown.map { "<li>\(e($0))</li>" }.joined() + "</ul>"
        }
        let billed = billedEntries > 0
        body += "<h2>Top opportunities, per month</h2>\n<table><thead><tr><th class=\"n\">#</th><th class=\"n\">savings</th>"
            + "\(billed ? "<th class=\"n\">per the bill</th>" : "")<th>risk</th><th>gate</th><th>where it is</th><th>finding</th></tr></thead><tbody>"
        for (index, entry) in topOpportunities.enumerated() {
            body += "<tr><td class=\"n\">\(index + 1)</td><td class=\"n\">\(entry.savings)</td>"
                + (billed ? "<td class=\"n\">\(entry.billedSavings.map(\.description) ?? "–")</td>" : "")
                + "<td>\(e(entry.riskLevel ?? "–"))</td><td>\(e(entry.gate ?? "–"))</td><td>\(e(entry.stage))</td><td>\(e(entry.summary))\(notes(entry))</td></tr>"
        }
        body += "</tbody></table>\n"
        if let incidentLifecycle { body += incidentLifecycle.html }
        body += "<h2>What changed this week</h2>\n"
        if !weekTally.isEmpty { body += "<p>\(e(tallyLine))</p>\n" }
        if changedThisWeek.isEmpty {
            if weekTally.isEmpty { body += "<p>Nothing.</p>\n" }
        } else {
            body += "<ul>" + changedThisWeek.map { "<li><strong>\(e($0.entry.workload))</strong> (\(e($0.entry.cluster)), \(e($0.entry.detector))): \(e($0.what))</li>" }.joined() + "</ul>\n"
        }
        body += "<h2>Recommended next steps</h2>\n<ol>"
        body += nextSteps.map { step in
            "<li><strong>\(e(step.entry.workload))</strong>: \(e(step.text))" + (step.command.map { ":<br><code>\(e($0))</code>" } ?? "")
                + "<br>\(e(step.entry.summary))\(notes(step.entry))</li>"
        }.joined()
        body += "</ol>\n"
        if !notPatchable.isEmpty {
            body += "<h2>Not patchable: why, and what to do</h2>\n<p class=\"note\">\(e(Self.notPatchableNote))</p>\n"
            body += "<table><thead><tr><th class=\"n\">savings</th><th>finding</th><th>why</th><th>what to do</th></tr></thead><tbody>"
            for entry in notPatchable {
                body += "<tr><td class=\"n\">\(entry.savings)</td><td>\(e(entry.workload)) (\(e(entry.detector)))</td><td>\(e(entry.changeReason ?? "–"))</td><td>\(e(Self.remedy(entry)))</td></tr>"
            }
            body += "</tbody></table>\n"
        }
        return body
    }

    static func dollars(_ value: Double) -> String { "\(Money(dollars: value))" }
}
