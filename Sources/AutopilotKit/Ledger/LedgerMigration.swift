import Foundation

/// `ledger migrate`: every row of one ledger copied into another, empty one (a bastion's SQLite file into
/// the fleet's PostgreSQL, or back), ids and run numbers kept, in one transaction on the target: a copy
/// that fails leaves the target as it was. Both are opened as every command opens a ledger, so each is
/// first migrated to this version's schema.
public enum LedgerMigration {
    /// The ledger's tables, parents before the tables that refer to them.
    public static let tables = ["findings", "transitions", "runs", "cost_history", "slack_messages", "slack_signatures",
                                "bill_reconciliation", "incidents", "incident_events", "incident_findings"]
    /// Columns a database numbers itself; the copy writes them as they were, then moves the numbering past them.
    static let numbered = ["transitions": "seq", "runs": "id", "incident_events": "seq"]

    public struct TargetNotEmpty: Error, CustomStringConvertible {
        public let name: String
        public let rows: Int
        public var description: String { "\(name) already holds \(rows) rows; migrate into an empty ledger" }
    }

    /// Copies `source` into `target` and returns the rows copied per table.
    @discardableResult
    public static func copy(from source: LedgerStore, to target: LedgerStore) throws -> [(table: String, rows: Int)] {
        try target.db.transaction {
            // A second migrate or a run into the same target waits here, and then finds it not empty (73).
            if target.db.dialect == .postgres { try target.db.execute("LOCK TABLE \(tables.joined(separator: ", ")) IN EXCLUSIVE MODE") }
            let present = try tables.reduce(0) { total, table in
                total + Int(try target.db.rows("SELECT COUNT(*) AS n FROM \(table)").first?["n"].int ?? 0)
            }
            guard present == 0 else { throw TargetNotEmpty(name: target.db.name, rows: present) }
            var copied: [(String, Int)] = []
            for table in tables {
                let rows = try source.db.rows("SELECT * FROM \(table)")
                for row in rows {
                    let columns = row.values.keys.sorted()
                    let marks = Array(repeating: "?", count: columns.count).joined(separator: ", ")
                    try target.db.run("INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(marks))", columns.map { row[$0] })
                }
                if let column = numbered[table], target.db.dialect == .postgres {
                    try target.db.run("SELECT setval(pg_get_serial_sequence('\(table)', '\(column)'), COALESCE(MAX(\(column)), 0) + 1, false) FROM \(table)")
                }
                copied.append((table, rows.count))
            }
            return copied
        }
    }
}
