import Foundation
import XCTest

/// score-risk over the demo (golden risk scores, gates a platform team would expect) and on bad input.
final class ScoreRiskTests: XCTestCase {
    /// collect-cluster | collect-metrics | detect-waste over the demo, once for the class.
    static let wasteStream: String = {
        let input = DetectWasteDemoTests.demoInput
        let result = try! Tool.run("detect-waste", ["--quiet"], stdin: input)
        precondition(result.status == 0, result.stderr)
        return result.stdout
    }()

    func testDemoRiskMatchesTheGoldenFileByteForByte() throws {
        let result = try Tool.run("score-risk", [], stdin: Self.wasteStream)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "", "quiet on success")
        let findings = result.lines.filter { $0.hasPrefix(#"{"kind":"finding""#) }
        let golden = try String(contentsOf: repositoryRoot.appendingPathComponent("fixtures/demo/risk.golden.ndjson"), encoding: .utf8)
        XCTAssertEqual(findings.joined(separator: "\n") + "\n", golden,
                       "risk changed: review, then run pipelines/update-golden.sh and commit the diff")
        // Everything that is not a finding is forwarded unchanged and in order.
        let others = Self.wasteStream.split(separator: "\n").filter { !$0.hasPrefix(#"{"kind":"finding""#) }.map(String.init)
        XCTAssertEqual(result.lines.filter { !$0.hasPrefix(#"{"kind":"finding""#) }, others)
        XCTAssertEqual(findings.count, 48)
    }

    func testDemoGatesAndFactors() throws {
        let result = try Tool.run("score-risk", ["--summary"], stdin: Self.wasteStream)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.hasPrefix("score-risk: 48 findings scored: "), result.stderr)
        let findings = try decodeRecords(result.lines.filter { $0.hasPrefix(#"{"kind":"finding""#) })
        func risk(_ detector: String, _ name: String) throws -> [String: Any] {
            let finding = try XCTUnwrap(findings.first {
                $0["detector"] as? String == detector && ($0["target"] as! [String: Any])["name"] as? String == name
            }, "\(detector) \(name)")
            return finding["risk"] as! [String: Any]
        }
        for finding in findings {
            let risk = try XCTUnwrap(finding["risk"] as? [String: Any])
            XCTAssertTrue(["auto", "approve", "block"].contains(risk["gate"] as! String))
            // The overall is the weighted sum of the factor scores shown, to two decimals.
            func score(_ name: String) -> Double { (risk[name] as! [String: Any])["score"] as! Double }
            let uncertainty = ((1 - (risk["confidence"] as! Double)) * 100).rounded() / 100
            let sum = 0.25 * score("blastRadius") + 0.25 * score("latencyImpact") + 0.2 * score("dependencyRisk")
                + 0.2 * score("sloImpact") + 0.1 * uncertainty
            XCTAssertEqual(risk["overall"] as! Double, (sum * 100).rounded() / 100, accuracy: 1e-9, "\(finding["id"]!)")
        }
        // The idle node's drain is blocked by a bare do-not-disrupt pod.
        let idle = try risk("idle-node", "ip-10-0-70-18.ec2.internal")
        XCTAssertEqual(idle["gate"] as? String, "block")
        XCTAssertTrue((idle["reasons"] as! [String]).contains { $0.contains("gate block: the drain is blocked") })
        // kube-system is protected: a human approves.
        XCTAssertEqual(try risk("over-requested-cpu", "coredns")["gate"] as? String, "approve")
        // redis: a single-replica StatefulSet behind a Service.
        let redis = try risk("over-requested-cpu", "redis")
        XCTAssertEqual(redis["gate"] as? String, "approve")
        let dependency = redis["dependencyRisk"] as! [String: Any]
        XCTAssertEqual(dependency["statefulSet"] as? Bool, true)
        XCTAssertEqual(dependency["singleReplica"] as? Bool, true)
        // Deleting a volume is irreversible: always a human.
        XCTAssertEqual(try risk("orphan-volume", "pvc-b9819e03-e841-5aeb-8e36-aaeb4e3ccc17")["gate"] as? String, "approve")
        // search-api 1.5 → 210m is an 86% cut: the first step is 750m, and savings are the step's.
        let searchAPI = try XCTUnwrap(findings.first {
            $0["detector"] as? String == "over-requested-cpu" && ($0["target"] as! [String: Any])["name"] as? String == "search-api"
        })
        XCTAssertEqual((searchAPI["recommended"] as! [String: Any])["cpu"] as? Double, 0.75)
        let step = (searchAPI["risk"] as! [String: Any])["step"] as! [String: Any]
        XCTAssertEqual(step["target"] as? Double, 0.21)
        XCTAssertEqual(step["to"] as? Double, 0.75)
        XCTAssertTrue((searchAPI["summary"] as! String).contains("first step 750m (at most 50% per change)"))
        // The fraud-scorer fix is a reliability change: its SLO factor counts the OOM kills.
        let scorer = try risk("under-provisioned-memory", "fraud-scorer")
        XCTAssertEqual((scorer["sloImpact"] as! [String: Any])["warningEvents"] as? [String], ["OOMKilled"])
    }

    /// The policy example of score-risk's reference page (docs/tools/score-risk.md, linked from the README)
    /// spells out the defaults: it parses and changes nothing.
    func testTheDocumentedPolicyExampleIsTheDefaults() throws {
        let readme = try String(contentsOf: repositoryRoot.appendingPathComponent("docs/tools/score-risk.md"), encoding: .utf8)
        let blocks = readme.components(separatedBy: "```yaml\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        let example = try XCTUnwrap(blocks.first { $0.contains("maxReductionPerStep") })
        let scratch = try makeScratchDirectory(self)
        let policy = scratch.appendingPathComponent("policy.yaml")
        try example.write(to: policy, atomically: true, encoding: .utf8)
        let withPolicy = try Tool.run("score-risk", ["--policy", policy.path], stdin: Self.wasteStream)
        XCTAssertEqual(withPolicy.status, 0, withPolicy.stderr)
        XCTAssertEqual(withPolicy.stdout, try Tool.run("score-risk", [], stdin: Self.wasteStream).stdout)
    }

    func testPolicyFileChangesTheGates() throws {
        let scratch = try makeScratchDirectory(self)
        let policy = scratch.appendingPathComponent("policy.yaml")
        try "protectedNamespaces: []\nautoNodeChanges: true\nautoSingleReplica: true\nmaxReductionPerStep: 1\nautoBelow: 0.5\n"
            .write(to: policy, atomically: true, encoding: .utf8)
        let result = try Tool.run("score-risk", ["--policy", policy.path], stdin: Self.wasteStream)
        XCTAssertEqual(result.status, 0, result.stderr)
        let findings = try decodeRecords(result.lines.filter { $0.hasPrefix(#"{"kind":"finding""#) })
        let coredns = try XCTUnwrap(findings.first { ($0["target"] as! [String: Any])["name"] as? String == "coredns" })
        XCTAssertEqual((coredns["risk"] as! [String: Any])["gate"] as? String, "auto")
        // No step limit: the whole reduction at once, savings as detect-waste priced them.
        let searchAPI = try XCTUnwrap(findings.first {
            $0["detector"] as? String == "over-requested-cpu" && ($0["target"] as! [String: Any])["name"] as? String == "search-api"
        })
        XCTAssertEqual((searchAPI["recommended"] as! [String: Any])["cpu"] as? Double, 0.21)
        XCTAssertTrue((searchAPI["risk"] as! [String: Any])["step"] is NSNull)
    }

    func testBadInputAndBadPolicy() throws {
        let lines = Self.wasteStream.split(separator: "\n").map(String.init)
        let input = ([lines[0], "{broken"] + lines[1...]).joined(separator: "\n") + "\n"
        var result = try Tool.run("score-risk", [], stdin: input)
        XCTAssertEqual(result.status, 65)
        XCTAssertTrue(result.stderr.hasPrefix("score-risk: <stdin>:2:"), result.stderr)
        XCTAssertEqual(result.lines.filter { $0.contains(#""risk":{"#) }.count, 48, "the good findings are still scored")

        let scratch = try makeScratchDirectory(self)
        let policy = scratch.appendingPathComponent("policy.yaml")
        try "maxReductionPerStp: 0.3\n".write(to: policy, atomically: true, encoding: .utf8)
        result = try Tool.run("score-risk", ["--policy", policy.path], stdin: Self.wasteStream)
        XCTAssertEqual(result.status, 64)
        XCTAssertTrue(result.stderr.contains("unknown setting 'maxReductionPerStp'"), result.stderr)

        // A finding missing its target is reported and forwarded as it was.
        let odd = #"{"kind":"finding","cluster":"demo","id":"f-1","detector":"over-requested-cpu"}"#
        result = try Tool.run("score-risk", [], stdin: odd + "\n")
        XCTAssertEqual(result.status, 65)
        XCTAssertEqual(result.lines, [odd])
        XCTAssertTrue(result.stderr.contains("finding: missing string field 'target.kind'; forwarded, not used"), result.stderr)
    }
}
