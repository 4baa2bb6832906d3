import Foundation
import XCTest
@testable import AutopilotKit

/// emit-pr's branch names: valid refs by git's own check whatever the names hold, unchanged for ordinary
/// names, and never one branch for two different names.
final class BranchNameTests: XCTestCase {
    func testEveryNameMakesAValidRefAndDistinctNamesStayDistinct() throws {
        let keys = ["checkout/web", "a..b/c", "x.lock/y", ".hidden/z", "ns/trailing.", "ns/@{now}", "ns/back\\slash", "ns/sp ace",
                    "ns/colon:tilde~caret^", "ns/star*?[", "ns/new\nline", "ns/ünïcødé", "ns/a.b", "ns/a-b", "ns/a_b", "ns/..", "ns/.",
                    "ns/a.lock.lock", "ns/-"]
        var seen: [String: String] = [:]
        for key in keys {
            for cluster in ["demo", "Prod.EU", "c..d", "", "x.lock"] {
                let branch = EmitPRFilter.branchName(key, cluster: cluster)
                let check = Process()
                check.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                check.arguments = ["git", "check-ref-format", "refs/heads/" + branch]
                try check.run()
                check.waitUntilExit()
                XCTAssertEqual(check.terminationStatus, 0, "\(cluster) \(key) → \(branch)")
                let name = "\(cluster)|\(key)"
                if let other = seen[branch] { XCTFail("\(name) and \(other) share \(branch)") }
                seen[branch] = name
            }
        }
        XCTAssertEqual(EmitPRFilter.branchName("checkout/checkout-web", cluster: "demo"), "autopilot/demo/checkout/checkout-web")
        XCTAssertEqual(EmitPRFilter.branchName("f-3c1842adac7ecbad", cluster: "prod-us.eks"), "autopilot/prod-us.eks/f-3c1842adac7ecbad")
    }

    func testPullRequestTitleAndCommitMessageKeepNamesOnOneLine() throws {
        let finding = try FindingRecord.test(#"{"kind":"finding","cluster":"c\nSigned-off-by: M <m@x>","id":"f-1","detector":"over-requested-cpu","namespace":"ns\r\nX: y","target":{"kind":"Deployment","name":"web\u2028Z"},"summary":"s","monthlySavings":1,"monthlyCost":{"current":2,"recommended":1},"confidence":0.5}"#)
        let text = PullRequestText(findings: [finding], edits: [AppliedEdit(findingId: "f-1", path: "a\nb.yaml", line: 3, field: "cpu\nSigned-off-by: M", from: "1", to: "2\nX")],
                                   notes: [], evidenceBaseURL: nil)
        XCTAssertFalse(text.title.contains(where: \.isNewline), text.title)
        let lines = text.commitMessage.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.count, 6, text.commitMessage)
        XCTAssertFalse(lines.contains { $0.hasPrefix("Signed-off-by") || $0.hasPrefix("X:") }, text.commitMessage)
    }

    /// The reviewer reads the backtest and the caveats in the PR itself: a heap flag that must move with
    /// the request is named there, with where it lives.
    func testThePullRequestBodyCarriesEachFindingsBacktestAndNotes() throws {
        let finding = try FindingRecord.test("""
            {"kind":"finding","cluster":"c","id":"f-2","detector":"over-requested-memory","namespace":"shop",
             "target":{"kind":"Deployment","name":"orders","container":"app"},
             "summary":"Lower the memory request","monthlySavings":1,"monthlyCost":{"current":2,"recommended":1},"confidence":0.9,
             "notes":["runtime floor: JVM heap 1Gi (-Xmx1g, env JAVA_OPTS) + 256Mi overhead = 1.25Gi; going lower needs the heap flag"],
             "backtest":{"resource":"memory","request":1342177280,"limit":2147483648,"steps":2016,"maxWorkingSet":314572800,
                         "stepsAbove":0,"oomKills":0}}
            """)
        let body = PullRequestText(findings: [finding], edits: [], notes: [], evidenceBaseURL: nil).body
        XCTAssertTrue(body.contains("### Backtest and caveats\n- `f-2`:\n  - Memory: no step of the window above 1.25Gi "
            + "(peak working set 300Mi); 1748Mi below the limit 2Gi."), body)
        XCTAssertTrue(body.contains("  - runtime floor: JVM heap 1Gi (-Xmx1g, env JAVA_OPTS)"), body)
    }
}
