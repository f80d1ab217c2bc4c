import Foundation
import Testing

@testable import TetherState

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

@Suite struct StateDatabaseTests {
    @Test func createsTheDirectoryAndTheDatabase() throws {
        try withTemporaryDirectory { root in
            let directory = root + "/nested/state/"
            let database = try StateDatabase(directory: directory)
            #expect(database.directory == root + "/nested/state")
            #expect(database.path == root + "/nested/state/tether.db")
            #expect(FileManager.default.fileExists(atPath: database.path))
            try database.close()
        }
    }

    @Test func reopenAfterCloseKeepsTheAlerts() throws {
        try withTemporaryDirectory { directory in
            let alert = PersistedAlert(
                group: "rules.yml;heartbeats",
                rule: "TargetDown",
                labels: ["alertname": "TargetDown", "target": "orders"],
                state: .firing,
                activeAt: 1_700_000_000,
                firedAt: 1_700_000_060,
                value: 1
            )
            do {
                let database = try StateDatabase(directory: directory)
                try AlertStateStore(database: database).replaceAlerts(ofGroup: alert.group, with: [alert])
                try database.close()
            }
            let store = AlertStateStore(database: try StateDatabase(directory: directory))
            #expect(try store.alerts() == [alert])
            // Rewriting what is already stored changes nothing.
            #expect(try store.replaceAlerts(ofGroup: alert.group, with: [alert]) == .init(written: 0, deleted: 0))
        }
    }

    @Test func reopenAfterTheLastReferenceIsGone() throws {
        try withTemporaryDirectory { directory in
            _ = try StateDatabase(directory: directory)
            _ = try StateDatabase(directory: directory)
        }
    }

    @Test func secondOpenerOfTheSameDirectoryIsRefused() throws {
        try withTemporaryDirectory { directory in
            let first = try StateDatabase(directory: directory)
            let error = #expect(throws: StateDatabaseError.self) { try StateDatabase(directory: directory) }
            #expect(error?.code == .inUse)
            #expect(
                error?.message
                    == "state directory \(directory) is in use by another tether process (pid \(getpid())):"
                    + " \(directory)/tether.lock is locked; give each agent its own state_dir"
            )
            try first.close()
            try StateDatabase(directory: directory).close()
        }
    }

    @Test func useAfterCloseThrows() throws {
        try withTemporaryDirectory { directory in
            let database = try StateDatabase(directory: directory)
            try database.close()
            try database.close()
            let store = AlertStateStore(database: database)
            #expect(throws: StateDatabaseError.self) { try store.alerts() }
            #expect(throws: StateDatabaseError.self) { try store.replaceAlerts(ofGroup: "g", with: []) }
            #expect(throws: StateDatabaseError.self) { try store.removeGroups(notIn: []) }
        }
    }

    @Test func garbageFileIsNotADatabase() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/tether.db"
            let garbage = Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 13) })
            try garbage.write(to: URL(fileURLWithPath: path))
            let error = #expect(throws: StateDatabaseError.self) { try StateDatabase(directory: directory) }
            #expect(error?.code == .notADatabase)
            #expect(error?.path == path)
            #expect(
                error?.message
                    == "cannot open \(path): it is not an SQLite database (file is not a database); move it away"
                    + " or point state_dir at another directory"
            )
            // The lock was released: once the file is moved away, the directory opens.
            try FileManager.default.removeItem(atPath: path)
            try StateDatabase(directory: directory).close()
        }
    }

    @Test func sqliteFileOfAnotherApplicationIsRefused() throws {
        try withTemporaryDirectory { directory in
            let foreign = StateMigration(identifier: "other", sql: "CREATE TABLE other (x)")
            try StateDatabase(directory: directory, migrations: [foreign]).close()
            let error = #expect(throws: StateDatabaseError.self) { try StateDatabase(directory: directory) }
            #expect(error?.code == .notADatabase)
            #expect(
                error?.message
                    == "cannot open \(directory)/tether.db: it is an SQLite database, but not tether's"
                    + " (application_id 0); move it away or point state_dir at another directory"
            )
        }
    }

    @Test func damagedDatabaseIsCorrupt() throws {
        try withTemporaryDirectory { directory in
            let database = try StateDatabase(directory: directory)
            let alerts = (0..<200).map { AlertStateStoreTests.alert(number: $0) }
            try AlertStateStore(database: database).replaceAlerts(ofGroup: "g", with: alerts)
            try database.close()

            // Keep page 1 (header and schema), overwrite the pages of the tables.
            let path = directory + "/tether.db"
            var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(bytes.count > 8192)
            for index in 4096..<bytes.count { bytes[index] = 0xA5 }
            try bytes.write(to: URL(fileURLWithPath: path))

            let error = #expect(throws: StateDatabaseError.self) { try StateDatabase(directory: directory) }
            #expect(error?.code == .corrupt)
            #expect(error?.message.hasPrefix("cannot open \(path): the database is corrupt (Page ") == true)
            #expect(error?.message.contains("\n") == false)
            #expect(error?.message.hasSuffix("); move it away to start with empty state") == true)
        }
    }

    @Test func databaseOfANewerTetherIsRefused() throws {
        try withTemporaryDirectory { directory in
            let newer =
                StateDatabase.migrations + [StateMigration(identifier: "v9-future", sql: "CREATE TABLE future (x)")]
            try StateDatabase(directory: directory, migrations: newer).close()
            let error = #expect(throws: StateDatabaseError.self) { try StateDatabase(directory: directory) }
            #expect(error?.code == .newerVersion)
            #expect(
                error?.message
                    == "cannot open \(directory)/tether.db: it was written by a newer tether (unknown migrations:"
                    + " v9-future); run that version, or move the file away to start with empty state"
            )
        }
    }

    @Test func directoryUnderAFileCannotBeCreated() throws {
        try withTemporaryDirectory { root in
            try Data("x".utf8).write(to: URL(fileURLWithPath: root + "/file"))
            let directory = root + "/file/state"
            let error = #expect(throws: StateDatabaseError.self) { try StateDatabase(directory: directory) }
            #expect(error?.code == .directoryUnusable)
            #expect(error?.path == directory)
            #expect(error?.message == "cannot create state directory \(directory): Not a directory")
        }
    }

    @Test func stateDirectoryThatIsAFile() throws {
        try withTemporaryDirectory { root in
            let directory = root + "/state"
            try Data("x".utf8).write(to: URL(fileURLWithPath: directory))
            let error = #expect(throws: StateDatabaseError.self) { try StateDatabase(directory: directory) }
            #expect(error?.code == .directoryUnusable)
            #expect(
                error?.message
                    == "cannot create state directory \(directory): \(directory) exists and is not a directory"
            )
        }
    }

    @Test(.enabled(if: geteuid() != 0, "root may write into any directory"))
    func readOnlyDirectoryIsNotUsable() throws {
        try withTemporaryDirectory { directory in
            #expect(chmod(directory, 0o500) == 0)
            defer { _ = chmod(directory, 0o700) }
            let error = #expect(throws: StateDatabaseError.self) { try StateDatabase(directory: directory) }
            #expect(error?.code == .directoryUnusable)
            #expect(
                error?.message
                    == "state directory \(directory) is not usable: cannot create \(directory)/tether.lock:"
                    + " Permission denied"
            )
        }
    }
}
