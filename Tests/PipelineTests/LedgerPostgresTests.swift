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
}
