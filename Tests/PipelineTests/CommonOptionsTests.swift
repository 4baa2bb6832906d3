import Foundation
import XCTest

/// The options every tool spells the same way behave the same way in every tool: `--now` is checked by one
/// parser, every filter is quiet on success and says one line with `--summary`, `--strict` stops at the
/// first malformed line, and `--prices` / `--spot-discount` are read before any input.
final class CommonOptionsTests: XCTestCase {
    /// Tools whose run is a plain filter over the demo's collected stream, with the arguments they need.
    private func filters(_ scratch: URL) -> [(tool: String, arguments: [String])] {
        [("detect-waste", []), ("detect-incidents", []), ("score-risk", []), ("build-evidence", ["--out", scratch.path + "/evidence"]),
         ("ledger", ["record", "--db", scratch.path + "/ledger.db"]), ("render-report", ["--out", scratch.path + "/report"]),
         ("render-site", ["--out", scratch.path + "/site"])]
    }

    func testANowThatIsNoTimeIsAUsageErrorInEveryTool() throws {
        let scratch = try makeScratchDirectory(self)
        var tools = filters(scratch).filter { $0.tool != "build-evidence" }
        tools += [("collect-metrics", ["--from", "fixtures/demo/prometheus", "--end"]), ("emit-pr", ["--repo", scratch.path]),
                  ("notify-slack", ["--dry-run"]), ("ledger", ["approve", "f-1", "--by", "me", "--db", scratch.path + "/ledger.db"])]
        for (tool, arguments) in tools {
            let now = arguments.last == "--end" ? ["yesterday"] : ["--now", "yesterday"]
            let result = try Tool.run(tool, arguments + now, stdin: "")
            XCTAssertEqual(result.status, 64, "\(tool): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("'yesterday'") && result.stderr.contains(arguments.last == "--end" ? "--end" : "--now"),
                          "\(tool) names the option and the value: \(result.stderr)")
            XCTAssertEqual(result.stdout, "", "\(tool): nothing read, nothing written")
        }
        // Unix seconds are a time too.
        XCTAssertEqual(try Tool.run("score-risk", ["--now", "1763640000"], stdin: "").status, 0)
    }

    func testEveryFilterIsQuietOnSuccessAndSaysOneLineWithSummary() throws {
        let scratch = try makeScratchDirectory(self)
        let input = DetectWasteDemoTests.demoInput
        for (tool, arguments) in filters(scratch) {
            let quiet = try Tool.run(tool, arguments, stdin: input)
            XCTAssertEqual(quiet.status, 0, "\(tool): \(quiet.stderr)")
            XCTAssertEqual(quiet.stderr, "", "\(tool) is quiet on success")
            let told = try Tool.run(tool, arguments + ["--summary"], stdin: input)
            XCTAssertEqual(told.status, 0, "\(tool): \(told.stderr)")
            XCTAssertEqual(told.errorLines.count, 1, "\(tool): one line: \(told.stderr)")
            XCTAssertTrue(told.stderr.hasPrefix(tool + ": "), "\(tool) names itself: \(told.stderr)")
        }
        // Cron lines written when detect-waste and detect-incidents printed their summary unless told --quiet.
        for tool in ["detect-waste", "detect-incidents"] {
            let old = try Tool.run(tool, ["--quiet"], stdin: input)
            XCTAssertEqual(old.status, 0, old.stderr)
            XCTAssertEqual(old.stderr, "")
        }
    }

    func testStrictStopsEveryFilterAtTheFirstMalformedLine() throws {
        let scratch = try makeScratchDirectory(self)
        for (tool, arguments) in filters(scratch) {
            let result = try Tool.run(tool, arguments + ["--strict"], stdin: "not json\n" + DetectWasteDemoTests.demoInput)
            XCTAssertEqual(result.status, 65, "\(tool): \(result.stderr)")
            XCTAssertTrue(result.errorLines.first?.hasPrefix("\(tool): <stdin>:1:") == true, "\(tool): \(result.stderr)")
        }
    }

    func testPricesAndSpotDiscountAreCheckedBeforeAnyInput() throws {
        let scratch = try makeScratchDirectory(self)
        let prices = scratch.appendingPathComponent("prices.csv")
        try "not,a,price\n".write(to: prices, atomically: true, encoding: .utf8)
        for (tool, arguments) in filters(scratch) where tool != "score-risk" {
            let badPrices = try Tool.run(tool, arguments + ["--prices", prices.path], stdin: DetectWasteDemoTests.demoInput)
            XCTAssertEqual(badPrices.status, 64, "\(tool): \(badPrices.stderr)")
            XCTAssertTrue(badPrices.stderr.contains("--prices"), "\(tool): \(badPrices.stderr)")
            XCTAssertEqual(badPrices.stdout, "", "\(tool): no record before the options are good")
            let badDiscount = try Tool.run(tool, arguments + ["--spot-discount", "1.5"], stdin: "")
            XCTAssertEqual(badDiscount.status, 64, "\(tool): \(badDiscount.stderr)")
            XCTAssertTrue(badDiscount.stderr.contains("--spot-discount must be between 0 and 1"), "\(tool): \(badDiscount.stderr)")
        }
    }
}
