import Foundation

/// Where an incident is in its life: open when a run first reports it, resolved when a run of its cluster
/// no longer does (no signal in that run's window), reopened when a later run reports it again.
public enum IncidentStatus: String, CaseIterable, Sendable {
    case open, resolved, reopened

    public var isOpen: Bool { self != .resolved }
}

/// The incidents of `ledger record`: each `incident` record (detect-incidents) upserted by its id (stable
/// for the same trouble starting at the same time), its status moved with a dated event, and linked to the
/// findings its actions opened. Written in the run's transaction.
struct LedgerIncidents {
    static let actor = "ledger record"
    let store: LedgerStore

    func record(_ incidents: [JSON], clusters: [String], now: Date, diagnostics: Diagnostics) throws {
        let at = RFC3339.string(now)
        var seen = Set<String>()
        for incident in incidents {
            guard let id = incident["id"]?.string, !id.isEmpty, let cluster = incident["cluster"]?.string else {
                diagnostics.warning("an incident without an id or cluster is not recorded")
                continue
            }
            seen.insert(id)
            let root = incident["rootCause"]
            let values: [SQLValue] = [
                .text(cluster), .optional(incident["namespace"]?.string), .text(incident["team"]?.string ?? "unassigned"),
                .optional(incident["target"]?["kind"]?.string), .optional(incident["target"]?["name"]?.string),
                .text(incident["category"]?.string ?? "unknown"), .text(incident["severity"]?.string ?? "warning"),
                .text(incident["summary"]?.string ?? ""), .optional(root?["hypothesis"]?.string), .optional(root?["summary"]?.string),
                .optional(root?["confidence"]?.double), .optional(incident["start"]?.string), .optional(incident["end"]?.string),
                .text(at), .text(incident.value.text),
            ]
            if let stored = try store.db.rows("SELECT status FROM incidents WHERE id = ?", [.text(id)]).first {
                try store.db.run("""
                    UPDATE incidents SET cluster = ?, namespace = ?, team = ?, target_kind = ?, target_name = ?, category = ?, severity = ?,
                    summary = ?, root_cause = ?, root_cause_summary = ?, confidence = ?, first_signal = ?, last_signal = ?, last_seen = ?,
                    incident = ? WHERE id = ?
                    """, values + [.text(id)])
                if stored["status"].string == IncidentStatus.resolved.rawValue {
                    try store.db.run("UPDATE incidents SET status = 'reopened', resolved_at = NULL WHERE id = ?", [.text(id)])
                    try event(id, from: .resolved, to: .reopened, at: at, reason: "reported again")
                }
            } else {
                try store.db.run("""
                    INSERT INTO incidents (cluster, namespace, team, target_kind, target_name, category, severity, summary, root_cause,
                    root_cause_summary, confidence, first_signal, last_signal, last_seen, incident, id, detected_at, status)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open')
                    """, values + [.text(id), .text(at)])
                try event(id, from: nil, to: .open, at: at, reason: "first reported")
            }
            for action in incident["actions"]?.value.arrayValue ?? [] {
                guard let finding = action["findingId"]?.stringValue else { continue }
                try store.db.run("INSERT INTO incident_findings (incident_id, finding_id, action) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                                 [.text(id), .text(finding), .text(action["type"]?.stringValue ?? "")])
            }
        }
        guard !clusters.isEmpty else { return }
        let marks = Array(repeating: "?", count: clusters.count).joined(separator: ",")
        let open = try store.db.rows("SELECT id, status FROM incidents WHERE status <> 'resolved' AND cluster IN (\(marks)) ORDER BY id",
                                     clusters.map(SQLValue.text))
        for row in open {
            guard let id = row["id"].string, !seen.contains(id), let status = row["status"].string.flatMap(IncidentStatus.init) else { continue }
            try store.db.run("UPDATE incidents SET status = 'resolved', resolved_at = ? WHERE id = ?", [.text(at), .text(id)])
            try event(id, from: status, to: .resolved, at: at, reason: "no signal in the run of \(at)")
        }
    }

    private func event(_ id: String, from: IncidentStatus?, to: IncidentStatus, at: String, reason: String) throws {
        try store.db.run("INSERT INTO incident_events (incident_id, from_status, to_status, at, reason) VALUES (?, ?, ?, ?, ?)",
                         [.text(id), .optional(from?.rawValue), .text(to.rawValue), .text(at), .text(reason)])
    }

    // MARK: Reading

    /// One `ledgerincident` record per incident, newest detection first (then by id): `clusters` nil for all.
    func records(clusters: [String]? = nil, openOnly: Bool = false) throws -> [JSONValue] {
        var conditions: [String] = []
        var values: [SQLValue] = []
        if let clusters {
            if clusters.isEmpty { return [] }
            conditions.append("cluster IN (\(Array(repeating: "?", count: clusters.count).joined(separator: ",")))")
            values += clusters.map(SQLValue.text)
        }
        if openOnly { conditions.append("status <> 'resolved'") }
        let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        let rows = try store.db.rows("SELECT * FROM incidents\(filter) ORDER BY detected_at DESC, id", values)
        return try rows.map { row in
            let id = row["id"].string ?? ""
            let events = try store.db.rows("SELECT from_status, to_status, at, reason FROM incident_events WHERE incident_id = ? ORDER BY seq",
                                           [.text(id)])
            let findings = try store.db.rows("SELECT finding_id FROM incident_findings WHERE incident_id = ? ORDER BY finding_id", [.text(id)])
            let first = row["first_signal"].string.flatMap(RFC3339.date)
            let last = row["last_signal"].string.flatMap(RFC3339.date)
            let resolved = row["status"].string == IncidentStatus.resolved.rawValue
            return [
                "kind": "ledgerincident", "id": .string(id), "cluster": .optional(row["cluster"].string),
                "namespace": .optional(row["namespace"].string), "team": .optional(row["team"].string),
                "target": ["kind": .optional(row["target_kind"].string), "name": .optional(row["target_name"].string)],
                "category": .optional(row["category"].string), "severity": .optional(row["severity"].string),
                "summary": .optional(row["summary"].string),
                "rootCause": row["root_cause"].string == nil ? .null
                    : ["hypothesis": .optional(row["root_cause"].string), "summary": .optional(row["root_cause_summary"].string),
                       "confidence": .optional(row["confidence"].double)],
                "status": .optional(row["status"].string), "detectedAt": .optional(row["detected_at"].string),
                "firstSignal": .optional(row["first_signal"].string), "lastSignal": .optional(row["last_signal"].string),
                "lastSeen": .optional(row["last_seen"].string), "resolvedAt": .optional(row["resolved_at"].string),
                // From the first signal to the last: when the trouble stopped, which a weekly run only brackets.
                "timeToResolveSeconds": resolved ? first.flatMap { start in last.map { .int(Int64($0.timeIntervalSince(start))) } } ?? .null : .null,
                "findingIds": .strings(findings.compactMap { $0["finding_id"].string }),
                "transitions": .array(events.map { event in
                    ["from": .optional(event["from_status"].string), "to": .optional(event["to_status"].string),
                     "at": .optional(event["at"].string), "reason": .optional(event["reason"].string)]
                }),
            ]
        }
    }
}
