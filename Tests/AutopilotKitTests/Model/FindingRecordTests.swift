import XCTest
@testable import AutopilotKit

/// A finding record is read once where it enters a tool: checked, its common fields typed, the record kept
/// as it came for what the tool forwards.
final class FindingRecordTests: XCTestCase {
    func testADetectorsFindingReadsBackAsItWasWritten() throws {
        var written = Finding(cluster: "prod", detector: FindingKind.overRequestedMemory.rawValue, severity: .warning, namespace: "shop",
                              target: .init(kind: "Deployment", name: "orders", container: "app"), team: "payments",
                              summary: "Lower the memory request", current: ["memory": .int(2 << 30), "minReplicas": 3],
                              recommended: ["memory": .int(1 << 30)], monthlyCost: (Money(cents: 4_000), Money(cents: 1_550)),
                              priceSource: "on-demand", confidence: 0.876, basis: ["window": ["start": "2026-11-01T00:00:00Z"]],
                              notes: ["kept the limit"])
        written.billedSavings = (Money(cents: 100), "covered by a Savings Plan")
        let read = try FindingRecord(JSON.parse(written.json.text))
        XCTAssertEqual(read.id, written.id)
        XCTAssertEqual(read.kind, .overRequestedMemory)
        XCTAssertEqual(read.detector, "over-requested-memory")
        XCTAssertEqual([read.cluster, read.namespace, read.team, read.summary, read.severity, read.priceSource],
                       ["prod", "shop", "payments", "Lower the memory request", "warning", "on-demand"])
        XCTAssertEqual(read.target, written.target)
        XCTAssertEqual(read.current.memory, 2 << 30)
        XCTAssertEqual(read.current.minReplicas, 3)
        XCTAssertNil(read.current.cpu)
        XCTAssertEqual(read.recommended.memory, 1 << 30)
        XCTAssertEqual(read.monthlyCost?.current, Money(cents: 4_000))
        XCTAssertEqual(read.monthlyCost?.recommended, Money(cents: 1_550))
        XCTAssertEqual(read.monthlySavings, Money(cents: 2_450))
        XCTAssertEqual(read.confidence, 0.88, "as written: two decimals")
        XCTAssertEqual(read.notes, ["kept the limit"])
        XCTAssertEqual(read.basis?["window", "start"]?.string, "2026-11-01T00:00:00Z")
        XCTAssertNil(read.risk, "not scored yet")
        XCTAssertNil(read.billedSavings, "without --billing figures (billed) the bill's saving is not written")
        XCTAssertEqual(read.json.value.text, written.json.text, "the record itself is kept as it came")
    }

    func testWhatLaterStagesAddIsTyped() throws {
        let read = try FindingRecord.test(#"""
            {"kind":"finding","monthlySavings":12.5,"risk":{"overall":0.42,"level":"medium","gate":"approve","reasons":["a",1,"b"],
             "step":{"field":"cpu","target":0.5}},"billedSavings":{"monthly":3,"reason":"RI"},"evidence":{"html":"out/f/evidence.html"}}
            """#)
        XCTAssertEqual(read.risk?.overall, 0.42)
        XCTAssertEqual(read.risk?.level, "medium")
        XCTAssertEqual(read.risk?.gate, "approve")
        XCTAssertEqual(read.risk?.reasons, ["a", "b"], "only the texts")
        XCTAssertEqual(read.risk?.step?["target"]?.double, 0.5)
        XCTAssertEqual(read.billedSavings?.monthly, Money(cents: 300))
        XCTAssertEqual(read.billedSavings?.reason, "RI")
        XCTAssertEqual(read.evidenceHTML, "out/f/evidence.html")
    }

    func testADetectorNoToolHereWritesKeepsItsNameAndHasNoKind() throws {
        let read = try FindingRecord.test(#"{"detector":"something-new"}"#)
        XCTAssertNil(read.kind)
        XCTAssertEqual(read.detector, "something-new")
    }

    /// The check every tool relies on happens here, once: a record that fails is no finding.
    func testARecordThatFailsTheCheckIsNotRead() throws {
        for (text, why) in [
            (#"{"kind":"finding","detector":"idle-node","cluster":"c","target":{"kind":"Node","name":"n"}}"#, "id"),
            (#"{"kind":"finding","id":"f","detector":"idle-node","cluster":"c","target":{"kind":"Node"}}"#, "target.name"),
            (#"{"kind":"finding","id":"f","detector":"idle-node","cluster":"c","target":{"kind":"Node","name":"n"},"monthlySavings":5}"#, "monthlyCost"),
            (#"{"kind":"finding","id":"f","detector":"idle-node","cluster":"c","target":{"kind":"Node","name":"n"},"risk":{"gate":"yes"}}"#, "risk.gate"),
        ] {
            XCTAssertThrowsError(try FindingRecord(JSON.parse(text)), why) { error in
                XCTAssertTrue((error as? RecordError)?.message.contains(why) == true, "\(error) names \(why)")
            }
        }
    }

    /// What the ledger stored was checked when it was recorded; read back, it is taken as it is, so an old
    /// row that a later, stricter check would refuse still explains itself and shows its evidence.
    func testAStoredFindingIsReadAsItIs() throws {
        let stored = try JSON.parse(#"{"kind":"finding","id":"f-old","detector":"orphan-volume","cluster":"c","target":{"kind":"PersistentVolume","name":"pv"},"monthlySavings":5,"monthlyCost":null,"risk":{"gate":"maybe"}}"#)
        XCTAssertThrowsError(try FindingRecord(stored), "today's check refuses it")
        let read = FindingRecord(stored: stored)
        XCTAssertEqual(read.id, "f-old")
        XCTAssertEqual(read.kind, .orphanVolume)
        XCTAssertEqual(read.monthlySavings, Money(cents: 500))
        XCTAssertNil(read.monthlyCost)
        XCTAssertEqual(read.risk?.gate, "maybe")
    }
}
