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
    /// A shipped migration is never edited: a change is a new migration appended here (the
    /// notification outbox will be the next one). A tether that finds a migration it does not know
    /// refuses the file instead of running on a schema it does not understand.
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
