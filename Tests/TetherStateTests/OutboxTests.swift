import Foundation
import GRDB
import Testing

@testable import TetherState

@Suite struct OutboxTests {
    static func entry(
        _ id: String,
        receiver: String = "team-a",
        createdAt: Double = 1_700_000_000,
        nextAttemptAt: Double? = nil,
        body: [UInt8]? = nil
    ) -> OutboxEntry {
        OutboxEntry(
            id: id,
            receiver: receiver,
            groupKey: "{}:{alertname=\"TargetDown\"}",
            body: body ?? Array("{\"version\":\"4\",\"id\":\"\(id)\"}".utf8),
            alertCount: 2,
            createdAt: createdAt,
            nextAttemptAt: nextAttemptAt
        )
    }

    @Test func enqueuedEntriesAreDueInAttemptOrder() throws {
        try withTemporaryDirectory { directory in
            let outbox = Outbox(database: try StateDatabase(directory: directory))
            #expect(try outbox.due(at: .infinity, limit: 10) == [])
            #expect(try outbox.nextAttemptTime() == nil)

            let late = Self.entry("late", createdAt: 100, nextAttemptAt: 130)
            let b = Self.entry("b", createdAt: 110)
            let a = Self.entry("a", createdAt: 110)
            let early = Self.entry("early", createdAt: 105)
            let older = Self.entry("older", createdAt: 90, nextAttemptAt: 110)
            for entry in [late, b, a, early, older] { #expect(try outbox.enqueue(entry)) }

            #expect(try outbox.nextAttemptTime() == 105)
            #expect(try outbox.due(at: 104.9, limit: 10) == [])
            #expect(try outbox.due(at: 105, limit: 10) == [early])
            // Same next attempt: the older notification first, then the first enqueued (not by id).
            #expect(try outbox.due(at: 129, limit: 10) == [early, older, b, a])
            #expect(try outbox.due(at: 130, limit: 10) == [early, older, b, a, late])
            #expect(try outbox.due(at: 200, limit: 2) == [early, older])
            #expect(try outbox.due(at: 200, limit: 0) == [])
            #expect(try outbox.due(at: 200, limit: -1) == [])
        }
    }

    @Test func enqueueStoresAFreshPendingEntry() throws {
        try withTemporaryDirectory { directory in
            let outbox = Outbox(database: try StateDatabase(directory: directory))
            var entry = Self.entry("n1", createdAt: 1_000.5, nextAttemptAt: 900)
            entry.attempts = 7
            entry.lastError = "stale"
            entry.lastAttemptAt = 950
            entry.state = .failed
            entry.finishedAt = 990
            #expect(try outbox.enqueue(entry))

            let expected = OutboxEntry(
                id: "n1",
                receiver: entry.receiver,
                groupKey: entry.groupKey,
                body: entry.body,
                alertCount: 2,
                createdAt: 1_000.5,
                attempts: 0,
                nextAttemptAt: 1_000.5,
                lastError: nil,
                lastAttemptAt: nil,
                state: .pending,
                finishedAt: nil
            )
            #expect(try outbox.entries(limit: 10) == [expected])
            #expect(try outbox.nextAttemptTime() == 1_000.5)

            // A first attempt may be put off (group_wait); it is never before the creation.
            #expect(try outbox.enqueue(Self.entry("n2", createdAt: 1_000, nextAttemptAt: 1_030)))
            #expect(try outbox.due(at: 1_029, limit: 10).map(\.id) == ["n1"])
            #expect(try outbox.due(at: 1_030, limit: 10).map(\.id) == ["n1", "n2"])
        }
    }

    @Test func enqueueOfAKnownIdChangesNothing() throws {
        try withTemporaryDirectory { directory in
            let outbox = Outbox(database: try StateDatabase(directory: directory))
            let first = Self.entry("n1", receiver: "team-a", createdAt: 100)
            #expect(try outbox.enqueue(first))
            #expect(try !outbox.enqueue(Self.entry("n1", receiver: "team-b", createdAt: 200, body: [1, 2, 3])))
            #expect(try outbox.entries(limit: 10) == [first])

            // Not even once it is finished: the notification was sent.
            try outbox.markDelivered(id: "n1", at: 150)
            #expect(try !outbox.enqueue(first))
            #expect(try outbox.due(at: 1_000, limit: 10) == [])
            #expect(try outbox.removeFinished(before: 151) == 1)
            #expect(try outbox.enqueue(first))
        }
    }

    @Test func nanTimeIsRefused() throws {
        try withTemporaryDirectory { directory in
            let database = try StateDatabase(directory: directory)
            let outbox = Outbox(database: database)
            let error = #expect(throws: StateDatabaseError.self) {
                try outbox.enqueue(Self.entry("n1", createdAt: .nan))
            }
            #expect(
                error?.message
                    == "cannot write notifications to \(database.path): NOT NULL constraint failed:"
                    + " notification_outbox.created_at"
            )
            #expect(try outbox.entries(limit: 10) == [])
        }
    }

    @Test func retriesCountAttemptsAndPutTheEntryOff() throws {
        try withTemporaryDirectory { directory in
            let outbox = Outbox(database: try StateDatabase(directory: directory))
            try outbox.enqueue(Self.entry("n1", createdAt: 100))
            try outbox.enqueue(Self.entry("n2", createdAt: 101))

            #expect(try outbox.scheduleRetry(id: "n1", at: 102, next: 110, error: "HTTP 503 Service Unavailable"))
            var n1 = try #require(try outbox.entries(limit: 10).first { $0.id == "n1" })
            #expect(n1.state == .pending)
            #expect(n1.attempts == 1)
            #expect(n1.nextAttemptAt == 110)
            #expect(n1.lastError == "HTTP 503 Service Unavailable")
            #expect(n1.lastAttemptAt == 102)
            #expect(n1.finishedAt == nil)
            #expect(try outbox.due(at: 105, limit: 10).map(\.id) == ["n2"])
            #expect(try outbox.nextAttemptTime() == 101)

            #expect(try outbox.scheduleRetry(id: "n1", at: 111, next: 131, error: "connection refused"))
            n1 = try #require(try outbox.entries(limit: 10).first { $0.id == "n1" })
            #expect(n1.attempts == 2)
            #expect(n1.nextAttemptAt == 131)
            #expect(n1.lastError == "connection refused")
            #expect(n1.lastAttemptAt == 111)

            // n2 is delivered on its first attempt; then nothing is due before n1's retry.
            #expect(try outbox.markDelivered(id: "n2", at: 112))
            #expect(try outbox.due(at: 130, limit: 10) == [])
            #expect(try outbox.nextAttemptTime() == 131)
            #expect(try outbox.due(at: 131, limit: 10).map(\.id) == ["n1"])

            #expect(try outbox.markDelivered(id: "n1", at: 132))
            n1 = try #require(try outbox.entries(limit: 10).first { $0.id == "n1" })
            #expect(n1.state == .delivered)
            #expect(n1.attempts == 3)
            #expect(n1.finishedAt == 132)
            #expect(n1.lastAttemptAt == 132)
            // The error of the attempt before stays, for the API.
            #expect(n1.lastError == "connection refused")
            #expect(try outbox.nextAttemptTime() == nil)
        }
    }

    @Test func finishedEntriesAreNotDueAndIgnoreFurtherOutcomes() throws {
        try withTemporaryDirectory { directory in
            let outbox = Outbox(database: try StateDatabase(directory: directory))
            for id in ["d", "f", "p"] { try outbox.enqueue(Self.entry(id, createdAt: 100)) }
            #expect(try outbox.markDelivered(id: "d", at: 101))
            #expect(try outbox.markFailed(id: "f", at: 102, error: "HTTP 400 Bad Request"))
            #expect(try outbox.due(at: 1_000, limit: 10).map(\.id) == ["p"])

            let before = try outbox.entries(limit: 10)
            #expect(try !outbox.markDelivered(id: "f", at: 103))
            #expect(try !outbox.markFailed(id: "d", at: 103, error: "late"))
            #expect(try !outbox.scheduleRetry(id: "d", at: 103, next: 104, error: "late"))
            #expect(try !outbox.markDelivered(id: "d", at: 103))
            #expect(try !outbox.markDelivered(id: "unknown", at: 103))
            #expect(try !outbox.scheduleRetry(id: "unknown", at: 103, next: 104, error: "x"))
            #expect(try !outbox.markFailed(id: "unknown", at: 103, error: "x"))
            #expect(try outbox.entries(limit: 10) == before)

            let failed = try #require(before.first { $0.id == "f" })
            #expect(failed.state == .failed)
            #expect(failed.attempts == 1)
            #expect(failed.lastError == "HTTP 400 Bad Request")
            #expect(failed.finishedAt == 102)
            #expect(failed.lastAttemptAt == 102)
        }
    }

    @Test func entriesListPendingInAttemptOrderThenNewestFinished() throws {
        try withTemporaryDirectory { directory in
            let outbox = Outbox(database: try StateDatabase(directory: directory))
            for (index, id) in ["p1", "p2", "p3", "d1", "d2", "f1", "f2"].enumerated() {
                try outbox.enqueue(Self.entry(id, createdAt: 100 + Double(index)))
            }
            try outbox.scheduleRetry(id: "p1", at: 110, next: 200, error: "timeout")
            try outbox.markDelivered(id: "d1", at: 120)
            try outbox.markFailed(id: "f1", at: 130, error: "HTTP 404 Not Found")
            try outbox.markDelivered(id: "d2", at: 140)
            try outbox.markFailed(id: "f2", at: 130, error: "HTTP 410 Gone")

            let all = ["p2", "p3", "p1", "d2", "f2", "f1", "d1"]
            #expect(try outbox.entries(limit: 100).map(\.id) == all)
            for limit in 1...all.count {
                #expect(try outbox.entries(limit: limit).map(\.id) == Array(all.prefix(limit)))
            }
            #expect(try outbox.entries(limit: 0) == [])
        }
    }

    @Test func oldestPendingIsTheHeadOfAReceiversQueue() throws {
        try withTemporaryDirectory { directory in
            let outbox = Outbox(database: try StateDatabase(directory: directory))
            #expect(try outbox.oldestPending(receiver: "team-a") == nil)
            let b1 = Self.entry("b1", receiver: "team-b", createdAt: 90)
            let z = Self.entry("z", receiver: "team-a", createdAt: 100)
            let y = Self.entry("y", receiver: "team-a", createdAt: 100)
            let x = Self.entry("x", receiver: "team-a", createdAt: 101)
            for entry in [b1, z, y, x] { try outbox.enqueue(entry) }
            #expect(try outbox.oldestPending(receiver: "team-a") == z)
            #expect(try outbox.oldestPending(receiver: "team-b") == b1)

            // A retry put off keeps the head of the queue: order is kept.
            try outbox.scheduleRetry(id: "z", at: 102, next: 500, error: "timeout")
            let head = try #require(try outbox.oldestPending(receiver: "team-a"))
            #expect(head.id == "z")
            #expect(head.nextAttemptAt == 500)
            try outbox.markDelivered(id: "z", at: 500)
            #expect(try outbox.oldestPending(receiver: "team-a") == y)
            try outbox.markFailed(id: "y", at: 501, error: "HTTP 400 Bad Request")
            #expect(try outbox.oldestPending(receiver: "team-a") == x)
            try outbox.markDelivered(id: "x", at: 502)
            #expect(try outbox.oldestPending(receiver: "team-a") == nil)
            #expect(try outbox.oldestPending(receiver: "unknown") == nil)
        }
    }

    @Test func pendingCountsPerReceiver() throws {
        try withTemporaryDirectory { directory in
            let outbox = Outbox(database: try StateDatabase(directory: directory))
            #expect(try outbox.pendingCounts() == [:])
            try outbox.enqueue(Self.entry("a1", receiver: "team-a"))
            try outbox.enqueue(Self.entry("a2", receiver: "team-a"))
            try outbox.enqueue(Self.entry("a3", receiver: "team-a"))
            try outbox.enqueue(Self.entry("b1", receiver: "team-b"))
            try outbox.enqueue(Self.entry("c1", receiver: "team-c"))
            try outbox.scheduleRetry(id: "a1", at: 1, next: 2, error: "timeout")
            try outbox.markDelivered(id: "a2", at: 1)
            try outbox.markFailed(id: "c1", at: 1, error: "HTTP 400 Bad Request")
            #expect(try outbox.pendingCounts() == ["team-a": 2, "team-b": 1])
        }
    }

    @Test func removeFinishedDropsOnlyOldFinishedEntries() throws {
        try withTemporaryDirectory { directory in
            let outbox = Outbox(database: try StateDatabase(directory: directory))
            for id in ["d-old", "f-old", "d-new", "p-old", "p-new"] {
                try outbox.enqueue(Self.entry(id, createdAt: 10))
            }
            try outbox.markDelivered(id: "d-old", at: 100)
            try outbox.markFailed(id: "f-old", at: 150, error: "HTTP 400 Bad Request")
            try outbox.markDelivered(id: "d-new", at: 200)
            try outbox.scheduleRetry(id: "p-old", at: 100, next: 300, error: "timeout")

            #expect(try outbox.removeFinished(before: 100) == 0)
            #expect(try outbox.removeFinished(before: 200) == 2)
            #expect(try outbox.entries(limit: 10).map(\.id) == ["p-new", "p-old", "d-new"])
            #expect(try outbox.removeFinished(before: .infinity) == 1)
            #expect(try outbox.entries(limit: 10).map(\.id) == ["p-new", "p-old"])
            #expect(try outbox.removeFinished(before: .infinity) == 0)
        }
    }

    @Test func bodyBytesRoundTripExactly() throws {
        try withTemporaryDirectory { directory in
            let database = try StateDatabase(directory: directory)
            let outbox = Outbox(database: database)
            // NUL, invalid UTF-8 (a lone continuation byte, an overlong encoding, 0xFF) and every
            // byte value.
            let binary: [UInt8] = [0x7B, 0x00, 0x22, 0x80, 0xC0, 0xAF, 0xFF, 0xFE, 0x00, 0x00] + (0...255).map { $0 }
            // 5 MB, far over a page: stored in overflow pages.
            let large = (0..<5 * 1024 * 1024).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 13) }
            let entries = [
                Self.entry("binary", createdAt: 1, body: binary),
                Self.entry("empty", createdAt: 2, body: []),
                Self.entry("large", createdAt: 3, body: large),
            ]
            for entry in entries { try outbox.enqueue(entry) }
            #expect(try outbox.due(at: 10, limit: 10) == entries)
            #expect(try outbox.entries(limit: 10) == entries)

            try database.close()
            let reopened = Outbox(database: try StateDatabase(directory: directory))
            #expect(try reopened.due(at: 10, limit: 10) == entries)
            // Stored as BLOBs, whatever the bytes.
            let types = try reopened.database.pool.read { db in
                try String.fetchAll(db, sql: "SELECT DISTINCT typeof(body) FROM notification_outbox")
            }
            #expect(types == ["blob"])
        }
    }

    @Test func entriesSurviveClosingAndReopening() throws {
        try withTemporaryDirectory { directory in
            let expected: [OutboxEntry]
            do {
                let database = try StateDatabase(directory: directory)
                let outbox = Outbox(database: database)
                try outbox.enqueue(Self.entry("pending", createdAt: 100))
                try outbox.enqueue(Self.entry("retrying", createdAt: 101))
                try outbox.enqueue(Self.entry("delivered", createdAt: 102))
                try outbox.enqueue(Self.entry("failed", createdAt: 103))
                try outbox.scheduleRetry(id: "retrying", at: 110, next: 150, error: "timeout")
                try outbox.markDelivered(id: "delivered", at: 111)
                try outbox.markFailed(id: "failed", at: 112, error: "HTTP 400 Bad Request")
                expected = try outbox.entries(limit: 10)
                #expect(expected.count == 4)
                try database.close()
            }
            let outbox = Outbox(database: try StateDatabase(directory: directory))
            #expect(try outbox.entries(limit: 10) == expected)
            #expect(try outbox.due(at: 149, limit: 10).map(\.id) == ["pending"])
            #expect(try outbox.nextAttemptTime() == 100)
            #expect(try outbox.pendingCounts() == ["team-a": 2])
        }
    }

    /// What SIGKILL leaves behind is the files as last written: committed transactions are in the
    /// WAL, nothing was closed or checkpointed. Copies of `tether.db` and `tether.db-wal` taken
    /// while the database is open are that state, and opening them runs SQLite's recovery as a
    /// restart after a kill would.
    static func restartAfterKill(_ directory: String) throws -> StateDatabase {
        let image = directory + "/killed-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: image, withIntermediateDirectories: false)
        for name in [StateDatabase.fileName, StateDatabase.fileName + "-wal"] {
            try FileManager.default.copyItem(atPath: directory + "/" + name, toPath: image + "/" + name)
        }
        let walSize = try FileManager.default.attributesOfItem(atPath: image + "/tether.db-wal")[.size]
        #expect((walSize as? Int ?? 0) > 0, "the commits are still in the WAL, as after a kill")
        return try StateDatabase(directory: image)
    }

    @Test func entriesSurviveAKillAtAnyPoint() throws {
        try withTemporaryDirectory { directory in
            let database = try StateDatabase(directory: directory)
            let outbox = Outbox(database: database)

            try outbox.enqueue(Self.entry("n1", createdAt: 100))
            var restarted = Outbox(database: try Self.restartAfterKill(directory))
            #expect(try restarted.due(at: 100, limit: 10).map(\.id) == ["n1"])

            // Killed while n1 is being sent: it is sent again after the restart.
            let sending = try outbox.due(at: 100, limit: 10)
            let n2 = Self.entry("n2", createdAt: 101, body: [0x00, 0xFF])
            try outbox.enqueue(n2)
            restarted = Outbox(database: try Self.restartAfterKill(directory))
            #expect(try restarted.due(at: 101, limit: 10) == sending + [n2])

            try outbox.markDelivered(id: "n1", at: 102)
            try outbox.scheduleRetry(id: "n2", at: 102, next: 160, error: "timeout")
            restarted = Outbox(database: try Self.restartAfterKill(directory))
            #expect(try restarted.due(at: 159, limit: 10) == [])
            #expect(try restarted.nextAttemptTime() == 160)
            #expect(try restarted.entries(limit: 10).map(\.state) == [.pending, .delivered])
            try database.close()
        }
    }

    @Test func outboxWritesLeaveTheConnectionsSynchronousSetting() throws {
        try withTemporaryDirectory { directory in
            let database = try StateDatabase(directory: directory)
            let synchronous = { try database.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") } }
            let before = try synchronous()
            try Outbox(database: database).enqueue(Self.entry("n1"))
            #expect(try synchronous() == before)
        }
    }

    @Test func queriesUseTheIndexes() throws {
        try withTemporaryDirectory { directory in
            let database = try StateDatabase(directory: directory)
            func plan(_ sql: String, _ arguments: StatementArguments = []) throws -> String {
                try database.pool.read { db in
                    try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments)
                        .map { row in try row.decode(String.self, atIndex: 3) }
                        .joined(separator: "; ")
                }
            }
            let due = try plan(Outbox.dueSQL, [100, 10])
            #expect(due.contains("INDEX notification_outbox_due"), "\(due)")
            #expect(!due.contains("TEMP B-TREE"), "\(due)")
            let pending = try plan(Outbox.pendingSQL, [10])
            #expect(pending.contains("INDEX notification_outbox_due"), "\(pending)")
            #expect(!pending.contains("TEMP B-TREE"), "\(pending)")
            let head = try plan(Outbox.oldestPendingSQL, ["team-a"])
            #expect(head.contains("INDEX notification_outbox_pending_receiver (receiver=?)"), "\(head)")
            #expect(!head.contains("TEMP B-TREE"), "\(head)")
            let next = try plan(Outbox.nextAttemptSQL)
            #expect(next.contains("INDEX notification_outbox_due"), "\(next)")
            let counts = try plan(Outbox.pendingCountsSQL)
            #expect(counts.contains("INDEX notification_outbox_pending_receiver"), "\(counts)")
            #expect(!counts.contains("TEMP B-TREE"), "\(counts)")
            let finished = try plan(Outbox.finishedSQL, [10])
            #expect(finished.contains("INDEX notification_outbox_finished"), "\(finished)")
            #expect(!finished.contains("TEMP B-TREE"), "\(finished)")
            let remove = try plan(Outbox.removeFinishedSQL, [100])
            #expect(remove.contains("notification_outbox_finished"), "\(remove)")
        }
    }

    @Test func databaseOfAnOlderTetherGainsTheOutbox() throws {
        try withTemporaryDirectory { directory in
            let alert = AlertStateStoreTests.alert(number: 1)
            do {
                let older = Array(StateDatabase.migrations.prefix { $0.identifier != "v3-notification-outbox" })
                #expect(older.count == StateDatabase.migrations.count - 1)
                let database = try StateDatabase(directory: directory, migrations: older)
                try AlertStateStore(database: database).replaceAlerts(ofGroup: alert.group, with: [alert])
                try database.close()
            }
            let database = try StateDatabase(directory: directory)
            #expect(try AlertStateStore(database: database).alerts() == [alert])
            let outbox = Outbox(database: database)
            try outbox.enqueue(Self.entry("n1"))
            #expect(try outbox.entries(limit: 10).map(\.id) == ["n1"])
        }
    }

    @Test func useAfterCloseThrows() throws {
        try withTemporaryDirectory { directory in
            let database = try StateDatabase(directory: directory)
            try database.close()
            let outbox = Outbox(database: database)
            let write = #expect(throws: StateDatabaseError.self) { try outbox.enqueue(Self.entry("n1")) }
            #expect(write?.message.hasPrefix("cannot write notifications to \(database.path): ") == true)
            let read = #expect(throws: StateDatabaseError.self) { try outbox.due(at: 0, limit: 1) }
            #expect(read?.message.hasPrefix("cannot read notifications from \(database.path): ") == true)
            #expect(throws: StateDatabaseError.self) { try outbox.nextAttemptTime() }
            #expect(throws: StateDatabaseError.self) { try outbox.markDelivered(id: "n1", at: 0) }
            #expect(throws: StateDatabaseError.self) { try outbox.scheduleRetry(id: "n1", at: 0, next: 1, error: "") }
            #expect(throws: StateDatabaseError.self) { try outbox.markFailed(id: "n1", at: 0, error: "") }
            #expect(throws: StateDatabaseError.self) { try outbox.entries(limit: 1) }
            #expect(throws: StateDatabaseError.self) { try outbox.pendingCounts() }
            #expect(throws: StateDatabaseError.self) { try outbox.removeFinished(before: 0) }
        }
    }
}
