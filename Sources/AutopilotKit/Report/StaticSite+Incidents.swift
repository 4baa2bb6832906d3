import Foundation

/// The incidents timeline, a page per incident, and the anomaly timeline.
extension StaticSite {
    /// Every incident id the ledger or the stream holds.
    var incidentIDs: [String] { Set(ledgerIncidents.keys).union(streamIncidents.keys).sorted() }

    /// The newest record of an incident of each kind: the ledger's (lifecycle), the stream's (signals, evidence, actions).
    func incidentRecords(_ id: String) -> (ledger: JSON?, stream: JSON?) { (ledgerIncidents[id], streamIncidents[id]) }

    /// `2026-11-20 12:00` (UTC).
    static func minute(_ date: Date) -> String { RFC3339.string(date).prefix(16).replacingOccurrences(of: "T", with: " ") }

    static func when(_ record: JSON?) -> Date? {
        (record?["detectedAt"]?.string ?? record?["start"]?.string).flatMap(RFC3339.date)
    }

    // MARK: Incidents

    var incidentsPage: Page {
        let path = "incidents.html"
        let e = HTML.escape
        let from = fleet.now.addingTimeInterval(-WeeklyReport.timelineWindow)
        var events: [(at: Date, kind: String, text: String)] = []
        var rows = ""
        let ordered = incidentIDs.map { ($0, incidentRecords($0)) }.sorted {
            (Self.when($0.1.ledger ?? $0.1.stream) ?? .distantPast, $1.0) > (Self.when($1.1.ledger ?? $1.1.stream) ?? .distantPast, $0.0)
        }
        for (id, records) in ordered {
            guard let record = records.ledger ?? records.stream else { continue }
            let at = Self.when(record)
            if let at { events.append((at, "incident", record["summary"]?.string ?? id)) }
            let resolvedAt = record["resolvedAt"]?.string.flatMap(RFC3339.date)
            if let resolvedAt { events.append((resolvedAt, "resolved", record["summary"]?.string ?? id)) }
            rows += "<tr><td class=\"n\">\(e(at.map(Self.minute) ?? "?"))</td>"
                + "<td>\(Self.link(record["summary"]?.string ?? id, to: Self.incidentPath(id), from: path))</td>"
                + "<td>\(e(record["cluster"]?.string ?? ""))</td><td>\(e(record["category"]?.string ?? ""))</td><td>\(e(record["severity"]?.string ?? ""))</td>"
                + "<td>\(e(record["status"]?.string ?? ""))</td><td>\(e(record["rootCause", "summary"]?.string ?? "–"))</td></tr>"
        }
        var body = "<h1>Incidents</h1>\n"
        if let lifecycle = fleet.incidentLifecycle { body += "<p>\(e(lifecycle.line)).</p>\n" }
        body += SVGChart.timeline(title: "Incidents detected and resolved, last 4 weeks", events: events.filter { $0.at > from && $0.at <= fleet.now },
                                  from: from, to: fleet.now,
                                  kinds: [("incident", "#d62728"), ("resolved", "#2ca02c")])
        body += rows.isEmpty ? "<p>No incidents in the ledger or the stream.</p>\n"
            : "<table><thead><tr><th>detected</th><th>incident</th><th>cluster</th><th>category</th><th>severity</th><th>status</th>"
                + "<th>root cause</th></tr></thead><tbody>\(rows)</tbody></table>\n"
        return page(path, title: "Incidents", body: body)
    }

    func incidentPage(_ id: String) -> Page {
        let path = Self.incidentPath(id)
        let e = HTML.escape
        let (ledgerRecord, streamRecord) = incidentRecords(id)
        let record = ledgerRecord ?? streamRecord
        var body = "<h1>\(e(record?["summary"]?.string ?? id))</h1>\n"
        let target = record.map { IncidentListing.target($0.value) } ?? ""
        let facts: [(String, String)] = [
            ("incident", "<code>\(e(id))</code>"),
            ("cluster", Self.link(record?["cluster"]?.string ?? "", to: Self.clusterPath(record?["cluster"]?.string ?? ""), from: path)),
            ("team", e(record?["team"]?.string ?? "")), ("target", e(target)), ("category", e(record?["category"]?.string ?? "")),
            ("severity", e(record?["severity"]?.string ?? "")), ("status", e(record?["status"]?.string ?? "")),
            ("first signal", e(ledgerRecord?["firstSignal"]?.string ?? streamRecord?["start"]?.string ?? "–")),
            ("last signal", e(ledgerRecord?["lastSignal"]?.string ?? streamRecord?["end"]?.string ?? "–")),
            ("resolved", e(ledgerRecord?["resolvedAt"]?.string ?? "–")),
        ]
        body += "<table>" + facts.map { "<tr><th>\(e($0.0))</th><td>\($0.1)</td></tr>" }.joined() + "</table>\n"

        body += "<h2>Root cause</h2>\n"
        if let cause = record?["rootCause"] {
            let confidence = cause["confidence"]?.double.map { " (\(Int(($0 * 100).rounded()))% confidence)" } ?? ""
            body += "<p><strong>\(e(cause["hypothesis"]?.string ?? ""))</strong>: \(e(cause["summary"]?.string ?? ""))\(e(confidence))</p>\n"
            let evidence = streamRecord?["rootCause", "evidence"]?.value.stringList ?? []
            if !evidence.isEmpty { body += "<ul>" + evidence.map { "<li>\(e($0))</li>" }.joined() + "</ul>\n" }
        } else {
            body += "<p>No root cause found.</p>\n"
        }
        let signals = streamRecord?["signals"]?.array ?? []
        if !signals.isEmpty {
            body += "<h2>Signals</h2>\n<table><tr><th>from</th><th>until</th><th>source</th><th>signal</th><th>detail</th></tr>"
            for signal in signals {
                body += "<tr><td>\(e(signal["at"]?.string ?? ""))</td><td>\(e(signal["until"]?.string ?? ""))</td><td>\(e(signal["source"]?.string ?? ""))</td>"
                    + "<td>\(e(signal["name"]?.string ?? ""))</td><td>\(e(signal["detail"]?.string ?? ""))</td></tr>"
            }
            body += "</table>\n"
        }
        let actions = streamRecord?["actions"]?.array ?? []
        if !actions.isEmpty {
            body += "<h2>Actions</h2>\n<ul>"
            for action in actions {
                var item = "<li><strong>\(e(action["type"]?.string ?? ""))</strong>: \(e(action["summary"]?.string ?? ""))"
                if let command = action["command"]?.string { item += "<br><code>\(e(command))</code>" }
                if let finding = action["findingId"]?.string { item += "<br>" + findingLink(finding, from: path) }
                body += item + "</li>"
            }
            body += "</ul>\n"
        }
        let linked = ledgerRecord?["findingIds"]?.value.stringList ?? []
        if !linked.isEmpty {
            body += "<h2>Linked findings</h2>\n<ul>" + linked.map { "<li>\(findingLink($0, from: path))</li>" }.joined() + "</ul>\n"
        }
        let transitions = ledgerRecord?["transitions"]?.array ?? []
        if !transitions.isEmpty {
            body += "<h2>Lifecycle</h2>\n<table><tr><th>when</th><th>status</th><th>why</th></tr>"
            for transition in transitions {
                body += "<tr><td>\(e(transition["at"]?.string ?? ""))</td><td>\(e((transition["from"]?.string.map { "\($0) → " } ?? "") + (transition["to"]?.string ?? "")))</td>"
                    + "<td>\(e(transition["reason"]?.string ?? ""))</td></tr>"
            }
            body += "</table>\n"
        }
        return page(path, title: "Incident \(id)", body: body)
    }

    /// A finding's workload linked to its page when the site has one, else its id as text.
    func findingLink(_ id: String, from path: String) -> String {
        guard let entry = entries[id] else { return "<code>\(HTML.escape(id))</code>" }
        return Self.link("\(entry.workload): \(entry.detector)", to: Self.findingPath(id), from: path)
    }

    // MARK: Anomalies

    /// What moved unexpectedly: a line's monthly cost jumping between two runs (by a fifth and $10 or
    /// more), a change found unsafe, an incident; on a timeline and in a table, newest first.
    var anomalies: [(at: Date, kind: String, cluster: String, text: String)] {
        var found: [(at: Date, kind: String, cluster: String, text: String)] = []
        var series: [String: [(at: Date, cost: Money, cluster: String, team: String)]] = [:]
        var seen = Set<String>()
        for record in set.costHistory {
            guard let text = record["at"]?.string, let at = RFC3339.date(text), let cluster = record["cluster"]?.string,
                let team = record["team"]?.string, seen.insert("\(text)\u{1F}\(cluster)\u{1F}\(team)").inserted
            else { continue }
            series["\(cluster)\u{1F}\(team)", default: []].append((at, Money(dollars: record["monthlyCost"]?.double ?? 0), cluster, team))
        }
        for key in series.keys.sorted() {
            let points = series[key]!.sorted { $0.at < $1.at }
            for (before, after) in zip(points, points.dropFirst()) {
                let change = after.cost - before.cost
                guard change.cents.magnitude >= 1_000, change.cents.magnitude * 5 >= before.cost.cents.magnitude else { continue }
                found.append((after.at, "cost", after.cluster,
                              "\(WeeklyReport.teamLabel(after.team)): monthly cost \(before.cost) → \(after.cost) (\(change.cents > 0 ? "+" : "")\(change))"))
            }
        }
        for entry in fleet.entries where entry.verification == Verification.State.unsafe.rawValue {
            if let at = entry.verificationAt {
                found.append((at, "unsafe", entry.cluster, "\(entry.workload): \(entry.verificationReason ?? "unsafe after the change")"))
            }
        }
        for id in incidentIDs {
            let records = incidentRecords(id)
            guard let record = records.ledger ?? records.stream, let at = Self.when(record) else { continue }
            found.append((at, "incident", record["cluster"]?.string ?? "", record["summary"]?.string ?? id))
        }
        return found.sorted { ($0.at, $0.kind, $0.text) > ($1.at, $1.kind, $1.text) }
    }

    var anomaliesPage: Page {
        let path = "anomalies.html"
        let e = HTML.escape
        let list = anomalies
        var body = "<h1>Anomalies</h1>\n<p class=\"note\">Cost lines that moved by a fifth and $10 a month or more between two runs, changes found "
            + "unsafe after they went live, and incidents; last 4 weeks on the timeline, everything in the table.</p>\n"
        let from = fleet.now.addingTimeInterval(-WeeklyReport.timelineWindow)
        body += SVGChart.timeline(title: "Anomalies, last 4 weeks",
                                  events: list.filter { $0.at > from && $0.at <= fleet.now }.map { ($0.at, $0.kind, "\($0.cluster): \($0.text)") },
                                  from: from, to: fleet.now,
                                  kinds: [("cost", "#1f77b4"), ("unsafe", "#ff7f0e"), ("incident", "#d62728")])
        body += list.isEmpty ? "<p>Nothing unusual.</p>\n"
            : "<table><thead><tr><th>when</th><th>kind</th><th>cluster</th><th>what</th></tr></thead><tbody>"
                + list.map { "<tr><td class=\"n\">\(e(Self.minute($0.at)))</td><td>\(e($0.kind))</td><td>\(e($0.cluster))</td><td>\(e($0.text))</td></tr>" }
                .joined() + "</tbody></table>\n"
        return page(path, title: "Anomalies", body: body)
    }
}
