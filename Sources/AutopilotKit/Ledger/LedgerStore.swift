import Foundation

/// Where a finding is in its life: detected → approved → implemented → verified, or rejected by a
/// human, or expired when a run no longer sees it.
public enum FindingStatus: String, CaseIterable, Sendable {
    case detected, approved, implemented, verified, rejected, expired

    /// Detected or approved: a run that no longer reports such a finding expires it.
    public var isOpen: Bool { self == .detected || self == .approved }

    /// Savings still to be had: detected, approved, or implemented and not yet verified (the report's
    /// identified + projected).
    public var isUnrealized: Bool { isOpen || self == .implemented }
}

/// The ledger's SQLite file: schema migrations, and the few statements the ledger needs.
public final class LedgerStore {
    public let db: SQLiteDatabase

    /// The schema, one migration per version; a file at version N gets N+1… applied in order, each in
    /// its own transaction. Never edit a shipped migration: add the next one.
    static let migrations: [String] = [
        // 1: findings and their transitions.
        """
        CREATE TABLE findings (
            id TEXT PRIMARY KEY,
            cluster TEXT NOT NULL,
            namespace TEXT,
            team TEXT NOT NULL,
            detector TEXT NOT NULL,
            target_kind TEXT,
            target_name TEXT,
            container TEXT,
            summary TEXT NOT NULL,
            status TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            baseline_cost_cents INTEGER,
            baseline_savings_cents INTEGER,
            baseline TEXT NOT NULL,
            savings_cents INTEGER,
            risk_overall REAL,
            risk_level TEXT,
            gate TEXT,
            finding TEXT NOT NULL
        );
        CREATE TABLE transitions (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            finding_id TEXT NOT NULL REFERENCES findings(id),
            from_status TEXT,
            to_status TEXT NOT NULL,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            reason TEXT
        );
        CREATE INDEX transitions_by_finding ON transitions(finding_id, seq);
        """,
        // 2: changes, verification, and the weekly cost history.
        """
        ALTER TABLE findings ADD COLUMN change_branch TEXT;
        ALTER TABLE findings ADD COLUMN change_url TEXT;
        ALTER TABLE findings ADD COLUMN change_commit TEXT;
        ALTER TABLE findings ADD COLUMN realized_savings_cents INTEGER;
        ALTER TABLE findings ADD COLUMN verification TEXT;
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            clusters TEXT NOT NULL
        );
        CREATE TABLE cost_history (
            run_id INTEGER NOT NULL REFERENCES runs(id),
            at TEXT NOT NULL,
            cluster TEXT NOT NULL,
            team TEXT NOT NULL,
            monthly_cost_cents INTEGER NOT NULL,
            open_savings_cents INTEGER NOT NULL,
            realized_savings_cents INTEGER NOT NULL,
            PRIMARY KEY (run_id, cluster, team)
        );
        """,
        """
        CREATE TABLE slack_messages (
            finding_id TEXT PRIMARY KEY REFERENCES findings(id),
            channel TEXT NOT NULL,
            ts TEXT NOT NULL,
            lifecycle_start TEXT NOT NULL,
            posted_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        """,
        """
        CREATE TABLE slack_signatures (
            signature TEXT PRIMARY KEY,
            seen_at TEXT NOT NULL
        );
        CREATE INDEX slack_signatures_seen_at ON slack_signatures(seen_at);
        """,
        // 5: what the customer's bill says (`ledger record --billing`): realisable savings, verification by
        // the bill, and each run's allocation reconciled to the bill.
        """
        ALTER TABLE findings ADD COLUMN billed_savings_cents INTEGER;
        ALTER TABLE findings ADD COLUMN bill_verification TEXT;
        CREATE TABLE bill_reconciliation (
            run_id INTEGER NOT NULL REFERENCES runs(id),
            cluster TEXT NOT NULL,
            period_start TEXT,
            period_end TEXT,
            team TEXT NOT NULL,
            billed_cents INTEGER NOT NULL,
            billed_total_cents INTEGER NOT NULL,
            PRIMARY KEY (run_id, cluster, team)
        );
        """,
    ]

    public static var currentVersion: Int { migrations.count }

    /// Opens (creating if needed) and migrates to `version` (the latest unless a test asks for an older one).
    public init(path: String, migratingTo version: Int = LedgerStore.currentVersion) throws {
        db = try SQLiteDatabase(path: path)
        try migrate(to: version)
    }

    private func migrate(to version: Int) throws {
        while true {
            // Read the version inside the write lock, so two runs opening a new file migrate it once.
            let done = try db.transaction { () throws -> Bool in
                let current = Int(try db.userVersion)
                if current > Self.currentVersion {
                    throw SQLiteError(path: db.path, message: "schema version \(current) is newer than this ledger (\(Self.currentVersion)); upgrade autopilot")
                }
                guard current < version else { return true }
                try db.execute(Self.migrations[current])
                try db.execute("PRAGMA user_version = \(current + 1)")
                return false
            }
            if done { return }
        }
    }

    // MARK: Findings

    public struct StoredFinding: Sendable {
        public var id: String
        public var cluster: String
        public var status: FindingStatus
        public var row: SQLRow
    }

    public func finding(_ id: String) throws -> StoredFinding? {
        try db.rows("SELECT * FROM findings WHERE id = ?", [.text(id)]).first.map(Self.stored)
    }

    public func findings(inClusters clusters: [String]? = nil) throws -> [StoredFinding] {
        guard let clusters else { return try db.rows("SELECT * FROM findings ORDER BY id").map(Self.stored) }
        let marks = Array(repeating: "?", count: clusters.count).joined(separator: ",")
        return try db.rows("SELECT * FROM findings WHERE cluster IN (\(marks)) ORDER BY id", clusters.map(SQLValue.text)).map(Self.stored)
    }

    private static func stored(_ row: SQLRow) -> StoredFinding {
        StoredFinding(id: row["id"].string ?? "", cluster: row["cluster"].string ?? "",
                      status: FindingStatus(rawValue: row["status"].string ?? "") ?? .detected, row: row)
    }

    /// Moves a finding to `status` and writes the transition, in the caller's transaction.
    public func transition(_ id: String, from: FindingStatus?, to: FindingStatus, at: Date, actor: String, reason: String?) throws {
        try db.run("UPDATE findings SET status = ? WHERE id = ?", [.text(to.rawValue), .text(id)])
        try db.run("INSERT INTO transitions (finding_id, from_status, to_status, at, actor, reason) VALUES (?, ?, ?, ?, ?, ?)",
                   [.text(id), .optional(from?.rawValue), .text(to.rawValue), .text(RFC3339.string(at)), .text(actor), .optional(reason)])
    }

    public func transitions(of id: String) throws -> [SQLRow] {
        try db.rows("SELECT from_status, to_status, at, actor, reason FROM transitions WHERE finding_id = ? ORDER BY seq", [.text(id)])
    }

    // MARK: Slack replay protection

    /// Records a signed Slack request as handled; false when it already was (a replay). Kept in the file so
    /// a restart of slack-approvals does not forget; signatures older than `keep` are dropped, since Slack's
    /// timestamp check refuses such requests anyway.
    public func rememberSignature(_ signature: String, at now: Date, keep: TimeInterval) throws -> Bool {
        try db.transaction {
            try db.run("DELETE FROM slack_signatures WHERE seen_at < ?", [.text(RFC3339.string(now.addingTimeInterval(-keep)))])
            return try db.run("INSERT OR IGNORE INTO slack_signatures (signature, seen_at) VALUES (?, ?)",
                              [.text(signature), .text(RFC3339.string(now))]) == 1
        }
    }
}
