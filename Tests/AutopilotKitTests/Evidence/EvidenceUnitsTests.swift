import XCTest
@testable import AutopilotKit

/// Small units of build-evidence: the hourly grid the series are fetched on, and which finding ids may
/// name a folder.
final class EvidenceUnitsTests: XCTestCase {
    func testTheGridCountsItsPointsEndsIncluded() {
        let start = RFC3339.date("2026-11-13T13:00:00Z")!
        // 13 Nov 13:00 to 20 Nov 12:00, hourly: 7 days less one hour = 167 steps, 168 points.
        let week = EvidenceSeries.Grid(start: start, end: RFC3339.date("2026-11-20T12:00:00Z")!, step: Duration(seconds: 3600))
        XCTAssertEqual(week.count, 168)
        XCTAssertEqual(EvidenceSeries.Grid(start: start, end: start, step: Duration(seconds: 300)).count, 1)
    }

    /// An id becomes a folder under --out: nothing that climbs out of it, hides, or is not plain ASCII.
    func testOnlySafeIdsNameAFolder() {
        for id in ["f-4f4afcfdf2edc64d", "f_1.2", String(repeating: "a", count: 128)] {
            XCTAssertTrue(EvidenceFilter.isSafeName(id), id)
        }
        for id in ["", "..", "../etc", "a/b", ".hidden", "a..b", "f-é", "a b", String(repeating: "a", count: 129), "f\u{0}"] {
            XCTAssertFalse(EvidenceFilter.isSafeName(id), id)
        }
    }
}
