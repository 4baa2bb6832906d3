import AutopilotKit
import Foundation
import XCTest

/// Every LedgerTests test again, on a real PostgreSQL server (one for the class, a new database per test).
final class LedgerPostgresTests: LedgerTests {
    nonisolated(unsafe) static var server: PostgresServer?

    static func sharedServer() throws -> PostgresServer {
        if let server { return server }
        let started = try PostgresServer()
        server = started
        return started
    }

    override class func tearDown() {
        server?.stop()
        server = nil
        super.tearDown()
    }

    override func newLedger(_ scratch: URL, _ name: String = "ledger") throws -> String {
        try Self.sharedServer().newDatabase()
    }

    override func rawDatabase(_ location: String) throws -> any SQLDatabase {
        try PostgresDatabase(url: location)
    }

    // Linux's XCTest finds only the tests a class declares itself: each LedgerTests test is named again here
    // (testEveryLedgerTestRunsOnPostgreSQL keeps the two lists equal).
    override func testAFindingsLifeAcrossThreeWeeklyRuns() throws { try super.testAFindingsLifeAcrossThreeWeeklyRuns() }
    override func testAMergedChangeIsNotedOnceAndReportedAsMerged() throws { try super.testAMergedChangeIsNotedOnceAndReportedAsMerged() }
    override func testAVersionOneFileIsMigratedAndKeepsItsRows() throws { try super.testAVersionOneFileIsMigratedAndKeepsItsRows() }
    override func testTwoConcurrentRunsBothLand() throws { try super.testTwoConcurrentRunsBothLand() }
    override func testEightClustersAndTwoRunsOfOneAtOnceLoseNothing() throws { try super.testEightClustersAndTwoRunsOfOneAtOnceLoseNothing() }
    override func testARunKilledMidwayLeavesTheLedgerAsItWas() throws { try super.testARunKilledMidwayLeavesTheLedgerAsItWas() }
    override func testCSVExportQuotesAndDefusesFormulas() throws { try super.testCSVExportQuotesAndDefusesFormulas() }
    override func testAMalformedLineIsReportedAndTheRestRecorded() throws { try super.testAMalformedLineIsReportedAndTheRestRecorded() }

    func testEveryLedgerTestRunsOnPostgreSQL() throws {
        func tests(_ file: String, _ pattern: String) throws -> Set<String> {
            let text = try String(contentsOf: repositoryRoot.appendingPathComponent("Tests/PipelineTests/\(file)"), encoding: .utf8)
            let regex = try NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines])
            return Set(regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { match in
                Range(match.range(at: 1), in: text).map { String(text[$0]) }
            })
        }
        let declared = try tests("LedgerTests.swift", #"^    func (test\w+)\(\) throws"#)
        XCTAssertFalse(declared.isEmpty)
        XCTAssertEqual(try tests("LedgerPostgresTests.swift", #"^    override func (test\w+)\(\) throws"#), declared)
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

        let input = scratch.appendingPathComponent("fleet-0.ndjson")
        try Data((F.asCluster("fleet-0", F.demoLines).joined(separator: "\n") + "\n").utf8).write(to: input)
        let waiting = Process()
        waiting.executableURL = Tool.binDirectory.appendingPathComponent("ledger")
        waiting.arguments = ["record", "--db", db, "--now", F.t2]
        waiting.standardInput = try FileHandle(forReadingFrom: input)
        waiting.standardOutput = FileHandle.nullDevice
        try waiting.run()
        XCTAssertTrue(try Self.waitForLockWait(db), "the second run of fleet-0 waits for the lock")
        XCTAssertTrue(waiting.isRunning)
        try holder.run("SELECT pg_advisory_unlock(?, hashtext(?))", [.int(0x4150_4C47), .text("fleet-0")])
        waiting.waitUntilExit()
        XCTAssertEqual(waiting.terminationStatus, 0)
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
        let input = scratch.appendingPathComponent("run2.ndjson")
        try Data((F.run2Lines(try F.picks(try F.records(F.demoLines, kind: "finding"))).joined(separator: "\n") + "\n").utf8).write(to: input)
        let run = Process()
        run.executableURL = Tool.binDirectory.appendingPathComponent("ledger")
        run.arguments = ["record", "--db", db, "--now", F.t2]
        run.standardInput = try FileHandle(forReadingFrom: input)
        run.standardOutput = FileHandle.nullDevice
        try run.run()
        XCTAssertTrue(try Self.waitForLockWait(db), "the run reaches the runs table")
        kill(run.processIdentifier, SIGKILL)
        run.waitUntilExit()
        try holder.execute("ROLLBACK")
        XCTAssertEqual(try Tool.run("ledger", ["export", "--db", db]).stdout, before)
        XCTAssertEqual(try holder.rows("SELECT COUNT(*) AS n FROM runs").first?["n"].int, 1)
    }

    /// A password from a file (a mounted Secret) for a URL without one; a wrong one is one clear line, exit 74.
    func testThePasswordComesFromAFileAndAWrongOneIsOneLine() throws {
        let scratch = try makeScratchDirectory(self)
        let server = try Self.sharedServer()
        let db = try newLedger(scratch)
        let name = String(db.split(separator: "/").last!)
        let bare = server.url(name, password: false)
        let file = scratch.appendingPathComponent("pw")
        try (PostgresServer.password + "\n").write(to: file, atomically: true, encoding: .utf8)
        let run = try Tool.run("ledger", ["record", "--db", bare, "--db-password-file", file.path, "--now", F.t1],
                               stdin: F.demoLines.joined(separator: "\n") + "\n")
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stderr, "")

        try "not-the-password\n".write(to: file, atomically: true, encoding: .utf8)
        let wrong = try Tool.run("ledger", ["export", "--db", bare, "--db-password-file", file.path])
        XCTAssertEqual(wrong.status, 74, wrong.stderr)
        XCTAssertEqual(wrong.errorLines.count, 1, wrong.stderr)
        XCTAssertTrue(wrong.stderr.hasPrefix("ledger: error: \(bare): cannot connect:"), wrong.stderr)
        XCTAssertFalse(wrong.stderr.contains("not-the-password"))

        let leaked = try Tool.run("ledger", ["export", "--db", server.url(name).replacingOccurrences(of: PostgresServer.password, with: "wrong-secret")])
        XCTAssertEqual(leaked.status, 74)
        XCTAssertFalse(leaked.stderr.contains("wrong-secret"), "a password in the URL is never printed: \(leaked.stderr)")
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
