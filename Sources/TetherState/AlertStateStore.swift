import GRDB

/// The active alerts of every rule group, kept in the state database so that a restarted agent
/// resumes `for` progress and firing alerts, as Prometheus restores them from `ALERTS_FOR_STATE`.
///
/// The rule engine hands over each group's complete set of active alerts after every evaluation
/// (``replaceAlerts(ofGroup:with:)``) and reads them all back once at start-up (``alerts()``).
/// An alert is identified by its group, its rule and its label set; the label set is stored as
/// canonical JSON (keys sorted by their UTF-8 bytes), so the same labels always map to the same
/// row whatever the order of the dictionary.
public struct AlertStateStore: Sendable {
    /// The changes one ``AlertStateStore/replaceAlerts(ofGroup:with:)`` made.
    public struct Changes: Sendable, Hashable {
        /// Rows inserted or updated: alerts that are new or whose state, times, value or
        /// annotations changed.
        public var written: Int
        /// Rows of alerts that are no longer active.
        public var deleted: Int
    }

    let database: StateDatabase

    /// - Parameter database: The open state database.
    public init(database: StateDatabase) {
        self.database = database
    }

    /// Makes the stored active alerts of `group` exactly `alerts`, in one transaction.
    ///
    /// Called after every evaluation, so it writes only what changed. When `alerts` equals the list
    /// last committed for the group (same alerts in the same order), nothing is done at all.
    /// Otherwise the alerts are staged in an in-memory table and compared with the stored rows in
    /// SQL, and only new, changed and removed rows touch the file. When two alerts of the same rule
    /// have the same labels, the last one wins.
    ///
    /// Blocks the calling thread for the write (milliseconds to tens of milliseconds for
    /// thousands of alerts).
    ///
    /// - Parameters:
    ///   - group: The rule group key, `<file>;<group name>`.
    ///   - alerts: All active alerts of the group. Their own ``PersistedAlert/group`` is ignored.
    /// - Returns: How many rows were written and deleted.
    @discardableResult
    public func replaceAlerts(
        ofGroup group: String,
        with alerts: [PersistedAlert]
    ) throws(StateDatabaseError) -> Changes {
        let cache = self.database.alertStateCache
        do {
            return try self.database.pool.writeWithoutTransaction { db in
                if let last = cache.alerts(ofGroup: group), last == alerts {
                    return Changes(written: 0, deleted: 0)
                }
                cache.setAlerts(nil, ofGroup: group)
                var changes = Changes(written: 0, deleted: 0)
                try db.inTransaction {
                    changes = try Self.replace(group: group, with: alerts, in: db)
                    return .commit
                }
                cache.setAlerts(alerts, ofGroup: group)
                return changes
            }
        } catch {
            throw StateDatabaseError(error, path: self.database.path, while: "write alert states to")
        }
    }

    /// Stages `alerts` in an in-memory table, then deletes the stored rows that are not staged and
    /// writes the staged rows that differ from the stored ones.
    private static func replace(group: String, with alerts: [PersistedAlert], in db: Database) throws -> Changes {
        try db.execute(
            sql: """
                CREATE TEMP TABLE IF NOT EXISTS incoming_alert_state (
                    rule TEXT NOT NULL,
                    labels TEXT NOT NULL,
                    state TEXT NOT NULL,
                    active_at REAL NOT NULL,
                    fired_at REAL,
                    keep_firing_since REAL,
                    value REAL,
                    annotations TEXT NOT NULL,
                    PRIMARY KEY (rule, labels)
                ) WITHOUT ROWID
                """
        )
        try db.execute(sql: "DELETE FROM temp.incoming_alert_state")
        let stage = try db.cachedStatement(
            sql: "INSERT OR REPLACE INTO temp.incoming_alert_state VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        )
        for alert in alerts {
            try stage.execute(arguments: [
                alert.rule,
                CanonicalJSON.encode(alert.labels),
                alert.state.rawValue,
                alert.activeAt,
                alert.firedAt,
                alert.keepFiringSince,
                alert.value.isNaN ? nil : alert.value,
                CanonicalJSON.encode(alert.annotations),
            ])
        }
        try db.cachedStatement(
            sql: """
                DELETE FROM alert_state
                WHERE group_key = ?
                  AND NOT EXISTS (
                    SELECT 1 FROM temp.incoming_alert_state AS incoming
                    WHERE incoming.rule = alert_state.rule AND incoming.labels = alert_state.labels
                  )
                """
        ).execute(arguments: [group])
        let deleted = db.changesCount
        // EXCEPT compares NULLs as equal, so unchanged rows, NaN values included, drop out.
        try db.cachedStatement(
            sql: """
                INSERT OR REPLACE INTO alert_state (group_key, \(Self.columns))
                SELECT ?1, * FROM (
                    SELECT \(Self.columns) FROM temp.incoming_alert_state
                    EXCEPT
                    SELECT \(Self.columns) FROM alert_state WHERE group_key = ?1
                )
                """
        ).execute(arguments: [group])
        let written = db.changesCount
        try db.execute(sql: "DELETE FROM temp.incoming_alert_state")
        return Changes(written: written, deleted: deleted)
    }

    /// All stored active alerts of all groups, ordered by group, rule and labels.
    public func alerts() throws(StateDatabaseError) -> [PersistedAlert] {
        let path = self.database.path
        do {
            return try self.database.pool.read { db in
                var alerts: [PersistedAlert] = []
                let rows = try Row.fetchCursor(
                    db,
                    sql: "SELECT group_key, \(Self.columns) FROM alert_state ORDER BY group_key, rule, labels"
                )
                while let row = try rows.next() {
                    let stateText = try row.decode(String.self, atIndex: 3)
                    guard let state = PersistedAlert.State(rawValue: stateText) else {
                        throw StateDatabaseError(
                            .corrupt,
                            path: path,
                            "cannot read alert states from \(path): unknown alert state '\(stateText)'"
                        )
                    }
                    alerts.append(
                        PersistedAlert(
                            group: try row.decode(String.self, atIndex: 0),
                            rule: try row.decode(String.self, atIndex: 1),
                            labels: try CanonicalJSON.decode(row.decode(String.self, atIndex: 2)),
                            state: state,
                            activeAt: try row.decode(Double.self, atIndex: 4),
                            firedAt: try row.decode(Double?.self, atIndex: 5),
                            keepFiringSince: try row.decode(Double?.self, atIndex: 6),
                            value: try row.decode(Double?.self, atIndex: 7) ?? .nan,
                            annotations: try CanonicalJSON.decode(row.decode(String.self, atIndex: 8))
                        )
                    )
                }
                return alerts
            }
        } catch {
            throw StateDatabaseError(error, path: path, while: "read alert states from")
        }
    }

    /// Deletes the alerts of every group not in `keep`: groups removed from the configuration.
    ///
    /// - Parameter keep: The keys of the rule groups that are still configured.
    /// - Returns: How many alerts were deleted.
    @discardableResult
    public func removeGroups(notIn keep: Set<String>) throws(StateDatabaseError) -> Int {
        let cache = self.database.alertStateCache
        do {
            return try self.database.pool.write { db in
                cache.removeGroups(notIn: keep)
                let stored = try String.fetchAll(db, sql: "SELECT DISTINCT group_key FROM alert_state")
                let delete = try db.cachedStatement(sql: "DELETE FROM alert_state WHERE group_key = ?")
                var deleted = 0
                for group in stored where !keep.contains(group) {
                    try delete.execute(arguments: [group])
                    deleted += db.changesCount
                }
                return deleted
            }
        } catch {
            throw StateDatabaseError(error, path: self.database.path, while: "write alert states to")
        }
    }

    private static let columns =
        "rule, labels, state, active_at, fired_at, keep_firing_since, value, annotations"
}
