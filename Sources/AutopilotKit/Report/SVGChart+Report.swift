import Foundation

/// The report's charts: values at irregular times (one point per ledger run) and a timeline of events.
extension SVGChart {
    /// A line through `points` on a time axis, each point marked and its date written under it.
    public static func trend(title: String, points: [(at: Date, value: Double)], format: (Double) -> String) -> String {
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        var svg = header(title: title, height: height)
        svg += "<rect x=\"\(fixed(left))\" y=\"\(fixed(top))\" width=\"\(fixed(plotWidth))\" height=\"\(fixed(plotHeight))\" fill=\"#fafafa\" stroke=\"#ccc\"/>\n"
        svg += "<text x=\"\(fixed(left + 4))\" y=\"\(fixed(top - 4))\" fill=\"#333\">\(HTML.escape(title))</text>\n"
        guard let first = points.first?.at, let last = points.last?.at else {
            return svg + "<text x=\"\(fixed(left + plotWidth / 2))\" y=\"\(fixed(top + plotHeight / 2))\" text-anchor=\"middle\" fill=\"#777\">no runs in the ledger yet</text></svg>\n"
        }
        let highest = max(points.map(\.value).max() ?? 0, 1) * 1.1  // at least $1, so an all-zero series has a readable axis
        let span = last.timeIntervalSince(first)
        func x(_ at: Date) -> Double { left + (span > 0 ? plotWidth * at.timeIntervalSince(first) / span : plotWidth / 2) }
        func y(_ value: Double) -> Double { top + plotHeight * (1 - max(0, value) / highest) }
        for tick in 0...4 {
            let value = highest / 1.1 * Double(tick) / 4
            svg += "<line x1=\"\(fixed(left))\" x2=\"\(fixed(left + plotWidth))\" y1=\"\(fixed(y(value)))\" y2=\"\(fixed(y(value)))\" stroke=\"#eee\"/>"
            svg += "<text x=\"\(fixed(left - 6))\" y=\"\(fixed(y(value) + 4))\" text-anchor=\"end\" fill=\"#555\">\(HTML.escape(format(value)))</text>\n"
        }
        svg += "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"\(points.map { "\(fixed(x($0.at))),\(fixed(y($0.value)))" }.joined(separator: " "))\"/>\n"
        for point in points {
            svg += "<circle cx=\"\(fixed(x(point.at)))\" cy=\"\(fixed(y(point.value)))\" r=\"3\" fill=\"#1f77b4\"><title>\(HTML.escape(format(point.value)))</title></circle>"
            svg += "<text x=\"\(fixed(x(point.at)))\" y=\"\(fixed(height - 8))\" text-anchor=\"middle\" fill=\"#555\">\(RFC3339.string(point.at).prefix(10))</text>\n"
        }
        if let lastPoint = points.last {
            svg += "<text x=\"\(fixed(left + plotWidth + 6))\" y=\"\(fixed(y(lastPoint.value) + 4))\" fill=\"#1f77b4\">\(HTML.escape(format(lastPoint.value)))</text>\n"
        }
        return svg + "</svg>\n"
    }

    /// The report's rows: incidents, unsafe changes, verifications.
    public static let timelineKinds: [(name: String, color: String)] = [("incident", "#d62728"), ("unsafe", "#ff7f0e"), ("verified", "#2ca02c")]

    /// Events on a time axis from `from` to `to`, one row per kind, each a dot with its text as a tooltip.
    /// Events closer than a counted dot's width (five incidents of one run) are one larger dot with their count
    /// written in it and every text in its tooltip, so none hides behind another.
    public static func timeline(title: String, events: [(at: Date, kind: String, text: String)], from: Date, to: Date,
                                kinds: [(name: String, color: String)] = timelineKinds) -> String {
        let colors = Dictionary(kinds.map { ($0.name, $0.color) }, uniquingKeysWith: { first, _ in first })
        let kinds = kinds.map(\.name)
        let rowHeight = 26.0
        let chartHeight = top + rowHeight * Double(kinds.count) + bottom
        let plotWidth = width - left - right
        var svg = header(title: title, height: chartHeight)
        svg += "<text x=\"\(fixed(left + 4))\" y=\"\(fixed(top - 4))\" fill=\"#333\">\(HTML.escape(title))</text>\n"
        let span = max(1, to.timeIntervalSince(from))
        func x(_ at: Date) -> Double { left + plotWidth * min(1, max(0, at.timeIntervalSince(from) / span)) }
        for (row, kind) in kinds.enumerated() {
            let rowY = top + rowHeight * Double(row) + rowHeight / 2
            let count = events.filter { $0.kind == kind }.count
            svg += "<line x1=\"\(fixed(left))\" x2=\"\(fixed(left + plotWidth))\" y1=\"\(fixed(rowY))\" y2=\"\(fixed(rowY))\" stroke=\"#eee\"/>"
            svg += "<text x=\"\(fixed(left + plotWidth + 12))\" y=\"\(fixed(rowY + 4))\" fill=\"\(colors[kind]!)\">\(kind) (\(count))</text>\n"
            var groups: [[(at: Date, kind: String, text: String)]] = []
            for event in events.filter({ $0.kind == kind }).sorted(by: { ($0.at, $0.text) < ($1.at, $1.text) }) {
                if let first = groups.last?.first, x(event.at) - x(first.at) < 16 { groups[groups.count - 1].append(event) } else { groups.append([event]) }
            }
            for group in groups {
                let cx = fixed(x(group[0].at))
                let tooltip = HTML.escape(group.map { RFC3339.string($0.at) + " " + $0.text }.joined(separator: "\n"))
                if group.count == 1 {
                    svg += "<circle cx=\"\(cx)\" cy=\"\(fixed(rowY))\" r=\"5\" fill=\"\(colors[kind]!)\"><title>\(tooltip)</title></circle>\n"
                } else {
                    svg += "<circle cx=\"\(cx)\" cy=\"\(fixed(rowY))\" r=\"8\" fill=\"\(colors[kind]!)\"><title>\(tooltip)</title></circle>"
                    svg += "<text x=\"\(cx)\" y=\"\(fixed(rowY + 4))\" text-anchor=\"middle\" fill=\"#fff\" font-weight=\"bold\">\(group.count)</text>\n"
                }
            }
        }
        for week in 0...4 {
            let at = from.addingTimeInterval(span * Double(week) / 4)
            svg += "<text x=\"\(fixed(x(at)))\" y=\"\(fixed(chartHeight - 8))\" text-anchor=\"middle\" fill=\"#555\">\(RFC3339.string(at).prefix(10))</text>\n"
        }
        return svg + "</svg>\n"
    }

    private static func header(title: String, height: Double) -> String {
        """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(fixed(width))" height="\(fixed(height))" viewBox="0 0 \(fixed(width)) \(fixed(height))" \
        role="img" aria-label="\(HTML.escape(title))" font-family="sans-serif" font-size="11">
        <title>\(HTML.escape(title))</title>

        """
    }
}
