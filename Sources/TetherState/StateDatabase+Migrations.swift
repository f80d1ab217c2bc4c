import GRDB

/// One step of the state database's schema: SQL run once, in a transaction, and recorded under its
/// identifier.
struct StateMigration: Sendable {
    var identifier: String
    var sql: String
}

extension StateDatabase {
    /// `PRAGMA application_id` of tether's database ("teth"), which tells it apart from any other
    /// SQLite file that happens to be named `tether.db`.
    static let applicationID = 0x7465_7468

    /// The schema, one migration per change.
    ///
    /// A shipped migration is never edited: a change is a new migration appended here. A tether
    /// that finds a migration it does not know refuses the file instead of running on a schema it
    /// does not understand.
    static let migrations: [StateMigration] = [
        // The active alerts of every rule group (see AlertStateStore). `labels` is the canonical
        // JSON of the label set, so it is the alert's identity within the rule; `value` is NULL
        // for NaN, which SQLite cannot store.
        StateMigration(
            identifier: "v1-alert-state",
            sql: """
                CREATE TABLE alert_state (
                    group_key TEXT NOT NULL,
                    rule TEXT NOT NULL,
                    labels TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('pending', 'firing')),
                    active_at REAL NOT NULL,
                    fired_at REAL,
                    keep_firing_since REAL,
                    value REAL,
                    annotations TEXT NOT NULL,
                    PRIMARY KEY (group_key, rule, labels)
                ) WITHOUT ROWID;
                PRAGMA application_id = \(StateDatabase.applicationID);
                """
        ),
        // When each rule group was last evaluated: how long the agent was down, which a restored
        // pending alert's `for` does not count (see AlertStateStore.lastEvaluations()).
        StateMigration(
            identifier: "v2-rule-group-evaluation",
            sql: """
                CREATE TABLE rule_group_evaluation (
                    group_key TEXT NOT NULL PRIMARY KEY,
                    evaluated_at REAL NOT NULL
                ) WITHOUT ROWID;
                """
        ),
        // The notification outbox (see Outbox): every notification, written before its first
        // attempt. `seq` is the order of insertion, which breaks ties between notifications made
        // at the same time (ids are random); as an INTEGER PRIMARY KEY it is the rowid, which
        // VACUUM does not renumber. A rowid table, not WITHOUT ROWID, because bodies may be
        // megabytes; `body` is the last column so that reading the others never loads its
        // overflow pages. The partial indexes serve what is asked often: the due entries in
        // attempt order (and the earliest due time), each receiver's oldest pending entry and the
        // pending count per receiver, and the finished entries newest first (for the API) or
        // oldest first (to drop them).
        StateMigration(
            identifier: "v3-notification-outbox",
            sql: """
                CREATE TABLE notification_outbox (
                    seq INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    receiver TEXT NOT NULL,
                    group_key TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
                    created_at REAL NOT NULL,
                    next_attempt_at REAL NOT NULL,
                    attempts INTEGER NOT NULL CHECK (attempts >= 0),
                    alert_count INTEGER NOT NULL,
                    last_error TEXT,
                    last_attempt_at REAL,
                    finished_at REAL,
                    body BLOB NOT NULL,
                    CHECK ((state = 'pending') = (finished_at IS NULL))
                );
                CREATE INDEX notification_outbox_due
                    ON notification_outbox (next_attempt_at, created_at, seq) WHERE state = 'pending';
                CREATE INDEX notification_outbox_pending_receiver
                    ON notification_outbox (receiver, created_at, seq) WHERE state = 'pending';
                CREATE INDEX notification_outbox_finished
                    ON notification_outbox (finished_at, seq) WHERE state != 'pending';
                """
        ),
    ]

    /// Checks that the file is tether's, sound and not from a newer tether, then applies the
    /// migrations it lacks.
    static func migrate(
        _ pool: DatabasePool,
        path: String,
        migrations: [StateMigration]
    ) throws(StateDatabaseError) {
        var migrator = DatabaseMigrator()
        for migration in migrations {
            migrator.registerMigration(migration.identifier) { db in
                try db.execute(sql: migration.sql)
            }
        }
        do {
            try pool.writeWithoutTransaction { db in
                let isEmpty = try Bool.fetchOne(db, sql: "SELECT NOT EXISTS (SELECT 1 FROM sqlite_master)") ?? true
                if isEmpty { return }
                let applicationID = try Int.fetchOne(db, sql: "PRAGMA application_id") ?? 0
                guard applicationID == Self.applicationID else {
                    throw StateDatabaseError(
                        .notADatabase,
                        path: path,
                        "cannot open \(path): it is an SQLite database, but not tether's (application_id"
                            + " \(applicationID)); move it away or point state_dir at another directory"
                    )
                }
                let problems = try String.fetchAll(db, sql: "PRAGMA quick_check(3)")
                guard problems == ["ok"] else {
                    // quick_check puts several findings, and a "*** in database main ***" heading,
                    // in one row.
                    let findings = problems.flatMap { $0.split(separator: "\n") }.filter { !$0.hasPrefix("***") }
                    throw StateDatabaseError(
                        .corrupt,
                        path: path,
                        "cannot open \(path): the database is corrupt (\(findings.joined(separator: "; ")));"
                            + " move it away to start with empty state"
                    )
                }
                let unknown = try migrator.appliedIdentifiers(db).subtracting(migrator.migrations)
                guard unknown.isEmpty else {
                    throw StateDatabaseError(
                        .newerVersion,
                        path: path,
                        "cannot open \(path): it was written by a newer tether (unknown migrations: "
                            + unknown.sorted().joined(separator: ", ")
                            + "); run that version, or move the file away to start with empty state"
                    )
                }
            }
            try migrator.migrate(pool)
        } catch {
            throw StateDatabaseError(error, path: path, while: "open")
        }
    }
}
