import AutopilotKit
import Foundation
import XCTest

/// Every LedgerTests test again, on a real PostgreSQL server (one for the class, a new database per test).
final class LedgerPostgresTests: LedgerTests {
    static func sharedServer() throws -> PostgresServer { try PostgresServer.shared() }

    override class func tearDown() {
        PostgresServer.stopShared()
        super.tearDown()
    }

    override func newLedger(_ scratch: URL, _ name: String = "ledger") throws -> String {
        try Self.sharedServer().newDatabase()
    }

    override func ledgerEnvironment() throws -> [String: String] { ["PGPASSWORD": PostgresServer.password] }

    override func rawDatabase(_ location: String) throws -> any SQLDatabase {
        try PostgresDatabase(url: location)
    }

    // SwiftPM's test discovery on Linux leaves out a subclass that declares no test of its own: each
    // LedgerTests test is named again here, so none can be missed (testEveryLedgerAndSlackTestRunsOnPostgreSQL
    // keeps the lists equal).
    override func testAFindingsLifeAcrossThreeWeeklyRuns() throws { try super.testAFindingsLifeAcrossThreeWeeklyRuns() }
    override func testAMergedChangeIsNotedOnceAndReportedAsMerged() throws { try super.testAMergedChangeIsNotedOnceAndReportedAsMerged() }
    override func testAVersionOneFileIsMigratedAndKeepsItsRows() throws { try super.testAVersionOneFileIsMigratedAndKeepsItsRows() }
    override func testAChangeIsShownAsItStandsInGit() throws { try super.testAChangeIsShownAsItStandsInGit() }
    override func testAChangeLiveBeforeItsMergeWasReportedIsVerified() throws { try super.testAChangeLiveBeforeItsMergeWasReportedIsVerified() }
    override func testAChangeRolledBackAfterItWasLiveIsRejected() throws { try super.testAChangeRolledBackAfterItWasLiveIsRejected() }
    override func testAVersionSixLedgerNoLongerCountsOpenPRsAsImplemented() throws {
        try super.testAVersionSixLedgerNoLongerCountsOpenPRsAsImplemented()
    }
    override func testTwoConcurrentRunsBothLand() throws { try super.testTwoConcurrentRunsBothLand() }
    override func testEightClustersAndTwoRunsOfOneAtOnceLoseNothing() throws { try super.testEightClustersAndTwoRunsOfOneAtOnceLoseNothing() }
    override func testARunKilledMidwayLeavesTheLedgerAsItWas() throws { try super.testARunKilledMidwayLeavesTheLedgerAsItWas() }
    override func testIncidentsOpenResolveAndReopenAcrossRuns() throws { try super.testIncidentsOpenResolveAndReopenAcrossRuns() }
    override func testTheMixinsAlertsAsIncidentsInTheLedger() throws { try super.testTheMixinsAlertsAsIncidentsInTheLedger() }
    override func testCSVExportQuotesAndDefusesFormulas() throws { try super.testCSVExportQuotesAndDefusesFormulas() }
    override func testAStreamOfNoClusterRecordsNothing() throws { try super.testAStreamOfNoClusterRecordsNothing() }
    override func testAMalformedLineIsReportedAndTheRestRecorded() throws { try super.testAMalformedLineIsReportedAndTheRestRecorded() }

    func testEveryLedgerAndSlackTestRunsOnPostgreSQL() throws {
        func tests(_ file: String, _ pattern: String) throws -> Set<String> {
            let text = try String(contentsOf: repositoryRoot.appendingPathComponent("Tests/PipelineTests/\(file)"), encoding: .utf8)
            let regex = try NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines])
            return Set(regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { match in
                Range(match.range(at: 1), in: text).map { String(text[$0]) }
            })
        }
        for (suite, again) in [("LedgerTests.swift", "LedgerPostgresTests.swift"), ("SlackApprovalTests.swift", "SlackApprovalPostgresTests.swift")] {
            let declared = try tests(suite, #"^    func (test\w+)\("#)
            XCTAssertFalse(declared.isEmpty)
            XCTAssertEqual(try tests(again, #"^    override func (test\w+)\("#), declared, again)
        }
    }

    // MARK: PostgreSQL's own

    /// Runs of different clusters do not wait for each other; a run of a cluster another holds waits for
    /// it. The test holds cluster fleet-0's lock (what a run of fleet-0 holds) from its own connection.
    func testARunWaitsOnlyForRunsOfItsOwnClusters() throws {
        let scratch = try makeScratchDirectory(self)
        let db = try newLedger(scratch)
        XCTAssertEqual(try F.record(db, now: F.t1, F.asCluster("fleet-0", F.demoLines)).status, 0)
        let holder = try PostgresDatabase(url: db)
        try holder.run("SELECT pg_advisory_lock(?, hashtext(?))", [.int(0x4150_4C47), .text("fleet-0")])

        let other = try F.record(db, now: F.t2, F.asCluster("fleet-1", F.demoLines))
        XCTAssertEqual(other.status, 0, "another cluster's run goes through: \(other.stderr)")

        let waiting = try F.startRecord(db, now: F.t2, F.asCluster("fleet-0", F.demoLines), scratch: scratch, name: "fleet-0")
        XCTAssertTrue(try Self.waitForLockWait(db), "the second run of fleet-0 waits for the lock")
        XCTAssertTrue(waiting.isRunning)
        try holder.run("SELECT pg_advisory_unlock(?, hashtext(?))", [.int(0x4150_4C47), .text("fleet-0")])
        waiting.waitUntilExit()
        XCTAssertEqual(waiting.terminationStatus, 0, F.stderr(scratch: scratch, name: "fleet-0"))
        XCTAssertEqual(try holder.rows("SELECT COUNT(*) AS n FROM runs").first?["n"].int, 3)
    }

    /// Killed while inside its transaction (held there by a table lock the test takes, after the run has
    /// written its findings and transitions and before it numbers the run), a run leaves nothing behind.
    func testARunKilledInsideItsTransactionLeavesNothing() throws {
        let scratch = try makeScratchDirectory(self)
        let db = try newLedger(scratch)
        XCTAssertEqual(try F.record(db, now: F.t1, F.demoLines).status, 0)
        let before = try Tool.run("ledger", ["export", "--db", db]).stdout

        let holder = try PostgresDatabase(url: db)
        try holder.execute("BEGIN")
        try holder.execute("LOCK TABLE runs IN EXCLUSIVE MODE")
        let run = try F.startRecord(db, now: F.t2, F.run2Lines(try F.picks(try F.records(F.demoLines, kind: "finding"))),
                                    scratch: scratch, name: "run2")
        XCTAssertTrue(try Self.waitForLockWait(db), "the run reaches the runs table")
        kill(run.processIdentifier, SIGKILL)
        run.waitUntilExit()
        try holder.execute("ROLLBACK")
        XCTAssertEqual(try Tool.run("ledger", ["export", "--db", db]).stdout, before)
        XCTAssertEqual(try holder.rows("SELECT COUNT(*) AS n FROM runs").first?["n"].int, 1)
    }

    /// A password from a file (a mounted Secret) for a URL without one; a wrong one and a server that does
    /// not answer are each one clear line, exit 69, and a URL libpq cannot parse exit 64, never with the password.
    func testThePasswordComesFromAFileAndAWrongOneIsOneLine() throws {
        let scratch = try makeScratchDirectory(self)
        let server = try Self.sharedServer()
        let db = try newLedger(scratch)
        let name = String(db.split(separator: "/").last!)
        let bare = server.withoutPassword(db)
        let file = scratch.appendingPathComponent("pw")
        try (PostgresServer.password + "\n").write(to: file, atomically: true, encoding: .utf8)
        let run = try Tool.run("ledger", ["record", "--db", bare, "--db-password-file", file.path, "--now", F.t1],
                               stdin: F.demoLines.joined(separator: "\n") + "\n")
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stderr, "")

        try "not-the-password\n".write(to: file, atomically: true, encoding: .utf8)
        let wrong = try Tool.run("ledger", ["export", "--db", bare, "--db-password-file", file.path])
        XCTAssertEqual(wrong.status, 69, wrong.stderr)
        XCTAssertEqual(wrong.errorLines.count, 1, wrong.stderr)
        XCTAssertTrue(wrong.stderr.hasPrefix("ledger: error: \(bare): cannot connect:"), wrong.stderr)
        XCTAssertFalse(wrong.stderr.contains("not-the-password"))

        let leaked = try Tool.run("ledger", ["export", "--db", server.url(name).replacingOccurrences(of: PostgresServer.password, with: "wrong-secret")])
        XCTAssertEqual(leaked.status, 69)
        XCTAssertFalse(leaked.stderr.contains("wrong-secret"), "a password in the URL is never printed: \(leaked.stderr)")
        // libpq quotes what it cannot parse (here the password's bad percent escape): not through us.
        let unparsable = try Tool.run("ledger", ["record", "--db", "postgresql://autopilot:p%zzsecret@127.0.0.1:\(server.port)/\(name)"],
                                      stdin: "")
        XCTAssertEqual(unparsable.status, 64, unparsable.stderr)
        XCTAssertEqual(unparsable.errorLines.count, 1, unparsable.stderr)
        XCTAssertFalse(unparsable.stderr.contains("zzsecret"), unparsable.stderr)
        XCTAssertTrue(unparsable.stderr.contains("not a PostgreSQL connection URL"), unparsable.stderr)
        // libpq splits at the first @ and /: a password holding one would reach its messages as a host or port.
        for url in ["postgresql://autopilot:pa@ss-secret@127.0.0.1:\(server.port)/\(name)", "postgresql://autopilot:pa/ss-secret@127.0.0.1/\(name)"] {
            let split = try Tool.run("ledger", ["export", "--db", url])
            XCTAssertEqual(split.status, 64, split.stderr)
            XCTAssertFalse(split.stderr.contains("ss-secret") || split.stderr.contains(":pa"), split.stderr)
        }
        let refusing = try RefusingPort(self)
        let down = try Tool.run("ledger", ["approve", "f-1", "--by", "alice", "--db", "postgresql://autopilot@127.0.0.1:\(refusing.port)/ledger"])
        XCTAssertEqual(down.status, 69, down.stderr)
        XCTAssertEqual(down.errorLines.count, 1, down.stderr)
        XCTAssertTrue(down.stderr.hasPrefix("ledger: error: postgresql://autopilot@127.0.0.1:\(refusing.port)/ledger: cannot connect:"), down.stderr)
    }

    /// A bastion's SQLite ledger with three weeks of history, incidents and Slack state moved to PostgreSQL:
    /// every table's rows come across, both export the same bytes and give the same report bytes, and the
    /// next run on each leaves the same ledger (run numbers go on). A second migration into it is refused.
    func testASQLiteLedgerMovedToPostgreSQLGivesTheSameReport() throws {
        let scratch = try makeScratchDirectory(self)
        let sqlite = scratch.appendingPathComponent("bastion.db").path
        let postgres = try newLedger(scratch)
        let (run3, picks) = try F.runDemoWeeks(db: sqlite)
        XCTAssertEqual(run3.status, 0)
        XCTAssertEqual(try F.record(sqlite, now: "2026-12-05T12:00:00Z", try F.incidentStream("memory-leak-oom")).status, 0)
        do {
            let store = try LedgerStore(at: sqlite)
            XCTAssertTrue(try store.rememberSignature("v0=abc", at: try XCTUnwrap(RFC3339.date(F.t3)), keep: 86_400 * 365))
            try store.db.run("""
                INSERT INTO slack_messages (finding_id, channel, ts, lifecycle_start, posted_at, updated_at) VALUES (?, 'C1', '1700000000.000100', ?, ?, ?)
                """, [.text(picks.id(picks.cpuApproved)), .text(F.t1), .text(F.t1), .text(F.t2)])
        }

        let migrate = try Tool.run("ledger", ["migrate", "--from", "sqlite:" + sqlite, "--to", postgres, "--summary"])
        XCTAssertEqual(migrate.status, 0, migrate.stderr)
        XCTAssertEqual(migrate.errorLines.count, 1, migrate.stderr)
        XCTAssertTrue(migrate.stderr.contains("1 slack_signatures") && migrate.stderr.contains("1 incidents"), migrate.stderr)
        XCTAssertFalse(migrate.stderr.contains(PostgresServer.password))

        let source = try SQLiteDatabase(path: sqlite)
        let target = try PostgresDatabase(url: postgres)
        for table in LedgerMigration.tables {
            let count = "SELECT COUNT(*) AS n FROM \(table)"
            XCTAssertEqual(try target.rows(count).first?["n"].int, try source.rows(count).first?["n"].int, table)
        }
        XCTAssertGreaterThan(try source.rows("SELECT COUNT(*) AS n FROM runs").first?["n"].int ?? 0, 3)
        let schema = try target.rows("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")
        XCTAssertEqual(Set(schema.compactMap { $0["table_name"].string }).subtracting(["autopilot_schema"]), Set(LedgerMigration.tables),
                       "the migration copies every table of the schema")

        func exported(_ db: String) throws -> String {
            let export = try Tool.run("ledger", ["export", "--db", db])
            XCTAssertEqual(export.status, 0, export.stderr)
            return export.stdout
        }
        func report(_ db: String, _ name: String) throws -> [String: Data] {
            let out = scratch.appendingPathComponent(name)
            let result = try Tool.run("render-report", ["--out", out.path, "--now", F.t3], stdin: try exported(db))
            XCTAssertEqual(result.status, 0, result.stderr)
            return try Dictionary(uniqueKeysWithValues: ["report.html", "report.md", "report.json"].map {
                ($0, try Data(contentsOf: out.appendingPathComponent($0)))
            })
        }
        XCTAssertEqual(try exported(postgres), try exported(sqlite))
        XCTAssertEqual(try report(postgres, "from-postgres"), try report(sqlite, "from-sqlite"), "the same report bytes")
        XCTAssertEqual(try Tool.run("ledger", ["incidents", "--db", postgres]).stdout, try Tool.run("ledger", ["incidents", "--db", sqlite]).stdout)

        let next = try F.run3Lines(picks)
        XCTAssertEqual(try F.record(sqlite, now: "2026-12-11T12:00:00Z", next).status, 0)
        XCTAssertEqual(try F.record(postgres, now: "2026-12-11T12:00:00Z", next).status, 0)
        XCTAssertEqual(try exported(postgres), try exported(sqlite), "the next run numbers on from the copied runs")

        let again = try Tool.run("ledger", ["migrate", "--from", sqlite, "--to", postgres])
        XCTAssertEqual(again.status, 73, again.stderr)
        XCTAssertEqual(again.errorLines.count, 1, again.stderr)
        XCTAssertTrue(again.stderr.contains("migrate into an empty ledger"), again.stderr)
        XCTAssertEqual(try Tool.run("ledger", ["migrate", "--from", scratch.appendingPathComponent("none.db").path, "--to", postgres]).status, 64)
    }

    /// autopilot-doctor's ledger check for a fleet's PostgreSQL: reachable with the password file (schema
    /// current once a run migrated it), or the failure named with its fix; the password is never shown.
    func testTheDoctorChecksASharedLedger() throws {
        let scratch = try makeScratchDirectory(self)
        let server = try Self.sharedServer()
        let db = try newLedger(scratch)
        let bare = server.withoutPassword(db)
        let password = scratch.appendingPathComponent("pg-password")
        try (PostgresServer.password + "\n").write(to: password, atomically: true, encoding: .utf8)
        func check(_ ledger: String) throws -> DoctorCheck {
            let config = try SiteConfig.parse(Array("""
                output: \(scratch.path)/out
                ledger: "\(ledger)"
                ledgerPasswordFile: \(password.path)
                clusters:
                  - name: a
                    context: a
                    prometheus: {url: "http://127.0.0.1:9"}

                """.utf8), path: scratch.appendingPathComponent("autopilot.yaml").path)
            return try XCTUnwrap(Doctor(config: config).local().first { $0.name == "ledger" })
        }
        let fresh = try check(bare)
        XCTAssertEqual(fresh.outcome, .ok, fresh.detail)
        XCTAssertTrue(fresh.detail.hasSuffix("answers (schema 0; the next run migrates it to \(LedgerStore.currentVersion))"), fresh.detail)
        XCTAssertEqual(try F.record(db, now: F.t1, F.demoLines).status, 0)
        XCTAssertEqual(try check(bare).detail, "\(bare) answers (schema \(LedgerStore.currentVersion), current)")

        try "wrong\n".write(to: password, atomically: true, encoding: .utf8)
        let wrong = try check(bare)
        XCTAssertEqual(wrong.outcome, .fail)
        XCTAssertTrue(wrong.detail.contains("password authentication failed"), wrong.detail)
        XCTAssertTrue(wrong.fix?.contains("ledgerPasswordFile") == true)
        XCTAssertFalse(wrong.detail.contains("wrong"))
    }

    /// TLS as libpq's sslmode says: verify-full against the server's CA records a run over TLS; verify-full
    /// without that CA is refused (exit 69), and nothing is recorded.
    func testTLSIsVerifiedAsSslmodeSays() throws {
        let scratch = try makeScratchDirectory(self)
        let server = try Self.sharedServer()
        let db = try newLedger(scratch)
        let verified = db + "?sslmode=verify-full&sslrootcert=" + server.caFile.path
        let run = try F.record(verified, now: F.t1, F.demoLines)
        XCTAssertEqual(run.status, 0, run.stderr)
        let session = try PostgresDatabase(url: verified)
        XCTAssertEqual(try session.rows("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").first?["ssl"].int, 1, "over TLS")

        let otherCA = scratch.appendingPathComponent("other-ca.crt")
        let made = try PrometheusServer.run("/bin/bash", ["-c", "openssl req -x509 -newkey rsa:2048 -nodes -keyout /dev/null -out '\(otherCA.path)' -days 1 -subj /CN=other 2>/dev/null"])
        XCTAssertEqual(made.status, 0, made.output)
        let untrusted = try Tool.run("ledger", ["export", "--db", db + "?sslmode=verify-full&sslrootcert=" + otherCA.path])
        XCTAssertEqual(untrusted.status, 69, untrusted.stderr)
        XCTAssertEqual(untrusted.errorLines.count, 1, untrusted.stderr)
        XCTAssertTrue(untrusted.stderr.contains("certificate verify failed"), untrusted.stderr)
        XCTAssertFalse(untrusted.stderr.contains(PostgresServer.password))
    }

    /// True once some session of the database waits on a lock (within 20 s). Asked on a connection of its
    /// own: inside a transaction, pg_stat_activity answers from one snapshot.
    static func waitForLockWait(_ url: String) throws -> Bool {
        let db = try PostgresDatabase(url: url)
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let waiting = try db.rows("""
                SELECT COUNT(*) AS n FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'
                """).first?["n"].int ?? 0
            if waiting > 0 { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }
}
