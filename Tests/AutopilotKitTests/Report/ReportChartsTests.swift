import XCTest
@testable import AutopilotKit

/// The weekly report's charts at coordinates worked out by hand (canvas 720 × 240, plot 506 × 196 from
/// (64, 16)).
final class ReportChartsTests: XCTestCase {
    private func day(_ text: String) -> Date { RFC3339.date("2026-11-\(text)T00:00:00Z")! }

    /// Runs at irregular times: x by time, y to 1.1 × the highest value; the last value labelled on the right.
    func testTheTrendPlacesRunsByTime() {
        // Days 01, 03, 09: x = 64 + 506 × (0, 2, 8) ÷ 8 = 64.0, 190.5, 570.0. Highest 100 → axis 110:
        // y(0) = 212.0, y(50) = 16 + 196 × (1 − 50/110) = 122.9, y(100) = 16 + 196 × (1 − 100/110) = 33.8.
        let svg = SVGChart.trend(title: "Saved <$>", points: [(day("01"), 0), (day("03"), 50), (day("09"), 100)]) { "$\(Int($0))" }
        XCTAssertTrue(svg.contains(##"points="64.0,212.0 190.5,122.9 570.0,33.8""##), svg)
        XCTAssertTrue(svg.contains(##"<text x="576.0" y="37.8" fill="#1f77b4">$100</text>"##), svg)
        XCTAssertTrue(svg.contains(##"<text x="190.5" y="232.0" text-anchor="middle" fill="#555">2026-11-03</text>"##), svg)
        XCTAssertTrue(svg.contains("aria-label=\"Saved &lt;$&gt;\""), svg)
    }

    /// One run sits mid-plot; all zeros keep a $1 axis; none says so.
    func testTheTrendsEdgeCases() {
        let one = SVGChart.trend(title: "t", points: [(day("05"), 0)]) { "\($0)" }
        // x = 64 + 253; highest max(0, 1) × 1.1: y(0) on the floor.
        XCTAssertTrue(one.contains(##"points="317.0,212.0""##), one)
        XCTAssertFalse(one.contains("nan"))
        let none = SVGChart.trend(title: "t", points: []) { "\($0)" }
        XCTAssertTrue(none.contains("no runs in the ledger yet"), none)
    }

    /// Events by kind on their rows (incident, unsafe, verified at y = 29, 55, 81), clamped to the week.
    func testTheTimelinePutsEventsOnTheirRows() {
        let events: [(at: Date, kind: String, text: String)] = [
            (day("15"), "incident", "oom on <web>"), (day("17"), "verified", "f-1 saved"), (day("01"), "unsafe", "before the week"),
        ]
        let svg = SVGChart.timeline(title: "week", events: events, from: day("13"), to: day("20"))
        // Day 15 of 13–20: x = 64 + 506 × 2/7 = 208.6; day 17: 64 + 506 × 4/7 = 353.1; day 01 clamps to 64.0.
        XCTAssertTrue(svg.contains(##"<circle cx="208.6" cy="29.0" r="5" fill="#d62728"><title>2026-11-15T00:00:00Z oom on &lt;web&gt;</title>"##), svg)
        XCTAssertTrue(svg.contains(##"<circle cx="353.1" cy="81.0" r="5" fill="#2ca02c">"##), svg)
        XCTAssertTrue(svg.contains(##"<circle cx="64.0" cy="55.0" r="5" fill="#ff7f0e">"##), svg)
        XCTAssertTrue(svg.contains(##"fill="#d62728">incident (1)</text>"##), svg)
        // Three rows of 26 from y = 16, plus 28: 122 high; five date labels from the 13th to the 20th.
        XCTAssertTrue(svg.contains(##"height="122.0""##), svg)
        XCTAssertTrue(svg.contains(##"<text x="570.0" y="114.0" text-anchor="middle" fill="#555">2026-11-20</text>"##), svg)
    }

    /// Five incidents of one run are one dot with 5 written in it and all five texts in its tooltip; one a
    /// day later stands alone.
    func testEventsAtOneTimeAreOneCountedDot() {
        let events: [(at: Date, kind: String, text: String)] = (1...5).map { (day("15"), "incident", "incident \($0)") } + [(day("16"), "incident", "later")]
        let svg = SVGChart.timeline(title: "week", events: events, from: day("13"), to: day("20"))
        XCTAssertTrue(svg.contains(##"<circle cx="208.6" cy="29.0" r="8" fill="#d62728"><title>2026-11-15T00:00:00Z incident 1"## + "\n2026-11-15T00:00:00Z incident 2"), svg)
        XCTAssertTrue(svg.contains("incident 5</title></circle><text x=\"208.6\" y=\"33.0\" text-anchor=\"middle\" fill=\"#fff\" font-weight=\"bold\">5</text>"), svg)
        XCTAssertTrue(svg.contains(##"<circle cx="280.9" cy="29.0" r="5" fill="#d62728"><title>2026-11-16T00:00:00Z later</title>"##), svg)
        XCTAssertTrue(svg.contains(##"incident (6)"##), "the row still counts every event")
    }
}
