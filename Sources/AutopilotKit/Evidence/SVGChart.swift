import Foundation

/// Small, self-contained SVG charts for evidence packs: no scripts, no external fonts or styles, every
/// text escaped, numbers printed with fixed precision so the same data gives the same bytes.
public enum SVGChart {
    /// A horizontal reference line: the current request, the recommendation, a percentile.
    public struct Marker: Sendable {
        public var label: String
        public var value: Double
        public var color: String
        public var dashed: Bool
        public init(_ label: String, _ value: Double, color: String, dashed: Bool = false) {
            self.label = label
            self.value = value
            self.color = color
            self.dashed = dashed
        }
    }

    static let width = 720.0
    static let height = 240.0
    static let left = 64.0
    static let right = 150.0
    static let top = 16.0
    static let bottom = 28.0

    /// A line chart of `values` (one every `step` seconds from `start`; nil is a gap) with markers.
    /// `format` prints a y value (cores, bytes) for the axis and the marker labels. `shadeAbove` shades
    /// the points above it (the backtest's steps above a new request).
    public static func line(title: String, values: [Double?], start: Date, step: TimeInterval, markers: [Marker],
                            shadeAbove: Double? = nil, format: (Double) -> String) -> String {
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        let highest = max(values.compactMap { $0 }.max() ?? 0, markers.map(\.value).max() ?? 0, 1e-9) * 1.1
        func x(_ index: Int) -> Double { left + plotWidth * (values.count > 1 ? Double(index) / Double(values.count - 1) : 0.5) }
        func y(_ value: Double) -> Double { top + plotHeight * (1 - value / highest) }
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(fixed(width))" height="\(fixed(height))" viewBox="0 0 \(fixed(width)) \(fixed(height))" \
            role="img" aria-label="\(HTML.escape(title))" font-family="sans-serif" font-size="11">
            <title>\(HTML.escape(title))</title>
            <rect x="\(fixed(left))" y="\(fixed(top))" width="\(fixed(plotWidth))" height="\(fixed(plotHeight))" fill="#fafafa" stroke="#ccc"/>

            """
        for tick in 0...4 {
            let value = highest / 1.1 * Double(tick) / 4
            svg += "<line x1=\"\(fixed(left))\" x2=\"\(fixed(left + plotWidth))\" y1=\"\(fixed(y(value)))\" y2=\"\(fixed(y(value)))\" stroke=\"#eee\"/>"
            svg += "<text x=\"\(fixed(left - 6))\" y=\"\(fixed(y(value) + 4))\" text-anchor=\"end\" fill=\"#555\">\(HTML.escape(format(value)))</text>\n"
        }
        // Day boundaries on the x axis.
        if values.count > 1, step > 0 {
            let days = Int((Double(values.count - 1) * step / 86_400).rounded(.down))
            let every = max(1, days / 7)
            for day in stride(from: 0, through: days, by: every) {
                let index = Int((Double(day) * 86_400 / step).rounded())
                guard index < values.count else { break }
                let label = String(RFC3339.string(start.addingTimeInterval(Double(index) * step)).prefix(10))
                svg += "<text x=\"\(fixed(x(index)))\" y=\"\(fixed(height - 8))\" text-anchor=\"middle\" fill=\"#555\">\(label)</text>\n"
            }
        }
        // Points above the shading threshold, as bands half a point wide on each side.
        if let shadeAbove {
            let half = values.count > 1 ? plotWidth / Double(values.count - 1) / 2 : plotWidth / 2
            for (index, value) in values.enumerated() where (value ?? -.infinity) > shadeAbove {
                let from = max(left, x(index) - half)
                let to = min(left + plotWidth, x(index) + half)
                svg += "<rect x=\"\(fixed(from))\" y=\"\(fixed(top))\" width=\"\(fixed(to - from))\" height=\"\(fixed(plotHeight))\" fill=\"#d62728\" fill-opacity=\"0.15\"/>\n"
            }
        }
        // The series, broken where samples are missing.
        var runs: [[String]] = [[]]
        for (index, value) in values.enumerated() {
            if let value { runs[runs.count - 1].append("\(fixed(x(index))),\(fixed(y(value)))") } else if !runs[runs.count - 1].isEmpty { runs.append([]) }
        }
        for run in runs where !run.isEmpty {
            svg += "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"\(run.joined(separator: " "))\"/>\n"
        }
        // Markers, labels on the right; nudged apart so close values stay readable.
        var lastLabelY = -100.0
        for marker in markers.sorted(by: { $0.value > $1.value }) {
            let lineY = y(marker.value)
            let labelY = max(lineY + 4, lastLabelY + 13)
            lastLabelY = labelY
            svg += "<line x1=\"\(fixed(left))\" x2=\"\(fixed(left + plotWidth))\" y1=\"\(fixed(lineY))\" y2=\"\(fixed(lineY))\" stroke=\"\(marker.color)\""
                + (marker.dashed ? " stroke-dasharray=\"5,4\"" : "") + " stroke-width=\"1.5\"/>"
            svg += "<text x=\"\(fixed(left + plotWidth + 6))\" y=\"\(fixed(labelY))\" fill=\"\(marker.color)\">"
                + "\(HTML.escape(marker.label)) \(HTML.escape(format(marker.value)))</text>\n"
        }
        return svg + "</svg>"
    }

    /// Horizontal bars (a node's allocatable, requested and used), each `value` of `scale` (clamped to it),
    /// under the title written out. With `signed`, a negative value (a change that costs more) is a red bar
    /// left of a zero line; without, it is no bar.
    public static func bars(title: String, rows: [(label: String, value: Double, color: String)], scale: Double, signed: Bool = false,
                            format: (Double) -> String) -> String {
        let rowHeight = 22.0
        let titleHeight = 18.0
        let chartHeight = top + titleHeight + rowHeight * Double(rows.count) + 8
        let plotWidth = width - left - right - 60
        let below = signed ? max(0, -(rows.map(\.value).min() ?? 0)) : 0
        let span = max(0, scale) + below
        let zero = left + 66 + (span > 0 ? plotWidth * below / span : 0)
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(fixed(width))" height="\(fixed(chartHeight))" viewBox="0 0 \(fixed(width)) \(fixed(chartHeight))" \
            role="img" aria-label="\(HTML.escape(title))" font-family="sans-serif" font-size="11">
            <title>\(HTML.escape(title))</title>
            <text x="\(fixed(left + 66))" y="\(fixed(top))" fill="#333" font-weight="bold">\(HTML.escape(title))</text>

            """
        if below > 0 {
            svg += "<line x1=\"\(fixed(zero))\" x2=\"\(fixed(zero))\" y1=\"\(fixed(top + 6))\" y2=\"\(fixed(chartHeight - 4))\" stroke=\"#999\"/>\n"
        }
        for (index, row) in rows.enumerated() {
            let rowY = top + titleHeight + rowHeight * Double(index)
            let barWidth = span > 0 ? plotWidth * min(1, max(0, signed ? abs(row.value) : row.value) / span) : 0
            let negative = signed && row.value < 0
            let barX = negative ? zero - barWidth : zero
            svg += "<text x=\"\(fixed(left + 60))\" y=\"\(fixed(rowY + 14))\" text-anchor=\"end\" fill=\"#333\">\(HTML.escape(row.label))</text>"
            svg += "<rect x=\"\(fixed(barX))\" y=\"\(fixed(rowY + 3))\" width=\"\(fixed(barWidth))\" height=\"14\" fill=\"\(negative ? "#d62728" : row.color)\"/>"
            svg += "<text x=\"\(fixed(max(zero, barX + barWidth) + 6))\" y=\"\(fixed(rowY + 14))\" fill=\"#333\">\(HTML.escape(format(row.value)))</text>\n"
        }
        return svg + "</svg>"
    }

    /// One decimal: enough for pixels, and the same bytes every run.
    static func fixed(_ value: Double) -> String {
        // By hand: String(format:) goes through Foundation's locale machinery, thousands of times a pack.
        guard value.isFinite, abs(value) < 1e15 else { return "0.0" }
        let tenths = Int64((value * 10).rounded())
        let sign = tenths < 0 ? "-" : ""
        return "\(sign)\(tenths.magnitude / 10).\(tenths.magnitude % 10)"
    }
}
