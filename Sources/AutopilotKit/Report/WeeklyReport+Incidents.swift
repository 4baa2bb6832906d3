import Foundation

/// The incidents the ledger keeps (`ledgerincident` records), counted for the week: new, ongoing,
/// resolved, and how long the resolved ones lasted.
public struct IncidentLifecycle: Sendable {
    public struct Row: Sendable {
        public var id: String
        public var cluster: String
        public var status: String
        /// new, ongoing or resolved: what the week saw of it.
        public var week: String
        public var category: String
        public var target: String
        public var rootCause: String?
        public var confidence: Double?
        public var detectedAt: String
        public var timeToResolve: TimeInterval?
    }

    public var new: Int
    public var ongoing: Int
    public var resolved: Int
    /// The median, over the incidents resolved this week, of first signal to last signal.
    public var medianTimeToResolve: TimeInterval?
    /// The week's incidents: new, then ongoing, then resolved; newest detection first within each.
    public var rows: [Row]

    /// From the ledger's `ledgerincident` records, or without them the stream's `incident` records (as
    /// detect-incidents writes them: status `observed`). Nil when there are neither.
    init?(_ records: [JSON], team: String?, weekStart: Date, now: Date) {
        var latest: [String: JSON] = [:]
        for record in records {
            guard let id = record["id"]?.string else { continue }
            if let team, let owner = record["team"]?.string, owner != team { continue }
            latest[id] = record
        }
        guard !latest.isEmpty else { return nil }
        func inWeek(_ text: String?) -> Bool { text.flatMap(RFC3339.date).map { $0 > weekStart && $0 <= now } ?? false }
        var rows: [Row] = []
        for (id, record) in latest {
            let status = record["status"]?.string ?? ""
            // A stream's own `incident` record (no ledger): detected when its signals start.
            let detected = record["detectedAt"]?.string ?? record["start"]?.string
            let week: String
            if status == IncidentStatus.resolved.rawValue {
                guard inWeek(record["resolvedAt"]?.string) else { continue }
                week = "resolved"
            } else if inWeek(detected) {
                week = "new"
            } else {
                week = "ongoing"
            }
            rows.append(Row(id: id, cluster: record["cluster"]?.string ?? "", status: status, week: week,
                            category: record["category"]?.string ?? "", target: IncidentListing.target(record.value),
                            rootCause: record["rootCause", "summary"]?.string, confidence: record["rootCause", "confidence"]?.double,
                            detectedAt: detected ?? "", timeToResolve: record["timeToResolveSeconds"]?.double))
        }
        let order = ["new": 0, "ongoing": 1, "resolved": 2]
        self.rows = rows.sorted { (order[$0.week] ?? 3, $1.detectedAt, $0.id) < (order[$1.week] ?? 3, $0.detectedAt, $1.id) }
        new = rows.filter { $0.week == "new" }.count
        ongoing = rows.filter { $0.week == "ongoing" }.count
        resolved = rows.filter { $0.week == "resolved" }.count
        let durations = rows.compactMap { $0.week == "resolved" ? $0.timeToResolve : nil }.sorted()
        medianTimeToResolve = durations.isEmpty ? nil
            : durations.count % 2 == 1 ? durations[durations.count / 2] : (durations[durations.count / 2 - 1] + durations[durations.count / 2]) / 2
    }

    /// `3 h 20 min`, `2 d 4 h`, `45 min`.
    static func duration(_ seconds: TimeInterval) -> String {
        let minutes = Int((seconds / 60).rounded())
        if minutes < 60 { return "\(minutes) min" }
        if minutes < 24 * 60 { return "\(minutes / 60) h" + (minutes % 60 == 0 ? "" : " \(minutes % 60) min") }
        return "\(minutes / 1440) d" + ((minutes % 1440) / 60 == 0 ? "" : " \((minutes % 1440) / 60) h")
    }

    /// `2 new, 1 ongoing, 3 resolved this week (median time to resolve 4 h 10 min)`.
    public var line: String {
        "\(new) new, \(ongoing) ongoing, \(resolved) resolved this week"
            + (medianTimeToResolve.map { " (median time to resolve, first to last signal: \(Self.duration($0)))" } ?? "")
    }

    var json: JSONValue {
        ["new": .int(Int64(new)), "ongoing": .int(Int64(ongoing)), "resolved": .int(Int64(resolved)),
         "medianTimeToResolveSeconds": medianTimeToResolve.map { .int(Int64($0.rounded())) } ?? .null,
         "incidents": .array(rows.map { row in
             ["id": .string(row.id), "cluster": .string(row.cluster), "status": .string(row.status), "week": .string(row.week),
              "category": .string(row.category), "target": .string(row.target), "rootCause": .optional(row.rootCause),
              "confidence": .optional(row.confidence), "detectedAt": .string(row.detectedAt),
              "timeToResolveSeconds": row.timeToResolve.map { .int(Int64($0.rounded())) } ?? .null]
         })]
    }

    func markdown(_ cell: (String) -> String) -> String {
        var md = "## Incidents\n\n\(line).\n\n"
        guard !rows.isEmpty else { return md }
        md += "| this week | status | category | target | root cause | detected |\n|---|---|---|---|---|---|\n"
        for row in rows {
            md += "| \(row.week) | \(cell(row.status)) | \(cell(row.category)) | \(cell(row.target)) | \(cell(Self.cause(row))) | \(cell(String(row.detectedAt.prefix(10)))) |\n"
        }
        return md + "\n"
    }

    var html: String {
        let e = HTML.escape
        var html = "<h2>Incidents</h2>\n<p>\(e(line)).</p>\n"
        guard !rows.isEmpty else { return html }
        html += "<table><thead><tr><th>this week</th><th>status</th><th>category</th><th>target</th><th>root cause</th><th>detected</th></tr></thead><tbody>"
        for row in rows {
            html += "<tr><td>\(e(row.week))</td><td>\(e(row.status))</td><td>\(e(row.category))</td><td>\(e(row.target))</td>"
                + "<td>\(e(Self.cause(row)))</td><td>\(e(String(row.detectedAt.prefix(10))))</td></tr>"
        }
        return html + "</tbody></table>\n"
    }

    static func cause(_ row: Row) -> String {
        guard let cause = row.rootCause else { return "–" }
        return cause + (row.confidence.map { " (\(Int(($0 * 100).rounded()))% confidence)" } ?? "")
    }
}
