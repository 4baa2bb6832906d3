import Foundation
internal import CSQLite

/// A SQLite failure, with the database file and what was being done.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let message: String
    /// SQLite's result code (0 when the error is ours).
    public var code: Int32 = 0
    public var description: String { "\(path): \(message)" }

    var isBusy: Bool { code == SQLITE_BUSY || code == SQLITE_LOCKED }
}

/// One connection to a SQLite file: WAL journal (readers never block the writer), a busy timeout so
/// a second cron run waits for the first instead of failing, and `synchronous=FULL` so a committed
/// transaction survives a crash or power loss.
public final class SQLiteDatabase: SQLDatabase {
    private let handle: OpaquePointer
    public let path: String
    public var name: String { path }
    public var dialect: SQLDialect { .sqlite }
    private let busyTimeout: Double

    public init(path: String, busyTimeoutMilliseconds: Int32 = 30_000) throws(SQLiteError) {
        var db: OpaquePointer?
        let status = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nil)
        guard status == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(path: path, message: "cannot open the database: \(message)")
        }
        handle = db
        self.path = path
        busyTimeout = Double(busyTimeoutMilliseconds) / 1000
        sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
        // Switching a new file to WAL takes an exclusive lock, and a second process opening it at that
        // moment gets SQLITE_BUSY without the busy handler being asked: retry it like the handler would.
        try retryingWhileBusy { () throws(SQLiteError) in try execute("PRAGMA journal_mode=WAL") }
        try execute("PRAGMA synchronous=FULL")
        try execute("PRAGMA foreign_keys=ON")
    }

    deinit { sqlite3_close_v2(handle) }

    /// The schema version kept in the file's header (`PRAGMA user_version`).
    public var userVersion: Int64 {
        get throws(SQLiteError) { try rows("PRAGMA user_version", []).first?["user_version"].int ?? 0 }
    }

    public func schemaVersion() throws -> Int { Int(try userVersion) }
    public func setSchemaVersion(_ version: Int) throws { try execute("PRAGMA user_version = \(version)") }

    public func tableExists(_ table: String) throws -> Bool {
        !(try rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?", [.text(table)])).isEmpty
    }

    /// Runs SQL with no parameters (may hold several statements).
    public func execute(_ sql: String) throws(SQLiteError) {
        var error: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(handle, sql, nil, nil, &error)
        guard status == SQLITE_OK else {
            let message = error.map { String(cString: $0) } ?? lastError
            sqlite3_free(error)
            throw SQLiteError(path: path, message: message, code: status & 0xFF)
        }
    }

    /// Runs one statement with parameters; returns the rows changed.
    @discardableResult
    public func run(_ sql: String, _ values: [SQLValue] = []) throws(SQLiteError) -> Int {
        _ = try rows(sql, values)
        return Int(sqlite3_changes(handle))
    }

    /// Runs one statement with parameters and returns its rows.
    public func rows(_ sql: String, _ values: [SQLValue] = []) throws(SQLiteError) -> [SQLRow] {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw SQLiteError(path: path, message: "\(lastError) in: \(sql.prefix(80))")
        }
        defer { sqlite3_finalize(statement) }
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            switch value {
            case .null: sqlite3_bind_null(statement, index)
            case .int(let number): sqlite3_bind_int64(statement, index, number)
            case .double(let number): sqlite3_bind_double(statement, index, number)
            case .text(let text): ap_sqlite3_bind_text_transient(statement, index, text, -1)
            }
        }
        var result: [SQLRow] = []
        while true {
            let status = sqlite3_step(statement)
            if status == SQLITE_DONE { break }
            guard status == SQLITE_ROW else { throw SQLiteError(path: path, message: "\(lastError) in: \(sql.prefix(80))") }
            var row: [String: SQLValue] = [:]
            for column in 0..<sqlite3_column_count(statement) {
                let name = String(cString: sqlite3_column_name(statement, column))
                switch sqlite3_column_type(statement, column) {
                case SQLITE_INTEGER: row[name] = .int(sqlite3_column_int64(statement, column))
                case SQLITE_FLOAT: row[name] = .double(sqlite3_column_double(statement, column))
                case SQLITE_NULL: row[name] = .null
                default: row[name] = .text(String(cString: sqlite3_column_text(statement, column)))
                }
            }
            result.append(SQLRow(values: row))
        }
        return result
    }

    /// Runs `body` in one write transaction (`BEGIN IMMEDIATE`: the write lock is taken first, so two
    /// writers queue on the busy timeout instead of deadlocking); any error rolls everything back. The
    /// file has one write lock, so `keys` need nothing more.
    public func transaction<T>(locking keys: [String], _ body: () throws -> T) throws -> T {
        try retryingWhileBusy { () throws(SQLiteError) in try execute("BEGIN IMMEDIATE") }
        return try committing(body)
    }

    public func migrationTransaction<T>(_ body: () throws -> T) throws -> T { try transaction(locking: [], body) }

    private var lastError: String { String(cString: sqlite3_errmsg(handle)) }

    /// Runs `step` again while SQLite answers busy, for up to the busy timeout.
    private func retryingWhileBusy(_ step: () throws(SQLiteError) -> Void) throws(SQLiteError) {
        let deadline = Date().addingTimeInterval(busyTimeout)
        while true {
            do throws(SQLiteError) {
                try step()
                return
            } catch where error.isBusy && Date() < deadline {
                usleep(20_000)
            }
        }
    }
}
