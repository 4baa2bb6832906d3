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

/// Where a ledger lives, from a `--db` value: a PostgreSQL database (`postgresql://…` or `postgres://…`,
/// shared by a fleet) or a SQLite file (a path, or `sqlite:PATH`; the default, for one bastion).
public enum LedgerLocation: Equatable, Sendable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(url: String)

    public init(_ text: String) {
        if text.hasPrefix("postgresql://") || text.hasPrefix("postgres://") {
            self = .postgres(url: text)
        } else if text.hasPrefix("sqlite:") {
            self = .sqlite(path: String(text.dropFirst("sqlite:".count)))
        } else {
            self = .sqlite(path: text)
        }
    }

    /// The SQLite path when it names no file yet (tools that only read a ledger refuse to create one).
    public var missingFile: String? {
        guard case .sqlite(let path) = self, !FileManager.default.fileExists(atPath: path) else { return nil }
        return path
    }

    /// As messages name it: the path, or the URL without a password.
    public var description: String {
        switch self {
        case .sqlite(let path): return path
        case .postgres(let url): return PostgresDatabase.redacted(url)
        }
    }
}

/// The ledger's database (a SQLite file or a PostgreSQL server): schema migrations, and the few
/// statements the ledger needs.
public final class LedgerStore {
    public let db: any SQLDatabase

    /// The schema, one migration per version; a database at version N gets N+1… applied in order, each in
    /// its own transaction. Written in SQLite's types; `SQLDialect.schema` gives PostgreSQL's. Never edit a
    /// shipped migration: add the next one.
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
        // 6: incidents and their lifecycle (open → resolved → reopened), linked to the findings their actions opened.
        """
        CREATE TABLE incidents (
            id TEXT PRIMARY KEY,
            cluster TEXT NOT NULL,
            namespace TEXT,
            team TEXT NOT NULL,
            target_kind TEXT,
            target_name TEXT,
            category TEXT NOT NULL,
            severity TEXT NOT NULL,
            summary TEXT NOT NULL,
            root_cause TEXT,
            root_cause_summary TEXT,
            confidence REAL,
            detected_at TEXT NOT NULL,
            first_signal TEXT,
            last_signal TEXT,
            last_seen TEXT NOT NULL,
            status TEXT NOT NULL,
            resolved_at TEXT,
            incident TEXT NOT NULL
        );
        CREATE INDEX incidents_by_cluster ON incidents(cluster, status);
        CREATE TABLE incident_events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            incident_id TEXT NOT NULL REFERENCES incidents(id),
            from_status TEXT,
            to_status TEXT NOT NULL,
            at TEXT NOT NULL,
            reason TEXT
        );
        CREATE INDEX incident_events_by_incident ON incident_events(incident_id, seq);
        CREATE TABLE incident_findings (
            incident_id TEXT NOT NULL REFERENCES incidents(id),
            finding_id TEXT NOT NULL,
            action TEXT NOT NULL,
            PRIMARY KEY (incident_id, finding_id)
        );
        """,
        // 7: where each finding's change stands in git (ChangeState), kept apart from its status, and on each
        // transition that moved it. Ledgers before 7 counted a local branch or an open PR as implemented; only a
        // merge is, so such findings go back to the status they had, in a transition that says why (actor
        // `schemaMigrationActor`), and lose the verifications made of them.
        """
        ALTER TABLE findings ADD COLUMN change_state TEXT;
        ALTER TABLE findings ADD COLUMN change_reason TEXT;
        ALTER TABLE transitions ADD COLUMN change_state TEXT;
        UPDATE transitions SET change_state = 'merged' WHERE actor = 'emit-pr' AND reason LIKE 'merged%';
        UPDATE transitions SET change_state = CASE WHEN reason LIKE 'http%' THEN 'open' ELSE 'local' END
            WHERE actor = 'emit-pr' AND to_status = 'implemented' AND from_status <> 'implemented' AND change_state IS NULL;
        UPDATE findings SET change_state = CASE
            WHEN EXISTS (SELECT 1 FROM transitions t WHERE t.finding_id = findings.id AND t.change_state = 'merged') THEN 'merged'
            WHEN change_url IS NOT NULL THEN 'open' WHEN change_branch IS NOT NULL THEN 'local' END;
        INSERT INTO transitions (finding_id, from_status, to_status, at, actor, reason, change_state)
            SELECT id, 'implemented', COALESCE((SELECT t.from_status FROM transitions t WHERE t.finding_id = findings.id
                AND t.to_status = 'implemented' AND t.from_status <> 'implemented' ORDER BY t.seq DESC LIMIT 1), 'approved'),
                last_seen, 'schema migration 7', 'not merged: a branch or an open PR does not implement a finding', change_state
            FROM findings WHERE status = 'implemented' AND COALESCE(change_state, '') <> 'merged' ORDER BY id;
        UPDATE findings SET verification = NULL, realized_savings_cents = NULL, bill_verification = NULL,
            status = COALESCE((SELECT t.from_status FROM transitions t WHERE t.finding_id = findings.id
                AND t.to_status = 'implemented' AND t.from_status <> 'implemented' ORDER BY t.seq DESC LIMIT 1), 'approved')
            WHERE status = 'implemented' AND COALESCE(change_state, '') <> 'merged';
        """,
    ]

    public static var currentVersion: Int { migrations.count }

    /// Opens (creating a SQLite file if needed) and migrates to `version` (the latest unless a test asks for
    /// an older one). `passwordFile` holds a PostgreSQL password (its first line), for a URL without one.
    public init(at location: String, passwordFile: String? = nil, migratingTo version: Int = LedgerStore.currentVersion) throws {
        switch LedgerLocation(location) {
        case .sqlite(let path):
            db = try SQLiteDatabase(path: path)
        case .postgres(let url):
            do {
                db = try PostgresDatabase(url: url, password: try passwordFile.map(Self.password(fromFile:)))
            } catch let error as PostgresError where error.unreachable {
                throw ServiceUnavailable(error.description)
            } catch let error as PostgresError where error.badURL {
                throw ValidationFailure(error.description)
            }
        }
        try migrate(to: version)
    }

    public static func password(fromFile path: String) throws -> String {
        try SecretFile.read(path, "the ledger's database password")
    }

    private func migrate(to version: Int) throws {
        // Read first, outside any transaction: a ledger already at the version needs no write (a read-only
        // role or a replica can read it), and a newer one is refused.
        let found = try db.schemaVersion()
        if found > Self.currentVersion { throw LedgerSchemaError(name: db.name, found: found, known: Self.currentVersion) }
        guard found < version else { return }
        while true {
            // Read the version inside the migration lock, so two runs opening a new database migrate it once.
            let done = try db.migrationTransaction { () throws -> Bool in
                let current = try db.schemaVersion()
                if current > Self.currentVersion {
                    throw LedgerSchemaError(name: db.name, found: current, known: Self.currentVersion)
                }
                guard current < version else { return true }
                try db.execute(db.dialect.schema(Self.migrations[current]))
                try db.setSchemaVersion(current + 1)
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
        /// Where its change stands in git; nil before emit-pr reported on it.
        public var changeState: ChangeState? { row["change_state"].string.flatMap(ChangeState.init(rawValue:)) }
    }

    public func finding(_ id: String) throws -> StoredFinding? {
        try db.rows("SELECT * FROM findings WHERE id = ?", [.text(id)]).first.map(Self.stored)
    }

    public func findings(inClusters clusters: [String]? = nil) throws -> [StoredFinding] {
        guard let clusters else { return try db.rows("SELECT * FROM findings ORDER BY id").map(Self.stored) }
        guard !clusters.isEmpty else { return [] }  // `IN ()` is SQLite's, not PostgreSQL's
        let marks = Array(repeating: "?", count: clusters.count).joined(separator: ",")
        return try db.rows("SELECT * FROM findings WHERE cluster IN (\(marks)) ORDER BY id", clusters.map(SQLValue.text)).map(Self.stored)
    }

    private static func stored(_ row: SQLRow) -> StoredFinding {
        StoredFinding(id: row["id"].string ?? "", cluster: row["cluster"].string ?? "",
                      status: FindingStatus(rawValue: row["status"].string ?? "") ?? .detected, row: row)
    }

    /// Moves a finding to `status` and writes the transition, in the caller's transaction. `change`: the
    /// state the finding's change moved to with it (a transition to the same status notes only that).
    public func transition(_ id: String, from: FindingStatus?, to: FindingStatus, at: Date, actor: String, reason: String?,
                           change: ChangeState? = nil) throws {
        try db.run("UPDATE findings SET status = ? WHERE id = ?", [.text(to.rawValue), .text(id)])
        try db.run("INSERT INTO transitions (finding_id, from_status, to_status, at, actor, reason, change_state) VALUES (?, ?, ?, ?, ?, ?, ?)",
                   [.text(id), .optional(from?.rawValue), .text(to.rawValue), .text(RFC3339.string(at)), .text(actor), .optional(reason),
                    .optional(change?.rawValue)])
    }

    /// Who wrote migration 7's transitions.
    public static let schemaMigrationActor = "schema migration 7"

    /// The transitions that changed the status, a condition on the `transitions` table: the others only
    /// moved the finding's change in git.
    public static let statusChanged = "(from_status IS NULL OR from_status <> to_status)"

    /// The last transition that changed the finding's status (who decided, and when).
    public func lastStatusChange(of id: String) throws -> SQLRow? {
        try db.rows("SELECT from_status, to_status, at, actor, reason, change_state FROM transitions WHERE finding_id = ? AND \(Self.statusChanged) "
                    + "ORDER BY seq DESC LIMIT 1", [.text(id)]).first
    }

    public func transitions(of id: String) throws -> [SQLRow] {
        try db.rows("SELECT from_status, to_status, at, actor, reason, change_state FROM transitions WHERE finding_id = ? ORDER BY seq",
                    [.text(id)])
    }

    // MARK: Slack replay protection

    /// Records a signed Slack request as handled; false when it already was (a replay). Kept in the file so
    /// a restart of slack-approvals does not forget; signatures older than `keep` are dropped, since Slack's
    /// timestamp check refuses such requests anyway.
    public func rememberSignature(_ signature: String, at now: Date, keep: TimeInterval) throws -> Bool {
        try db.transaction {
            try db.run("DELETE FROM slack_signatures WHERE seen_at < ?", [.text(RFC3339.string(now.addingTimeInterval(-keep)))])
            return try db.run("INSERT INTO slack_signatures (signature, seen_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
                              [.text(signature), .text(RFC3339.string(now))]) == 1
        }
    }
}

/// A database written by a newer Autopilot than this one.
public struct LedgerSchemaError: Error, CustomStringConvertible {
    public let name: String
    public let found: Int
    public let known: Int
    public var description: String { "\(name): schema version \(found) is newer than this ledger (\(known)); upgrade autopilot" }
}
