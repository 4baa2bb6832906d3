import AutopilotKit
import Foundation
import XCTest

/// render-site over three demo weeks (approvals, merges, a verified change, an unsafe one, an expired
/// finding), a run of the kubernetes-mixin's own test alerts (incidents) and a second cluster: money reconciles on
/// every page, every link resolves, each finding and incident has its page, the bytes repeat, hostile names
/// stay text inside the folder; and a real browser (Selenium, Debian's chromium and chromium-driver)
/// loads each kind of page with no console error and no request of its own, and the explorer's search,
/// filter and sort work.
final class RenderSiteTests: XCTestCase {
    typealias F = LedgerFixtures
    static let now = "2026-12-01T11:00:00Z"

    /// The site's input: the demo's third week, the mixin's incidents and a second cluster, each as ledger
    /// record wrote it. Made once for the class (it takes seconds), in a folder of its own.
    nonisolated(unsafe) static let input: Result<String, any Error> = Result {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("autopilot-site-input-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appendingPathComponent("ledger.db").path
        let (run3, _) = try F.runDemoWeeks(db: db)
        let alerts = try MixinAlertsTests.mixinTestAlerts().map { try MixinAlertsTests.alertLine($0.0, $0.1) }
        let incidents = try F.record(db, now: now, try F.mixinIncidentStream(alerts))
        let west = try F.record(db, now: now, F.asCluster("west", F.demoLines))
        for run in [incidents, west] where run.status != 0 { throw F.failure("ledger record exited \(run.status): \(run.stderr)") }
        return run3.stdout + incidents.stdout + west.stdout
    }

    private func render(_ input: String, into out: URL) throws {
        let result = try Tool.run("render-site", ["--out", out.path, "--now", Self.now, "--db", "/var/lib/autopilot/ledger.db"], stdin: input)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "")
        XCTAssertEqual(result.stdout, "", "stdout carries data only")
    }

    /// Every file under `folder`, by its path relative to it.
    private func files(_ folder: URL) -> [String] {
        let base = folder.standardizedFileURL.path + "/"
        let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey])
        return (enumerator?.allObjects as? [URL] ?? []).filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
            .map { $0.standardizedFileURL.path.replacingOccurrences(of: base, with: "") }.sorted()
    }

    private func json(_ url: URL) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any], url.path)
    }

    func testThreeWeeksAndTheirIncidentsAsASite() throws {
        let scratch = try makeScratchDirectory(self)
        let input = try Self.input.get()
        let out = scratch.appendingPathComponent("site")
        try render(input, into: out)
        let written = files(out)

        // A page per finding and per incident the ledger holds.
        let records = try decodeRecords(input.split(separator: "\n").map(String.init))
        let findingIDs = Set(records.filter { $0["kind"] as? String == "ledger" }.compactMap { $0["id"] as? String })
        let incidentIDs = Set(records.filter { $0["kind"] as? String == "ledgerincident" }.compactMap { $0["id"] as? String })
        XCTAssertGreaterThan(findingIDs.count, 40)
        XCTAssertGreaterThanOrEqual(incidentIDs.count, 10)
        for id in findingIDs { XCTAssertTrue(written.contains("findings/\(id).html"), id) }
        for id in incidentIDs { XCTAssertTrue(written.contains("incidents/\(id).html"), id) }
        for page in ["index.html", "index.json", "findings.html", "incidents.html", "anomalies.html", "report.html", "clusters/demo.html",
                     "clusters/kubernetes.html", "teams/checkout.html"] {
            XCTAssertTrue(written.contains(page), page)
        }

        // Money reconciles on every report page, and the clusters add up to the fleet.
        let fleet = try json(out.appendingPathComponent("index.json"))
        try RenderReportTests.assertReconciles(fleet)
        var sums: [String: Int] = [:]
        for path in written where path.hasSuffix(".json") && path != "index.json" {
            let report = try json(out.appendingPathComponent(path))
            try RenderReportTests.assertReconciles(report)
            guard path.hasPrefix("clusters/") else { continue }
            let headline = try XCTUnwrap(report["headline"] as? [String: Any])
            for key in ["identifiedNotActedOn", "projectedNextWeek", "verifiedThisWeek"] { sums[key, default: 0] += F.cents(headline[key]) ?? 0 }
            sums["cost", default: 0] += F.cents(report["monthlyCostTotal"]) ?? 0
        }
        let headline = try XCTUnwrap(fleet["headline"] as? [String: Any])
        for key in ["identifiedNotActedOn", "projectedNextWeek", "verifiedThisWeek"] { XCTAssertEqual(sums[key], F.cents(headline[key]), key) }
        XCTAssertEqual(sums["cost"], F.cents(fleet["monthlyCostTotal"]))
        XCTAssertGreaterThan(F.cents(fleet["monthlyCostTotal"]) ?? 0, 0)

        // The overview's total rows and the explorer's rows say the same.
        let overview = try String(contentsOf: out.appendingPathComponent("index.html"), encoding: .utf8)
        let money = { (cents: Int?) in Money(cents: Int64(cents ?? 0)).description }
        let totalRow = "<tr class=\"total\"><td>total</td><td class=\"n\">\(findingIDs.count)</td><td class=\"n\">\(money(F.cents(fleet["monthlyCostTotal"])))</td>"
            + "<td class=\"n\">\(money(F.cents(headline["identifiedNotActedOn"])))</td><td class=\"n\">\(money(F.cents(headline["projectedNextWeek"])))</td>"
        XCTAssertEqual(overview.components(separatedBy: totalRow).count - 1, 2, "the clusters' and the teams' total rows are the fleet's")
        let explorer = try String(contentsOf: out.appendingPathComponent("findings.html"), encoding: .utf8)
        let rowPattern = try NSRegularExpression(pattern: #"<tr data-workload="[^"]*".*? data-state="([a-z]+)" data-gate="[^"]*" data-savings="(-?\d+)""#)
        var explored: [String: Int] = [:]
        var rows = 0
        for match in rowPattern.matches(in: explorer, range: NSRange(explorer.startIndex..., in: explorer)) {
            rows += 1
            let state = String(explorer[Range(match.range(at: 1), in: explorer)!])
            explored[state, default: 0] += Int(explorer[Range(match.range(at: 2), in: explorer)!])!
        }
        XCTAssertEqual(rows, findingIDs.count, "every finding is a row, with no script needed to see it")
        XCTAssertEqual(explored["identified"] ?? 0, F.cents(headline["identifiedNotActedOn"]))
        XCTAssertEqual(explored["projected"] ?? 0, F.cents(headline["projectedNextWeek"]))
        XCTAssertTrue(explorer.contains(#"<form class="filters" id="filters" hidden>"#), "the controls need the script: hidden without it")

        // Every link resolves to a page of the site (a PR's web address excepted).
        let hrefs = try NSRegularExpression(pattern: #"href="([^"]*)""#)
        var links = 0
        for path in written where path.hasSuffix(".html") {
            let page = try String(contentsOf: out.appendingPathComponent(path), encoding: .utf8)
            let folder = out.appendingPathComponent(path).deletingLastPathComponent()
            for match in hrefs.matches(in: page, range: NSRange(page.startIndex..., in: page)) {
                let target = String(page[Range(match.range(at: 1), in: page)!]).replacingOccurrences(of: "&amp;", with: "&")
                if target.hasPrefix("https://") { continue }
                links += 1
                let resolved = folder.appendingPathComponent(target).standardizedFileURL.path
                XCTAssertTrue(resolved.hasPrefix(out.standardizedFileURL.path + "/") && FileManager.default.fileExists(atPath: resolved),
                              "\(path) links to \(target)")
            }
            XCTAssertFalse(page.contains("src=\""), "\(path) loads something")
        }
        XCTAssertGreaterThan(links, 500)

        // A finding's page: where it is, the PR, who decided, its evidence. An incident's: root cause and signals.
        let picks = try F.picks(try F.records(F.demoLines, kind: "finding"))
        let verified = try String(contentsOf: out.appendingPathComponent("findings/\(picks.id(picks.cpuAuto)).html"), encoding: .utf8)
        XCTAssertTrue(verified.contains("<td>verified by the cluster</td>"), "where it is")
        XCTAssertTrue(verified.contains("<strong>merged</strong>"))
        XCTAssertTrue(verified.contains(#"<a href="https://git.example/pr/1">"#))
        XCTAssertTrue(verified.contains("<td>policy (gate auto)</td>"), "who approved it")
        XCTAssertTrue(verified.contains("<section class=\"evidence\">"))
        let approved = try String(contentsOf: out.appendingPathComponent("findings/\(picks.id(picks.cpuApproved)).html"), encoding: .utf8)
        XCTAssertTrue(approved.contains("<td>alice</td>"), "the person who approved it")
        let incident = try XCTUnwrap(records.first { $0["kind"] as? String == "incident" && F.string($0, "rootCause", "summary") != nil })
        let incidentPage = try String(contentsOf: out.appendingPathComponent("incidents/\(incident["id"] as! String).html"), encoding: .utf8)
        XCTAssertTrue(incidentPage.contains(HTML.escape(F.string(incident, "rootCause", "summary")!)))
        XCTAssertTrue(incidentPage.contains("<h2>Signals</h2>"))
        let anomalies = try String(contentsOf: out.appendingPathComponent("anomalies.html"), encoding: .utf8)
        XCTAssertTrue(anomalies.contains("<td>unsafe</td>"), "the change found unsafe in week three")

        // The same input gives the same bytes.
        let again = scratch.appendingPathComponent("again")
        try render(input, into: again)
        XCTAssertEqual(files(again), written)
        for path in written { XCTAssertEqual(try Data(contentsOf: again.appendingPathComponent(path)), try Data(contentsOf: out.appendingPathComponent(path)), path) }
    }

    /// Names from the cluster are text on every page and never a path out of the folder.
    func testHostileNamesStayTextAndInsideTheFolder() throws {
        let scratch = try makeScratchDirectory(self)
        let hostile = #"{"kind":"finding","cluster":"../../evil \"<c>\"","id":"f-../../../escaped","detector":"over-requested-cpu","namespace":"shop","# +
            #""team":"<script>alert(1)</script>","target":{"kind":"Deployment","name":"<img src=x onerror=alert(2)>","container":"app"},"# +
            #""summary":"</td><script>alert(3)</script>","current":{"cpu":1},"recommended":{"cpu":0.5},"monthlyCost":{"current":20,"recommended":10},"# +
            #""monthlySavings":10,"risk":{"overall":0.2,"level":"low","gate":"approve"}}"#
        let db = scratch.appendingPathComponent("ledger.db").path
        let recorded = try F.record(db, now: F.t1, [hostile])
        XCTAssertEqual(recorded.status, 0, recorded.stderr)
        let out = scratch.appendingPathComponent("site")
        try render(recorded.stdout, into: out)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch.path).sorted(), ["ledger.db", "site"], "nothing outside the folder")
        let written = files(out)
        XCTAssertTrue(written.allSatisfy { !$0.contains("..") }, "\(written)")
        for path in written where path.hasSuffix(".html") {
            let page = try String(contentsOf: out.appendingPathComponent(path), encoding: .utf8)
            for raw in ["<script>alert", "<img src=x", "</td><script>"] { XCTAssertFalse(page.contains(raw), "\(path) holds \(raw)") }
        }
        XCTAssertTrue(written.contains { $0.hasPrefix("clusters/------evil---c---") }, "\(written)")
    }

    // MARK: A real browser

    /// Debian's python3-selenium and chromium-driver (and chromium), installed when missing.
    static func selenium() throws {
        let ready = { FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver")
            && FileManager.default.fileExists(atPath: "/usr/lib/python3/dist-packages/selenium/__init__.py") }
        _ = try BuildEvidenceTests.chromium()
        if ready() { return }
        try MissingComponent.check(getuid() == 0, "selenium and chromium-driver are not installed and installing them needs root")
        let install = Process()
        install.executableURL = URL(fileURLWithPath: "/usr/bin/apt-get")
        install.arguments = ["install", "-y", "-qq", "python3-selenium", "chromium-driver"]
        install.environment = ["DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]
        install.standardOutput = FileHandle.nullDevice
        try install.run()
        install.waitUntilExit()
        try MissingComponent.check(install.terminationStatus == 0 && ready(), "apt-get install python3-selenium chromium-driver failed (\(install.terminationStatus))")
    }

    func testTheSiteInARealBrowser() throws {
        try Self.selenium()
        let scratch = try makeScratchDirectory(self)
        let out = scratch.appendingPathComponent("site")
        try render(try Self.input.get(), into: out)
        let written = files(out)
        let picks = try F.picks(try F.records(F.demoLines, kind: "finding"))
        let incident = try XCTUnwrap(written.first { $0.hasPrefix("incidents/") })
        // Controls: a page that fetches an image, and one whose inline script the CSP refuses; the checks must see both.
        try #"<html><body><img src="http://127.0.0.1:9/x.png"></body></html>"#.write(to: out.appendingPathComponent("control-request.html"), atomically: true, encoding: .utf8)
        try #"<html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'"></head><body><script>document.title='ran'</script></body></html>"#
            .write(to: out.appendingPathComponent("control-csp.html"), atomically: true, encoding: .utf8)
        let pages = ["index.html", "findings.html", "findings/\(picks.id(picks.cpuAuto)).html", "clusters/demo.html", "teams/checkout.html",
                     "incidents.html", incident, "anomalies.html", "report.html", "control-request.html", "control-csp.html"]
        let shots = scratch.appendingPathComponent("shots")
        try FileManager.default.createDirectory(at: shots, withIntermediateDirectories: true)
        let output = try BuildEvidenceTests.python(["Tests/PipelineTests/Support/site_browser.py", out.path, shots.path] + pages)
        let result = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], output)
        let seen = try XCTUnwrap(result["pages"] as? [String: [String: Any]])
        for page in pages {
            let report = try XCTUnwrap(seen[page], page)
            let errors = report["errors"] as? [String] ?? []
            let requests = report["requests"] as? [String] ?? []
            switch page {
            case "control-request.html": XCTAssertEqual(requests, ["http://127.0.0.1:9/x.png"], "the request check sees requests")
            case "control-csp.html": XCTAssertFalse(errors.isEmpty, "the console check sees a refused script")
            default:
                XCTAssertEqual(errors, [], page)
                XCTAssertEqual(requests, [], page)
                let stats = try BuildEvidenceTests.pngStats(URL(fileURLWithPath: report["screenshot"] as? String ?? ""))
                XCTAssertGreaterThan(stats.inked, 0.02, "\(page) is not blank")
                XCTAssertLessThan(stats.inked, 0.9, "\(page) is not one block")
            }
        }
        // The explorer: its script ran (under the CSP's hash), search, a cluster filter and sorting work.
        let explorer = try XCTUnwrap(result["explorer"] as? [String: Any])
        XCTAssertEqual(explorer["errors"] as? [String], [])
        XCTAssertEqual(explorer["filtersShown"] as? Bool, true, "the script ran: the CSP's hash is the script's")
        let rows = try XCTUnwrap(explorer["rows"] as? Int)
        XCTAssertGreaterThan(rows, 40)
        let found = try XCTUnwrap(explorer["searchRows"] as? Int)
        XCTAssertTrue((1..<rows).contains(found), "search narrows the table: \(found) of \(rows)")
        XCTAssertEqual(explorer["searchRowsMatch"] as? Bool, true)
        let searched = try XCTUnwrap(explorer["searchSavingsCents"] as? Int)
        XCTAssertEqual(explorer["shownText"] as? String, "\(found) of \(rows) findings shown, saving \(Money(cents: Int64(searched))) a month")
        let cluster = try XCTUnwrap(explorer["cluster"] as? String)
        let clusterRows = try XCTUnwrap(explorer["clusterRows"] as? [String])
        XCTAssertFalse(clusterRows.isEmpty)
        XCTAssertLessThan(clusterRows.count, rows, "the filter hides the other cluster's findings")
        XCTAssertTrue(clusterRows.allSatisfy { $0 == cluster }, "\(clusterRows)")
        let descending = try XCTUnwrap(explorer["sortedDescending"] as? [Int])
        XCTAssertEqual(descending.count, rows)
        XCTAssertEqual(descending, descending.sorted(by: >))
        XCTAssertEqual(explorer["sortedAscending"] as? [Int], descending.sorted())
    }
}
