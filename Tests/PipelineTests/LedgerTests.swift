import Foundation
import XCTest
import AutopilotKit

/// The ledger binary on a scratch SQLite file: a finding's whole life over three weekly runs of the demo,
/// schema migration of an old file, two cron runs at once, the finance CSV and a malformed input line.
/// LedgerPostgresTests runs every one of them again on a real PostgreSQL server.
class LedgerTests: XCTestCase {
    typealias F = LedgerFixtures

    /// Where a test's ledger lives: a new SQLite file in `scratch` here, a new PostgreSQL database in
    /// LedgerPostgresTests.
    func newLedger(_ scratch: URL, _ name: String = "ledger") throws -> String {
        scratch.appendingPathComponent("\(name).db").path
    }

    /// What a shell needs beside the ledger's location to open it (a PostgreSQL password is never in a report).
    func ledgerEnvironment() throws -> [String: String] { [:] }

    /// The database under the ledger, opened without LedgerStore (which would migrate it).
    func rawDatabase(_ location: String) throws -> any SQLDatabase {
        try SQLiteDatabase(path: location)
    }

    // MARK: Lifecycle

    func testAFindingsLifeAcrossThreeWeeklyRuns() throws {
        let scratch = try makeScratchDirectory(self)
        let db = try newLedger(scratch)
        let lines = F.demoLines
        let findings = try F.records(lines, kind: "finding")
        XCTAssertEqual(findings.count, 48)
        let picks = try F.picks(findings)

        // Run 1: every finding is detected; the ones score-risk gated auto are approved by the policy.
        let run1 = try F.record(db, now: F.t1, lines)
        XCTAssertEqual(run1.status, 0, run1.stderr)
        XCTAssertEqual(run1.stderr, "")
        XCTAssertTrue(run1.stdout.hasPrefix(lines.joined(separator: "\n") + "\n"), "the stream is forwarded unchanged, then the ledger")
        let ledger1 = try F.records(run1.lines, kind: "ledger")
        XCTAssertEqual(ledger1.count, findings.count, "one ledger record per finding")
        XCTAssertEqual(Set(ledger1.compactMap { $0["id"] as? String }), Set(findings.compactMap { $0["id"] as? String }))
        var autoGated = 0
        for finding in findings {
            let id = try XCTUnwrap(finding["id"] as? String)
            let entry = try XCTUnwrap(ledger1.first { $0["id"] as? String == id }, id)
            let transitions = try XCTUnwrap(entry["transitions"] as? [[String: Any]], id)
            XCTAssertTrue(transitions.first?["from"] is NSNull, id)
            XCTAssertEqual(transitions.first?["to"] as? String, "detected", id)
            XCTAssertEqual(transitions.first?["actor"] as? String, "ledger record", id)
            XCTAssertEqual(transitions.first?["at"] as? String, F.t1, id)
            XCTAssertEqual(entry["firstSeen"] as? String, F.t1, id)
            XCTAssertEqual(entry["team"] as? String, finding["team"] as? String, id)
            XCTAssertEqual(F.cents(entry["baselineMonthlySavings"]), F.cents(finding["monthlySavings"]), id)
            XCTAssertEqual(F.cents(entry["baselineMonthlyCost"]), F.cents(F.value(finding, "monthlyCost", "current")), id)
            if F.string(finding, "risk", "gate") == "auto" {
                autoGated += 1
                XCTAssertEqual(entry["status"] as? String, "approved", id)
                XCTAssertEqual(transitions.count, 2, id)
                XCTAssertEqual(transitions.last?["from"] as? String, "detected", id)
                XCTAssertEqual(transitions.last?["to"] as? String, "approved", id)
                XCTAssertEqual(transitions.last?["actor"] as? String, "policy (gate auto)", id)
            } else {
                XCTAssertEqual(entry["status"] as? String, "detected", id)
                XCTAssertEqual(transitions.count, 1, id)
            }
        }
        XCTAssertEqual(autoGated, 16, "the demo's auto gates (docs/tools/score-risk.md)")
        // The run's cost history: every row is run 1, and each team's identified savings are its findings'.
        let history1 = try F.records(run1.lines, kind: "costhistory")
        XCTAssertFalse(history1.isEmpty)
        var identifiedByTeam: [String: Int] = [:]
        for finding in findings { identifiedByTeam[finding["team"] as! String, default: 0] += F.cents(finding["monthlySavings"]) ?? 0 }
        for row in history1 {
            XCTAssertEqual(F.double(row["run"]), 1)
            XCTAssertEqual(row["at"] as? String, F.t1)
            XCTAssertEqual(row["cluster"] as? String, "demo")
            let team = try XCTUnwrap(row["team"] as? String)
            XCTAssertEqual(F.cents(row["openMonthlySavings"]), identifiedByTeam[team] ?? 0, team)
            XCTAssertEqual(F.cents(row["realizedMonthlySavings"]), 0, team)
        }
        XCTAssertEqual(Set(history1.compactMap { $0["team"] as? String }).intersection(identifiedByTeam.keys), Set(identifiedByTeam.keys),
                       "every team with findings has a row")

        // A person approves a detected finding.
        let cpuApproved = picks.id(picks.cpuApproved)
        let alice = try Tool.run("ledger", ["approve", cpuApproved, "--db", db, "--by", "alice", "--reason", "fits the Q4 budget"])
        XCTAssertEqual(alice.status, 0, alice.stderr)
        var ledger = try F.exportedLedger(db)
        XCTAssertEqual(ledger[cpuApproved]?["status"] as? String, "approved")
        let aliceStep = try XCTUnwrap((ledger[cpuApproved]?["transitions"] as? [[String: Any]])?.last)
        XCTAssertEqual(aliceStep["from"] as? String, "detected")
        XCTAssertEqual(aliceStep["to"] as? String, "approved")
        XCTAssertEqual(aliceStep["actor"] as? String, "alice")
        XCTAssertEqual(aliceStep["reason"] as? String, "fits the Q4 budget")

        // An id the ledger never saw: one line naming it, exit 65, nothing written.
        let unknown = try Tool.run("ledger", ["approve", "f-0000000000000000", "--db", db, "--by", "alice"])
        XCTAssertEqual(unknown.status, 65, unknown.stderr)
        XCTAssertEqual(unknown.errorLines.count, 1, unknown.stderr)
        XCTAssertTrue(unknown.stderr.hasPrefix("ledger: "), unknown.stderr)
        XCTAssertTrue(unknown.stderr.contains("f-0000000000000000"), unknown.stderr)
        XCTAssertEqual(try F.exportedLedger(db).count, findings.count)

        // Run 2, a week later: emit-pr reports two PRs merged, which implements their three findings; one
        // finding is not reported.
        let run2 = try F.record(db, now: F.t2, F.run2Lines(picks))
        XCTAssertEqual(run2.status, 0, run2.stderr)
        XCTAssertEqual(run2.stderr, "")
        ledger = try F.exportedLedger(db)
        let cpuAuto = picks.id(picks.cpuAuto)
        let memory = picks.id(picks.memory)
        let dropped = picks.id(picks.dropped)
        func statusAfterRun1(_ id: String) -> String? { ledger1.first { $0["id"] as? String == id }?["status"] as? String }
        for (id, from, url) in [(cpuAuto, statusAfterRun1(cpuAuto), "https://git.example/pr/1"), (cpuApproved, "approved", "https://git.example/pr/2"),
                                (memory, statusAfterRun1(memory), "https://git.example/pr/2")] {
            let entry = try XCTUnwrap(ledger[id], id)
            XCTAssertEqual(entry["status"] as? String, "implemented", id)
            XCTAssertEqual(F.string(entry, "change", "url"), url, id)
            let step = try XCTUnwrap((entry["transitions"] as? [[String: Any]])?.last, id)
            XCTAssertEqual(step["from"] as? String, from, id)
            XCTAssertEqual(step["to"] as? String, "implemented", id)
            XCTAssertEqual(step["reason"] as? String, "merged: \(url)", id)
            XCTAssertEqual(step["change"] as? String, "merged", id)
            XCTAssertEqual(F.string(entry, "change", "state"), "merged", id)
            XCTAssertEqual(step["actor"] as? String, "emit-pr", id)
            XCTAssertEqual(step["at"] as? String, F.t2, id)
            XCTAssertEqual(F.string(entry, "verification", "state"), "not-live", "\(id): the cluster does not show the change yet")
        }
        XCTAssertEqual(F.string(ledger[cpuAuto], "change", "branch"), "autopilot/x")
        XCTAssertEqual(F.string(ledger[memory], "change", "commit"), "0123abcd")
        let expired = try XCTUnwrap(ledger[dropped])
        XCTAssertEqual(expired["status"] as? String, "expired")
        XCTAssertEqual(expired["lastSeen"] as? String, F.t1)
        let expiry = try XCTUnwrap((expired["transitions"] as? [[String: Any]])?.last)
        XCTAssertEqual(expiry["from"] as? String, "detected")
        XCTAssertEqual(expiry["at"] as? String, F.t2)
        XCTAssertEqual(expiry["actor"] as? String, "ledger record")
        // Everything else is where run 1 (and alice) left it, seen again at run 2.
        for entry in ledger1 {
            let id = entry["id"] as! String
            guard ![cpuAuto, cpuApproved, memory, dropped].contains(id) else { continue }
            XCTAssertEqual(ledger[id]?["status"] as? String, entry["status"] as? String, id)
            XCTAssertEqual(ledger[id]?["lastSeen"] as? String, F.t2, id)
        }

        // An implemented finding cannot be rejected any more.
        let lateReject = try Tool.run("ledger", ["reject", cpuAuto, "--db", db, "--by", "bob", "--reason", "too risky"])
        XCTAssertEqual(lateReject.status, 65, lateReject.stderr)
        XCTAssertEqual(lateReject.errorLines.count, 1, lateReject.stderr)
        XCTAssertTrue(lateReject.stderr.contains(cpuAuto), lateReject.stderr)
        XCTAssertEqual(try F.exportedLedger(db)[cpuAuto]?["status"] as? String, "implemented")

        // Run 3, two weeks in: the CPU change is live, the memory change is live but OOM-killed, the other
        // change of the same PR is merged but not deployed yet, the dropped finding is back and an approved one
        // is gone.
        let run3Input = try F.run3Lines(picks)
        XCTAssertEqual(zip(run3Input, lines.filter { !F.isFinding($0, picks.id(picks.expiring)) }).filter { $0 != $1 }.count, 3,
                       "two workloads and one usage record edited")
        let run3 = try F.record(db, now: F.t3, run3Input)
        XCTAssertEqual(run3.status, 0, run3.stderr)
        XCTAssertEqual(run3.stderr, "")
        ledger = try F.exportedLedger(db)

        let verified = try XCTUnwrap(ledger[cpuAuto])
        XCTAssertEqual(verified["status"] as? String, "verified")
        XCTAssertEqual(F.string(verified, "verification", "state"), "verified")
        let cost = try XCTUnwrap(F.number(picks.cpuAuto, "monthlyCost", "current"))
        let before = try XCTUnwrap(F.number(picks.cpuAuto, "current", "cpu"))
        let after = try XCTUnwrap(F.number(picks.cpuAuto, "recommended", "cpu"))
        let realized = Int((cost * (1 - after / before) * 100).rounded())
        XCTAssertGreaterThan(realized, 0)
        XCTAssertEqual(F.cents(verified["realizedMonthlySavings"]), realized, "baseline cost × (1 − new ÷ old request), to the cent")
        XCTAssertEqual(F.cents(F.value(verified, "verification", "realizedMonthlySavings")), realized)
        let verification = try XCTUnwrap((verified["transitions"] as? [[String: Any]])?.last)
        XCTAssertEqual(verification["from"] as? String, "implemented")
        XCTAssertEqual(verification["to"] as? String, "verified")
        XCTAssertEqual(verification["at"] as? String, F.t3)

        let notLive = try XCTUnwrap(ledger[cpuApproved])
        XCTAssertEqual(notLive["status"] as? String, "implemented")
        XCTAssertEqual(F.string(notLive, "verification", "state"), "not-live")
        XCTAssertTrue(notLive["realizedMonthlySavings"] is NSNull)

        let unsafe = try XCTUnwrap(ledger[memory])
        XCTAssertEqual(unsafe["status"] as? String, "implemented", "an unsafe change is flagged, not verified")
        XCTAssertEqual(F.string(unsafe, "verification", "state"), "unsafe")
        XCTAssertTrue(F.string(unsafe, "verification", "reason")?.contains("OOM") == true, "\(unsafe["verification"] ?? "")")

        let back = try XCTUnwrap(ledger[dropped])
        XCTAssertEqual(back["status"] as? String, "detected")
        XCTAssertEqual(back["lastSeen"] as? String, F.t3)
        let backSteps = try XCTUnwrap(back["transitions"] as? [[String: Any]])
        XCTAssertEqual(backSteps.map { $0["to"] as? String }, ["detected", "expired", "detected"])
        XCTAssertEqual(backSteps.last?["from"] as? String, "expired")
        XCTAssertEqual(backSteps.last?["at"] as? String, F.t3)

        let gone = try XCTUnwrap(ledger[picks.id(picks.expiring)])
        XCTAssertEqual(gone["status"] as? String, "expired")
        XCTAssertEqual((gone["transitions"] as? [[String: Any]])?.last?["from"] as? String, "approved", "approved findings expire too")

        // The cost history of run 3 carries the realized savings on the verified finding's team, and only there.
        let history3 = try F.records(run3.lines, kind: "costhistory").filter { F.double($0["run"]) == 3 }
        XCTAssertFalse(history3.isEmpty)
        for row in history3 {
            let expected = (row["team"] as? String) == (picks.cpuAuto["team"] as? String) ? realized : 0
            XCTAssertEqual(F.cents(row["realizedMonthlySavings"]), expected, "\(row["team"] ?? "")")
        }
        XCTAssertEqual(Set(try F.records(run3.lines, kind: "costhistory").compactMap { F.double($0["run"]) }), [1, 2, 3],
                       "ledger record appends the whole history of the run's clusters")

        // A verified finding cannot be rejected either.
        let rejectVerified = try Tool.run("ledger", ["reject", cpuAuto, "--db", db, "--by", "bob"])
        XCTAssertEqual(rejectVerified.status, 65, rejectVerified.stderr)
        XCTAssertEqual(rejectVerified.errorLines.count, 1, rejectVerified.stderr)
        XCTAssertEqual(try F.exportedLedger(db)[cpuAuto]?["status"] as? String, "verified")
    }

    // MARK: Migrations

    /// A file written by the first schema gets the second on open; its rows survive.
    /// A PR opened, then merged: the ledger notes the merge once and the report tells the two apart.
    func testAMergedChangeIsNotedOnceAndReportedAsMerged() throws {
        let scratch = try makeScratchDirectory(self)
        let db = try newLedger(scratch)
        let finding = #"{"kind":"finding","cluster":"c1","id":"f-1","detector":"over-requested-cpu","namespace":"shop","team":"checkout","target":{"kind":"Deployment","name":"api","container":"app"},"summary":"Lower api","current":{"cpu":1},"recommended":{"cpu":0.5},"monthlyCost":{"current":20,"recommended":10},"monthlySavings":10,"risk":{"overall":0.2,"level":"low","gate":"approve"}}"#
        let opened = #"{"kind":"change","findingIds":["f-1"],"branch":"autopilot/f-1","url":"https://git.example/pr/7","state":"open"}"#
        let merged = #"{"kind":"change","findingIds":["f-1"],"branch":"autopilot/f-1","url":"https://git.example/pr/7","state":"merged"}"#
        for (now, stream) in [("2026-11-02T06:00:00Z", [finding]), ("2026-11-09T06:00:00Z", [finding, opened]),
                              ("2026-11-16T06:00:00Z", [finding, merged]), ("2026-11-17T06:00:00Z", [finding, merged])] {
            let run = try Tool.run("ledger", ["record", "--db", db, "--now", now], stdin: stream.joined(separator: "\n") + "\n")
            XCTAssertEqual(run.status, 0, run.stderr)
        }
        let export = try Tool.run("ledger", ["export", "--db", db])
        let record = try XCTUnwrap(try decodeRecords(export.lines).first { $0["kind"] as? String == "ledger" })
        XCTAssertEqual(record["status"] as? String, "implemented")
        let reasons = (record["transitions"] as! [[String: Any]]).compactMap { $0["reason"] as? String }
        XCTAssertEqual(reasons.filter { $0.hasPrefix("merged") }, ["merged: https://git.example/pr/7"], "noted once: \(reasons)")

        let out = scratch.appendingPathComponent("report")
        let report = try Tool.run("render-report", ["--out", out.path, "--now", "2026-11-17T06:00:00Z"], stdin: export.stdout)
        XCTAssertEqual(report.status, 0, report.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("report.json"))) as! [String: Any]
        let changed = (json["changedThisWeek"] as! [[String: Any]]).compactMap { $0["what"] as? String }
        XCTAssertEqual(changed, ["merged (https://git.example/pr/7)"], "opened on 11-09 is outside the week")
    }

    /// A change as it stands in git, over four runs: a local branch, a pushed one, a PR opened, merged; a PR
    /// closed unmerged; a finding emit-pr cannot patch. Only the merge implements; the report says each as
    /// what it is, counts an approved finding that cannot go ahead as identified, and its pasted command works.
    func testAChangeIsShownAsItStandsInGit() throws {
        let scratch = try makeScratchDirectory(self)
        let db = try newLedger(scratch)
        func finding(_ id: String, _ name: String, gate: String, savings: Int) -> String {
            #"{"kind":"finding","cluster":"c1","id":"\#(id)","detector":"over-requested-cpu","namespace":"shop","team":"checkout","# +
                #""target":{"kind":"Deployment","name":"\#(name)","container":"app"},"summary":"Lower \#(name)","current":{"cpu":1},"# +
                #""recommended":{"cpu":0.5},"monthlyCost":{"current":20,"recommended":\#(20 - savings)},"monthlySavings":\#(savings),"# +
                #""risk":{"overall":0.2,"level":"low","gate":"\#(gate)"}}"#
        }
        func change(_ id: String, _ state: String, _ extra: String = "") -> String {
            #"{"kind":"change","cluster":"c1","findingIds":["\#(id)"],"state":"\#(state)"\#(extra)}"#
        }
        let findings = [finding("f-1", "api", gate: "approve", savings: 10), finding("f-2", "web", gate: "auto", savings: 8),
                        finding("f-3", "cart", gate: "approve", savings: 6)]
        let times = ["2026-11-02T06:00:00Z", "2026-11-09T06:00:00Z", "2026-11-16T06:00:00Z", "2026-11-23T06:00:00Z"]
        let changes = [
            [change("f-1", "local", #","branch":"autopilot/c1/shop/api","pushed":false"#),
             change("f-2", "not-patchable", #","reason":"no manifest in the repo defines Deployment shop/web""#),
             change("f-3", "open", #","branch":"autopilot/c1/shop/cart","url":"https://git.example/pr/3""#)],
            [change("f-1", "local", #","branch":"autopilot/c1/shop/api","pushed":true,"reason":"no GITHUB_TOKEN""#),
             change("f-2", "not-patchable", #","reason":"no manifest in the repo defines Deployment shop/web""#),
             change("f-3", "refused", #","reason":"the checkout has uncommitted changes""#),
             // Its PR again, but the record lacks the URL: the ledger keeps the one it has.
             change("f-3", "open", #","branch":"autopilot/c1/shop/cart""#)],
            [change("f-1", "open", #","branch":"autopilot/c1/shop/api","url":"https://git.example/pr/1""#),
             change("f-3", "closed", #","branch":"autopilot/c1/shop/cart","url":"https://git.example/pr/3""#)],
            [change("f-1", "merged", #","branch":"autopilot/c1/shop/api","url":"https://git.example/pr/1""#),
             // A run without GITHUB_TOKEN reports the branch as local: the PR it had stays on the finding.
             change("f-3", "local", #","branch":"autopilot/c1/shop/cart","pushed":false"#)],
        ]
        func report(_ week: Int) throws -> (json: [String: Any], markdown: String) {
            let export = try Tool.run("ledger", ["export", "--db", db])
            XCTAssertEqual(export.status, 0, export.stderr)
            let out = scratch.appendingPathComponent("report-\(week)")
            let run = try Tool.run("render-report", ["--out", out.path, "--now", times[week], "--db", db], stdin: export.stdout)
            XCTAssertEqual(run.status, 0, run.stderr)
            let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("report.json"))) as? [String: Any])
            return (json, try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8))
        }
        func entry(_ json: [String: Any], _ id: String) -> [String: Any] {
            (json["findings"] as? [[String: Any]])?.first { $0["id"] as? String == id } ?? [:]
        }
        func changed(_ json: [String: Any], _ id: String) -> String? {
            (json["changedThisWeek"] as? [[String: Any]])?.first { $0["id"] as? String == id }?["what"] as? String
        }
        func step(_ json: [String: Any], _ id: String) -> [String: Any]? {
            (json["nextSteps"] as? [[String: Any]])?.first { $0["id"] as? String == id }
        }
        func record(_ week: Int) throws {
            let run = try F.record(db, now: times[week], findings + changes[week])
            XCTAssertEqual(run.status, 0, run.stderr)
            XCTAssertEqual(run.stderr, "")
        }

        // Week 1: nothing is implemented; each finding says where its change is.
        try record(0)
        var ledger = try F.exportedLedger(db)
        XCTAssertEqual(ledger.mapValues { $0["status"] as? String }, ["f-1": "detected", "f-2": "approved", "f-3": "detected"])
        XCTAssertEqual(ledger.mapValues { F.string($0, "change", "state") }, ["f-1": "local", "f-2": "not-patchable", "f-3": "open"])
        XCTAssertEqual(F.string(ledger["f-2"], "change", "reason"), "no manifest in the repo defines Deployment shop/web")
        var week = try report(0)
        XCTAssertEqual(entry(week.json, "f-1")["stage"] as? String, "detected, branch ready, not pushed")
        XCTAssertEqual(entry(week.json, "f-2")["stage"] as? String, "approved, not patchable")
        XCTAssertEqual(entry(week.json, "f-3")["stage"] as? String, "detected, PR open")
        XCTAssertEqual(changed(week.json, "f-1"), "new: branch ready, not pushed (autopilot/c1/shop/api)")
        XCTAssertEqual(changed(week.json, "f-3"), "new: PR opened (https://git.example/pr/3)")
        XCTAssertFalse(week.markdown.contains("PR opened (autopilot"), "a branch is not called a PR")
        let headline = try XCTUnwrap(week.json["headline"] as? [String: Any])
        XCTAssertEqual(F.cents(headline["projectedNextWeek"]), 0, "an approval emit-pr cannot patch is not on its way")
        XCTAssertEqual(F.cents(headline["identifiedNotActedOn"]), 2_400)
        let stalled = try XCTUnwrap(week.json["notPatchable"] as? [[String: Any]])
        XCTAssertEqual(stalled.compactMap { $0["id"] as? String }, ["f-2"])
        XCTAssertEqual(stalled.first?["why"] as? String, "no manifest in the repo defines Deployment shop/web")
        XCTAssertTrue((stalled.first?["whatToDo"] as? String)?.contains("--scope") == true)
        XCTAssertNil(step(week.json, "f-2"), "no next step sends a not-patchable finding back to emit-pr")
        XCTAssertTrue(week.markdown.contains("## Not patchable: why, and what to do"))

        // The next step's command, pasted into a shell, approves f-1 in this ledger.
        let command = try XCTUnwrap(step(week.json, "f-1")?["command"] as? String)
        XCTAssertTrue(command.hasPrefix("ledger approve 'f-1' --db "), command)
        XCTAssertTrue(week.markdown.contains("`\(command)`"), "the Markdown shows it as code, verbatim")
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/bash")
        shell.arguments = ["-c", command]
        shell.environment = ["PATH": Tool.binDirectory.path + ":/usr/bin:/bin", "USER": "carol"].merging(try ledgerEnvironment()) { $1 }
        shell.standardOutput = FileHandle.nullDevice
        try shell.run()
        shell.waitUntilExit()
        XCTAssertEqual(shell.terminationStatus, 0, command)
        ledger = try F.exportedLedger(db)
        XCTAssertEqual(ledger["f-1"]?["status"] as? String, "approved")
        XCTAssertEqual((ledger["f-1"]?["transitions"] as? [[String: Any]])?.last?["actor"] as? String, "carol")

        // Week 2: the branch is pushed without a PR; a refusal does not hide f-3's open PR.
        try record(1)
        ledger = try F.exportedLedger(db)
        XCTAssertEqual(F.string(ledger["f-1"], "change", "state"), "pushed")
        XCTAssertEqual(F.string(ledger["f-3"], "change", "state"), "open")
        XCTAssertEqual(F.string(ledger["f-3"], "change", "url"), "https://git.example/pr/3")
        XCTAssertEqual((ledger["f-2"]?["transitions"] as? [[String: Any]])?.count, 3, "the same refusal again is no news")

        // Week 3: f-1's PR is open, f-3's closed unmerged.
        try record(2)
        week = try report(2)
        XCTAssertEqual(entry(week.json, "f-1")["stage"] as? String, "approved, PR open")
        XCTAssertEqual(changed(week.json, "f-1"), "PR opened (https://git.example/pr/1)")
        XCTAssertEqual(changed(week.json, "f-3"), "PR closed without merging (https://git.example/pr/3)")
        XCTAssertEqual(entry(week.json, "f-3")["stage"] as? String, "detected, PR closed unmerged")
        XCTAssertEqual(step(week.json, "f-3")?["command"] as? String,
                       "ledger reject 'f-3' --db \(Shell.quoted(LedgerLocation(db).description)) --by \"$USER\" --reason 'PR closed unmerged'")
        XCTAssertEqual((week.json["rows"] as? [String: [String]])?["projectedNextWeek"], ["f-1"], "approved, its PR open: on its way")

        // Week 4: the merge implements f-1; the transition that moved the change keeps its status' date.
        try record(3)
        ledger = try F.exportedLedger(db)
        XCTAssertEqual(ledger["f-1"]?["status"] as? String, "implemented")
        let steps = try XCTUnwrap(ledger["f-1"]?["transitions"] as? [[String: Any]])
        XCTAssertEqual(steps.map { "\($0["from"] as? String ?? "-")>\($0["to"] as? String ?? "")/\($0["change"] as? String ?? "")" },
                       ["->detected/", "detected>detected/local", "detected>approved/", "approved>approved/pushed", "approved>approved/open",
                        "approved>implemented/merged"])
        XCTAssertEqual(ledger["f-1"]?["statusSince"] as? String, times[3])
        XCTAssertEqual(ledger["f-3"]?["statusSince"] as? String, times[0], "a PR closing is not a new status")
        XCTAssertEqual(F.string(ledger["f-3"], "change", "state"), "closed", "a run that could not ask GitHub changes nothing")
        XCTAssertEqual(F.string(ledger["f-3"], "change", "url"), "https://git.example/pr/3")
        week = try report(3)
        XCTAssertEqual(entry(week.json, "f-1")["stage"] as? String, "merged, not verified yet")
        XCTAssertEqual(changed(week.json, "f-1"), "merged (https://git.example/pr/1)")
    }

    /// The usual GitOps week: a PR is open at one run, then merged and deployed before the next, which no
    /// longer reports the waste and so has no change record to say "merged". The finding is implemented and
    /// verified (or flagged unsafe), not expired; one whose waste went away without its change going in, or
    /// whose branch was never pushed, expires.
    func testAChangeLiveBeforeItsMergeWasReportedIsVerified() throws {
        let scratch = try makeScratchDirectory(self)
        let db = try newLedger(scratch)
        let picks = try F.picks(try F.records(F.demoLines, kind: "finding"))
        let live = picks.id(picks.cpuAuto), unsafe = picks.id(picks.memory), gone = picks.id(picks.cpuApproved)
        let local = picks.id(picks.dropped)
        var changes = [live, unsafe, gone].map { id in
            #"{"kind":"change","cluster":"demo","findingIds":["\#(id)"],"branch":"autopilot/demo/\#(id)","url":"https://git.example/pr/\#(id)","state":"open"}"#
        }
        changes.append(#"{"kind":"change","cluster":"demo","findingIds":["\#(local)"],"branch":"autopilot/demo/\#(local)","state":"local"}"#)
        XCTAssertEqual(try F.record(db, now: F.t1, F.demoLines + changes).status, 0)
        // Run 3's cluster (the CPU cut and the memory cut live, the latter OOM-killed) without those findings.
        let lines = try F.run3Lines(picks).filter { line in ![live, unsafe, gone, local].contains { F.isFinding(line, $0) } }
        let run2 = try F.record(db, now: F.t2, lines)
        XCTAssertEqual(run2.status, 0, run2.stderr)
        let ledger = try F.exportedLedger(db)
        let entry = try XCTUnwrap(ledger[live])
        XCTAssertEqual(entry["status"] as? String, "verified")
        let steps = try XCTUnwrap(entry["transitions"] as? [[String: Any]]).suffix(2)
        XCTAssertEqual(steps.map { $0["to"] as? String }, ["implemented", "verified"])
        XCTAssertEqual(steps.first?["reason"] as? String, "live in the cluster while its change was PR open")
        XCTAssertGreaterThan(F.cents(entry["realizedMonthlySavings"]) ?? 0, 0)
        XCTAssertEqual(ledger[unsafe]?["status"] as? String, "implemented")
        XCTAssertEqual(F.string(ledger[unsafe], "verification", "state"), "unsafe")
        XCTAssertEqual(F.string(ledger[unsafe], "change", "state"), "open", "no merge was reported")
        XCTAssertEqual(ledger[gone]?["status"] as? String, "expired", "its values are not in the cluster: it expires as before")
        XCTAssertEqual(ledger[local]?["status"] as? String, "expired", "a branch never pushed cannot have been deployed")

        let out = scratch.appendingPathComponent("report")
        let export = try Tool.run("ledger", ["export", "--db", db])
        XCTAssertEqual(try Tool.run("render-report", ["--out", out.path, "--now", F.t2], stdin: export.stdout).status, 0)
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("report.json"))) as! [String: Any]
        let shown = (report["findings"] as! [[String: Any]]).first { $0["id"] as? String == unsafe }
        XCTAssertEqual(shown?["stage"] as? String, "live before its PR merged, unsafe after the change")
    }

    /// A change that was live and is undone: the cluster runs the old value again. A verified CPU cut and a
    /// memory cut found unsafe are rolled back (rejected, saying what the cluster runs and why), their savings
    /// leave the figures and the report says "rolled back"; a merged change never deployed is not a rollback.
    func testAChangeRolledBackAfterItWasLiveIsRejected() throws {
        let scratch = try makeScratchDirectory(self)
        let db = try newLedger(scratch)
        let picks = try F.picks(try F.records(F.demoLines, kind: "finding"))
        let verified = picks.id(picks.cpuAuto), unsafe = picks.id(picks.memory), waiting = picks.id(picks.cpuApproved)
        let merged = [verified, unsafe, waiting].map { id in
            #"{"kind":"change","cluster":"demo","findingIds":["\#(id)"],"branch":"autopilot/demo/\#(id)","state":"merged"}"#
        }
        XCTAssertEqual(try F.record(db, now: F.t1, F.demoLines + merged).status, 0)
        // Deployed: the CPU and memory cuts are live, the memory one OOM-killed; the third is not deployed yet.
        XCTAssertEqual(try F.record(db, now: F.t2, try F.run3Lines(picks)).status, 0)
        var ledger = try F.exportedLedger(db)
        XCTAssertEqual(ledger[verified]?["status"] as? String, "verified")
        XCTAssertEqual(F.string(ledger[unsafe], "verification", "state"), "unsafe")
        XCTAssertEqual(F.string(ledger[waiting], "verification", "state"), "not-live")

        // Reverted: the cluster runs the values the findings were detected on.
        let run3 = try F.record(db, now: F.t3, F.demoLines)
        XCTAssertEqual(run3.status, 0, run3.stderr)
        ledger = try F.exportedLedger(db)
        for (id, resource, why) in [(verified, "cpu", "it had been verified"), (unsafe, "memory", "it was unsafe: 2 OOM kills in the window since the change")] {
            XCTAssertEqual(ledger[id]?["status"] as? String, "rejected", id)
            XCTAssertTrue(ledger[id]?["realizedMonthlySavings"] is NSNull, "a rolled-back change realizes nothing")
            XCTAssertTrue(F.value(ledger[id], "verification", "realizedMonthlySavings") is NSNull, id)
            let last = try XCTUnwrap((ledger[id]?["transitions"] as? [[String: Any]])?.last)
            XCTAssertEqual(last["actor"] as? String, "ledger record")
            let reason = try XCTUnwrap(last["reason"] as? String)
            XCTAssertTrue(reason.hasPrefix("rolled back: \(resource) request is back to "), reason)
            XCTAssertTrue(reason.hasSuffix("; " + why), reason)
        }
        XCTAssertEqual(ledger[waiting]?["status"] as? String, "implemented", "never live, so never rolled back")

        let out = scratch.appendingPathComponent("report")
        let export = try Tool.run("ledger", ["export", "--db", db])
        XCTAssertEqual(try Tool.run("render-report", ["--out", out.path, "--now", F.t3], stdin: export.stdout).status, 0)
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("report.json"))) as! [String: Any]
        let stages = Dictionary(uniqueKeysWithValues: (report["findings"] as! [[String: Any]]).map { ($0["id"] as? String ?? "", $0["stage"] as? String) })
        XCTAssertEqual(stages[verified], "rolled back after it was verified")
        XCTAssertEqual(stages[unsafe], "rolled back, unsafe after the change")
        XCTAssertEqual(F.cents(F.value(report, "headline", "verifiedThisWeek")), 0, "the verified cut was rolled back")
        XCTAssertEqual(F.value(report, "headline", "changesThisWeek", "rolled back") as? Int, 2)
    }

    /// Before schema 7 a local branch or an open PR implemented a finding. Migrating moves such findings
    /// back to the status they came from (saying so), keeps merged ones implemented and verified ones verified.
    func testAVersionSixLedgerNoLongerCountsOpenPRsAsImplemented() throws {
        let scratch = try makeScratchDirectory(self)
        let db = try newLedger(scratch, "six")
        do {
            let store = try LedgerStore(at: db, migratingTo: 6)
            func add(_ id: String, status: String, url: String?, branch: String, steps: [(String?, String, String, String?)]) throws {
                try store.db.run(
                    """
                    INSERT INTO findings (id, cluster, namespace, team, detector, target_kind, target_name, container, summary, status,
                    first_seen, last_seen, baseline, finding, change_branch, change_url, verification, bill_verification)
                    VALUES (?, 'old', 'shop', 'checkout', 'over-requested-cpu', 'Deployment', ?, 'app', 'Lower it', ?, ?, ?, '{}', '{}', ?, ?, ?, ?)
                    """,
                    [.text(id), .text(id), .text(status), .text("2026-10-01T06:00:00Z"), .text("2026-10-15T06:00:00Z"), .text(branch),
                     .optional(url), .text(#"{"state":"not-live"}"#), .text(#"{"state":"not-billed-yet"}"#)])
                for (index, (from, to, actor, reason)) in steps.enumerated() {
                    try store.db.run("INSERT INTO transitions (finding_id, from_status, to_status, at, actor, reason) VALUES (?, ?, ?, ?, ?, ?)",
                                     [.text(id), .optional(from), .text(to), .text("2026-10-0\(index + 1)T06:00:00Z"), .text(actor), .optional(reason)])
                }
            }
            let first: (String?, String, String, String?) = (nil, "detected", "ledger record", "first reported")
            try add("f-open", status: "implemented", url: "https://git.example/pr/5", branch: "autopilot/a",
                    steps: [first, ("detected", "approved", "policy (gate auto)", nil), ("approved", "implemented", "emit-pr", "https://git.example/pr/5")])
            try add("f-local", status: "implemented", url: nil, branch: "autopilot/b",
                    steps: [first, ("detected", "implemented", "emit-pr", "autopilot/b")])
            try add("f-merged", status: "implemented", url: "https://git.example/pr/6", branch: "autopilot/c",
                    steps: [first, ("detected", "implemented", "emit-pr", "https://git.example/pr/6"),
                            ("implemented", "implemented", "emit-pr", "merged: https://git.example/pr/6")])
            try add("f-verified", status: "verified", url: "https://git.example/pr/7", branch: "autopilot/d",
                    steps: [first, ("detected", "implemented", "emit-pr", "https://git.example/pr/7"),
                            ("implemented", "verified", "ledger record", "live")])
        }
        _ = try LedgerStore(at: db)
        let ledger = try F.exportedLedger(db)
        XCTAssertEqual(ledger.mapValues { $0["status"] as? String },
                       ["f-open": "approved", "f-local": "detected", "f-merged": "implemented", "f-verified": "verified"])
        XCTAssertEqual(ledger.mapValues { F.string($0, "change", "state") },
                       ["f-open": "open", "f-local": "local", "f-merged": "merged", "f-verified": "open"])
        for id in ["f-open", "f-local"] {
            let last = try XCTUnwrap((ledger[id]?["transitions"] as? [[String: Any]])?.last, id)
            XCTAssertEqual(last["from"] as? String, "implemented", id)
            XCTAssertEqual(last["actor"] as? String, "schema migration 7", id)
            XCTAssertEqual(last["at"] as? String, "2026-10-15T06:00:00Z", "dated at the last run that saw it: \(id)")
            XCTAssertTrue((last["reason"] as? String)?.hasPrefix("not merged") == true, id)
            XCTAssertTrue(ledger[id]?["verification"] is NSNull, "\(id): nothing was deployed to verify")
            XCTAssertTrue(ledger[id]?["billVerification"] is NSNull, "\(id): nor to find on the bill")
            XCTAssertEqual(ledger[id]?["statusSince"] as? String, "2026-10-15T06:00:00Z", "\(id): its status changed back then")
        }
        XCTAssertEqual((ledger["f-merged"]?["transitions"] as? [[String: Any]])?.last?["change"] as? String, "merged")
        XCTAssertEqual(F.string(ledger["f-merged"], "verification", "state"), "not-live", "a merged change keeps its verification")
        XCTAssertEqual(F.string(ledger["f-merged"], "billVerification", "state"), "not-billed-yet")
        XCTAssertEqual(try rawDatabase(db).schemaVersion(), LedgerStore.currentVersion)
    }

    func testAVersionOneFileIsMigratedAndKeepsItsRows() throws {
        let scratch = try makeScratchDirectory(self)
        let db = try newLedger(scratch, "old")
        do {
            let store = try LedgerStore(at: db, migratingTo: 1)
            XCTAssertEqual(try store.db.schemaVersion(), 1)
            XCTAssertFalse(try store.db.tableExists("cost_history"), "version 1 has no cost history")
            try store.db.run(
                """
                INSERT INTO findings (id, cluster, namespace, team, detector, target_kind, target_name, container, summary, status,
                first_seen, last_seen, baseline_cost_cents, baseline_savings_cents, baseline, savings_cents, risk_overall, risk_level,
                gate, finding) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [.text("f-legacy0000000001"), .text("legacy"), .text("shop"), .text("checkout"), .text("over-requested-cpu"),
                 .text("Deployment"), .text("cart"), .text("app"), .text("Lower the CPU request of deployment shop/cart."),
                 .text("approved"), .text("2026-10-01T06:00:00Z"), .text("2026-10-08T06:00:00Z"), .int(4_000), .int(1_234),
                 .text(#"{"current":{"cpu":1},"recommended":{"cpu":0.5}}"#), .int(1_234), .double(0.12), .text("low"), .text("auto"),
                 .text(#"{"kind":"finding","id":"f-legacy0000000001"}"#)])
            try store.db.run("INSERT INTO transitions (finding_id, from_status, to_status, at, actor, reason) VALUES (?, NULL, 'detected', ?, ?, ?)",
                             [.text("f-legacy0000000001"), .text("2026-10-01T06:00:00Z"), .text("ledger record"), .text("first reported")])
            try store.db.run("INSERT INTO transitions (finding_id, from_status, to_status, at, actor, reason) VALUES (?, 'detected', 'approved', ?, ?, ?)",
                             [.text("f-legacy0000000001"), .text("2026-10-01T06:00:00Z"), .text("policy (gate auto)"), .null])
        }

        let run = try F.record(db, now: F.t1, F.demoLines)
        XCTAssertEqual(run.status, 0, run.stderr)

        let exported = try F.export(db)
        let legacy = try XCTUnwrap(exported.first { $0["id"] as? String == "f-legacy0000000001" }, "the old row is still there")
        XCTAssertEqual(legacy["status"] as? String, "approved", "another cluster's finding is left alone")
        XCTAssertEqual(legacy["cluster"] as? String, "legacy")
        XCTAssertEqual(legacy["summary"] as? String, "Lower the CPU request of deployment shop/cart.")
        XCTAssertEqual(F.cents(legacy["monthlySavings"]), 1_234)
        XCTAssertEqual(F.cents(legacy["baselineMonthlyCost"]), 4_000)
        XCTAssertTrue(legacy["realizedMonthlySavings"] is NSNull, "a column migration 2 added")
        XCTAssertTrue(legacy["change"] is NSNull)
        XCTAssertEqual((legacy["transitions"] as? [[String: Any]])?.map { $0["to"] as? String }, ["detected", "approved"])
        XCTAssertEqual(exported.filter { $0["kind"] as? String == "ledger" }.count, 49, "the old finding and the demo's 48")
        XCTAssertFalse(exported.filter { $0["kind"] as? String == "costhistory" }.isEmpty)

        // The database itself, read without LedgerStore (which would migrate it).
        let file = try rawDatabase(db)
        XCTAssertEqual(try file.schemaVersion(), LedgerStore.currentVersion)
        XCTAssertGreaterThanOrEqual(LedgerStore.currentVersion, 2)
        XCTAssertTrue(try file.tableExists("cost_history"))
        XCTAssertGreaterThan(try file.rows("SELECT COUNT(*) AS n FROM cost_history").first?["n"].int ?? 0, 0)
    }

    // MARK: Concurrency

    /// Two cron runs at once on one (new) file: both land, as two runs, and the file is intact.
    func testTwoConcurrentRunsBothLand() throws {
        let scratch = try makeScratchDirectory(self)
        let input = scratch.appendingPathComponent("stream.ndjson")
        try Data(F.demoStream.utf8).write(to: input)
        for round in 0..<3 {
            let db = try newLedger(scratch, "ledger-\(round)")
            func start(_ now: String, _ name: String) throws -> (Process, URL, URL) {
                let out = scratch.appendingPathComponent("\(name)-\(round).out")
                let err = scratch.appendingPathComponent("\(name)-\(round).err")
                _ = FileManager.default.createFile(atPath: out.path, contents: nil)
                _ = FileManager.default.createFile(atPath: err.path, contents: nil)
                let process = Process()
                process.executableURL = Tool.binDirectory.appendingPathComponent("ledger")
                process.arguments = ["record", "--db", db, "--now", now]
                process.currentDirectoryURL = scratch
                process.standardInput = try FileHandle(forReadingFrom: input)
                process.standardOutput = try FileHandle(forWritingTo: out)
                process.standardError = try FileHandle(forWritingTo: err)
                return (process, out, err)
            }
            let (first, firstOut, firstErr) = try start(F.t1, "first")
            let (second, secondOut, secondErr) = try start(F.t2, "second")
            try first.run()
            try second.run()
            first.waitUntilExit()
            second.waitUntilExit()
            let firstMessage = (try? String(contentsOf: firstErr, encoding: .utf8)) ?? ""
            let secondMessage = (try? String(contentsOf: secondErr, encoding: .utf8)) ?? ""
            XCTAssertEqual(first.terminationStatus, 0, firstMessage)
            XCTAssertEqual(second.terminationStatus, 0, secondMessage)
            for out in [firstOut, secondOut] {
                let lines = try String(contentsOf: out, encoding: .utf8).split(separator: "\n").map(String.init)
                XCTAssertEqual(lines.filter { $0.hasPrefix(#"{"kind":"ledger""#) }.count, 48, "round \(round)")
            }

            let exported = try F.export(db)
            XCTAssertEqual(exported.filter { $0["kind"] as? String == "ledger" }.count, 48, "no finding twice")
            let history = exported.filter { $0["kind"] as? String == "costhistory" }
            let runs = Set(history.compactMap { F.double($0["run"]) })
            XCTAssertEqual(runs.count, 2, "round \(round): two runs, two run numbers")
            XCTAssertEqual(Set(history.compactMap { $0["at"] as? String }), [F.t1, F.t2], "round \(round)")
            for run in runs {
                let rows = history.filter { F.double($0["run"]) == run }
                XCTAssertEqual(Set(rows.compactMap { $0["at"] as? String }).count, 1, "round \(round): one time per run")
                XCTAssertEqual(rows.count, history.count / 2, "round \(round): both runs wrote every team")
            }

            let store = try LedgerStore(at: db)
            if store.db.dialect == .sqlite {
                XCTAssertEqual(try store.db.rows("PRAGMA integrity_check").map { $0["integrity_check"].string }, ["ok"])
            }
            XCTAssertEqual(try store.db.schemaVersion(), LedgerStore.currentVersion, "migrated once")
            XCTAssertEqual(try store.db.rows("SELECT COUNT(*) AS n FROM runs").first?["n"].int, 2)
        }
    }

    /// A fleet at once: eight clusters' runs and a second run of one of them, started together on one new
    /// ledger. Every run lands, no finding twice, none lost, each run's cost history whole, and the two runs
    /// of one cluster one after the other (each finding first reported once).
    func testEightClustersAndTwoRunsOfOneAtOnceLoseNothing() throws {
        let scratch = try makeScratchDirectory(self)
        let db = try newLedger(scratch)
        let clusters = (0..<8).map { "fleet-\($0)" }
        let runs = try (clusters + [clusters[0]]).enumerated().map { index, cluster in
            try F.startRecord(db, now: index < clusters.count ? F.t1 : F.t2, F.asCluster(cluster, F.demoLines), scratch: scratch, name: "run-\(index)")
        }
        for (index, run) in runs.enumerated() {
            run.waitUntilExit()
            XCTAssertEqual(run.terminationStatus, 0, F.stderr(scratch: scratch, name: "run-\(index)"))
        }

        let exported = try F.export(db)
        let ledger = exported.filter { $0["kind"] as? String == "ledger" }
        XCTAssertEqual(ledger.count, 8 * 48, "every cluster's findings, none twice")
        XCTAssertEqual(Set(ledger.compactMap { $0["id"] as? String }).count, ledger.count)
        for cluster in clusters {
            XCTAssertEqual(ledger.filter { $0["cluster"] as? String == cluster }.count, 48, cluster)
        }
        for record in ledger {
            let transitions = record["transitions"] as? [[String: Any]] ?? []
            XCTAssertEqual(transitions.filter { $0["reason"] as? String == "first reported" }.count, 1, "\(record["id"] ?? "")")
        }
        let history = exported.filter { $0["kind"] as? String == "costhistory" }
        let runNumbers = Set(history.compactMap { F.double($0["run"]) })
        XCTAssertEqual(runNumbers.count, 9, "nine runs, nine run numbers")
        let teams = history.filter { F.double($0["run"]) == F.double(history.first?["run"]) }.count
        XCTAssertGreaterThan(teams, 1)
        for run in runNumbers {
            let rows = history.filter { F.double($0["run"]) == run }
            XCTAssertEqual(rows.count, teams, "run \(run) wrote every team")
            XCTAssertEqual(Set(rows.compactMap { $0["cluster"] as? String }).count, 1, "run \(run) is one cluster's")
        }
        XCTAssertEqual(history.filter { $0["cluster"] as? String == clusters[0] }.count, 2 * teams, "both runs of \(clusters[0])")
    }

    /// A run killed at any moment leaves the ledger as it was before the run, or (killed after its commit)
    /// as the run left it: never half a run. The run is killed at a quarter, half and three quarters of
    /// its own duration, measured first.
    func testARunKilledMidwayLeavesTheLedgerAsItWas() throws {
        let scratch = try makeScratchDirectory(self)
        let week1 = F.asCluster("fleet-0", F.demoLines) + F.asCluster("fleet-1", F.demoLines)
        let week2 = F.asCluster("fleet-0", F.run2Lines(try F.picks(try F.records(F.demoLines, kind: "finding"))))
            + F.asCluster("fleet-1", F.demoLines)
        func exported(_ db: String) throws -> String {
            let export = try Tool.run("ledger", ["export", "--db", db])
            XCTAssertEqual(export.status, 0, export.stderr)
            return export.stdout
        }
        // The duration of a whole second run, and the ledger it leaves.
        let reference = try newLedger(scratch, "reference")
        XCTAssertEqual(try F.record(reference, now: F.t1, week1).status, 0)
        let started = Date()
        XCTAssertEqual(try F.record(reference, now: F.t2, week2).status, 0)
        let duration = Date().timeIntervalSince(started)
        let completed = try exported(reference)

        var outcomes: [String] = []
        for (index, share) in [0.25, 0.5, 0.75].enumerated() {
            let db = try newLedger(scratch, "killed-\(index)")
            XCTAssertEqual(try F.record(db, now: F.t1, week1).status, 0)
            let before = try exported(db)
            let process = try F.startRecord(db, now: F.t2, week2, scratch: scratch, name: "week2-\(index)")
            Thread.sleep(forTimeInterval: duration * share)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let after = try exported(db)
            XCTAssertTrue(after == before || after == completed, "killed at \(share): the ledger is neither as before nor as after the run")
            outcomes.append(after == before ? "before" : "after")
            // The next run goes through and leaves what an unkilled run leaves (but its run number:
            // PostgreSQL does not give back a number a rolled-back run drew).
            if after == before {
                XCTAssertEqual(try F.record(db, now: F.t2, week2).status, 0)
                let runNumber = try NSRegularExpression(pattern: #""run":[0-9]+"#)
                func withoutRunNumbers(_ text: String) -> String {
                    runNumber.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: #""run":_"#)
                }
                XCTAssertEqual(withoutRunNumbers(try exported(db)), withoutRunNumbers(completed))
            }
        }
        XCTAssertTrue(outcomes.contains("before"), "at least one kill landed before the commit: \(outcomes)")
    }

    // MARK: Incidents

    /// Incidents over three weekly runs of the chaos lab: week A reports the memory leak's OOM (open, linked
    /// to its raise-memory finding); week B reports only the bad rollout's crash loop (the OOM resolves, the
    /// crash loop opens); week C reports the OOM again (reopened; the crash loop resolves). `ledger incidents`
    /// lists them in three formats and render-report counts the week.
    func testIncidentsOpenResolveAndReopenAcrossRuns() throws {
        let scratch = try makeScratchDirectory(self)
        let db = try newLedger(scratch)
        let (weekA, weekB, weekC) = ("2026-11-23T12:00:00Z", "2026-11-30T12:00:00Z", "2026-12-07T12:00:00Z")
        let oomStream = try F.incidentStream("memory-leak-oom")
        let rolloutStream = try F.incidentStream("bad-rollout")
        let oom = try XCTUnwrap(try F.records(oomStream, kind: "incident").first)
        let crashloop = try XCTUnwrap(try F.records(rolloutStream, kind: "incident").first)
        let oomID = try XCTUnwrap(oom["id"] as? String)
        let crashloopID = try XCTUnwrap(crashloop["id"] as? String)
        let fixID = try XCTUnwrap((oom["actions"] as? [[String: Any]])?.compactMap { $0["findingId"] as? String }.first)

        func incidents(_ arguments: [String] = []) throws -> [String: [String: Any]] {
            let result = try Tool.run("ledger", ["incidents", "--db", db, "--format", "ndjson"] + arguments)
            XCTAssertEqual(result.status, 0, result.stderr)
            return Dictionary(try decodeRecords(result.lines).map { ($0["id"] as? String ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        }
        func statuses(_ record: [String: Any]?) -> [String] {
            (record?["transitions"] as? [[String: Any]] ?? []).compactMap { $0["to"] as? String }
        }

        let runA = try F.record(db, now: weekA, oomStream)
        XCTAssertEqual(runA.status, 0, runA.stderr)
        XCTAssertEqual(runA.stderr, "")
        var stored = try incidents()
        XCTAssertEqual(Set(stored.keys), [oomID])
        XCTAssertEqual(stored[oomID]?["status"] as? String, "open")
        XCTAssertEqual(stored[oomID]?["detectedAt"] as? String, weekA)
        XCTAssertEqual(stored[oomID]?["firstSignal"] as? String, oom["start"] as? String)
        XCTAssertEqual(stored[oomID]?["lastSignal"] as? String, oom["end"] as? String)
        XCTAssertEqual(stored[oomID]?["category"] as? String, oom["category"] as? String)
        XCTAssertEqual(stored[oomID]?["severity"] as? String, oom["severity"] as? String)
        XCTAssertEqual(F.string(stored[oomID], "rootCause", "hypothesis"), F.string(oom, "rootCause", "hypothesis"))
        XCTAssertEqual(F.number(stored[oomID], "rootCause", "confidence"), F.number(oom, "rootCause", "confidence"))
        XCTAssertEqual(stored[oomID]?["findingIds"] as? [String], [fixID], "linked to the finding its action opened")
        XCTAssertTrue(runA.lines.contains { $0.hasPrefix(#"{"kind":"ledgerincident""#) }, "ledger record appends the run's incidents")

        let runB = try F.record(db, now: weekB, rolloutStream)
        XCTAssertEqual(runB.status, 0, runB.stderr)
        stored = try incidents()
        XCTAssertEqual(stored[oomID]?["status"] as? String, "resolved")
        XCTAssertEqual(stored[oomID]?["resolvedAt"] as? String, weekB)
        let start = try XCTUnwrap((oom["start"] as? String).flatMap(RFC3339.date))
        let end = try XCTUnwrap((oom["end"] as? String).flatMap(RFC3339.date))
        XCTAssertEqual(F.double(stored[oomID]?["timeToResolveSeconds"]), end.timeIntervalSince(start))
        XCTAssertEqual(stored[crashloopID]?["status"] as? String, "open")
        XCTAssertEqual(Set(try incidents(["--open"]).keys), [crashloopID])
        XCTAssertEqual(Set(try incidents(["--cluster", "elsewhere"]).keys), [])

        // The report of week B: one new, one resolved, and how long the resolved one lasted.
        let out = scratch.appendingPathComponent("report")
        let report = try Tool.run("render-report", ["--out", out.path, "--now", weekB], stdin: runB.stdout)
        XCTAssertEqual(report.status, 0, report.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("report.json"))) as? [String: Any])
        let lifecycle = try XCTUnwrap(json["incidentLifecycle"] as? [String: Any])
        XCTAssertEqual(lifecycle["new"] as? Int, 1)
        XCTAssertEqual(lifecycle["ongoing"] as? Int, 0)
        XCTAssertEqual(lifecycle["resolved"] as? Int, 1)
        XCTAssertEqual(F.double(lifecycle["medianTimeToResolveSeconds"]), end.timeIntervalSince(start))
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("1 new, 0 ongoing, 1 resolved this week"), "the HTML says the counts")

        let runC = try F.record(db, now: weekC, oomStream)
        XCTAssertEqual(runC.status, 0, runC.stderr)
        stored = try incidents()
        XCTAssertEqual(stored[oomID]?["status"] as? String, "reopened")
        XCTAssertTrue(stored[oomID]?["resolvedAt"] is NSNull)
        XCTAssertEqual(statuses(stored[oomID]), ["open", "resolved", "reopened"])
        XCTAssertEqual(stored[oomID]?["detectedAt"] as? String, weekA, "first detection kept")
        XCTAssertEqual(stored[crashloopID]?["status"] as? String, "resolved")
        XCTAssertEqual(statuses(stored[crashloopID]), ["open", "resolved"])

        // The table and the CSV: newest detection first, one row each.
        let table = try Tool.run("ledger", ["incidents", "--db", db])
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertEqual(table.lines.count, 3, table.stdout)
        XCTAssertTrue(table.lines[0].hasPrefix("ID  "), table.stdout)
        XCTAssertTrue(table.lines[1].hasPrefix(crashloopID), "detected in week B, after the OOM: \(table.stdout)")
        XCTAssertTrue(table.lines[2].hasPrefix(oomID) && table.lines[2].contains("reopened") && table.lines[2].contains(fixID), table.stdout)
        let csv = try Tool.run("ledger", ["incidents", "--db", db, "--format", "csv"])
        XCTAssertEqual(csv.status, 0, csv.stderr)
        let rows = F.parseCSV(csv.stdout)
        XCTAssertEqual(rows.first?.first, "id")
        XCTAssertEqual(rows.dropFirst().map { $0.first ?? "" }, [crashloopID, oomID])
        XCTAssertEqual(try Tool.run("ledger", ["incidents", "--db", db, "--format", "xml"]).status, 64)
    }

    /// Upstream alerts: the kubernetes-mixin's own unit tests' expected alerts (label sets as they are) on the
    /// cluster MixinAlertsTests builds. Every incident is stored open with its category, severity and root
    /// cause; the next run, from the cluster's state alone (no alerts), resolves exactly those it no longer
    /// reports and keeps open those the pods' state still shows.
    func testTheMixinsAlertsAsIncidentsInTheLedger() throws {
        let scratch = try makeScratchDirectory(self)
        let db = try newLedger(scratch)
        let alerts = try MixinAlertsTests.mixinTestAlerts().map { try MixinAlertsTests.alertLine($0.0, $0.1) }
        let withAlerts = try F.mixinIncidentStream(alerts)
        let withoutAlerts = try F.mixinIncidentStream([])
        let reported = try F.records(withAlerts, kind: "incident")
        XCTAssertGreaterThanOrEqual(reported.count, 10)
        let stillReported = Set(try F.records(withoutAlerts, kind: "incident").compactMap { $0["id"] as? String })

        XCTAssertEqual(try F.record(db, now: "2026-12-01T11:00:00Z", withAlerts).status, 0)
        let first = try Tool.run("ledger", ["incidents", "--db", db, "--format", "ndjson"])
        XCTAssertEqual(first.status, 0, first.stderr)
        let stored = Dictionary(try decodeRecords(first.lines).map { ($0["id"] as? String ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(Set(stored.keys), Set(reported.compactMap { $0["id"] as? String }))
        for incident in reported {
            let id = try XCTUnwrap(incident["id"] as? String)
            XCTAssertEqual(stored[id]?["status"] as? String, "open", id)
            XCTAssertEqual(stored[id]?["category"] as? String, incident["category"] as? String, id)
            XCTAssertEqual(stored[id]?["severity"] as? String, incident["severity"] as? String, id)
            XCTAssertEqual(F.string(stored[id], "rootCause", "hypothesis"), F.string(incident, "rootCause", "hypothesis"), id)
        }

        let second = try F.record(db, now: "2026-12-08T11:00:00Z", withoutAlerts)
        XCTAssertEqual(second.status, 0, second.stderr)
        let after = try decodeRecords(try Tool.run("ledger", ["incidents", "--db", db, "--format", "ndjson"]).lines)
        for record in after {
            let id = try XCTUnwrap(record["id"] as? String)
            let expected = stillReported.contains(id) ? "open" : "resolved"
            XCTAssertEqual(record["status"] as? String, expected, "\(id) \(record["category"] ?? "")")
        }
        XCTAssertTrue(after.contains { $0["status"] as? String == "resolved" }, "the alerts' incidents resolve")
    }

    // MARK: Export

    func testCSVExportQuotesAndDefusesFormulas() throws {
        let scratch = try makeScratchDirectory(self)
        let db = try newLedger(scratch)
        let summary = #"=cmd|' /C calc'!A0, "quoted" text"#
        let hostile = #"{"kind":"finding","cluster":"demo","id":"f-hostilecsv000001","detector":"over-requested-cpu","namespace":"shop","# +
            #""target":{"kind":"Deployment","name":"api","container":"app"},"team":"@ops","summary":"# + F.jsonString(summary) +
            #","current":{"cpu":1.0},"recommended":{"cpu":0.5},"monthlyCost":{"current":20.5,"recommended":10.25},"monthlySavings":10.25,"# +
            #""risk":{"overall":0.2,"level":"low","gate":"approve"}}"#
        let lines = F.demoLines + [hostile]
        let run = try F.record(db, now: F.t1, lines)
        XCTAssertEqual(run.status, 0, run.stderr)

        let export = try Tool.run("ledger", ["export", "--db", db, "--format", "csv"])
        XCTAssertEqual(export.status, 0, export.stderr)
        XCTAssertTrue(export.stdout.hasSuffix("\n"))
        let rows = F.parseCSV(export.stdout)
        let header = ["id", "cluster", "namespace", "team", "detector", "target_kind", "target_name", "container", "status", "first_seen",
                      "last_seen", "baseline_cost", "savings", "realized_savings", "risk_level", "gate", "change_state", "change_url", "summary"]
        XCTAssertEqual(rows.first, header)
        let findings = try F.records(lines, kind: "finding")
        XCTAssertEqual(rows.count, 1 + findings.count, "a header and one row per finding")
        XCTAssertEqual(Set(rows.dropFirst().map { $0.first ?? "" }), Set(findings.compactMap { $0["id"] as? String }))
        func column(_ name: String) -> Int { header.firstIndex(of: name)! }
        for row in rows.dropFirst() {
            XCTAssertEqual(row.count, header.count, "\(row)")
            guard row.count == header.count else { continue }
            // Nothing a spreadsheet would run: a cell starting with = + - @ is a number or was defused.
            for cell in row {
                if let first = cell.first, "=+-@".contains(first) { XCTAssertNotNil(Double(cell), "\(row[0]): \(cell)") }
            }
            // Money as plain dollars with two decimals, the finding's own figures.
            let finding = try XCTUnwrap(findings.first { $0["id"] as? String == row[0] })
            XCTAssertEqual(row[column("savings")], F.cents(finding["monthlySavings"]).map(F.plain) ?? "", row[0])
            XCTAssertEqual(row[column("baseline_cost")], F.cents(F.value(finding, "monthlyCost", "current")).map(F.plain) ?? "", row[0])
            let text = try XCTUnwrap(finding["summary"] as? String)
            let defused = text.first.map { "=+-@".contains($0) } == true && Double(text) == nil ? "'" + text : text
            XCTAssertEqual(row[column("summary")], defused, row[0])
        }
        let row = try XCTUnwrap(rows.first { $0.first == "f-hostilecsv000001" })
        XCTAssertEqual(row[column("summary")], "'" + summary, "defused with a leading apostrophe, comma and quote kept")
        XCTAssertEqual(row[column("team")], "'@ops")
        XCTAssertEqual(row[column("savings")], "10.25")
        XCTAssertTrue(export.stdout.contains(#","'=cmd|' /C calc'!A0, ""quoted"" text""#), "RFC 4180 quoting")
        XCTAssertFalse(export.stdout.contains(#","=cmd"#))
        XCTAssertEqual(F.plain(-81), "-0.81")
        XCTAssertTrue(rows.contains { $0.count == header.count && $0[column("savings")] == "-0.81" },
                      "a negative saving (fraud-scorer) stays a number")

        // NDJSON is the default: the ledger records and the cost history.
        let ndjson = try F.export(db)
        XCTAssertEqual(ndjson.filter { $0["kind"] as? String == "ledger" }.count, findings.count)
        XCTAssertEqual(Set(ndjson.compactMap { $0["kind"] as? String }), ["ledger", "costhistory"])
        XCTAssertEqual(try Tool.run("ledger", ["export", "--db", db, "--format", "xlsx"]).status, 64)
    }

    // MARK: Bad input

    /// A stream that speaks of no cluster (empty, or only a change record) is no run of any cluster: it
    /// records nothing, expires nothing, and succeeds on either backend.
    func testAStreamOfNoClusterRecordsNothing() throws {
        let scratch = try makeScratchDirectory(self)
        let db = try newLedger(scratch)
        XCTAssertEqual(try F.record(db, now: F.t1, F.demoLines).status, 0)
        let before = try Tool.run("ledger", ["export", "--db", db]).stdout
        let empty = try Tool.run("ledger", ["record", "--db", db, "--now", F.t2], stdin: "")
        XCTAssertEqual(empty.status, 0, empty.stderr)
        XCTAssertEqual(empty.stdout, "")
        let change = #"{"kind":"change","findingIds":["f-0000000000000000"],"branch":"autopilot/x","state":"local"}"#
        let changeOnly = try Tool.run("ledger", ["record", "--db", db, "--now", F.t2], stdin: change + "\n")
        XCTAssertEqual(changeOnly.status, 0, changeOnly.stderr)
        XCTAssertEqual(changeOnly.lines, [change])
        XCTAssertEqual(changeOnly.errorLines.count, 1, "the unknown finding is warned about: \(changeOnly.stderr)")
        let after = try Tool.run("ledger", ["export", "--db", db]).stdout
        let runNumber = try NSRegularExpression(pattern: #"\{"kind":"costhistory".*\n"#)
        func findings(_ text: String) -> String {
            runNumber.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: "")
        }
        XCTAssertEqual(findings(after), findings(before), "no finding moved")
    }

    func testAMalformedLineIsReportedAndTheRestRecorded() throws {
        let scratch = try makeScratchDirectory(self)
        let db = try newLedger(scratch)
        let lines = F.demoLines
        let input = [lines[0], #"{"kind":"finding","id":"f-broken","#] + lines.dropFirst()
        let result = try F.record(db, now: F.t1, input)
        XCTAssertEqual(result.status, 65, result.stderr)
        XCTAssertEqual(result.errorLines.count, 1, result.stderr)
        XCTAssertTrue(result.errorLines.first?.hasPrefix("ledger: <stdin>:2:") == true, result.stderr)
        // The good lines are forwarded, and every finding is recorded.
        let forwarded = result.lines.filter { !$0.hasPrefix(#"{"kind":"ledger""#) && !$0.hasPrefix(#"{"kind":"costhistory""#) }
        XCTAssertEqual(forwarded, lines)
        XCTAssertEqual(try F.records(result.lines, kind: "ledger").count, 48)
        let exported = try F.export(db)
        XCTAssertEqual(exported.filter { $0["kind"] as? String == "ledger" }.count, 48)
        XCTAssertFalse(exported.contains { $0["id"] as? String == "f-broken" })
        XCTAssertFalse(exported.filter { $0["kind"] as? String == "costhistory" }.isEmpty)

        // --strict: the same line stops the run before anything is recorded.
        let strictDB = try newLedger(scratch, "strict")
        let strict = try Tool.run("ledger", ["record", "--db", strictDB, "--now", F.t1, "--strict"],
                                  stdin: input.joined(separator: "\n") + "\n")
        XCTAssertEqual(strict.status, 65, strict.stderr)
        XCTAssertTrue(strict.errorLines.first?.hasPrefix("ledger: <stdin>:2:") == true, strict.stderr)
        XCTAssertFalse(strict.stdout.contains(#"{"kind":"ledger""#), "nothing recorded, so no ledger records")
        if LedgerLocation(strictDB) != .sqlite(path: strictDB) || FileManager.default.fileExists(atPath: strictDB) {
            XCTAssertTrue(try F.export(strictDB).filter { $0["kind"] as? String == "ledger" }.isEmpty, "no finding recorded")
        }
    }
}

// MARK: - Fixtures shared with RenderReportTests

/// The demo's scored stream and the weekly runs built from it, the CSV and price-table readers, and JSON
/// helpers for Foundation-decoded records (independent of the code under test).
enum LedgerFixtures {
    /// The end of the demo's usage window, and one and two weeks later.
    static let t1 = "2026-11-20T12:00:00Z"
    static let t2 = "2026-11-27T12:00:00Z"
    static let t3 = "2026-12-04T12:00:00Z"

    /// collect-cluster | collect-metrics | detect-waste | score-risk over fixtures/demo.
    static var demoStream: String { BuildEvidenceTests.scoredStream }
    static var demoLines: [String] { demoStream.split(separator: "\n").map(String.init) }

    // MARK: Running the ledger

    static func record(_ db: URL, now: String, _ lines: [String]) throws -> ToolResult { try record(db.path, now: now, lines) }

    /// `ledger record` started in the background on `lines` (written to `scratch/name.ndjson`), stdout
    /// dropped, stderr to `scratch/name.err`; the caller waits for it.
    static func startRecord(_ db: String, now: String, _ lines: [String], scratch: URL, name: String) throws -> Process {
        let input = scratch.appendingPathComponent("\(name).ndjson")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: input)
        let err = scratch.appendingPathComponent("\(name).err")
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = Tool.binDirectory.appendingPathComponent("ledger")
        process.arguments = ["record", "--db", db, "--now", now]
        process.standardInput = try FileHandle(forReadingFrom: input)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        return process
    }

    /// What a process started by `startRecord` wrote on stderr.
    static func stderr(scratch: URL, name: String) -> String {
        (try? String(contentsOf: scratch.appendingPathComponent("\(name).err"), encoding: .utf8)) ?? ""
    }

    /// `db`: a SQLite path or a PostgreSQL URL.
    static func record(_ db: String, now: String, _ lines: [String]) throws -> ToolResult {
        try Tool.run("ledger", ["record", "--db", db, "--now", now], stdin: lines.joined(separator: "\n") + "\n")
    }

    static func export(_ db: URL) throws -> [[String: Any]] { try export(db.path) }

    static func export(_ db: String) throws -> [[String: Any]] {
        let result = try Tool.run("ledger", ["export", "--db", db])
        guard result.status == 0 else { throw failure("ledger export exited \(result.status): \(result.stderr)") }
        return try decodeRecords(result.lines)
    }

    /// A chaos scenario replayed through detect-incidents at the time its captures end: the cluster and usage
    /// records, the alerts, the incident and the findings of its fixes.
    static func incidentStream(_ scenario: String) throws -> [String] {
        let incidents = try Tool.run("detect-incidents", ["--now", "2026-11-23T12:00:00Z", "--quiet"], stdin: try ChaosScenarioTests.stream(scenario))
        guard incidents.status == 0 else { throw failure("detect-incidents exited \(incidents.status): \(incidents.stderr)") }
        return incidents.lines
    }

    /// MixinAlertsTests' cluster (collect-cluster) and `alerts` through detect-incidents, as a run's stream.
    static func mixinIncidentStream(_ alerts: [String]) throws -> [String] {
        let collected = try Tool.run("collect-cluster", ["--from", "-", "--cluster", "kubernetes"], stdin: MixinAlertsTests.cluster)
        guard collected.status == 0 else { throw failure("collect-cluster exited \(collected.status): \(collected.stderr)") }
        let stdin = collected.stdout + (alerts.isEmpty ? "" : alerts.joined(separator: "\n") + "\n")
        let incidents = try Tool.run("detect-incidents", ["--now", "2026-12-01T11:00:00Z", "--quiet"], stdin: stdin)
        guard incidents.status == 0 else { throw failure("detect-incidents exited \(incidents.status): \(incidents.stderr)") }
        return incidents.lines
    }

    /// The stream as another cluster's: its cluster name and finding ids (the demo has one cluster, "demo").
    static func asCluster(_ name: String, _ lines: [String]) -> [String] {
        lines.map { $0.replacingOccurrences(of: #""cluster":"demo""#, with: #""cluster":"\#(name)""#)
            .replacingOccurrences(of: #""id":"f-"#, with: #""id":"f-\#(name)-"#) }
    }

    /// The exported ledger records by finding id.
    static func exportedLedger(_ db: String) throws -> [String: [String: Any]] {
        let records = try export(db).filter { $0["kind"] as? String == "ledger" }
        return Dictionary(records.map { ($0["id"] as? String ?? "", $0) }, uniquingKeysWith: { first, _ in first })
    }

    static func records(_ lines: [String], kind: String) throws -> [[String: Any]] {
        try decodeRecords(lines.filter { $0.hasPrefix(#"{"kind":"\#(kind)""#) })
    }

    static func failure(_ message: String) -> NSError {
        NSError(domain: "test", code: 1, userInfo: [NSLocalizedDescriptionKey: message])
    }

    // MARK: The demo's weeks

    /// The findings the lifecycle follows, chosen by detector and gate rather than by id.
    struct Picks {
        /// over-requested-cpu gated auto: a PR in run 2, live in run 3 → verified.
        var cpuAuto: [String: Any]
        /// over-requested-cpu gated approve: alice approves, a PR in run 2, never merged → not-live.
        var cpuApproved: [String: Any]
        /// over-requested-memory of another workload: a PR in run 2, live in run 3 but OOM-killed → unsafe.
        var memory: [String: Any]
        /// Gated approve, not reported by run 2 (expired) and reported again by run 3 (detected).
        var dropped: [String: Any]
        /// Gated auto (approved by policy), not reported by run 3 → expired.
        var expiring: [String: Any]

        func id(_ finding: [String: Any]) -> String { finding["id"] as? String ?? "" }
    }

    static func picks(_ findings: [[String: Any]]) throws -> Picks {
        func gate(_ finding: [String: Any]) -> String? { string(finding, "risk", "gate") }
        func target(_ finding: [String: Any]) -> String? { string(finding, "target", "name") }
        let cpuAuto = try XCTUnwrap(findings.first { $0["detector"] as? String == "over-requested-cpu" && gate($0) == "auto" })
        let cpuApproved = try XCTUnwrap(findings.first {
            $0["detector"] as? String == "over-requested-cpu" && gate($0) == "approve" && target($0) != target(cpuAuto)
        })
        let memory = try XCTUnwrap(findings.first {
            $0["detector"] as? String == "over-requested-memory" && ![target(cpuAuto), target(cpuApproved)].contains(target($0))
        })
        let dropped = try XCTUnwrap(findings.first { $0["detector"] as? String == "orphan-volume" && gate($0) == "approve" })
        let used = [cpuAuto, cpuApproved, memory, dropped].map { $0["id"] as? String }
        let expiring = try XCTUnwrap(findings.first { gate($0) == "auto" && !used.contains($0["id"] as? String) })
        return Picks(cpuAuto: cpuAuto, cpuApproved: cpuApproved, memory: memory, dropped: dropped, expiring: expiring)
    }

    static func isFinding(_ line: String, _ id: String) -> Bool {
        line.hasPrefix(#"{"kind":"finding""#) && line.contains(#""id":"\#(id)""#)
    }

    /// Run 2: one finding not reported, and emit-pr's two change records.
    static func run2Lines(_ picks: Picks) -> [String] {
        demoLines.filter { !isFinding($0, picks.id(picks.dropped)) } + [
            #"{"kind":"change","findingIds":["\#(picks.id(picks.cpuAuto))"],"branch":"autopilot/x","url":"https://git.example/pr/1","state":"merged"}"#,
            #"{"kind":"change","findingIds":["\#(picks.id(picks.cpuApproved))","\#(picks.id(picks.memory))"],"branch":"autopilot/y","url":"https://git.example/pr/2","commit":"0123abcd","state":"merged"}"#,
        ]
    }

    /// Run 3: the CPU change and the memory change are live (the workloads' requests are the
    /// recommendations), the memory one with OOM kills in its usage; the dropped finding is reported again
    /// and the expiring one is not.
    static func run3Lines(_ picks: Picks) throws -> [String] {
        var lines = demoLines.filter { !isFinding($0, picks.id(picks.expiring)) }
        lines = try settingRequest(lines, of: picks.cpuAuto, "cpu")
        lines = try settingRequest(lines, of: picks.memory, "memory")
        let memoryTarget = picks.memory["target"] as? [String: Any] ?? [:]
        return try editing(lines, where: { record in
            record["kind"] as? String == "usage" && record["namespace"] as? String == picks.memory["namespace"] as? String
                && string(record, "workload", "name") == memoryTarget["name"] as? String
                && string(record, "workload", "kind") == memoryTarget["kind"] as? String
                && record["container"] as? String == memoryTarget["container"] as? String
        }) { $0["oomKills"] = 2 }
    }

    /// The workload record of the finding's target with its container's `resource` request set to the
    /// finding's recommendation (the number as the finding wrote it).
    static func settingRequest(_ lines: [String], of finding: [String: Any], _ resource: String) throws -> [String] {
        let target = finding["target"] as? [String: Any] ?? [:]
        guard let wanted = value(finding, "recommended", resource), !(wanted is NSNull) else {
            throw failure("\(finding["id"] ?? "?") recommends no \(resource)")
        }
        return try editing(lines, where: { record in
            record["kind"] as? String == "workload" && record["namespace"] as? String == finding["namespace"] as? String
                && record["name"] as? String == target["name"] as? String && record["workloadKind"] as? String == target["kind"] as? String
        }) { record in
            var containers = record["containers"] as? [[String: Any]] ?? []
            for index in containers.indices where containers[index]["name"] as? String == target["container"] as? String {
                var requests = containers[index]["requests"] as? [String: Any] ?? [:]
                requests[resource] = wanted
                containers[index]["requests"] = requests
            }
            record["containers"] = containers
        }
    }

    /// The stream with each record `matching` replaced by its edited copy (other lines byte for byte).
    static func editing(_ lines: [String], where matching: ([String: Any]) -> Bool, _ edit: (inout [String: Any]) -> Void) throws -> [String] {
        try lines.map { line in
            guard var record = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], matching(record) else { return line }
            edit(&record)
            return try ndjsonLine(record)
        }
    }

    /// A record as one NDJSON line with `kind` first, as the tools write it.
    static func ndjsonLine(_ record: [String: Any]) throws -> String {
        var rest = record
        let kind = rest.removeValue(forKey: "kind") as? String ?? ""
        let body = String(decoding: try JSONSerialization.data(withJSONObject: rest, options: [.sortedKeys]), as: UTF8.self)
        let members: String = body == "{}" ? "}" : "," + String(body.dropFirst())
        return #"{"kind":"# + jsonString(kind) + members
    }

    /// A string as a JSON string literal, quotes included.
    static func jsonString(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [text])) ?? Data("[\"\"]".utf8)
        return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
    }

    /// Runs 1–3 over the demo as the lifecycle test does (alice's approval in between) and returns run 3's output.
    static func runDemoWeeks(db: URL) throws -> (run3: ToolResult, picks: Picks) { try runDemoWeeks(db: db.path) }

    static func runDemoWeeks(db: String) throws -> (run3: ToolResult, picks: Picks) {
        let chosen = try Self.picks(try Self.records(demoLines, kind: "finding"))
        let run1 = try record(db, now: t1, demoLines)
        guard run1.status == 0 else { throw failure("run 1 exited \(run1.status): \(run1.stderr)") }
        let alice = try Tool.run("ledger", ["approve", chosen.id(chosen.cpuApproved), "--db", db, "--by", "alice"])
        guard alice.status == 0 else { throw failure("approve exited \(alice.status): \(alice.stderr)") }
        let run2 = try record(db, now: t2, run2Lines(chosen))
        guard run2.status == 0 else { throw failure("run 2 exited \(run2.status): \(run2.stderr)") }
        let run3 = try record(db, now: t3, try run3Lines(chosen))
        guard run3.status == 0 else { throw failure("run 3 exited \(run3.status): \(run3.stderr)") }
        return (run3, chosen)
    }

    // MARK: Prices

    /// On-demand hourly prices by "region/instanceType", read from the CSV the tools embed.
    static func ec2Prices() throws -> [String: Double] {
        let csv = try String(contentsOf: repositoryRoot.appendingPathComponent("Sources/AutopilotKit/Pricing/prices-ec2.csv"), encoding: .utf8)
        let lines = csv.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        guard let header = lines.first?.split(separator: ",").map(String.init),
            let regionColumn = header.firstIndex(of: "region"), let typeColumn = header.firstIndex(of: "instanceType"),
            let priceColumn = header.firstIndex(of: "onDemandHourly")
        else { throw failure("prices-ec2.csv: unexpected header") }
        var prices: [String: Double] = [:]
        let osColumn = header.firstIndex(of: "operatingSystem")
        for line in lines.dropFirst() where !line.hasPrefix("#") {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard cells.count == header.count, let price = Double(cells[priceColumn]) else { continue }
            if let osColumn, cells[osColumn] != "Linux" { continue }
            prices["\(cells[regionColumn])/\(cells[typeColumn])"] = price
        }
        return prices
    }

    /// A node's hourly price as the cost model documents it: on-demand, spot at 65% off; nil when unknown.
    static func hourlyPrice(region: String, instanceType: String, capacityType: String?, prices: [String: Double]) -> Double? {
        guard let onDemand = prices["\(region)/\(instanceType)"] else { return nil }
        return capacityType == "spot" ? onDemand * (1 - 0.65) : onDemand
    }

    /// What the stream's priced nodes cost a month, each node × 730 h rounded to the cent, in cents.
    static func nodeMonthlyCents(_ lines: [String]) throws -> Int {
        let prices = try ec2Prices()
        return try records(lines, kind: "node").compactMap { node -> Int? in
            guard let region = node["region"] as? String, let type = node["instanceType"] as? String,
                let hourly = hourlyPrice(region: region, instanceType: type, capacityType: node["capacityType"] as? String, prices: prices)
            else { return nil }
            return Int((hourly * 730 * 100).rounded())
        }.reduce(0, +)
    }

    // MARK: JSON and CSV

    static func value(_ record: Any?, _ path: String...) -> Any? { value(record, path: path) }

    static func value(_ record: Any?, path: [String]) -> Any? {
        var current = record
        for key in path { current = (current as? [String: Any])?[key] }
        return current
    }

    static func string(_ record: Any?, _ path: String...) -> String? { value(record, path: path) as? String }

    static func number(_ record: Any?, _ path: String...) -> Double? { double(value(record, path: path)) }

    /// A decoded JSON number as a Double; nil for null, strings and anything else.
    static func double(_ value: Any?) -> Double? {
        if value is NSNull || value is String { return nil }
        if let number = value as? Double { return number }
        if let number = value as? Int { return Double(number) }
        if let number = value as? NSNumber { return number.doubleValue }
        return nil
    }

    /// Dollars as whole cents.
    static func cents(_ value: Any?) -> Int? { double(value).map { Int(($0 * 100).rounded()) } }

    /// Cents as the CSV writes dollars: `1234.56`, `-0.81`.
    static func plain(_ cents: Int) -> String {
        let magnitude = abs(cents)
        return (cents < 0 ? "-" : "") + "\(magnitude / 100)." + (magnitude % 100 < 10 ? "0" : "") + "\(magnitude % 100)"
    }

    /// RFC 4180: fields split on commas, quoted fields may hold commas, newlines and doubled quotes.
    static func parseCSV(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        let characters = Array(text)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if quoted {
                if character == "\"" {
                    if index + 1 < characters.count && characters[index + 1] == "\"" {
                        field.append("\"")
                        index += 1
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(character)
                }
            } else if character == "\"" && field.isEmpty {
                quoted = true
            } else if character == "," {
                row.append(field)
                field = ""
            } else if character == "\n" || character == "\r\n" {
                row.append(field)
                rows.append(row)
                row = []
                field = ""
            } else {
                field.append(character)
            }
            index += 1
        }
        if !field.isEmpty || !row.isEmpty {
            row.append(field)
            rows.append(row)
        }
        return rows
    }
}
