import Foundation
import XCTest

/// `--billing` through the tools, on the demo cluster and its bill (fixtures/billing/generate.py: the m5
/// nodes on a Reserved Instance, the m6i.2xlarge on-demand nodes on a Compute Savings Plan, 5% off
/// on-demand and EBS, spot at its real price, an unused c5 Reserved Instance, an m5 node billed to the
/// cluster until 10 November and gone from it).
final class BillingPipelineTests: XCTestCase {
    static let november = "fixtures/billing/demo/cur2/BILLING_PERIOD=2026-11"

    private func findings(_ arguments: [String]) throws -> (records: [[String: Any]], stderr: String) {
        let result = try Tool.run("detect-waste", ["--summary"] + arguments, stdin: DetectWasteDemoTests.demoInput)
        XCTAssertEqual(result.status, 0, result.stderr)
        return (try decodeRecords(result.lines).filter { $0["kind"] as? String == "finding" }, result.stderr)
    }

    private func finding(_ records: [[String: Any]], _ detector: String, _ target: String) throws -> [String: Any] {
        try XCTUnwrap(records.first { $0["detector"] as? String == detector && ($0["target"] as? [String: Any])?["name"] as? String == target },
                      "\(detector) \(target)")
    }

    private func money(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }

    func testFindingsCarryTheBillsFiguresBesideTheListPrices() throws {
        let plain = try findings([]).records
        let (billed, stderr) = try findings(["--billing", Self.november])
        // The bill adds figures; it changes no recommendation and no list-price figure.
        XCTAssertEqual(billed.map { $0["id"] as? String }, plain.map { $0["id"] as? String })
        XCTAssertEqual(billed.map { money($0["monthlySavings"]) }, plain.map { money($0["monthlySavings"]) })

        // The idle m6i.2xlarge on the Savings Plan: list $0.384 × 730 = $280.32; billed $0.2688 × 730 = $196.22,
        // all realisable: the freed commitment covers on-demand usage the bill shows.
        let idle = try finding(billed, "idle-node", "ip-10-0-70-18.ec2.internal")
        XCTAssertEqual(idle["priceSource"] as? String, "billed")
        XCTAssertEqual(idle["listPriceSource"] as? String, "on-demand")
        XCTAssertEqual(money(idle["monthlySavings"]), 280.32)
        let idleBilled = try XCTUnwrap(idle["billed"] as? [String: Any])
        XCTAssertEqual(money(idleBilled["monthlySavings"]), 196.22)
        XCTAssertEqual(idleBilled["resources"] as? [String], ["i-0bd03b5a44771ca5b"])
        let idleSavings = try XCTUnwrap(idle["billedSavings"] as? [String: Any])
        XCTAssertEqual(money(idleSavings["monthly"]), 196.22)
        XCTAssertTrue((idleSavings["reason"] as? String ?? "").contains("Savings Plan"), "\(idleSavings)")

        // The idle spot node at the bill's spot price, $0.1224 × 730, not the 65% estimate ($86.87).
        let spot = try finding(billed, "idle-node", "ip-10-0-3-250.ec2.internal")
        XCTAssertEqual(money(spot["monthlySavings"]), 86.87)
        XCTAssertEqual(money((spot["billedSavings"] as? [String: Any])?["monthly"]), 89.35)

        // Karpenter runs on the m5 nodes a Reserved Instance pays for, and the bill already shows a Reserved
        // Instance unused: cutting its request saves nothing on the bill until the commitment is re-used.
        let karpenter = try finding(billed, "over-requested-cpu", "karpenter")
        XCTAssertGreaterThan(money(karpenter["monthlySavings"]) ?? 0, 0)
        let karpenterSavings = try XCTUnwrap(karpenter["billedSavings"] as? [String: Any])
        XCTAssertEqual(money(karpenterSavings["monthly"]), 0)
        XCTAssertTrue((karpenterSavings["reason"] as? String ?? "").contains("partly unused"), "\(karpenterSavings)")

        // 100 GiB gp3 at $0.08 less 5%, 720 hours billed, as 730: $7.71.
        let volume = try finding(billed, "orphan-volume", "orders-restore-20261014")
        XCTAssertEqual(money(volume["monthlySavings"]), 8)
        XCTAssertEqual(money((volume["billedSavings"] as? [String: Any])?["monthly"]), 7.71)

        // The realisable total on stderr is the sum of the records' billedSavings, to the cent.
        let realisable = billed.compactMap { money(($0["billedSavings"] as? [String: Any])?["monthly"]) }
            .map { Int64(($0 * 100).rounded()) }.reduce(0, +)
        let dollars = String(format: "$%.2f", Double(realisable) / 100)
        XCTAssertTrue(stderr.contains("realisable per the bill"), stderr)
        XCTAssertTrue(stderr.replacingOccurrences(of: ",", with: "").contains(dollars), "\(stderr) vs \(dollars)")
    }

    /// Real EKS nodes (honeycomb's testdata: m6gd.2xlarge, an arm64 family with local NVMe, in us-east-1 and
    /// us-east-2) are priced: the old table had no us-east-2 and left one of the two without dollars.
    func testRealEKSNodesArePriced() throws {
        let collected = try Tool.run("collect-cluster", ["--from", "fixtures/upstream-objects/honeycombio-honeycomb-kubernetes-agent/testdata/nodes.json",
                                                         "--cluster", "honeycomb"])
        XCTAssertEqual(collected.status, 0, collected.stderr)
        let detected = try Tool.run("detect-waste", [], stdin: collected.stdout)
        XCTAssertEqual(detected.status, 0, detected.stderr)
        XCTAssertFalse(detected.stderr.contains("price table"), detected.stderr)
        XCTAssertFalse(detected.stderr.contains("unknown prices"), detected.stderr)
        let findings = try decodeRecords(detected.lines).filter { $0["kind"] as? String == "finding" }
        XCTAssertFalse(findings.isEmpty)
        XCTAssertFalse(findings.contains { $0["priceSource"] as? String == "unknown" })
    }

    /// The evidence pack prints the bill's arithmetic beside the list one.
    func testTheEvidencePackShowsListAndBilled() throws {
        let scratch = try makeScratchDirectory(self)
        let detected = try Tool.run("detect-waste", ["--billing", Self.november], stdin: DetectWasteDemoTests.demoInput)
        let idle = try finding(try decodeRecords(detected.lines), "idle-node", "ip-10-0-70-18.ec2.internal")["id"] as! String
        let evidence = try Tool.run("build-evidence", ["--out", scratch.path], stdin: detected.stdout)
        XCTAssertEqual(evidence.status, 0, evidence.stderr)
        let html = try String(contentsOfFile: scratch.appendingPathComponent("\(idle)/evidence.html").path, encoding: .utf8)
        XCTAssertTrue(html.contains("$280.32/month saved at list price (on-demand)"), html)
        XCTAssertTrue(html.contains("per the bill: $196.22/month now − $0.00/month after = $196.22/month"), html)
        XCTAssertTrue(html.contains("from instance i-0bd03b5a44771ca5b in the bill: $0.2688/h effective over 720 instance-hours"), html)
        XCTAssertTrue(html.contains("realisable on the bill: $196.22/month"), html)
    }

    /// The same charges as FOCUS give the same findings, byte for byte.
    func testFocusAndCURGiveTheSameFindings() throws {
        let cur = try Tool.run("detect-waste", ["--billing", Self.november], stdin: DetectWasteDemoTests.demoInput)
        let focus = try Tool.run("detect-waste", ["--billing", "fixtures/billing/demo/focus/BILLING_PERIOD=2026-11"],
                                 stdin: DetectWasteDemoTests.demoInput)
        XCTAssertEqual(cur.status, 0, cur.stderr)
        XCTAssertEqual(focus.status, 0, focus.stderr)
        XCTAssertEqual(cur.stdout, focus.stdout)
    }

    func testABadBillingPathIsAUsageErrorNamingTheFile() throws {
        // Named once, with what is wrong.
        let broken = try makeScratchDirectory(self).appendingPathComponent("trail.csv.gz").path
        try Data([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]).write(to: URL(fileURLWithPath: broken))
        let gz = try Tool.run("detect-waste", ["--billing", broken], stdin: "")
        XCTAssertEqual(gz.status, 64, gz.stderr)
        XCTAssertEqual(gz.stderr.components(separatedBy: broken).count, 2, "the path appears once: \(gz.stderr)")
        let scratch = try makeScratchDirectory(self)
        let notABill = scratch.appendingPathComponent("notes.csv").path
        try Data("name,value\nfoo,1\n".utf8).write(to: URL(fileURLWithPath: notABill))
        for path in [notABill, scratch.appendingPathComponent("missing").path, "fixtures/billing/demo"] {
            let result = try Tool.run("detect-waste", ["--billing", path], stdin: DetectWasteDemoTests.demoInput)
            XCTAssertEqual(result.status, 64, result.stderr)
            XCTAssertEqual(result.errorLines.count, 1 + result.errorLines.filter { $0.hasPrefix("Usage:") || $0.hasPrefix("  See") }.count,
                           result.stderr)
            XCTAssertTrue(result.stderr.contains("--billing"), result.stderr)
            XCTAssertTrue(result.stderr.contains(path), result.stderr)
            XCTAssertTrue(result.stdout.isEmpty, "nothing is half-written")
        }
    }

    /// A line whose number cannot be read is skipped and said, naming the file and line; the rest prices.
    func testAnUnreadableLineIsSkippedAndTheRestUsed() throws {
        let scratch = try makeScratchDirectory(self)
        let source = repositoryRoot.appendingPathComponent("fixtures/billing/demo/focus/BILLING_PERIOD=2026-11/demo-focus-00001.csv")
        var lines = try String(contentsOf: source, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // The second line's EffectiveCost (column 23) made unreadable.
        var cells = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        cells[22] = "n/a"
        lines[1] = cells.joined(separator: ",")
        let bill = scratch.appendingPathComponent("bill.csv").path
        try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: bill))
        let result = try Tool.run("detect-waste", ["--billing", bill], stdin: DetectWasteDemoTests.demoInput)
        XCTAssertEqual(result.status, 0, result.stderr)
        let warning = try XCTUnwrap(result.errorLines.first { $0.contains("--billing") }, result.stderr)
        XCTAssertTrue(warning.hasPrefix("detect-waste: "), warning)
        XCTAssertTrue(warning.contains("\(bill):2: EffectiveCost 'n/a' is not a number; that line is skipped"), warning)
        XCTAssertTrue(result.stdout.contains("\"billedSavings\""), "the other lines still price")
    }

    /// A month later: the idle node and the orphan volume are gone from the cluster, and the bill stops
    /// charging them after the change; the ledger says both, with what they cost a month before.
    func testTheLedgerVerifiesRemovalsAgainstTheBill() throws {
        let scratch = try makeScratchDirectory(self)
        let db = scratch.appendingPathComponent("ledger.db").path
        let detected = try Tool.run("detect-waste", ["--billing", Self.november], stdin: DetectWasteDemoTests.demoInput)
        XCTAssertEqual(detected.status, 0, detected.stderr)
        let records = try decodeRecords(detected.lines)
        let idle = try finding(records, "idle-node", "ip-10-0-70-18.ec2.internal")["id"] as! String
        let volume = try finding(records, "orphan-volume", "orders-restore-20261014")["id"] as! String
        let karpenter = try finding(records, "over-requested-cpu", "karpenter")["id"] as! String
        let change = { (id: String) in
            "{\"kind\":\"change\",\"cluster\":\"demo\",\"state\":\"merged\",\"branch\":\"autopilot/demo/\(id)\",\"url\":\"https://example.com/pr/\(id)\",\"findingIds\":[\"\(id)\"]}"
        }
        let week1 = detected.stdout + [idle, volume, karpenter].map(change).joined(separator: "\n") + "\n"
        let first = try Tool.run("ledger", ["record", "--db", db, "--now", "2026-11-20T12:00:00Z", "--billing", Self.november], stdin: week1)
        XCTAssertEqual(first.status, 0, first.stderr)

        // The cluster after the changes: no idle node, no orphan volume.
        let after = DetectWasteDemoTests.demoInput.split(separator: "\n").filter { line in
            !(line.contains("\"kind\":\"node\"") && line.contains("\"name\":\"ip-10-0-70-18.ec2.internal\""))
                && !(line.contains("\"kind\":\"volume\"") && line.contains("\"name\":\"orders-restore-20261014\""))
        }.joined(separator: "\n") + "\n"
        let second = try Tool.run("ledger", ["record", "--db", db, "--now", "2026-12-08T00:00:00Z", "--billing", "fixtures/billing/demo/cur2"],
                                  stdin: after)
        XCTAssertEqual(second.status, 0, second.stderr)
        let ledger = try decodeRecords(second.lines).filter { $0["kind"] as? String == "ledger" }
        func entry(_ id: String) throws -> [String: Any] { try XCTUnwrap(ledger.first { $0["id"] as? String == id }, id) }

        let node = try entry(idle)
        XCTAssertEqual(node["status"] as? String, "verified")
        let nodeByBill = try XCTUnwrap(node["billVerification"] as? [String: Any])
        XCTAssertEqual(nodeByBill["state"] as? String, "verified", "\(nodeByBill)")
        XCTAssertEqual(money(nodeByBill["realizedMonthlySavings"]), 196.22, "$0.2688 an hour before the change")
        XCTAssertEqual(money(node["billedMonthlySavings"]), 196.22)

        let disk = try entry(volume)
        XCTAssertEqual((disk["billVerification"] as? [String: Any])?["state"] as? String, "verified")
        XCTAssertEqual(money((disk["billVerification"] as? [String: Any])?["realizedMonthlySavings"]), 7.71)

        let request = try entry(karpenter)
        XCTAssertEqual((request["billVerification"] as? [String: Any])?["state"] as? String, "not-applicable",
                       "a request change shows on the bill only through nodes")

        // The run's allocation reconciled to the bill: lines add up to the billed total, to the cent.
        let reconciliation = try XCTUnwrap(decodeRecords(second.lines).first { $0["kind"] as? String == "billreconciliation" })
        let lines = try XCTUnwrap(reconciliation["lines"] as? [[String: Any]])
        let sum = lines.compactMap { money($0["billed"]) }.map { Int64(($0 * 100).rounded()) }.reduce(0, +)
        XCTAssertEqual(sum, Int64(((money(reconciliation["billedTotal"]) ?? -1) * 100).rounded()))
        XCTAssertTrue(lines.contains { $0["team"] as? String == "__unallocated__" }, "the node gone since 10 November, and now the idle node")

        // And render-report shows both verifications and the reconciliation.
        let out = scratch.appendingPathComponent("report").path
        let report = try Tool.run("render-report", ["--out", out], stdin: second.stdout)
        XCTAssertEqual(report.status, 0, report.stderr)
        let markdown = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
        XCTAssertTrue(markdown.contains("verified by the bill $203.93/month"), markdown)
        XCTAssertTrue(markdown.contains("## Allocation reconciled to the bill: demo"), markdown)
        XCTAssertTrue(markdown.contains("(equal to the cent)"), markdown)
    }

    /// Without a ledger, render-report --billing reconciles the stream's cluster to the bill itself.
    func testRenderReportReconcilesTheAllocationToTheBill() throws {
        let scratch = try makeScratchDirectory(self)
        let detected = try Tool.run("detect-waste", ["--billing", Self.november], stdin: DetectWasteDemoTests.demoInput)
        let out = scratch.appendingPathComponent("report").path
        let report = try Tool.run("render-report", ["--out", out, "--billing", "fixtures/billing/demo/focus/BILLING_PERIOD=2026-11"],
                                  stdin: detected.stdout)
        XCTAssertEqual(report.status, 0, report.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/report.json"))) as? [String: Any])
        let bill = try XCTUnwrap(json["bill"] as? [String: Any])
        let reconciliation = try XCTUnwrap((bill["reconciliations"] as? [[String: Any]])?.first)
        XCTAssertEqual(money(reconciliation["billedTotal"]), money(reconciliation["allocatedTotal"]))
        // The billed total, worked out apart from the tools: every instance and volume usage line of the
        // November export is the demo cluster's (all carry its tag); their EffectiveCost summed, to the cent.
        let focus = try String(contentsOfFile: repositoryRoot.appendingPathComponent("fixtures/billing/demo/focus/BILLING_PERIOD=2026-11/demo-focus-00001.csv").path,
                               encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let column = { (name: String) in focus[0].firstIndex(of: name)! }
        let total = focus.dropFirst().filter { $0[column("ChargeCategory")] == "Usage" && $0[column("CommitmentDiscountStatus")] != "Unused" }
            .compactMap { Double($0[column("EffectiveCost")]) }.reduce(0, +)
        XCTAssertEqual(money(reconciliation["billedTotal"]), (total * 100).rounded() / 100)
        // Every node and volume of the November bill is the cluster's: the bill's total for them.
        let lines = try XCTUnwrap(reconciliation["lines"] as? [[String: Any]])
        // The m5 node billed until 10 November: 216 hours × $0.192 less 5% = $39.3984.
        let unallocated = try XCTUnwrap(lines.first { $0["team"] as? String == "__unallocated__" })
        XCTAssertEqual(money(unallocated["billed"]) ?? 0, 39.40, accuracy: 0.011)
        XCTAssertTrue(lines.contains { $0["team"] as? String == "__idle__" })
        XCTAssertGreaterThan(money(bill["realisableMonthlySavings"]) ?? 0, 0)
        let html = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
        XCTAssertTrue(html.contains("Allocation reconciled to the bill"), "the HTML has the section too")
    }
}
