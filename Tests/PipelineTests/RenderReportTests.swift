import Foundation
import XCTest

/// render-report over the ledger's output: every total is the sum of its rows to the cent (the demo's three
/// weeks and a generated three-cluster fleet), a team's report, hostile strings, a real Chromium rendering,
/// and a stream without any ledger.
final class RenderReportTests: XCTestCase {
    typealias F = LedgerFixtures

    private func render(_ input: String, into out: URL, _ arguments: [String] = []) throws -> ToolResult {
        try Tool.run("render-report", ["--out", out.path] + arguments, stdin: input)
    }

    private func readReport(in out: URL) throws -> [String: Any] {
        let data = try Data(contentsOf: out.appendingPathComponent("report.json"))
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// A successful run: quiet (stdout carries data only, and a report is files), and the three files.
    private func assertWroteTheReport(_ result: ToolResult, _ out: URL, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(result.status, 0, result.stderr, file: file, line: line)
        XCTAssertEqual(result.stderr, "", file: file, line: line)
        XCTAssertEqual(result.stdout, "", "stdout carries data only", file: file, line: line)
        for name in ["report.html", "report.md", "report.json"] {
            let size = (try? Data(contentsOf: out.appendingPathComponent(name)))?.count ?? 0
            XCTAssertGreaterThan(size, 0, name, file: file, line: line)
        }
    }

    /// Which headline a finding counts in, by the report's contract: verified; projected when approved and on
    /// its way (merged, or approved with a change that can go ahead); identified when open and not on its way
    /// (detected, or approved with a change not patchable, refused or closed unmerged).
    static func bucket(_ entry: [String: Any]) -> String {
        let change = F.string(entry, "change", "state") ?? ""
        switch entry["status"] as? String ?? "" {
        case "verified": return "verified"
        case "implemented": return "projected"
        case "approved": return ["not-patchable", "refused", "closed"].contains(change) ? "identified" : "projected"
        case "detected": return "identified"
        default: return "none"
        }
    }

    /// The allocation line a finding's savings reduce, by the report's contract: nodes' savings are idle
    /// capacity, volumes' are outside the node allocation, the rest are the team's.
    static func costLine(_ entry: [String: Any]) -> String {
        let kind = F.string(entry, "target", "kind") ?? ""
        switch entry["detector"] as? String ?? "" {
        case "idle-node", "node-consolidation": return "__idle__"
        case "orphan-volume": return "__volumes__"
        case "stuck-terminating" where kind == "Node": return "__idle__"
        case "stuck-terminating" where kind == "PersistentVolume" || kind == "PersistentVolumeClaim": return "__volumes__"
        default: return entry["team"] as? String ?? ""
        }
    }

    /// Every total of report.json against the rows behind it, in whole cents: each headline is the sum of
    /// the findings its `rows` name, the rows are exactly the findings of their bucket, each breakdown's
    /// columns add up to the headline (and each group to its own findings), and the cost lines to the total.
    static func assertReconciles(_ report: [String: Any], file: StaticString = #filePath, line: UInt = #line) throws {
        let findings = try XCTUnwrap(report["findings"] as? [[String: Any]], file: file, line: line)
        let byID = Dictionary(findings.map { ($0["id"] as? String ?? "", $0) }, uniquingKeysWith: { first, _ in first })
        XCTAssertEqual(byID.count, findings.count, "one entry per finding", file: file, line: line)
        let headline = try XCTUnwrap(report["headline"] as? [String: Any], file: file, line: line)
        let rows = try XCTUnwrap(report["rows"] as? [String: [String]], file: file, line: line)
        func status(_ entry: [String: Any]) -> String { entry["status"] as? String ?? "" }
        func bucket(_ entry: [String: Any]) -> String { Self.bucket(entry) }
        func sum(_ entries: [[String: Any]], _ field: String) -> Int { entries.map { F.cents($0[field]) ?? 0 }.reduce(0, +) }

        let columns = [("verifiedThisWeek", "realizedMonthlySavings", "verified"),
                       ("projectedNextWeek", "monthlySavings", "projected"),
                       ("identifiedNotActedOn", "monthlySavings", "identified")]
        for (key, field, wanted) in columns {
            let ids = try XCTUnwrap(rows[key], key, file: file, line: line)
            XCTAssertEqual(Set(ids).count, ids.count, "\(key): no row twice", file: file, line: line)
            for id in ids {
                XCTAssertNotNil(byID[id], "\(key) names \(id), which is not among the findings", file: file, line: line)
                XCTAssertEqual(byID[id].map(bucket), wanted, "\(key): \(id) is \(byID[id].map(status) ?? "?")", file: file, line: line)
            }
            XCTAssertEqual(F.cents(headline[key]), sum(ids.compactMap { byID[$0] }, field), "headline \(key) = Σ its rows",
                           file: file, line: line)
        }
        // The open rows are all the findings of their bucket (verified ones only when verified this week).
        for (key, wanted) in [("identifiedNotActedOn", "identified"), ("projectedNextWeek", "projected")] {
            XCTAssertEqual(Set(rows[key] ?? []), Set(findings.filter { bucket($0) == wanted }.compactMap { $0["id"] as? String }), key,
                           file: file, line: line)
        }

        let verifiedToDate = sum(findings.filter { status($0) == "verified" }, "realizedMonthlySavings")
        let keys: [(String, ([String: Any]) -> String)] = [("byTeam", Self.costLine), ("byCluster", { $0["cluster"] as? String ?? "" }),
                                                           ("byDetector", { $0["detector"] as? String ?? "" })]
        for (breakdown, key) in keys {
            let groups = try XCTUnwrap(report[breakdown] as? [[String: Any]], breakdown, file: file, line: line)
            let names = groups.compactMap { $0["name"] as? String }
            XCTAssertEqual(Set(names).count, groups.count, "\(breakdown): one row per name", file: file, line: line)
            XCTAssertEqual(Set(names), Set(findings.map(key)), breakdown, file: file, line: line)
            for (column, key) in [("identified", "identifiedNotActedOn"), ("projected", "projectedNextWeek"), ("verifiedThisWeek", "verifiedThisWeek")] {
                XCTAssertEqual(sum(groups, column), F.cents(headline[key]), "\(breakdown).\(column) sums to the headline", file: file, line: line)
            }
            XCTAssertEqual(sum(groups, "verifiedToDate"), verifiedToDate, "\(breakdown).verifiedToDate", file: file, line: line)
            XCTAssertEqual(groups.compactMap { $0["findings"] as? Int }.reduce(0, +), findings.count, "\(breakdown).findings", file: file, line: line)
            for group in groups {
                let name = group["name"] as? String ?? ""
                let mine = findings.filter { key($0) == name }
                XCTAssertEqual(group["findings"] as? Int, mine.count, "\(breakdown) \(name)", file: file, line: line)
                XCTAssertEqual(F.cents(group["identified"]), sum(mine.filter { bucket($0) == "identified" }, "monthlySavings"),
                               "\(breakdown) \(name) identified", file: file, line: line)
                XCTAssertEqual(F.cents(group["projected"]), sum(mine.filter { bucket($0) == "projected" }, "monthlySavings"),
                               "\(breakdown) \(name) projected", file: file, line: line)
                XCTAssertEqual(F.cents(group["verifiedToDate"]), sum(mine.filter { status($0) == "verified" }, "realizedMonthlySavings"),
                               "\(breakdown) \(name) verified to date", file: file, line: line)
            }
        }

        let teamCosts = try XCTUnwrap(report["teamCosts"] as? [[String: Any]], file: file, line: line)
        XCTAssertEqual(Set(teamCosts.compactMap { $0["team"] as? String }).count, teamCosts.count, "one cost line per team", file: file, line: line)
        XCTAssertEqual(sum(teamCosts, "monthlyCost"), F.cents(report["monthlyCostTotal"]), "cost lines sum to the total", file: file, line: line)
    }

    /// The cost history rows of the latest run in a stream (what the report's allocation must come from).
    private func latestCostHistory(_ lines: [String]) throws -> [[String: Any]] {
        let history = try F.records(lines, kind: "costhistory")
        let latest = history.compactMap { F.double($0["run"]) }.max()
        return history.filter { F.double($0["run"]) == latest }
    }

    // MARK: The demo

    func testTheDemoReportReconcilesToTheCent() throws {
        let scratch = try makeScratchDirectory(self)
        let (run3, picks) = try F.runDemoWeeks(db: scratch.appendingPathComponent("ledger.db"))
        let out = scratch.appendingPathComponent("report")
        let result = try render(run3.stdout, into: out)
        assertWroteTheReport(result, out)
        let report = try readReport(in: out)
        try Self.assertReconciles(report)
        XCTAssertEqual(report["now"] as? String, F.t3, "the week ends at the latest run")
        XCTAssertEqual(report["clusters"] as? [String], ["demo"])

        // The headline is what the ledger says, summed here from run 3's ledger records.
        let ledger = try F.records(run3.lines, kind: "ledger")
        XCTAssertEqual((report["findings"] as? [Any])?.count, ledger.count)
        func total(_ bucket: String, _ field: String) -> Int {
            ledger.filter { Self.bucket($0) == bucket }.map { F.cents($0[field]) ?? 0 }.reduce(0, +)
        }
        let headline = try XCTUnwrap(report["headline"] as? [String: Any])
        let verified = total("verified", "realizedMonthlySavings")
        XCTAssertGreaterThan(verified, 0)
        XCTAssertEqual(F.cents(headline["verifiedThisWeek"]), verified, "verified at run 3, within the week")
        XCTAssertEqual(F.cents(headline["projectedNextWeek"]), total("projected", "monthlySavings"))
        XCTAssertEqual(F.cents(headline["identifiedNotActedOn"]), total("identified", "monthlySavings"))
        XCTAssertGreaterThan(F.cents(headline["projectedNextWeek"]) ?? 0, 0)
        XCTAssertGreaterThan(F.cents(headline["identifiedNotActedOn"]) ?? 0, 0)
        let rows = try XCTUnwrap(report["rows"] as? [String: [String]])
        XCTAssertEqual(rows["verifiedThisWeek"], [picks.id(picks.cpuAuto)])
        XCTAssertTrue(rows["projectedNextWeek"]?.contains(picks.id(picks.memory)) == true, "implemented, flagged unsafe: still projected")
        XCTAssertTrue(rows["identifiedNotActedOn"]?.contains(picks.id(picks.dropped)) == true, "reported again: detected")
        for (key, ids) in rows { XCTAssertFalse(ids.contains(picks.id(picks.expiring)), "\(key) counts an expired finding") }

        // The allocation is the nodes' price: the latest run's cost history, and the price table itself.
        let monthlyTotal = try XCTUnwrap(F.cents(report["monthlyCostTotal"]))
        XCTAssertEqual(monthlyTotal, try latestCostHistory(run3.lines).map { F.cents($0["monthlyCost"]) ?? 0 }.reduce(0, +))
        XCTAssertEqual(monthlyTotal, try F.nodeMonthlyCents(F.demoLines))
        XCTAssertEqual(monthlyTotal, 247_104, "16 nodes, $2,471.04 a month")
        let teamCosts = try XCTUnwrap(report["teamCosts"] as? [[String: Any]])
        XCTAssertTrue(teamCosts.contains { $0["team"] as? String == "__idle__" }, "the unrequested capacity is a line of its own")
        // One trend point per run; the last one carries the realized savings.
        let trend = try XCTUnwrap(report["trend"] as? [[String: Any]])
        XCTAssertEqual(trend.compactMap { $0["at"] as? String }, [F.t1, F.t2, F.t3])
        for point in trend { XCTAssertEqual(F.cents(point["monthlyCost"]), monthlyTotal) }
        XCTAssertEqual(trend.map { F.cents($0["realized"]) ?? -1 }, [0, 0, verified])

        // The Markdown and HTML carry the same headline figures.
        let markdown = try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8)
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        let shown = "$" + F.plain(verified)
        XCTAssertTrue(markdown.contains("| Saved this week (verified), per month | \(shown) |"), markdown)
        XCTAssertTrue(html.contains(">\(shown)</div>"), "the headline figure in the page")
    }

    // MARK: A generated fleet

    func testAGeneratedThreeClusterFleetReconcilesToTheCent() throws {
        let scratch = try makeScratchDirectory(self)
        let fleet = SyntheticFleet()
        XCTAssertEqual(fleet.findings.count, 30)
        let run2 = try fleet.record(into: scratch.appendingPathComponent("ledger.db"))
        let out = scratch.appendingPathComponent("report")
        let result = try render(run2.stdout, into: out, ["--now", SyntheticFleet.t2])
        assertWroteTheReport(result, out)
        let report = try readReport(in: out)
        try Self.assertReconciles(report)
        XCTAssertEqual(report["clusters"] as? [String], ["east", "frankfurt", "west"])

        // What the ledger made of the runs is what the fleet's own definitions say.
        let entries = try XCTUnwrap(report["findings"] as? [[String: Any]])
        XCTAssertEqual(entries.count, fleet.findings.count)
        for finding in fleet.findings {
            let entry = try XCTUnwrap(entries.first { $0["id"] as? String == finding.id }, finding.id)
            XCTAssertEqual(entry["status"] as? String, fleet.expectedStatus(finding), finding.id)
            XCTAssertEqual(entry["team"] as? String, finding.team, finding.id)
            XCTAssertEqual(entry["cluster"] as? String, finding.cluster, finding.id)
        }
        let headline = try XCTUnwrap(report["headline"] as? [String: Any])
        let expected = fleet.expectedHeadline()
        XCTAssertGreaterThan(expected.verified, 0, "the generator verifies some volumes")
        XCTAssertGreaterThan(expected.projected, 0)
        XCTAssertGreaterThan(expected.identified, 0)
        XCTAssertEqual(F.cents(headline["verifiedThisWeek"]), expected.verified)
        XCTAssertEqual(F.cents(headline["projectedNextWeek"]), expected.projected)
        XCTAssertEqual(F.cents(headline["identifiedNotActedOn"]), expected.identified)
        XCTAssertTrue(fleet.findings.contains { $0.savingsCents < 0 && ["detected", "approved", "implemented"].contains(fleet.expectedStatus($0)) },
                      "a negative saving is in the sums")

        // Costs: each (cluster, team) line of the latest run is the team's requests at its nodes' rates, the
        // idle line the rest; a node missing from the price table is in no line; the total is the nodes' price.
        let allocation = try fleet.expectedAllocation()
        let history = try latestCostHistory(run2.lines)
        XCTAssertEqual(Set(history.compactMap { $0["cluster"] as? String }), ["east", "frankfurt", "west"])
        for row in history {
            let cluster = row["cluster"] as? String ?? "", team = row["team"] as? String ?? ""
            XCTAssertEqual(F.cents(row["monthlyCost"]), allocation.teams[cluster]?[team] ?? 0, "\(cluster) \(team)")
            XCTAssertEqual(F.cents(row["openMonthlySavings"]), fleet.expectedOpenSavings(cluster: cluster, team: team), "\(cluster) \(team)")
            XCTAssertEqual(F.cents(row["realizedMonthlySavings"]), fleet.expectedRealized(cluster: cluster, team: team), "\(cluster) \(team)")
        }
        for (cluster, teams) in allocation.teams {
            for (team, cents) in teams where cents != 0 {
                XCTAssertTrue(history.contains { $0["cluster"] as? String == cluster && $0["team"] as? String == team }, "\(cluster) \(team) has a line")
            }
        }
        XCTAssertEqual(F.cents(report["monthlyCostTotal"]), allocation.total)
        XCTAssertEqual(allocation.total, try F.nodeMonthlyCents(fleet.clusterLines), "the unpriced node is in no line")
        let teamCosts = try XCTUnwrap(report["teamCosts"] as? [[String: Any]])
        for line in teamCosts {
            let team = line["team"] as? String ?? ""
            if team == "__volumes__" {
                XCTAssertTrue(line["monthlyCost"] is NSNull, "volumes no pod uses are outside the node allocation")
            } else {
                XCTAssertEqual(F.cents(line["monthlyCost"]), allocation.teams.values.map { $0[team] ?? 0 }.reduce(0, +), team)
            }
            // A line's open savings are those of the findings that reduce it: node and volume savings are not the team's.
            let open = entries.filter { Self.costLine($0) == team && ["identified", "projected"].contains(Self.bucket($0)) }
            XCTAssertEqual(F.cents(line["identified"]), open.map { F.cents($0["monthlySavings"]) ?? 0 }.reduce(0, +), team)
        }
        XCTAssertTrue(teamCosts.contains { $0["team"] as? String == "__volumes__" }, "the fleet's orphan volumes have a line")
        let trend = try XCTUnwrap(report["trend"] as? [[String: Any]])
        XCTAssertEqual(trend.compactMap { $0["at"] as? String }, [SyntheticFleet.t1, SyntheticFleet.t2])
        XCTAssertEqual(trend.map { F.cents($0["monthlyCost"]) ?? -1 }, [allocation.total, allocation.total])
    }

    // MARK: One team

    func testATeamReportHoldsOnlyThatTeam() throws {
        let scratch = try makeScratchDirectory(self)
        let fleet = SyntheticFleet()
        let run2 = try fleet.record(into: scratch.appendingPathComponent("ledger.db"))
        let all = scratch.appendingPathComponent("all")
        assertWroteTheReport(try render(run2.stdout, into: all, ["--now", SyntheticFleet.t2]), all)
        let full = try readReport(in: all)
        let team = "data-eng"
        let mine = fleet.findings.filter { $0.team == team }
        XCTAssertFalse(mine.isEmpty)
        XCTAssertNotEqual(mine.count, fleet.findings.count)

        let out = scratch.appendingPathComponent("team")
        assertWroteTheReport(try render(run2.stdout, into: out, ["--now", SyntheticFleet.t2, "--team", team]), out)
        let report = try readReport(in: out)
        try Self.assertReconciles(report)
        XCTAssertEqual(report["team"] as? String, team)
        XCTAssertTrue((report["title"] as? String)?.contains("team \(team)") == true)
        let entries = try XCTUnwrap(report["findings"] as? [[String: Any]])
        XCTAssertEqual(Set(entries.compactMap { $0["id"] as? String }), Set(mine.map(\.id)), "that team's findings and no other")
        XCTAssertEqual(Set(entries.compactMap { $0["team"] as? String }), [team])
        // By team: the team's line, and the lines its node and volume findings reduce.
        let lines = Set(entries.map(Self.costLine))
        XCTAssertTrue(lines.contains(team))
        XCTAssertTrue(lines.contains("__volumes__"), "the team's orphan volume counts on the volume line")
        XCTAssertEqual(Set((report["byTeam"] as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []), lines)

        // Each headline is the team's share of the full report's rows, and what the fleet says the team has.
        let fullFindings = try XCTUnwrap(full["findings"] as? [[String: Any]])
        let fullRows = try XCTUnwrap(full["rows"] as? [String: [String]])
        let headline = try XCTUnwrap(report["headline"] as? [String: Any])
        let expected = fleet.expectedHeadline(team: team)
        for (key, field, fromFleet) in [("verifiedThisWeek", "realizedMonthlySavings", expected.verified),
                                        ("projectedNextWeek", "monthlySavings", expected.projected),
                                        ("identifiedNotActedOn", "monthlySavings", expected.identified)] {
            let share = (fullRows[key] ?? []).compactMap { id in fullFindings.first { $0["id"] as? String == id } }
                .filter { $0["team"] as? String == team }.map { F.cents($0[field]) ?? 0 }.reduce(0, +)
            XCTAssertEqual(F.cents(headline[key]), share, key)
            XCTAssertEqual(F.cents(headline[key]), fromFleet, key)
        }
        // The cost allocation is the team's cost alone; the other lines its findings reduce carry their savings, no cost.
        let teamCosts = try XCTUnwrap(report["teamCosts"] as? [[String: Any]])
        XCTAssertEqual(Set(teamCosts.compactMap { $0["team"] as? String }), lines)
        for line in teamCosts where line["team"] as? String != team {
            XCTAssertTrue(line["monthlyCost"] is NSNull, "\(line["team"] ?? ""): not the team's cost")
        }
        let fullLine = try XCTUnwrap((full["teamCosts"] as? [[String: Any]])?.first { $0["team"] as? String == team })
        XCTAssertEqual(F.cents(report["monthlyCostTotal"]), F.cents(fullLine["monthlyCost"]))
        XCTAssertGreaterThan(F.cents(report["monthlyCostTotal"]) ?? 0, 0)
        let allocation = try fleet.expectedAllocation()
        XCTAssertEqual(F.cents(report["monthlyCostTotal"]), allocation.teams.values.map { $0[team] ?? 0 }.reduce(0, +))
    }

    // MARK: Incidents without a ledger

    /// The kubernetes-mixin's own test alerts through detect-incidents, rendered with no ledger: every
    /// incident of the week is listed with its root cause, not only drawn as a dot.
    func testTheStreamsIncidentsAreListedWithTheirRootCause() throws {
        let scratch = try makeScratchDirectory(self)
        let alerts = try MixinAlertsTests.mixinTestAlerts().map { try MixinAlertsTests.alertLine($0.0, $0.1) }
        let stream = try F.mixinIncidentStream(alerts)
        let incidents = try F.records(stream, kind: "incident")
        XCTAssertGreaterThanOrEqual(incidents.count, 10)
        let out = scratch.appendingPathComponent("report")
        assertWroteTheReport(try render(stream.joined(separator: "\n") + "\n", into: out, ["--now", "2026-12-01T11:00:00Z"]), out)
        let report = try readReport(in: out)
        let lifecycle = try XCTUnwrap(report["incidentLifecycle"] as? [String: Any])
        let rows = try XCTUnwrap(lifecycle["incidents"] as? [[String: Any]])
        let inWeek = incidents.filter { ($0["start"] as? String ?? "") > "2026-11-24T11:00:00Z" }
        XCTAssertEqual(Set(rows.compactMap { $0["id"] as? String }), Set(incidents.compactMap { $0["id"] as? String }))
        XCTAssertEqual(lifecycle["new"] as? Int, inWeek.count)
        let markdown = try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8)
        for incident in incidents {
            let cause = try XCTUnwrap(F.string(incident, "rootCause", "summary"), "\(incident["id"] ?? "")")
            XCTAssertEqual(rows.first { $0["id"] as? String == incident["id"] as? String }?["rootCause"] as? String, cause)
            XCTAssertTrue(markdown.contains(cause.replacingOccurrences(of: "|", with: "\\|")), cause)
        }
    }

    // MARK: Hostile strings

    func testHostileStringsAreEscapedInHTMLAndMarkdown() throws {
        let scratch = try makeScratchDirectory(self)
        let script = "<script>alert(1)</script>"
        let team = "\(script) \"ops\" & co | infra"
        let summary = "Lower \(script) \"now\" & save | half"
        let stream = SyntheticFleet.hostileStream(team: team, summary: summary)
        let recorded = try F.record(scratch.appendingPathComponent("ledger.db"), now: "2026-11-20T00:00:00Z", stream)
        XCTAssertEqual(recorded.status, 0, recorded.stderr)
        let out = scratch.appendingPathComponent("report")
        assertWroteTheReport(try render(recorded.stdout, into: out), out)

        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertFalse(html.lowercased().contains("<script"), "a raw script tag got through")
        XCTAssertTrue(html.contains("Lower &lt;script&gt;alert(1)&lt;/script&gt; &quot;now&quot; &amp; save | half"), "the summary, escaped")
        XCTAssertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &quot;ops&quot; &amp; co | infra"), "the team, escaped")
        XCTAssertFalse(html.contains("\"now\""))
        XCTAssertFalse(html.contains("& save"), "a bare ampersand")
        XCTAssertTrue(html.contains("Content-Security-Policy"))
        for forbidden in [" src=", " href=", "url(", "@import", "<link", "<iframe", "<img"] {
            XCTAssertFalse(html.lowercased().contains(forbidden), "the page contains \(forbidden)")
        }

        let markdown = try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8)
        XCTAssertFalse(markdown.contains("<script"), "a raw script tag got through")
        XCTAssertTrue(markdown.contains(#"Lower &lt;script>alert(1)&lt;/script> "now" & save \| half"#), markdown)
        XCTAssertTrue(markdown.contains(#"&lt;script>alert(1)&lt;/script> "ops" & co \| infra"#), markdown)
        XCTAssertFalse(markdown.contains("save | half") || markdown.contains("co | infra"), "an unescaped | splits a table cell")
        // Every row of every table has as many cells as its header.
        var tables: [[Substring]] = []
        var previousWasTable = false
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let isTable = line.hasPrefix("|")
            if isTable { if previousWasTable { tables[tables.count - 1].append(line) } else { tables.append([line]) } }
            previousWasTable = isTable
        }
        XCTAssertGreaterThanOrEqual(tables.count, 5)
        var hostileRows = 0
        for table in tables {
            let cells = Self.cellSeparators(table[0])
            for row in table {
                XCTAssertEqual(Self.cellSeparators(row), cells, "row \(row) under \(table[0])")
                if row.contains("alert(1)") { hostileRows += 1 }
            }
        }
        XCTAssertGreaterThanOrEqual(hostileRows, 3, "the team (by team, cost allocation) and the summary (top opportunities) are table cells")

        // report.json keeps the text as data.
        let report = try readReport(in: out)
        let entry = try XCTUnwrap((report["findings"] as? [[String: Any]])?.first { $0["team"] as? String == team })
        XCTAssertEqual(entry["summary"] as? String, summary)
    }

    /// `|` not escaped by a backslash (itself not escaped).
    static func cellSeparators(_ line: Substring) -> Int {
        var count = 0
        var escaped = false
        for character in line {
            if character == "|" && !escaped { count += 1 }
            escaped = character == "\\" && !escaped
        }
        return count
    }

    // MARK: Chromium

    /// report.html in real headless Chromium: it draws (text, tables, charts) and asks the network for nothing.
    func testChromiumRendersTheReportWithoutExternalRequests() throws {
        let chromium = try BuildEvidenceTests.chromium()
        let scratch = try makeScratchDirectory(self)
        let (run3, _) = try F.runDemoWeeks(db: scratch.appendingPathComponent("ledger.db"))
        let out = scratch.appendingPathComponent("report")
        assertWroteTheReport(try render(run3.stdout, into: out), out)

        let (png, requests) = try BuildEvidenceTests.render(chromium, page: out.appendingPathComponent("report.html").path, in: scratch, name: "report")
        let stats = try BuildEvidenceTests.pngStats(png)
        XCTAssertEqual(stats.width, 1024)
        XCTAssertEqual(stats.height, 1600)
        XCTAssertGreaterThan(stats.inked, 0.02, "the page rendered (headline, charts, tables)")
        XCTAssertLessThan(stats.inked, 0.9, "not one solid block")
        XCTAssertEqual(requests, [], "the page made requests of its own")
        // What the browser shows: report.json's four headline figures, each beside its label.
        let shown = try BuildEvidenceTests.renderedText(chromium, page: out.appendingPathComponent("report.html").path, in: scratch)
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("report.json"))) as? [String: Any])
        let headline = try XCTUnwrap(report["headline"] as? [String: Any])
        /// `$1,234.56`, grouped by thousands.
        func dollars(_ value: Double) -> String {
            let cents = Int((value * 100).rounded())
            var whole = String(cents / 100)
            var groups: [String] = []
            while whole.count > 3 {
                groups.insert(String(whole.suffix(3)), at: 0)
                whole.removeLast(3)
            }
            groups.insert(whole, at: 0)
            return "$\(groups.joined(separator: ",")).\(String(format: "%02d", cents % 100))"
        }
        XCTAssertGreaterThan(headline["verifiedThisWeek"] as? Double ?? 0, 0, "three demo weeks verify savings")
        for (key, label) in [("verifiedThisWeek", "Saved this week (verified), per month"),
                             ("projectedNextWeek", "Projected: approved and on its way, per month"),
                             ("identifiedNotActedOn", "Identified, not on its way yet, per month")] {
            let figure = dollars(try XCTUnwrap(headline[key] as? Double, key))
            XCTAssertTrue(shown.contains("\(figure) \(label)"), "\(key) \(figure) not shown: \(shown.prefix(600))")
        }
        XCTAssertTrue(shown.contains("\(headline["incidentsCaught"] as? Int ?? -1) Incidents caught this week"), String(shown.prefix(600)))

        // Printed, it is A4 (595 × 842 points) and more than one page.
        let pdf = scratch.appendingPathComponent("report.pdf")
        let print = Process()
        print.executableURL = URL(fileURLWithPath: chromium)
        print.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer", "--print-to-pdf=\(pdf.path)",
                           "file://" + out.appendingPathComponent("report.html").path]
        print.standardError = FileHandle.nullDevice
        print.standardOutput = FileHandle.nullDevice
        try print.run()
        print.waitUntilExit()
        let text = String(decoding: try Data(contentsOf: pdf), as: UTF8.self)
        let boxes = text.components(separatedBy: "/MediaBox [").dropFirst().map { $0.prefix(while: { $0 != "]" }).split(separator: " ").compactMap { Double($0) } }
        XCTAssertGreaterThan(boxes.count, 1, "more than one page")
        for box in boxes {
            XCTAssertEqual(box.count, 4)
            XCTAssertEqual(box.last ?? 0, 841.9, accuracy: 1, "A4 height")
            XCTAssertEqual(box.count == 4 ? box[2] : 0, 595.0, accuracy: 1, "A4 width")
        }

        // Control: the same check catches a page that does ask.
        let control = scratch.appendingPathComponent("control.html")
        try #"<html><body><p>control</p><img src="http://127.0.0.1:9/report.png"></body></html>"#.write(to: control, atomically: true, encoding: .utf8)
        let (_, controlRequests) = try BuildEvidenceTests.render(chromium, page: control.path, in: scratch, name: "control")
        XCTAssertEqual(controlRequests, ["http://127.0.0.1:9/report.png"])
    }

    // MARK: No ledger

    /// detect-waste's output alone: every finding is identified, and the allocation comes from the cluster records.
    func testWithoutLedgerRecordsEveryFindingIsIdentified() throws {
        let scratch = try makeScratchDirectory(self)
        let input = ScoreRiskTests.wasteStream
        let lines = input.split(separator: "\n").map(String.init)
        let findings = try F.records(lines, kind: "finding")
        XCTAssertEqual(findings.count, 48)
        XCTAssertTrue(try F.records(lines, kind: "ledger").isEmpty)
        let out = scratch.appendingPathComponent("report")
        let result = try render(input, into: out)
        assertWroteTheReport(result, out)
        let report = try readReport(in: out)
        try Self.assertReconciles(report)
        // --summary: one line on stderr, what was written and the headline.
        let summarised = try render(input, into: scratch.appendingPathComponent("again"), ["--summary"])
        XCTAssertEqual(summarised.stdout, "")
        XCTAssertEqual(summarised.errorLines.count, 1, summarised.stderr)
        XCTAssertTrue(summarised.stderr.hasPrefix("render-report: wrote \(scratch.appendingPathComponent("again").path)/report.html, report.md, report.json: verified "),
                      summarised.stderr)

        let rows = try XCTUnwrap(report["rows"] as? [String: [String]])
        XCTAssertEqual(Set(rows["identifiedNotActedOn"] ?? []), Set(findings.compactMap { $0["id"] as? String }))
        XCTAssertEqual(rows["identifiedNotActedOn"]?.count, 48)
        XCTAssertEqual(rows["projectedNextWeek"], [])
        XCTAssertEqual(rows["verifiedThisWeek"], [])
        let entries = try XCTUnwrap(report["findings"] as? [[String: Any]])
        XCTAssertEqual(Set(entries.compactMap { $0["status"] as? String }), ["detected"])
        let headline = try XCTUnwrap(report["headline"] as? [String: Any])
        XCTAssertEqual(F.cents(headline["identifiedNotActedOn"]), findings.map { F.cents($0["monthlySavings"]) ?? 0 }.reduce(0, +))
        XCTAssertEqual(F.cents(headline["identifiedNotActedOn"]), 121_809, "detect-waste's total (docs/tools/detect-waste.md: $1,218.09)")
        XCTAssertEqual(F.cents(headline["projectedNextWeek"]), 0)
        XCTAssertEqual(F.cents(headline["verifiedThisWeek"]), 0)
        XCTAssertEqual(F.cents(report["monthlyCostTotal"]), try F.nodeMonthlyCents(lines), "allocated from the node and pod records")
        XCTAssertTrue((report["teamCosts"] as? [[String: Any]])?.contains { $0["team"] as? String == "__idle__" } == true)
        XCTAssertEqual((report["trend"] as? [Any])?.count, 0, "no runs, no trend")
        let markdown = try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8)
        XCTAssertTrue(markdown.contains("| Identified, not on its way yet, per month | $1,218.09 |"), markdown)
    }
}

// MARK: - A generated fleet

/// A small LCG, so the generated fleet is the same on every run and machine.
struct SeededGenerator {
    var state: UInt64
    mutating func below(_ bound: Int) -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int((state >> 33) % UInt64(bound))
    }
}

/// Three clusters in three regions (nodes on-demand and spot, one not in the price table), each team's
/// Deployment and pods, a bare pod and a finished Job's pod; 30 findings with savings, gates and risk from a
/// fixed-seed generator. Run 1 carries a merged PR's change record for five of them; between the runs a person rejects
/// one; run 2 no longer reports one, nor the implemented ones, whose volumes are gone. What the ledger and
/// the report should make of it all is computed here from these definitions.
struct SyntheticFleet {
    static let t1 = "2026-11-16T06:00:00Z"
    static let t2 = "2026-11-19T06:00:00Z"
    static let created = "2026-10-01T00:00:00Z"
    static let teams = ["checkout", "search", "data-eng", "platform"]

    struct Node { var cluster, name, region, instanceType, capacityType: String; var cpu: Double; var memory: Int64 }
    struct Pod { var cluster, namespace, name, node, phase: String; var owner: String?; var cpu: Double; var memory: Int64 }
    struct Finding {
        var id, cluster, team, detector, gate: String
        var savingsCents: Int
        var line: String
        var volumeLine: String?
    }

    private(set) var nodes: [Node] = []
    private(set) var pods: [Pod] = []
    /// Workload team by "cluster/namespace/name".
    private(set) var workloadTeams: [String: String] = [:]
    private(set) var clusterLines: [String] = []
    private(set) var findings: [Finding] = []
    private(set) var implemented: [String] = []
    private(set) var rejected = ""
    private(set) var dropped = ""

    init(seed: UInt64 = 20_261_116) {
        var random = SeededGenerator(state: seed)
        let clusters = [("east", "us-east-1"), ("west", "us-west-2"), ("frankfurt", "eu-central-1")]
        let nodeShapes: [(suffix: String, type: String, capacity: String, cpu: Double, memory: Int64)] = [
            ("a", "m5.xlarge", "on-demand", 3.92, 15_139_786_752),
            ("b", "m6i.2xlarge", "spot", 7.91, 32_145_145_856),
            ("c", "c6i.xlarge", "on-demand", 3.92, 7_058_964_480),
        ]
        let requests: [(cpu: Double, memory: Int64)] = [(0.5, 512 << 20), (1.0, 1 << 30), (0.25, 256 << 20), (2.0, 2 << 30)]
        for (clusterIndex, (cluster, region)) in clusters.enumerated() {
            for shape in nodeShapes {
                nodes.append(Node(cluster: cluster, name: "\(cluster)-\(shape.suffix)", region: region, instanceType: shape.type,
                                  capacityType: shape.capacity, cpu: shape.cpu, memory: shape.memory))
            }
            if cluster == "west" {
                nodes.append(Node(cluster: cluster, name: "west-x", region: region, instanceType: "x9.imaginary", capacityType: "on-demand",
                                  cpu: 4, memory: 16 << 30))
            }
            for (index, team) in Self.teams.enumerated() {
                let name = "\(team)-api"
                workloadTeams["\(cluster)/\(team)/\(name)"] = team
                for replica in 0..<2 {
                    let letters = ["a", "b", "c"]
                    let node = "\(cluster)-\(letters[(index + replica + clusterIndex) % 3])"
                    pods.append(Pod(cluster: cluster, namespace: team, name: "\(name)-\(replica)", node: node, phase: "Running", owner: name,
                                    cpu: requests[index].cpu, memory: requests[index].memory))
                }
            }
            pods.append(Pod(cluster: cluster, namespace: "default", name: "debug-\(cluster)", node: "\(cluster)-a", phase: "Running", owner: nil,
                            cpu: 0.1, memory: 128 << 20))
            pods.append(Pod(cluster: cluster, namespace: "data-eng", name: "backfill-\(cluster)-x7k2p", node: "\(cluster)-b", phase: "Succeeded",
                            owner: "Job:backfill", cpu: 1, memory: 1 << 30))
            if cluster == "west" {
                pods.append(Pod(cluster: cluster, namespace: "data-eng", name: "data-eng-api-2", node: "west-x", phase: "Running", owner: "data-eng-api",
                                cpu: 1, memory: 1 << 30))
            }
        }
        for node in nodes {
            clusterLines.append(#"{"kind":"node","cluster":"\#(node.cluster)","name":"\#(node.name)","instanceType":"\#(node.instanceType)","region":"\#(node.region)","zone":"\#(node.region)a","capacityType":"\#(node.capacityType)","allocatable":{"cpu":\#(node.cpu),"memory":\#(node.memory)},"labels":{},"taints":[],"ready":true,"unschedulable":false,"createdAt":"\#(Self.created)"}"#)
        }
        for (key, team) in workloadTeams.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: "/").map(String.init)
            let shape = requests[Self.teams.firstIndex(of: team)!]
            clusterLines.append(#"{"kind":"workload","cluster":"\#(parts[0])","namespace":"\#(parts[1])","name":"\#(parts[2])","workloadKind":"Deployment","replicas":{"desired":2,"ready":2},"containers":[{"name":"app","requests":{"cpu":\#(shape.cpu),"memory":\#(shape.memory)},"limits":{"cpu":null,"memory":null}}],"labels":{},"annotations":{},"podLabels":{"app":"\#(parts[2])"},"team":"\#(team)","createdAt":"\#(Self.created)"}"#)
        }
        for pod in pods {
            var owner = "null"
            if let name = pod.owner {
                let parts = name.split(separator: ":").map(String.init)
                owner = parts.count == 2 ? #"{"kind":"\#(parts[0])","name":"\#(parts[1])"}"# : #"{"kind":"Deployment","name":"\#(name)"}"#
            }
            clusterLines.append(#"{"kind":"pod","cluster":"\#(pod.cluster)","namespace":"\#(pod.namespace)","name":"\#(pod.name)","node":"\#(pod.node)","phase":"\#(pod.phase)","owner":\#(owner),"containers":[{"name":"app","requests":{"cpu":\#(pod.cpu),"memory":\#(pod.memory)},"limits":{"cpu":null,"memory":null},"restarts":0}],"labels":{},"createdAt":"\#(Self.created)"}"#)
        }

        for index in 0..<30 {
            let (cluster, region) = clusters[index % 3]
            let team = Self.teams[random.below(Self.teams.count)]
            let shape = requests[Self.teams.firstIndex(of: team)!]
            var detector = ["orphan-volume", "over-requested-cpu", "over-requested-memory", "over-requested-cpu", "over-requested-memory"][index % 5]
            if index % 10 == 7 { detector = "under-provisioned-memory" }
            let savings = detector == "under-provisioned-memory" ? -(1 + random.below(500)) : 1 + random.below(25_000)
            let gate = ["auto", "approve", "block"][random.below(3)]
            let overall = Double(random.below(100)) / 100
            let level = overall < 0.3 ? "low" : overall < 0.6 ? "medium" : "high"
            let id = "f-synth-\(cluster)-\(index)"
            let money = Self.dollars
            var target = #"{"kind":"Deployment","name":"\#(team)-api","container":"app"}"#
            var namespace = #""\#(team)""#
            var current = "", recommended = "", cost = ""
            var volumeLine: String?
            switch detector {
            case "orphan-volume":
                let volume = "pv-\(cluster)-\(index)"
                target = #"{"kind":"PersistentVolume","name":"\#(volume)","container":null}"#
                namespace = "null"
                current = #"{"volume":"\#(volume)","volumeType":"gp3","sizeBytes":107374182400}"#
                recommended = #"{"action":"delete the volume","sizeBytes":0}"#
                cost = #"{"current":\#(money(savings)),"recommended":0}"#
                volumeLine = #"{"kind":"volume","cluster":"\#(cluster)","name":"\#(volume)","phase":"Released","volumeType":"gp3","sizeBytes":107374182400,"zone":"\#(region)a","mountedBy":[],"team":"\#(team)","createdAt":"\#(Self.created)"}"#
            case "over-requested-cpu":
                current = #"{"cpu":\#(shape.cpu),"replicas":2}"#
                recommended = #"{"cpu":\#(shape.cpu / 2),"replicas":2}"#
                cost = #"{"current":\#(money(2 * savings)),"recommended":\#(money(savings))}"#
            case "over-requested-memory":
                current = #"{"memory":\#(shape.memory),"replicas":2}"#
                recommended = #"{"memory":\#(shape.memory / 2),"replicas":2}"#
                cost = #"{"current":\#(money(2 * savings)),"recommended":\#(money(savings))}"#
            default:
                current = #"{"memory":\#(shape.memory),"replicas":2}"#
                recommended = #"{"memory":\#(shape.memory / 4 * 5),"replicas":2}"#
                cost = #"{"current":\#(money(1_000)),"recommended":\#(money(1_000 - savings))}"#
            }
            let summary = "Synthetic \(detector) finding \(index) of \(team) in \(cluster); saves \(money(savings)) a month."
            let line = #"{"kind":"finding","cluster":"\#(cluster)","id":"\#(id)","detector":"\#(detector)","severity":"warning","namespace":\#(namespace),"target":\#(target),"team":"\#(team)","summary":"\#(summary)","current":\#(current),"recommended":\#(recommended),"monthlyCost":\#(cost),"monthlySavings":\#(money(savings)),"priceSource":"on-demand","confidence":0.9,"risk":{"overall":\#(overall),"level":"\#(level)","gate":"\#(gate)"}}"#
            findings.append(Finding(id: id, cluster: cluster, team: team, detector: detector, gate: gate, savingsCents: savings, line: line,
                                    volumeLine: volumeLine))
        }
        // emit-pr's first PR: three volume deletions and two CPU cuts a person would let through.
        implemented = (findings.filter { $0.detector == "orphan-volume" && $0.gate != "block" }.prefix(3)
            + findings.filter { $0.detector == "over-requested-cpu" && $0.gate != "block" }.prefix(2)).map(\.id)
        rejected = findings.first { $0.gate == "approve" && !implemented.contains($0.id) }?.id ?? ""
        dropped = findings.last { !implemented.contains($0.id) && $0.id != rejected }?.id ?? ""
    }

    /// Cents as a JSON number of dollars: `123.45`, `-0.81`.
    static func dollars(_ cents: Int) -> String { (cents < 0 ? "-" : "") + LedgerFixtures.plain(abs(cents)) }

    /// Run 1: everything, and the change record.
    var run1Lines: [String] {
        let ids = implemented.map { LedgerFixtures.jsonString($0) }.joined(separator: ",")
        let change = #"{"kind":"change","findingIds":["# + ids + #"],"branch":"autopilot/week-47","url":"https://git.example/pr/47","state":"merged"}"#
        return clusterLines + findings.compactMap(\.volumeLine) + findings.map(\.line) + [change]
    }

    /// Run 2: the implemented volumes are gone and their findings no longer reported; one finding disappears.
    var run2Lines: [String] {
        let kept = findings.filter { !implemented.contains($0.id) }
        return clusterLines + kept.compactMap(\.volumeLine) + kept.filter { $0.id != dropped }.map(\.line)
    }

    /// Run 1 at t1, carol's rejection, run 2 at t2; run 2's output.
    func record(into db: URL) throws -> ToolResult {
        let run1 = try LedgerFixtures.record(db, now: Self.t1, run1Lines)
        guard run1.status == 0 else { throw LedgerFixtures.failure("run 1 exited \(run1.status): \(run1.stderr)") }
        let reject = try Tool.run("ledger", ["reject", rejected, "--db", db.path, "--by", "carol", "--reason", "owned by another team"])
        guard reject.status == 0 else { throw LedgerFixtures.failure("reject exited \(reject.status): \(reject.stderr)") }
        let run2 = try LedgerFixtures.record(db, now: Self.t2, run2Lines)
        guard run2.status == 0 else { throw LedgerFixtures.failure("run 2 exited \(run2.status): \(run2.stderr)") }
        return run2
    }

    /// The ledger status after run 2.
    func expectedStatus(_ finding: Finding) -> String {
        if implemented.contains(finding.id) { return finding.detector == "orphan-volume" ? "verified" : "implemented" }
        if finding.id == rejected { return "rejected" }
        if finding.id == dropped { return "expired" }
        return finding.gate == "auto" ? "approved" : "detected"
    }

    /// The report's headline at t2, in cents: verified this week (a volume's saving is its baseline), projected
    /// (approved and implemented) and identified (detected).
    func expectedHeadline(team: String? = nil) -> (verified: Int, projected: Int, identified: Int) {
        let mine = findings.filter { team == nil || $0.team == team }
        func total(_ statuses: [String]) -> Int { mine.filter { statuses.contains(expectedStatus($0)) }.map(\.savingsCents).reduce(0, +) }
        return (total(["verified"]), total(["approved", "implemented"]), total(["detected"]))
    }

    /// The cost history's identified savings of a (cluster, team): its open (detected and approved) findings.
    /// Not yet realized: detected, approved, or implemented and not yet verified.
    func expectedOpenSavings(cluster: String, team: String) -> Int {
        findings.filter { $0.cluster == cluster && $0.team == team && ["detected", "approved", "implemented"].contains(expectedStatus($0)) }
            .map(\.savingsCents).reduce(0, +)
    }

    func expectedRealized(cluster: String, team: String) -> Int {
        findings.filter { $0.cluster == cluster && $0.team == team && expectedStatus($0) == "verified" }.map(\.savingsCents).reduce(0, +)
    }

    /// OpenCost's split, computed here: a node's hourly price shared between its cores and GiB in the ratio of
    /// $0.031611 per core-hour to $0.004237 per GiB-hour; a running pod costs its requests at those rates
    /// × 730 h; a team's line is its pods' sum to the cent; `__idle__` is what the priced nodes cost beyond
    /// the lines. Pods on unpriced nodes, finished pods: nowhere.
    func expectedAllocation() throws -> (teams: [String: [String: Int]], total: Int) {
        let prices = try LedgerFixtures.ec2Prices()
        let gib = 1_073_741_824.0
        var rates: [String: (perCore: Double, perGiB: Double)] = [:]
        var nodeCents: [String: Int] = [:]
        for node in nodes {
            guard let hourly = LedgerFixtures.hourlyPrice(region: node.region, instanceType: node.instanceType, capacityType: node.capacityType,
                                                          prices: prices) else { continue }
            let memory = Double(node.memory) / gib
            let cpuShare = node.cpu * 0.031611 / (node.cpu * 0.031611 + memory * 0.004237)
            rates[node.name] = (hourly * cpuShare / node.cpu, hourly * (1 - cpuShare) / memory)
            nodeCents[node.cluster, default: 0] += Int((hourly * 730 * 100).rounded())
        }
        var dollars: [String: [String: Double]] = [:]
        for pod in pods where pod.phase == "Running" {
            guard let rate = rates[pod.node] else { continue }
            let team = pod.owner.flatMap { workloadTeams["\(pod.cluster)/\(pod.namespace)/\($0)"] } ?? "unassigned"
            dollars[pod.cluster, default: [:]][team, default: 0] += (pod.cpu * rate.perCore + Double(pod.memory) / gib * rate.perGiB) * 730
        }
        var teams: [String: [String: Int]] = [:]
        for (cluster, total) in nodeCents {
            var lines = (dollars[cluster] ?? [:]).mapValues { Int(($0 * 100).rounded()) }
            lines["__idle__"] = total - lines.values.reduce(0, +)
            teams[cluster] = lines
        }
        return (teams, nodeCents.values.reduce(0, +))
    }

    /// One node, one pod, one workload of a hostile team and a finding with a hostile summary (and a plain one).
    static func hostileStream(team: String, summary: String) -> [String] {
        let json = LedgerFixtures.jsonString
        return [
            #"{"kind":"node","cluster":"t","name":"n1","instanceType":"m5.xlarge","region":"us-east-1","zone":"us-east-1a","capacityType":"on-demand","allocatable":{"cpu":3.92,"memory":15139786752},"labels":{},"taints":[],"ready":true,"unschedulable":false}"#,
            #"{"kind":"workload","cluster":"t","namespace":"shop","name":"api","workloadKind":"Deployment","replicas":{"desired":1,"ready":1},"containers":[{"name":"app","requests":{"cpu":2.0,"memory":4294967296},"limits":{"cpu":null,"memory":null}}],"team":\#(json(team))}"#,
            #"{"kind":"pod","cluster":"t","namespace":"shop","name":"api-0","node":"n1","phase":"Running","owner":{"kind":"Deployment","name":"api"},"containers":[{"name":"app","requests":{"cpu":2.0,"memory":4294967296},"limits":{"cpu":null,"memory":null},"restarts":0}]}"#,
            #"{"kind":"finding","cluster":"t","id":"f-hostile0000000001","detector":"over-requested-cpu","namespace":"shop","target":{"kind":"Deployment","name":"api","container":"app"},"team":\#(json(team)),"summary":\#(json(summary)),"current":{"cpu":2.0},"recommended":{"cpu":1.0},"monthlyCost":{"current":48.26,"recommended":24.13},"monthlySavings":24.13,"risk":{"overall":0.2,"level":"low","gate":"approve"}}"#,
            #"{"kind":"finding","cluster":"t","id":"f-plain00000000001","detector":"over-requested-memory","namespace":"shop","target":{"kind":"Deployment","name":"api","container":"app"},"team":"web","summary":"Lower the memory request.","current":{"memory":4294967296},"recommended":{"memory":2147483648},"monthlyCost":{"current":4.0,"recommended":2.0},"monthlySavings":2.0,"risk":{"overall":0.1,"level":"low","gate":"auto"}}"#,
        ]
    }
}
