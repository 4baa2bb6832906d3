import Foundation

/// `render-site`: the ledger and the run's stream as a static site that any web server serves or a
/// browser opens from disk. A fleet overview; a page per cluster and per team (their weekly report and
/// findings); a findings explorer; a page per finding (where it is, its PR, its lifecycle, its evidence)
/// and per incident; an incidents timeline and an anomaly timeline; and the fleet's weekly report.
///
/// Same rules as the report: every page self-contained (inline CSS and SVG; one inline script, on the
/// explorer, pinned by its hash in the CSP, and the page works without it), every string escaped, money
/// to the cent with each total the sum of its rows, the same bytes for the same input. The overview,
/// cluster and team pages have a `.json` twin (the report's JSON) for other tools and the tests.
public struct StaticSite {
    public struct Page: Sendable {
        /// Relative to the site's folder: `index.html`, `findings/f-….html`.
        public var path: String
        public var content: String
    }

    public let fleet: WeeklyReport
    /// Each cluster's report (its page, and its row on the overview).
    let clusterReports: [String: WeeklyReport]
    /// Teams with findings or a cost line of their own (not the idle and volume lines): each has a page.
    let teams: [String]
    /// By finding id (built once: a fleet has thousands): its entry, its newest `finding` record, its newest
    /// `change` record, and the incidents that link it.
    let entries: [String: WeeklyReport.Entry]
    let findingRecords: [String: FindingRecord]
    /// The ledger's copy of findings the run no longer reports (`lastReported`), by id.
    let lastReportedFindings: [String: (finding: FindingRecord, lastSeen: String?)]
    let changeRecords: [String: JSON]
    let incidentsOfFinding: [String: [String]]
    /// By incident id, its newest record of each kind.
    let ledgerIncidents: [String: JSON]
    let streamIncidents: [String: JSON]
    let set: ClusterSet
    let model: CostModel
    let ledger: String?

    /// `ledger` (render-site --db) goes into the commands the pages show, as in the report.
    public init(_ set: ClusterSet, now: Date, model: CostModel, ledger: String?) {
        self.set = set
        self.model = model
        self.ledger = ledger
        let fleet = WeeklyReport(set, now: now, team: nil, model: model, ledger: ledger)
        self.fleet = fleet
        clusterReports = Dictionary(uniqueKeysWithValues: fleet.clusters.map {
            ($0, WeeklyReport(set.only(cluster: $0), now: now, team: nil, model: model, ledger: ledger))
        })
        teams = Set(fleet.entries.map(\.team)).union(fleet.teamCosts.map(\.team))
            .subtracting([CostAllocation.idleTeam, WeeklyReport.volumesLine, BillAllocation.unallocated]).sorted()
        entries = Dictionary(fleet.entries.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
        var changes: [String: JSON] = [:]
        for record in set.changes { for id in record["findingIds"]?.value.stringList ?? [] { changes[id] = record } }
        changeRecords = changes
        var incidents: [String: Set<String>] = [:]
        for record in set.ledgerIncidents {
            guard let incident = record["id"]?.string else { continue }
            for id in record["findingIds"]?.value.stringList ?? [] { incidents[id, default: []].insert(incident) }
        }
        incidentsOfFinding = incidents.mapValues { $0.sorted() }
        func newest(_ records: [JSON]) -> [String: JSON] {
            var byID: [String: JSON] = [:]
            for record in records { if let id = record["id"]?.string { byID[id] = record } }
            return byID
        }
        ledgerIncidents = newest(set.ledgerIncidents)
        streamIncidents = newest(set.incidents)
        findingRecords = Dictionary(set.findings.map { ($0.id, $0) }, uniquingKeysWith: { _, newer in newer })
        var lastReported: [String: (finding: FindingRecord, lastSeen: String?)] = [:]
        for record in set.ledger {
            if let id = record["id"]?.string, let stored = record["lastReported"], stored["id"] != nil {
                let finding = FindingRecord(stored: stored)
                lastReported[id] = (finding, record["lastSeen"]?.string)
            }
        }
        lastReportedFindings = lastReported
    }

    public var pages: [Page] {
        var pages = [overview, Page(path: "index.json", content: fleet.json.text + "\n"), explorer, incidentsPage, anomaliesPage,
                     Page(path: "report.html", content: fleet.html)]
        for cluster in fleet.clusters {
            pages += reportPages(clusterReports[cluster]!, path: Self.clusterPath(cluster), heading: "Cluster \(cluster)")
        }
        for team in teams {
            let report = WeeklyReport(set, now: fleet.now, team: team, model: model, ledger: ledger)
            pages += reportPages(report, path: Self.teamPath(team), heading: "Team \(team)")
        }
        pages += fleet.entries.map(findingPage)
        pages += incidentIDs.map(incidentPage)
        return pages
    }

    // MARK: Paths

    /// A file name for any name from the cluster: kept when it is plain (lowercase letters, digits, `-_.`,
    /// not starting with a dot), else its letters, digits, `-` and `_` (anything else a `-`) and a hash of
    /// the whole, so two names never share a file and none walks out of its folder.
    static func slug(_ name: String) -> String {
        let word = { (scalar: Unicode.Scalar) in ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || "-_".unicodeScalars.contains(scalar) }
        if !name.isEmpty, name.count <= 80, !name.hasPrefix("."), name.unicodeScalars.allSatisfy({ word($0) || $0 == "." }) { return name }
        let kept = String(String.UnicodeScalarView(name.lowercased().unicodeScalars.prefix(40).map { word($0) ? $0 : "-" }))
        return kept + "-" + StableHash.fnv1a64(name).prefix(8)
    }

    static func clusterPath(_ name: String) -> String { "clusters/\(slug(name)).html" }
    static func teamPath(_ name: String) -> String { "teams/\(slug(name)).html" }
    static func findingPath(_ id: String) -> String { "findings/\(slug(id)).html" }
    static func incidentPath(_ id: String) -> String { "incidents/\(slug(id)).html" }

    /// A link from the page at `from` to the page at `to`, its text escaped.
    static func link(_ text: String, to target: String, from page: String) -> String {
        let up = String(repeating: "../", count: page.split(separator: "/").count - 1)
        return "<a href=\"\(HTML.escape(up + target))\">\(HTML.escape(text))</a>"
    }

    // MARK: Layout

    static let styles = """
        body { font-family: sans-serif; color: #222; max-width: 1080px; margin: 16px auto; padding: 0 16px; font-size: 13px; }
        nav { display: flex; gap: 16px; padding: 8px 0; border-bottom: 2px solid #1f77b4; margin-bottom: 12px; }
        nav a { color: #1f77b4; text-decoration: none; font-weight: bold; }
        a { color: #1f5f99; }
        .filters { display: flex; gap: 8px; flex-wrap: wrap; margin: 8px 0; }
        th button { font: inherit; font-weight: bold; background: none; border: none; padding: 0; cursor: pointer; color: #1f5f99; }
        .card { border: 1px solid #ddd; border-radius: 6px; padding: 8px 12px; margin: 8px 0; }
        section.evidence h1 { font-size: 16px; }
        """

    /// A whole page: the navigation, `body`, and with `script` a CSP that allows that script alone.
    func page(_ path: String, title: String, body: String, evidence: Bool = false, script: String? = nil) -> Page {
        let e = HTML.escape
        let csp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:" + (script.map { "; script-src '\(Self.hash($0))'" } ?? "")
        let nav = [("Fleet", "index.html"), ("Findings", "findings.html"), ("Incidents", "incidents.html"), ("Anomalies", "anomalies.html"),
                   ("Weekly report", "report.html")].map { Self.link($0.0, to: $0.1, from: path) }.joined(separator: "\n")
        let content = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="\(csp)">
            <title>\(e(title))</title>
            <style>
            \(Self.styles)
            \(evidence ? EvidencePack.styles : WeeklyReport.styles)
            </style></head>
            <body>
            <nav>\(nav)</nav>
            <main>
            \(body)</main>
            \(script.map { "<script>\($0)</script>\n" } ?? "")</body></html>

            """
        return Page(path: path, content: content)
    }

    /// The CSP source of an inline script: `sha256-` and the base64 of its digest.
    static func hash(_ script: String) -> String {
        "sha256-" + Data(SHA256.hash(Array(script.utf8))).base64EncodedString()
    }

    // MARK: Overview, clusters, teams

    var overview: Page {
        let path = "index.html"
        let e = HTML.escape
        var body = "<h1>\(e("Fleet overview — week ending \(RFC3339.string(fleet.now).prefix(10))"))</h1>\n"
        body += "<p class=\"note\">All money is monthly run-rate in USD; each total is the sum of the rows behind it, to the cent.</p>\n"
        body += "<div class=\"headline\">" + fleet.headline.map {
            "<div class=\"figure\"><div class=\"value\">\(e($0.value))</div><div class=\"label\">\(e($0.label))</div></div>"
        }.joined() + "</div>\n"
        body += SVGChart.trend(title: "Monthly cost at each run", points: fleet.trend.map { ($0.at, $0.monthlyCost.dollars) }, format: WeeklyReport.dollars)
        body += SVGChart.trend(title: "Savings realized (verified, per month) at each run", points: fleet.trend.map { ($0.at, $0.realized.dollars) },
                               format: WeeklyReport.dollars)

        body += "<h2>Clusters, per month</h2>\n<table><thead><tr><th>cluster</th><th class=\"n\">findings</th><th class=\"n\">monthly cost</th>"
            + "<th class=\"n\">identified</th><th class=\"n\">projected</th><th class=\"n\">verified to date</th></tr></thead><tbody>"
        let reports = fleet.clusters.map { ($0, clusterReports[$0]!) }
        for (cluster, report) in reports {
            body += "<tr><td>\(Self.link(cluster, to: Self.clusterPath(cluster), from: path))</td><td class=\"n\">\(report.entries.count)</td>"
                + "<td class=\"n\">\(report.monthlyCostTotal)</td><td class=\"n\">\(report.identifiedTotal)</td><td class=\"n\">\(report.projectedTotal)</td>"
                + "<td class=\"n\">\(report.verifiedToDateTotal)</td></tr>"
        }
        // The sums of the rows (the tests hold them equal to the fleet's figures).
        body += "<tr class=\"total\"><td>total</td><td class=\"n\">\(reports.map(\.1.entries.count).reduce(0, +))</td>"
            + "<td class=\"n\">\(reports.map(\.1.monthlyCostTotal).sum())</td><td class=\"n\">\(reports.map(\.1.identifiedTotal).sum())</td>"
            + "<td class=\"n\">\(reports.map(\.1.projectedTotal).sum())</td><td class=\"n\">\(reports.map(\.1.verifiedToDateTotal).sum())</td></tr>"
            + "</tbody></table>\n"

        body += "<h2>Teams, per month</h2>\n<p class=\"note\">\(e(WeeklyReport.breakdownNote))</p>\n"
        body += "<table><thead><tr><th>team</th><th class=\"n\">findings</th><th class=\"n\">monthly cost</th><th class=\"n\">identified</th>"
            + "<th class=\"n\">projected</th><th class=\"n\">verified to date</th></tr></thead><tbody>"
        let costs = Dictionary(fleet.teamCosts.map { ($0.team, $0.monthlyCost) }, uniquingKeysWith: { first, _ in first })
        let lines = Set(fleet.byTeam.map(\.name)).union(costs.keys).sorted()
        for name in lines {
            let row = fleet.byTeam.first { $0.name == name } ?? WeeklyReport.Breakdown(name: name)
            let label = WeeklyReport.teamLabel(name)
            let cell = teams.contains(name) ? Self.link(label, to: Self.teamPath(name), from: path) : e(label)
            body += "<tr><td>\(cell)</td><td class=\"n\">\(row.findings)</td><td class=\"n\">\((costs[name] ?? nil).map(\.description) ?? "–")</td>"
                + "<td class=\"n\">\(row.identified)</td><td class=\"n\">\(row.projected)</td><td class=\"n\">\(row.verifiedToDate)</td></tr>"
        }
        body += "<tr class=\"total\"><td>total</td><td class=\"n\">\(fleet.entries.count)</td><td class=\"n\">\(fleet.monthlyCostTotal)</td>"
            + "<td class=\"n\">\(fleet.identifiedTotal)</td><td class=\"n\">\(fleet.projectedTotal)</td><td class=\"n\">\(fleet.verifiedToDateTotal)</td></tr>"
            + "</tbody></table>\n"
        body += "<h2>Top opportunities, per month</h2>\n" + findingsTable(fleet.topOpportunities, from: path)
        return page(path, title: "Autopilot — fleet overview", body: body)
    }

    /// A cluster's or a team's weekly report as a page of the site, its findings linked, and its JSON twin.
    func reportPages(_ report: WeeklyReport, path: String, heading: String) -> [Page] {
        var body = report.htmlBody.replacingOccurrences(of: "<h1>\(HTML.escape(report.title))</h1>",
                                                         with: "<h1>\(HTML.escape(heading))</h1>\n<p class=\"note\">\(HTML.escape(report.title))</p>")
        body += "<h2>Every finding, per month</h2>\n" + findingsTable(report.entries.sorted(by: WeeklyReport.bySavingsThenRisk), from: path)
        return [page(path, title: heading, body: body),
                Page(path: String(path.dropLast(".html".count)) + ".json", content: report.json.text + "\n")]
    }

    /// Findings as rows, each linked to its page (no script: the explorer adds one).
    func findingsTable(_ entries: [WeeklyReport.Entry], from path: String) -> String {
        guard !entries.isEmpty else { return "<p>None.</p>\n" }
        var html = "<table><thead><tr><th>finding</th><th>cluster</th><th>team</th><th>where it is</th><th class=\"n\">savings</th>"
            + "<th>risk</th><th>gate</th></tr></thead><tbody>"
        for entry in entries {
            html += "<tr><td>\(Self.link(entry.workload, to: Self.findingPath(entry.id), from: path))<br><span class=\"note\">\(HTML.escape(entry.detector))</span></td>"
                + "<td>\(HTML.escape(entry.cluster))</td><td>\(HTML.escape(entry.team))</td><td>\(HTML.escape(entry.stage))</td>"
                + "<td class=\"n\">\(entry.savings)</td><td>\(HTML.escape(entry.riskLevel ?? "–"))</td><td>\(HTML.escape(entry.gate ?? "–"))</td></tr>"
        }
        return html + "</tbody></table>\n"
    }
}
