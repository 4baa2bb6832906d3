import Foundation

/// The ledger as records: one `ledger` record per finding (its status, money, change, verification and
/// every transition), one `costhistory` record per (run, cluster, team), the latest bill reconciliation
/// per cluster and one `ledgerincident` record per incident. `ledger record` appends
/// them to the stream for render-report; `ledger export` writes them as NDJSON or CSV.
public struct LedgerExport {
    let store: LedgerStore

    public init(store: LedgerStore) { self.store = store }

    /// The incidents alone (`ledger incidents`).
    public func incidents(clusters: [String]? = nil, openOnly: Bool = false) throws -> [JSONValue] {
        try LedgerIncidents(store: store).records(clusters: clusters, openOnly: openOnly)
    }

    public func records(clusters: [String]? = nil) throws -> [JSONValue] {
        try store.findings(inClusters: clusters).map(ledgerRecord) + costHistory(clusters: clusters) + billReconciliation(clusters: clusters)
            + LedgerIncidents(store: store).records(clusters: clusters)
    }

    func ledgerRecord(_ stored: LedgerStore.StoredFinding) throws -> JSONValue {
        let row = stored.row
        let transitions = try store.transitions(of: stored.id)
        func money(_ column: String) -> JSONValue { row[column].int.map { Money(cents: $0).json } ?? .null }
        func parsed(_ column: String) -> JSONValue { row[column].string.flatMap { try? JSON.parse($0).value } ?? .null }
        // Since the last change of status: a transition that keeps it (a PR opened, a merge noted) does not count.
        let statusSince = transitions.last { $0["from_status"].string != $0["to_status"].string }?["at"].string
        let notes = row["finding"].string.flatMap { try? JSON.parse($0) }?["notes"]?.value.stringList ?? []
        return [
            "kind": "ledger", "id": .string(stored.id), "cluster": .string(stored.cluster), "namespace": .optional(row["namespace"].string),
            "team": .optional(row["team"].string), "detector": .optional(row["detector"].string),
            "target": ["kind": .optional(row["target_kind"].string), "name": .optional(row["target_name"].string),
                       "container": .optional(row["container"].string)],
            "summary": .optional(row["summary"].string), "status": .string(stored.status.rawValue),
            "statusSince": .optional(statusSince),
            "firstSeen": .optional(row["first_seen"].string), "lastSeen": .optional(row["last_seen"].string),
            "baselineMonthlyCost": money("baseline_cost_cents"), "baselineMonthlySavings": money("baseline_savings_cents"),
            "monthlySavings": money("savings_cents"), "realizedMonthlySavings": money("realized_savings_cents"),
            "risk": ["overall": .optional(row["risk_overall"].double), "level": .optional(row["risk_level"].string),
                     "gate": .optional(row["gate"].string)],
            "change": row["change_branch"].string == nil && row["change_url"].string == nil && row["change_state"].string == nil ? .null
                : ["branch": .optional(row["change_branch"].string), "url": .optional(row["change_url"].string),
                   "commit": .optional(row["change_commit"].string), "state": .optional(row["change_state"].string),
                   "reason": .optional(row["change_reason"].string)],
            "notes": .strings(notes),
            // The finding as last reported, once runs stop reporting it (its change went in, or it closed):
            // its evidence, for the site's finding page. Open findings are in the run's stream.
            "lastReported": stored.status.isOpen ? .null : parsed("finding"),
            "verification": parsed("verification"),
            "billedMonthlySavings": money("billed_savings_cents"), "billVerification": parsed("bill_verification"),
            "transitions": .array(transitions.map { t in
                ["from": .optional(t["from_status"].string), "to": .optional(t["to_status"].string), "at": .optional(t["at"].string),
                 "actor": .optional(t["actor"].string), "reason": .optional(t["reason"].string), "change": .optional(t["change_state"].string)]
            }),
        ]
    }

    func costHistory(clusters: [String]?) throws -> [JSONValue] {
        var sql = "SELECT run_id, at, cluster, team, monthly_cost_cents, open_savings_cents, realized_savings_cents FROM cost_history"
        var values: [SQLValue] = []
        if let clusters {
            if clusters.isEmpty { return [] }
            sql += " WHERE cluster IN (\(Array(repeating: "?", count: clusters.count).joined(separator: ",")))"
            values = clusters.map(SQLValue.text)
        }
        sql += " ORDER BY run_id, cluster, team"
        return try store.db.rows(sql, values).map { row in
            [
                "kind": "costhistory", "run": .optional(row["run_id"].int), "at": .optional(row["at"].string),
                "cluster": .optional(row["cluster"].string), "team": .optional(row["team"].string),
                "monthlyCost": Money(cents: row["monthly_cost_cents"].int ?? 0).json,
                "openMonthlySavings": Money(cents: row["open_savings_cents"].int ?? 0).json,
                "realizedMonthlySavings": Money(cents: row["realized_savings_cents"].int ?? 0).json,
            ]
        }
    }

    /// The latest run's allocation reconciled to the bill, per cluster: one `billreconciliation` record each.
    func billReconciliation(clusters: [String]?) throws -> [JSONValue] {
        let rows = try store.db.rows("""
            SELECT run_id, cluster, period_start, period_end, team, billed_cents, billed_total_cents FROM bill_reconciliation
            WHERE run_id = (SELECT MAX(run_id) FROM bill_reconciliation AS latest WHERE latest.cluster = bill_reconciliation.cluster)
            ORDER BY cluster, team
            """)
        var byCluster: [String: [SQLRow]] = [:]
        for row in rows {
            guard let cluster = row["cluster"].string, clusters?.contains(cluster) ?? true else { continue }
            byCluster[cluster, default: []].append(row)
        }
        return byCluster.keys.sorted().map { cluster in
            let lines = byCluster[cluster]!
            return [
                "kind": "billreconciliation", "cluster": .string(cluster), "run": .optional(lines.first?["run_id"].int),
                "periodStart": .optional(lines.first?["period_start"].string), "periodEnd": .optional(lines.first?["period_end"].string),
                // The bill's own total, kept apart from the lines: the report checks one against the other.
                "billedTotal": Money(cents: lines.first?["billed_total_cents"].int ?? 0).json,
                "lines": .array(lines.map { ["team": .optional($0["team"].string), "billed": Money(cents: $0["billed_cents"].int ?? 0).json] }),
            ]
        }
    }

    /// The findings as CSV (RFC 4180 quoting), one row each, for a spreadsheet.
    public func csv() throws -> String {
        let columns = ["id", "cluster", "namespace", "team", "detector", "target_kind", "target_name", "container", "status",
                       "first_seen", "last_seen", "baseline_cost_cents", "savings_cents", "realized_savings_cents", "risk_level",
                       "gate", "change_state", "change_url", "summary"]
        var lines = [columns.map { $0.replacingOccurrences(of: "_cents", with: "") }.joined(separator: ",")]
        for stored in try store.findings() {
            lines.append(columns.map { column -> String in
                let value: String
                switch stored.row[column] {
                case .null: value = ""
                case .int(let number): value = column.hasSuffix("_cents") ? Money(cents: number).plain : String(number)
                case .double(let number): value = String(number)
                case .text(let text): value = text
                }
                return Self.quoted(value)
            }.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func quoted(_ value: String) -> String {
        // A leading = + - @ tab or CR would be a formula in a spreadsheet: prefix a quote (OWASP's CSV injection advice).
        var text = value
        if let first = text.first, "=+-@\t\r".contains(first), Double(text) == nil { text = "'" + text }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

extension Money {
    /// `1234.56`, `-0.81`: dollars with two decimals and no symbol, for CSV.
    public var plain: String {
        let magnitude = cents.magnitude
        let fraction = magnitude % 100
        return (cents < 0 ? "-" : "") + String(magnitude / 100) + "." + (fraction < 10 ? "0" : "") + String(fraction)
    }
}
