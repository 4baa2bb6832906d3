import XCTest
@testable import AutopilotKit

/// The evidence pack's change table: figures side by side in one unit, the value to put back, and how to
/// undo each kind of change.
final class EvidenceChangeTests: XCTestCase {
    func testPairsOfFiguresShareAUnit() {
        XCTAssertEqual(Units.cpu(1.5, 0.21).0 + " → " + Units.cpu(1.5, 0.21).1, "1500m → 210m")
        XCTAssertEqual(Units.cpu(2, 1).0 + " → " + Units.cpu(2, 1).1, "2 → 1")
        XCTAssertEqual(Units.cpu(1.5, 1.2).0 + " → " + Units.cpu(1.5, 1.2).1, "1.5 → 1.2")
        XCTAssertEqual(Units.cpu(1.25, 1).0, "1250m", "a quarter core is not whole tenths: millicores for both")
        XCTAssertEqual(Units.memory(1 << 30, 637_534_208).0 + " → " + Units.memory(1 << 30, 637_534_208).1, "1024Mi → 608Mi")
        XCTAssertEqual(Units.memory(2 << 30, 3 << 29).0 + " → " + Units.memory(2 << 30, 3 << 29).1, "2Gi → 1.5Gi")
        XCTAssertEqual(Units.memory(2_000_000_000, 1 << 30).0, "1907Mi", "a decimal 2G beside 1Gi: both in Mi")
        XCTAssertEqual(Units.memory(1 << 40, 1 << 39).0 + " → " + Units.memory(1 << 40, 1 << 39).1, "1024Gi → 512Gi", "not 1Ti → 512Gi")
    }

    private func pack(_ finding: String) throws -> EvidencePack {
        EvidencePack(finding: try FindingRecord.test(finding), cluster: ObservedCluster(), costs: CostModel(prices: .embedded()))
    }

    func testTheTableHoldsEachFieldTheChangeSetsAndItsRollback() throws {
        let cut = try pack(#"{"kind":"finding","id":"f-1","detector":"over-requested-memory","current":{"memory":1073741824,"memoryLimit":null,"replicas":2},"# +
            #""recommended":{"memory":637534208,"memoryLimit":null,"replicas":2},"notes":["memory limit unset: kept unset"]}"#)
        XCTAssertEqual(cut.changeRows.map { [$0.field, $0.current, $0.recommended, $0.rollback] },
                       [["memory request", "1024Mi", "608Mi", "1024Mi"], ["memory limit", "none", "none", "none"], ["replicas", "2", "2", "2"]])
        XCTAssertEqual(cut.otherNotes, ["memory limit unset: kept unset"])
        let decimal = try pack(#"{"kind":"finding","id":"f-4","detector":"over-requested-memory","current":{"memory":2000000000},"# +
            #""recommended":{"memory":1073741824}}"#)
        XCTAssertEqual(decimal.changeRows.map { [$0.current, $0.recommended, $0.rollback] }, [["1907Mi", "1024Mi", "2G"]],
                       "shown in one unit, put back exactly as it was")
        let megabytes = try pack(#"{"kind":"finding","id":"f-5","detector":"over-requested-memory","current":{"memory":1500000000},"# +
            #""recommended":{"memory":1073741824}}"#)
        XCTAssertEqual(megabytes.changeRows.first?.rollback, "1500M")
        XCTAssertTrue(cut.undo.first?.hasPrefix("Revert the PR") == true)
        XCTAssertTrue(cut.html.contains("<h2>Notes</h2>"), "the notes have a section of their own")
        XCTAssertTrue(cut.html.contains("Gate: what the policy lets happen"), "the legend")

        let drain = try pack(#"{"kind":"finding","id":"f-2","detector":"idle-node","target":{"kind":"Node","name":"n1"},"# +
            #""current":{"nodes":1,"instanceType":"m6i.large"},"recommended":{"action":"drain and remove","nodes":0,"movePods":["a/p1"]},"# +
            #""notes":["a/p1 → n2","n2 after the moves: requests 80%","replicas 2 → 3"]}"#)
        XCTAssertEqual(drain.changeRows.map { [$0.field, $0.current, $0.recommended, $0.rollback] },
                       [["action", "–", "drain and remove", "–"], ["nodes", "1", "0", "1"], ["pods moved", "–", "a/p1", "–"]])
        XCTAssertEqual(drain.podMoves, ["a/p1 → n2"])
        XCTAssertEqual(drain.otherNotes, ["n2 after the moves: requests 80%", "replicas 2 → 3"], "only a pod's move is a move")
        XCTAssertTrue(drain.undo.contains { $0.contains("node group's desired size") })
        XCTAssertTrue(drain.html.contains("<p>Where the pods go:</p>"))

        let volume = try pack(#"{"kind":"finding","id":"f-3","detector":"orphan-volume","current":{"volumeId":"vol-<x>","sizeBytes":1099511627776},"# +
            #""recommended":{"action":"delete the volume","sizeBytes":0}}"#)
        XCTAssertEqual(volume.changeRows.last.map { [$0.current, $0.recommended, $0.rollback] }, ["1Ti", "0", "1Ti"])
        XCTAssertTrue(volume.undo.first?.contains("--volume-id 'vol-<x>'") == true, "quoted for the shell")
        XCTAssertTrue(volume.html.contains("vol-&lt;x&gt;"), "escaped in the page")
    }
}
