import Foundation
internal import CLibPQ

/// A PostgreSQL failure, with the server (no password) and what was being done.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    public let name: String
    public let message: String
    /// The server's SQLSTATE (`40P01` deadlock, `55P03` lock timeout, …); empty for a connection failure.
    public var sqlState: String = ""
    /// The server could not be reached or refused the connection (exit 69, not 74).
    public var unreachable = false
    /// The URL is not one libpq can read (a usage mistake: exit 64).
    public var badURL = false
    public var description: String { "\(name): \(message)" }
}

/// One connection to a PostgreSQL server through libpq. Every value travels as text (libpq's text
/// format), typed by the server from the statement; results come back by column type (integers, floats,
/// text). Transactions run at READ COMMITTED and take a transaction-scoped advisory lock per key, so runs
/// of different clusters write side by side and two runs of one cluster queue (up to `lockTimeout`).
public final class PostgresDatabase: SQLDatabase {
    private let connection: OpaquePointer
    public let name: String
    public var dialect: SQLDialect { .postgres }

    /// The advisory-lock space of the ledger: (`clusterLockSpace`, hashtext(cluster)) per cluster, and one
    /// lock for schema migrations.
    static let clusterLockSpace: Int64 = 0x4150_4C47  // "APLG"
    static let migrationLockSpace: Int64 = 0x4150_4C48
    /// How long a run waits for another run of the same cluster before it gives up.
    static let lockTimeout = "5min"

    /// `url` is a libpq connection URI (`postgresql://user@host:5432/db?sslmode=verify-full`); libpq reads
    /// `PGPASSWORD`, `PGPASSFILE` and the URI's `passfile`, `sslmode`, `sslrootcert` itself. `password`, when
    /// given (from a file), wins over them.
    public init(url: String, password: String? = nil) throws(PostgresError) {
        name = Self.redacted(url)
        // libpq's errors quote the text they stumbled on, which may be (part of) the password: a URL it
        // cannot parse, or reads as a host with an `@` or a port that is no number, is refused in our words.
        let parsed = Self.parsed(url)
        guard let parsed, !(parsed["host"] ?? "").contains("@"), (parsed["port"] ?? "").allSatisfy({ $0.isNumber || $0 == "," }) else {
            throw PostgresError(name: name, message: "not a PostgreSQL connection URL (postgresql://user@host:port/database?sslmode=…)",
                                badURL: true)
        }
        // Before the URL, so the URL's own settings win: a 10 s connect timeout; TCP keepalives on both
        // ends, and a server-side limit on a transaction left idle, so a run cut off by the network or killed
        // loses its locks in minutes, not hours.
        var keywords = ["fallback_application_name", "connect_timeout", "keepalives_idle", "keepalives_interval", "keepalives_count",
                        "options", "dbname"]
        var values = ["autopilot", "10", "60", "10", "6",
                      "-c tcp_keepalives_idle=60 -c tcp_keepalives_interval=10 -c tcp_keepalives_count=6 -c idle_in_transaction_session_timeout=600000",
                      url]
        if let password { keywords.append("password"); values.append(password) }
        let connection = Self.withCStrings(keywords) { keywordPointers in
            Self.withCStrings(values) { valuePointers in PQconnectdbParams(keywordPointers, valuePointers, 1) }
        }
        guard let connection else { throw PostgresError(name: name, message: "cannot connect: out of memory", unreachable: true) }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = Self.scrubbed(Self.firstLine(PQerrorMessage(connection)), url: url, passwords: [password, parsed["password"]])
            PQfinish(connection)
            throw PostgresError(name: name, message: "cannot connect: \(message)", unreachable: true)
        }
        self.connection = connection
        // The server's NOTICEs ("relation already exists, skipping") would go to stderr: quiet on success.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
    }

    deinit { PQfinish(connection) }

    public func execute(_ sql: String) throws {
        let result = PQexec(connection, sql)
        defer { PQclear(result) }
        try check(result, sql)
    }

    @discardableResult
    public func run(_ sql: String, _ values: [SQLValue] = []) throws -> Int {
        let result = try statement(sql, values)
        defer { PQclear(result) }
        return Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    public func rows(_ sql: String, _ values: [SQLValue] = []) throws -> [SQLRow] {
        let result = try statement(sql, values)
        defer { PQclear(result) }
        let fields = PQnfields(result)
        let names = (0..<fields).map { String(cString: PQfname(result, $0)) }
        var rows: [SQLRow] = []
        for row in 0..<PQntuples(result) {
            var values: [String: SQLValue] = [:]
            for field in 0..<fields {
                if PQgetisnull(result, row, field) == 1 { values[names[Int(field)]] = .null; continue }
                let text = String(cString: PQgetvalue(result, row, field))
                values[names[Int(field)]] = Self.value(text, type: PQftype(result, field))
            }
            rows.append(SQLRow(values: values))
        }
        return rows
    }

    public func transaction<T>(locking keys: [String], _ body: () throws -> T) throws -> T {
        try inTransaction(body) {
            // Taken in the order of the lock keys themselves (the names' hashes), so two runs over
            // overlapping clusters cannot deadlock, even where two names share a hash.
            var hashes = Set<Int64>()
            for key in Set(keys) {
                guard let hash = try rows("SELECT hashtext(?) AS h", [.text(key)]).first?["h"].int else {
                    throw PostgresError(name: name, message: "no lock key for cluster \(key)")
                }
                hashes.insert(hash)
            }
            for hash in hashes.sorted() {
                try run("SELECT pg_advisory_xact_lock(?, ?)", [.int(Self.clusterLockSpace), .int(hash)])
            }
        }
    }

    public func migrationTransaction<T>(_ body: () throws -> T) throws -> T {
        try inTransaction(body) {
            try run("SELECT pg_advisory_xact_lock(?, 0)", [.int(Self.migrationLockSpace)])
            try execute("CREATE TABLE IF NOT EXISTS autopilot_schema (version BIGINT NOT NULL)")
        }
    }

    /// BEGIN, a lock timeout, `prepare` (the locks), `body`, COMMIT; any error rolls it all back.
    private func inTransaction<T>(_ body: () throws -> T, prepare: () throws -> Void) throws -> T {
        try execute("BEGIN")
        return try committing {
            try execute("SET LOCAL lock_timeout = '\(Self.lockTimeout)'")
            try prepare()
            return try body()
        }
    }

    public func schemaVersion() throws -> Int {
        guard try tableExists("autopilot_schema") else { return 0 }
        return Int(try rows("SELECT MAX(version) AS version FROM autopilot_schema").first?["version"].int ?? 0)
    }

    public func setSchemaVersion(_ version: Int) throws {
        try run("DELETE FROM autopilot_schema")
        try run("INSERT INTO autopilot_schema (version) VALUES (?)", [.int(Int64(version))])
    }

    public func tableExists(_ table: String) throws -> Bool {
        !(try rows("SELECT 1 AS present FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?",
                   [.text(table)])).isEmpty
    }

    // MARK: Statements

    private func statement(_ sql: String, _ values: [SQLValue]) throws -> OpaquePointer? {
        let texts: [String?] = values.map { value in
            switch value {
            case .null: return nil
            case .int(let number): return String(number)
            case .double(let number): return number.description
            case .text(let text): return text
            }
        }
        let translated = dialect.parameters(sql)
        let result = Self.withOptionalCStrings(texts) { pointers in
            PQexecParams(connection, translated, Int32(texts.count), nil, pointers, nil, nil, 0)
        }
        do { try check(result, sql) } catch { PQclear(result); throw error }
        return result
    }

    private func check(_ result: OpaquePointer?, _ sql: String) throws(PostgresError) {
        let status = PQresultStatus(result)
        guard status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK else { return }
        let message = result.map { Self.firstLine(PQresultErrorMessage($0)) } ?? Self.firstLine(PQerrorMessage(connection))
        let state = result.flatMap { PQresultErrorField($0, Int32(UInt8(ascii: "C"))) }.map { String(cString: $0) } ?? ""
        throw PostgresError(name: name, message: "\(message) in: \(sql.prefix(80))", sqlState: state)
    }

    /// A column's text as the value its type says (libpq's text format).
    static func value(_ text: String, type: Oid) -> SQLValue {
        switch type {
        case 20, 21, 23, 26: return Int64(text).map(SQLValue.int) ?? .text(text)  // int8, int2, int4, oid
        case 700, 701, 1700: return Double(text).map(SQLValue.double) ?? .text(text)  // float4, float8, numeric
        case 16: return .int(text == "t" ? 1 : 0)  // bool
        default: return .text(text)
        }
    }

    /// The URL without its password, for messages and logs.
    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return "postgresql://…" }
        components.password = nil
        components.queryItems = components.queryItems?.filter { $0.name != "password" }
        if components.queryItems?.isEmpty == true { components.queryItems = nil }
        return components.string ?? "postgresql://…"
    }

    /// A connection error without the password, should libpq or the server quote it.
    static func scrubbed(_ message: String, url: String, passwords: [String?]) -> String {
        var secrets = passwords.compactMap { $0 }
        if let components = URLComponents(string: url) {
            secrets += [components.percentEncodedPassword, components.password].compactMap { $0 }
            secrets += (components.queryItems ?? []).filter { $0.name == "password" }.compactMap(\.value)
        }
        return secrets.filter { !$0.isEmpty }.reduce(message) { $0.replacingOccurrences(of: $1, with: "***") }
    }

    /// The connection options libpq reads from `url` (nil when it cannot read it), by keyword.
    static func parsed(_ url: String) -> [String: String]? {
        var parseError: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(url, &parseError) else {
            if let parseError { PQfreemem(parseError) }
            return nil
        }
        defer { PQconninfoFree(options) }
        var values: [String: String] = [:]
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val { values[String(cString: keyword)] = String(cString: value) }
            option += 1
        }
        return values
    }

    private static func firstLine(_ message: UnsafePointer<CChar>?) -> String {
        let text = message.map { String(cString: $0) } ?? ""
        return text.split(separator: "\n").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown error"
    }

    /// The strings as a NULL-terminated C array (libpq's keyword and value lists), alive for `body`.
    private static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
        withOptionalCStrings(strings) { body($0) }
    }

    /// The strings as a C array of (possibly null) pointers with a NULL after the last, alive for `body`.
    private static func withOptionalCStrings<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
        let copies: [UnsafeMutablePointer<CChar>?] = strings.map { $0.flatMap { strdup($0) } }
        defer { copies.forEach { free($0) } }
        let pointers = copies.map { UnsafePointer($0) } + [nil]  // never empty, so baseAddress is never nil
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
