extension EvidencePack {
    /// `evidence.json`: the same content as the page, as data.
    public var json: JSONValue {
        let risk = finding["risk"] ?? .null
        return [
            "kind": "evidence", "findingId": .string(id), "summary": .string(summary),
            "facts": .object(facts.map { .init($0.0, .string($0.1)) }),
            "charts": .array(charts.map { ["title": .string($0.title), "data": $0.data] }),
            "events": .array(events.map { ["time": .string($0.time), "reason": .string($0.cells[0]), "object": .string($0.cells[1]),
                                           "message": .string($0.cells[2])] }),
            "logs": .array(logs.map { ["time": .string($0.time), "source": .string($0.cells[0]), "line": .string($0.cells[1])] }),
            "formula": finding["basis"]?["formula"] ?? .null,
            "backtest": ["values": finding["backtest"] ?? .null, "lines": .strings(Backtest.lines(finding["backtest"]))],
            "cost": .strings(costLines),
            "changes": .array(changes.map { ["time": .string($0.time), "what": .string($0.cells[0]), "object": .string($0.cells[1]),
                                             "detail": .string($0.cells[2])] }),
            "safety": ["risk": risk, "rollback": rollback, "change": finding["recommended"] ?? .null,
                       "notes": finding["notes"] ?? .array([])],
            "changeTable": .array(changeRows.map { ["field": .string($0.field), "current": .string($0.current),
                                                     "recommended": .string($0.recommended), "rollback": .string($0.rollback)] }),
            "podMoves": .strings(podMoves), "undo": .strings(undo),
        ]
    }

    /// `evidence.html`: one self-contained page (inline CSS and SVG, no scripts, no external requests);
    /// every string from the cluster is escaped.
    public var html: String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
        <title>Evidence \(HTML.escape(id))</title>
        <style>
        body{font:14px/1.45 sans-serif;color:#222;max-width:960px;margin:24px auto;padding:0 16px}
        \(Self.styles)
        @media print{body{margin:0}h2{break-after:avoid}svg,table{break-inside:avoid}}
        </style></head><body>
        \(htmlBody)</body></html>

        """
    }

    /// The pack's rules beyond the page's own (the site's finding pages use them too).
    public static let styles = """
        h1{font-size:20px;margin:0 0 8px}h2{font-size:16px;margin:24px 0 8px;border-bottom:1px solid #ddd}
        table{border-collapse:collapse;width:100%;font-size:13px}td,th{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
        .gate{display:inline-block;padding:2px 8px;border-radius:4px;color:#fff;font-weight:bold}
        .auto{background:#2ca02c}.approve{background:#ff7f0e}.block{background:#d62728}.unscored{background:#7f7f7f}
        pre{background:#f6f6f6;padding:8px;white-space:pre-wrap}svg{max-width:100%;height:auto}.legend{color:#555;font-size:12px}
        """

    /// The pack's content, without the page around it.
    public var htmlBody: String {
        let escape = HTML.escape
        let risk = finding["risk"]
        let gate = risk?["gate"]?.stringValue ?? "unscored"
        var page = """
            <h1>\(escape(summary))</h1>
            <p><span class="gate \(escape(gate))">\(escape(gate))</span> finding <code>\(escape(id))</code></p>
            <table>\(facts.map { "<tr><th>\(escape($0.0))</th><td>\(escape($0.1))</td></tr>" }.joined())</table>
            <p class="legend">\(escape(Self.legend))</p>

            """
        page += "<h2>Usage</h2>\n"
        if charts.isEmpty { page += "<p>No usage series in the stream for this finding.</p>\n" }
        for chart in charts { page += "<figure><figcaption>\(escape(chart.title))</figcaption>\n\(chart.svg)\n</figure>\n" }
        if let formula = finding["basis"]?["formula"]?.stringValue {
            page += "<h2>How it was computed</h2>\n<p>\(escape(formula))</p>\n"
        }
        let backtest = Backtest.lines(finding["backtest"])
        if !backtest.isEmpty {
            page += "<h2>Backtest</h2>\n<p>The window's usage replayed against the recommendation (shaded on the graph where above it).</p>\n"
            page += "<ul>\(backtest.map { "<li>\(escape($0))</li>" }.joined())</ul>\n"
        }
        page += "<h2>Cost</h2>\n<ul>\(costLines.map { "<li>\(escape($0))</li>" }.joined())</ul>\n"
        page += "<h2>Safety</h2>\n"
        if let risk {
            page += "<p>Overall \(escape(risk["overall"]?.text ?? "?")) (\(escape(risk["level"]?.stringValue ?? "?"))), gate \(escape(gate)).</p>\n"
            page += "<table><tr><th>factor</th><th>score</th></tr>"
            for factor in ["blastRadius", "latencyImpact", "dependencyRisk", "sloImpact"] {
                page += "<tr><td>\(factor)</td><td>\(escape(risk[factor]?["score"]?.text ?? "?"))</td></tr>"
            }
            page += "</table>\n<ul>\((risk["reasons"]?.stringList ?? []).map { "<li>\(escape($0))</li>" }.joined())</ul>\n"
        } else {
            page += "<p>Not scored: run score-risk before build-evidence.</p>\n"
        }
        page += "<h2>Change and rollback</h2>\n"
        let rows = changeRows
        if rows.isEmpty {
            page += "<p>No values to change in the finding.</p>\n"
        } else {
            page += "<table><tr><th>field</th><th>now</th><th>recommended</th><th>rollback value</th></tr>"
                + rows.map { "<tr><td>\(escape($0.field))</td><td>\(escape($0.current))</td><td>\(escape($0.recommended))</td><td>\(escape($0.rollback))</td></tr>" }
                .joined() + "</table>\n"
        }
        if !podMoves.isEmpty { page += "<p>Where the pods go:</p>\n<ul>\(podMoves.map { "<li>\(escape($0))</li>" }.joined())</ul>\n" }
        page += "<p>How to undo it:</p>\n<ul>\(undo.map { "<li>\(escape($0))</li>" }.joined())</ul>\n"
        if !otherNotes.isEmpty { page += "<h2>Notes</h2>\n<ul>\(otherNotes.map { "<li>\(escape($0))</li>" }.joined())</ul>\n" }
        page += "<h2>Warning events</h2>\n" + table(["time", "reason", "object", "message"], events)
        if !logs.isEmpty { page += "<h2>Logs (Loki)</h2>\n" + table(["time", "pod / container", "line"], logs) }
        page += "<h2>Recent changes</h2>\n" + table(["time", "what", "object", "detail"], changes)
        return page
    }

    /// What the three words beside a finding mean, since they are easily read as one scale.
    static let legend = "Severity: how urgent the problem is (critical, warning, info). Risk: how likely the change is to hurt, "
        + "0 to 1 from the factors under Safety (low, medium, high). Gate: what the policy lets happen: auto (no person needed), "
        + "approve (a person approves), block (a person must judge before anything is done)."

    /// The current values of the fields the change sets: what to put back (observed figures such as the
    /// current utilization are not values to restore).
    var rollback: JSONValue {
        guard case .object(let changed)? = finding["recommended"], case .object(let current)? = finding["current"] else {
            return finding["current"] ?? .null
        }
        let keys = Set(changed.map(\.key))
        return .object(current.filter { keys.contains($0.key) })
    }

    private func table(_ headings: [String], _ rows: [Row]) -> String {
        guard !rows.isEmpty else { return "<p>None in the stream.</p>\n" }
        let escape = HTML.escape
        return "<table><tr>\(headings.map { "<th>\($0)</th>" }.joined())</tr>"
            + rows.map { row in "<tr><td>\(escape(row.time))</td>\(row.cells.map { "<td>\(escape($0))</td>" }.joined())</tr>" }.joined()
            + "</table>\n"
    }
}
