import XCTest
@testable import AutopilotKit

/// The evidence charts' geometry, worked out by hand: a 720 × 240 canvas, the plot 506 wide from x = 64
/// and 196 high from y = 16; the y axis runs to 1.1 × the highest value or marker.
final class SVGChartTests: XCTestCase {
    private let start = RFC3339.date("2026-11-17T00:00:00Z")!

    private func chart(_ values: [Double?], markers: [SVGChart.Marker] = []) -> String {
        SVGChart.line(title: "cpu <api> & co", values: values, start: start, step: 86_400, markers: markers) { "\($0.short)c" }
    }

    func testPointsScaleToTheHighestValueOrMarker() {
        // Highest: the 4-core marker, so the axis runs to 4.4. x(i) = 64 + 506 × i ÷ 3; y(v) = 16 + 196 × (1 − v ÷ 4.4).
        let svg = chart([1, nil, 2, 3], markers: [SVGChart.Marker("request", 4, color: "#d62728", dashed: true)])
        // The gap at index 1 breaks the line: (64.0, 167.5) alone, then (401.3, 122.9) and (570.0, 78.4).
        XCTAssertTrue(svg.contains(##"points="64.0,167.5""##), svg)
        XCTAssertTrue(svg.contains(##"points="401.3,122.9 570.0,78.4""##), svg)
        XCTAssertEqual(svg.components(separatedBy: "<polyline").count - 1, 2)
        // The marker at y(4) = 33.8, dashed, labelled on the right (x = 64 + 506 + 6 = 576.0) with its value.
        XCTAssertTrue(svg.contains(##"y1="33.8" y2="33.8" stroke="#d62728" stroke-dasharray="5,4""##), svg)
        XCTAssertTrue(svg.contains(##"<text x="576.0" y="37.8" fill="#d62728">request 4c</text>"##), svg)
        // Five ticks of 0, 1, 2, 3, 4 cores: the lowest on the plot's floor (y = 212.0), labels right-aligned at x = 58.
        XCTAssertTrue(svg.contains(##"<text x="58.0" y="216.0" text-anchor="end" fill="#555">0c</text>"##), svg)
        XCTAssertTrue(svg.contains(##"<text x="58.0" y="37.8" text-anchor="end" fill="#555">4c</text>"##), svg)
        // One label a day at the points' x: three days after the start, 4 points.
        for (day, x) in [("2026-11-17", "64.0"), ("2026-11-18", "232.7"), ("2026-11-19", "401.3"), ("2026-11-20", "570.0")] {
            XCTAssertTrue(svg.contains("<text x=\"\(x)\" y=\"232.0\" text-anchor=\"middle\" fill=\"#555\">\(day)</text>"), "\(day): \(svg)")
        }
        // The title is escaped where it appears.
        XCTAssertTrue(svg.contains("<title>cpu &lt;api&gt; &amp; co</title>"), svg)
        XCTAssertFalse(svg.contains("<api>"))
    }

    func testPointsAboveTheBacktestRequestAreShadedHalfAPointEachSide() {
        // x(i) = 64 + 506 × i ÷ 3, half a point = 84.3: index 2 (x 401.3) spans 317.0–485.7; index 3 (570.0)
        // spans 485.7 to the plot's right edge, 570.0. Index 0 (1 core) is not above 1.5; the gap is skipped.
        let svg = SVGChart.line(title: "cpu", values: [1, nil, 2, 3], start: start, step: 86_400, markers: [], shadeAbove: 1.5) { "\($0)" }
        XCTAssertTrue(svg.contains(##"<rect x="317.0" y="16.0" width="168.7" height="196.0" fill="#d62728" fill-opacity="0.15"/>"##), svg)
        XCTAssertTrue(svg.contains(##"<rect x="485.7" y="16.0" width="84.3" height="196.0" fill="#d62728" fill-opacity="0.15"/>"##), svg)
        XCTAssertEqual(svg.components(separatedBy: "fill-opacity").count - 1, 2)
        XCTAssertFalse(chart([1, 2]).contains("fill-opacity"), "nothing shaded without a backtest")
    }

    func testCloseMarkersAreNudgedApartAndNothingDividesByZero() {
        // Two markers 0.01 apart would print over each other: the lower label goes 13 below the upper one.
        let svg = chart([0.5], markers: [SVGChart.Marker("p95", 1.0, color: "#111"), SVGChart.Marker("new", 0.99, color: "#222")])
        // Highest 1.1: y(1.0) = 16 + 196 × (1 − 1 ÷ 1.1) = 33.8 → label 37.8; the next label at 37.8 + 13 = 50.8.
        XCTAssertTrue(svg.contains(##"<text x="576.0" y="37.8" fill="#111">p95 1c</text>"##), svg)
        XCTAssertTrue(svg.contains(##"<text x="576.0" y="50.8" fill="#222">new 0.99c</text>"##), svg)
        // One point sits mid-plot (x = 64 + 253); an all-zero or empty series still draws without NaN.
        XCTAssertTrue(svg.contains(##"points="317.0,"##), svg)
        for values: [Double?] in [[0, 0, 0], [], [nil, nil]] {
            let empty = chart(values)
            XCTAssertFalse(empty.contains("nan") || empty.contains("inf"), empty)
            XCTAssertTrue(empty.hasSuffix("</svg>"))
        }
    }

    func testBarsAreClampedToTheirScale() {
        let svg = SVGChart.bars(title: "node", rows: [("allocatable", 8, "#ccc"), ("requested", 10, "#d62728"), ("used", -1, "#1f77b4")],
                                scale: 8) { "\($0.short)" }
        // The plot is 720 − 64 − 150 − 60 = 446 wide: 8 of 8 is 446.0, 10 of 8 is clamped to it, −1 to 0.
        XCTAssertTrue(svg.contains(##"<rect x="130.0" y="37.0" width="446.0" height="14" fill="#ccc""##), svg)
        XCTAssertTrue(svg.contains(##"y="59.0" width="446.0" height="14" fill="#d62728""##), svg)
        XCTAssertTrue(svg.contains(##"y="81.0" width="0.0" height="14" fill="#1f77b4""##), svg)
        // The title written above the bars (a caption, not only a tooltip); three rows of 22 from y = 16 + 18, plus 8.
        XCTAssertTrue(svg.contains(##"<text x="130.0" y="16.0" fill="#333" font-weight="bold">node</text>"##), svg)
        XCTAssertTrue(svg.contains(##"height="108.0" viewBox="0 0 720.0 108.0""##), svg)
        XCTAssertTrue(SVGChart.bars(title: "x", rows: [("a", 1, "#000")], scale: 0) { "\($0)" }.contains(##"width="0.0""##))
    }

    /// Signed bars (savings that may be negative): the zero line moves right by the largest negative share of
    /// the span, and a negative value is a red bar ending at it.
    func testSignedBarsDrawNegativesLeftOfZero() {
        let svg = SVGChart.bars(title: "Savings <by team>", rows: [("a", 30, "#2ca02c"), ("b", -10, "#2ca02c")], scale: 30, signed: true) { "\($0)" }
        // Span 30 + 10 = 40 over 446: zero at 130 + 446 × 10/40 = 241.5; a is 334.5 wide from it, b 111.5 wide ending at it.
        XCTAssertTrue(svg.contains(##"<line x1="241.5" x2="241.5""##), svg)
        XCTAssertTrue(svg.contains(##"<rect x="241.5" y="37.0" width="334.5" height="14" fill="#2ca02c"/>"##), svg)
        XCTAssertTrue(svg.contains(##"<rect x="130.0" y="59.0" width="111.5" height="14" fill="#d62728"/>"##), svg)
        XCTAssertTrue(svg.contains("Savings &lt;by team&gt;</text>"), svg)
    }

    func testFixedPrintsTenthsTheSameEveryRun() {
        XCTAssertEqual(SVGChart.fixed(0.05), "0.1")
        XCTAssertEqual(SVGChart.fixed(-0.04), "0.0")
        XCTAssertEqual(SVGChart.fixed(-1.25), "-1.3")
        XCTAssertEqual(SVGChart.fixed(720), "720.0")
        XCTAssertEqual(SVGChart.fixed(.nan), "0.0")
        XCTAssertEqual(SVGChart.fixed(.infinity), "0.0")
        XCTAssertEqual(SVGChart.fixed(1e300), "0.0", "beyond any canvas: no crash")
    }
}
