import Foundation
import GRDB

/// The durable notification outbox: at-least-once delivery across crashes.
///
/// Every notification is written here (``enqueue(_:)``) before it is sent. The delivery worker
/// takes the due entries (``due(at:limit:)``, or each receiver's queue in order with
/// ``oldestPending(receiver:)``), sends them, and records each outcome: ``markDelivered(id:at:)``,
/// ``scheduleRetry(id:at:next:error:)`` or ``markFailed(id:at:error:)``.
/// An entry stays pending while it is being sent, so one whose send was cut short by SIGKILL is due
/// again after the restart: a receiver may see a notification twice (it has the same id, for
/// idempotency), but never not at all. For the same reason, ``due(at:limit:)`` returns an entry
/// again until its outcome is recorded: a worker must not ask again for entries it is still
/// sending, or must skip their ids.
///
/// Durability: every method that writes returns only once its transaction is committed with
/// `PRAGMA synchronous = FULL` (the WAL is fsynced at the commit). GRDB opens a WAL database with
/// `synchronous = NORMAL`, which already keeps a commit across a killed process (the data is in
/// the operating system's cache of the WAL file) but not across power loss; the outbox raises it
/// to FULL around its own writes only, so a notification that ``enqueue(_:)`` accepted is on disk
/// when it returns, at the price of one fsync per notification and outcome — few a minute. Other
/// writers of the database keep their setting.
///
/// Blocking: each method runs one short SQLite transaction on the calling thread.
public final class Outbox: Sendable {
    let database: StateDatabase

    /// - Parameter database: The open state database.
    public init(database: StateDatabase) {
        self.database = database
    }

    /// Writes a new pending notification.
    ///
    /// The entry's ``OutboxEntry/state``, ``OutboxEntry/attempts``, ``OutboxEntry/lastError``,
    /// ``OutboxEntry/lastAttemptAt`` and ``OutboxEntry/finishedAt`` are ignored: it is stored as
    /// pending with no attempts. Its first attempt is due at ``OutboxEntry/nextAttemptAt`` if that
    /// is later than ``OutboxEntry/createdAt`` (a delayed first attempt), at `createdAt` otherwise.
    ///
    /// Enqueueing an id that is already in the outbox (in any state) changes nothing and returns
    /// `false`, so a caller that enqueues the same notification again after a restart does not
    /// send it twice. An id is free again once ``removeFinished(before:)`` dropped its entry.
    ///
    /// - Parameter entry: The notification; bodies of several megabytes are fine.
    /// - Returns: Whether the entry was written (`false`: the id was already there).
    /// - Throws: ``StateDatabaseError`` when the database cannot be written (also for a NaN time).
    @discardableResult
    public func enqueue(_ entry: OutboxEntry) throws(StateDatabaseError) -> Bool {
        try self.write { db in
            try db.cachedStatement(sql: Self.insertSQL).execute(arguments: [
                entry.id,
                entry.receiver,
                entry.groupKey,
                OutboxEntry.State.pending.rawValue,
                entry.createdAt,
                max(entry.createdAt, entry.nextAttemptAt),
                0,
                entry.alertCount,
                nil,
                nil,
                nil,
                // An empty Data may bind as NULL; the SQL turns that back into an empty BLOB.
                Data(entry.body),
            ])
            return db.changesCount == 1
        }
    }

    /// The pending entries due at `time`: those whose ``OutboxEntry/nextAttemptAt`` is at or
    /// before it, earliest first, then oldest first (by ``OutboxEntry/createdAt``, then in the
    /// order they were enqueued; not by id, which is random).
    ///
    /// - Parameters:
    ///   - time: Unix seconds, now.
    ///   - limit: The most entries to return; none if it is not positive.
    public func due(at time: Double, limit: Int) throws(StateDatabaseError) -> [OutboxEntry] {
        guard limit > 0 else { return [] }
        return try self.read { db in
            try Self.fetchEntries(db, sql: Self.dueSQL, arguments: [time, limit], path: self.database.path)
        }
    }

    /// The oldest pending entry of `receiver`, due or not: the head of its queue for a worker that
    /// delivers each receiver's notifications one at a time and in order (a firing notification
    /// before the resolved one that follows it).
    ///
    /// Oldest by ``OutboxEntry/createdAt``, then in the order they were enqueued.
    ///
    /// - Parameter receiver: The receiver's name.
    /// - Returns: The entry, or `nil` when nothing is pending for `receiver`.
    public func oldestPending(receiver: String) throws(StateDatabaseError) -> OutboxEntry? {
        try self.read { db in
            try Self.fetchEntries(db, sql: Self.oldestPendingSQL, arguments: [receiver], path: self.database.path)
                .first
        }
    }

    /// The earliest ``OutboxEntry/nextAttemptAt`` of all pending entries (possibly in the past):
    /// when the delivery worker has something to do next. `nil` when nothing is pending.
    public func nextAttemptTime() throws(StateDatabaseError) -> Double? {
        try self.read { db in
            try Double.fetchOne(db, sql: Self.nextAttemptSQL)
        }
    }

    /// Records that a receiver acknowledged the pending entry `id`: it is delivered and counts one
    /// more attempt. An error of an earlier attempt stays in ``OutboxEntry/lastError``.
    ///
    /// - Parameters:
    ///   - id: The entry's id.
    ///   - time: Unix seconds at which the acknowledgement came.
    /// - Returns: Whether a pending entry was updated. Unknown ids and entries already delivered
    ///   or failed are left as they are and give `false`: recording an outcome twice is harmless.
    @discardableResult
    public func markDelivered(id: String, at time: Double) throws(StateDatabaseError) -> Bool {
        try self.write { db in
            try db.cachedStatement(sql: Self.finishSQL).execute(arguments: [
                OutboxEntry.State.delivered.rawValue, time, nil, id,
            ])
            return db.changesCount == 1
        }
    }

    /// Records a failed attempt of the pending entry `id` that is worth retrying: one more
    /// attempt, the error, and when to try again.
    ///
    /// - Parameters:
    ///   - id: The entry's id.
    ///   - time: Unix seconds at which the attempt failed (``OutboxEntry/lastAttemptAt``).
    ///   - next: Unix seconds from which the next attempt is due (backoff and jitter are the
    ///     caller's).
    ///   - error: Why the attempt failed, for the API and the logs.
    /// - Returns: Whether a pending entry was updated; `false` for unknown ids and finished entries,
    ///   which are left as they are.
    @discardableResult
    public func scheduleRetry(
        id: String,
        at time: Double,
        next: Double,
        error: String
    ) throws(StateDatabaseError) -> Bool {
        try self.write { db in
            try db.cachedStatement(sql: Self.retrySQL).execute(arguments: [next, error, time, id])
            return db.changesCount == 1
        }
    }

    /// Records that the pending entry `id` will never be delivered (a permanent error, or retries
    /// exhausted): it is failed and counts one more attempt.
    ///
    /// - Parameters:
    ///   - id: The entry's id.
    ///   - time: Unix seconds at which it was given up.
    ///   - error: Why, for the API and the logs.
    /// - Returns: Whether a pending entry was updated; `false` for unknown ids and finished entries,
    ///   which are left as they are.
    @discardableResult
    public func markFailed(id: String, at time: Double, error: String) throws(StateDatabaseError) -> Bool {
        try self.write { db in
            try db.cachedStatement(sql: Self.finishSQL).execute(arguments: [
                OutboxEntry.State.failed.rawValue, time, error, id,
            ])
            return db.changesCount == 1
        }
    }

    /// The entries for `GET /api/v1/notifications`: the pending ones first, soonest next attempt
    /// first (as ``due(at:limit:)`` orders them; a receiver's delivery takes them oldest first, see
    /// ``oldestPending(receiver:)``), then the delivered and failed ones, the most recently
    /// finished first (ties: the last enqueued first).
    ///
    /// - Parameter limit: The most entries to return; none if it is not positive.
    public func entries(limit: Int) throws(StateDatabaseError) -> [OutboxEntry] {
        guard limit > 0 else { return [] }
        return try self.read { db in
            let path = self.database.path
            var entries = try Self.fetchEntries(db, sql: Self.pendingSQL, arguments: [limit], path: path)
            if entries.count < limit {
                entries += try Self.fetchEntries(
                    db,
                    sql: Self.finishedSQL,
                    arguments: [limit - entries.count],
                    path: path
                )
            }
            return entries
        }
    }

    /// How many entries are pending, per receiver (`tether_notification_queue_length`). Receivers
    /// with nothing pending are absent.
    public func pendingCounts() throws(StateDatabaseError) -> [String: Int] {
        try self.read { db in
            var counts: [String: Int] = [:]
            let rows = try Row.fetchCursor(db, sql: Self.pendingCountsSQL)
            while let row = try rows.next() {
                counts[try row.decode(String.self, atIndex: 0)] = try row.decode(Int.self, atIndex: 1)
            }
            return counts
        }
    }

    /// Drops the delivered and failed entries that finished before `time`; pending entries are
    /// never dropped.
    ///
    /// - Parameter time: Unix seconds; entries whose ``OutboxEntry/finishedAt`` is earlier go.
    /// - Returns: How many entries were dropped.
    @discardableResult
    public func removeFinished(before time: Double) throws(StateDatabaseError) -> Int {
        try self.write { db in
            try db.cachedStatement(sql: Self.removeFinishedSQL).execute(arguments: [time])
            return db.changesCount
        }
    }

    /// Runs `body` in a transaction committed with `synchronous = FULL`, then restores the
    /// connection's setting for the database's other writers.
    private func write<T>(_ body: (Database) throws -> T) throws(StateDatabaseError) -> T {
        do {
            return try self.database.pool.writeWithoutTransaction { db in
                // The level cannot change inside a transaction, so it is set around it.
                let synchronous = try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? Self.fullSynchronous
                if synchronous < Self.fullSynchronous {
                    try db.execute(sql: "PRAGMA synchronous = \(Self.fullSynchronous)")
                }
                defer {
                    if synchronous < Self.fullSynchronous {
                        try? db.execute(sql: "PRAGMA synchronous = \(synchronous)")
                    }
                }
                var result: T?
                try db.inTransaction {
                    result = try body(db)
                    return .commit
                }
                guard let result else { preconditionFailure("the outbox transaction committed without a result") }
                return result
            }
        } catch {
            throw StateDatabaseError(error, path: self.database.path, while: "write notifications to")
        }
    }

    private func read<T>(_ body: (Database) throws -> T) throws(StateDatabaseError) -> T {
        do {
            return try self.database.pool.read(body)
        } catch {
            throw StateDatabaseError(error, path: self.database.path, while: "read notifications from")
        }
    }

    private static func fetchEntries(
        _ db: Database,
        sql: String,
        arguments: StatementArguments,
        path: String
    ) throws -> [OutboxEntry] {
        var entries: [OutboxEntry] = []
        let rows = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: arguments)
        while let row = try rows.next() {
            let stateText = try row.decode(String.self, atIndex: 3)
            guard let state = OutboxEntry.State(rawValue: stateText) else {
                throw StateDatabaseError(
                    .corrupt,
                    path: path,
                    "cannot read notifications from \(path): unknown notification state '\(stateText)'"
                )
            }
            entries.append(
                OutboxEntry(
                    id: try row.decode(String.self, atIndex: 0),
                    receiver: try row.decode(String.self, atIndex: 1),
                    groupKey: try row.decode(String.self, atIndex: 2),
                    body: try row.withUnsafeData(atIndex: 11) { data in data.map { [UInt8]($0) } ?? [] },
                    alertCount: try row.decode(Int.self, atIndex: 7),
                    createdAt: try row.decode(Double.self, atIndex: 4),
                    attempts: try row.decode(Int.self, atIndex: 6),
                    nextAttemptAt: try row.decode(Double.self, atIndex: 5),
                    lastError: try row.decode(String?.self, atIndex: 8),
                    lastAttemptAt: try row.decode(Double?.self, atIndex: 9),
                    state: state,
                    finishedAt: try row.decode(Double?.self, atIndex: 10)
                )
            )
        }
        return entries
    }

    /// `PRAGMA synchronous` value of FULL.
    private static let fullSynchronous = 2

    /// The columns of an entry (all but `seq`) in table order; `fetchEntries` reads them by these
    /// positions.
    private static let columns =
        "id, receiver, group_key, state, created_at, next_attempt_at, attempts, alert_count, last_error,"
        + " last_attempt_at, finished_at, body"

    // The queries repeat the partial indexes' `state` conditions word for word, which is what lets
    // SQLite use those indexes (see the query plan test).
    static let insertSQL = """
        INSERT INTO notification_outbox (\(columns))
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, coalesce(?, X''))
        ON CONFLICT (id) DO NOTHING
        """
    static let dueSQL = """
        SELECT \(columns) FROM notification_outbox
        WHERE state = 'pending' AND next_attempt_at <= ?
        ORDER BY next_attempt_at, created_at, seq
        LIMIT ?
        """
    static let oldestPendingSQL = """
        SELECT \(columns) FROM notification_outbox
        WHERE state = 'pending' AND receiver = ?
        ORDER BY created_at, seq
        LIMIT 1
        """
    static let nextAttemptSQL = """
        SELECT next_attempt_at FROM notification_outbox
        WHERE state = 'pending'
        ORDER BY next_attempt_at
        LIMIT 1
        """
    static let pendingSQL = """
        SELECT \(columns) FROM notification_outbox
        WHERE state = 'pending'
        ORDER BY next_attempt_at, created_at, seq
        LIMIT ?
        """
    static let finishedSQL = """
        SELECT \(columns) FROM notification_outbox
        WHERE state != 'pending'
        ORDER BY finished_at DESC, seq DESC
        LIMIT ?
        """
    static let pendingCountsSQL = """
        SELECT receiver, count(*) FROM notification_outbox
        WHERE state = 'pending'
        GROUP BY receiver
        """
    static let finishSQL = """
        UPDATE notification_outbox
        SET state = ?1, finished_at = ?2, last_attempt_at = ?2, last_error = coalesce(?3, last_error),
            attempts = attempts + 1
        WHERE id = ?4 AND state = 'pending'
        """
    static let retrySQL = """
        UPDATE notification_outbox
        SET next_attempt_at = ?, last_error = ?, last_attempt_at = ?, attempts = attempts + 1
        WHERE id = ? AND state = 'pending'
        """
    static let removeFinishedSQL = """
        DELETE FROM notification_outbox
        WHERE state != 'pending' AND finished_at < ?
        """
}
