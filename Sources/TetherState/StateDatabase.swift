import GRDB

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// tether's durable state: the SQLite database `<state_dir>/tether.db`, opened with GRDB in WAL
/// mode and migrated to the schema this tether knows.
///
/// One agent per state directory: opening takes an exclusive lock on `<state_dir>/tether.lock`
/// (see ``StateDatabaseError/Code/inUse``). Other processes that only read the file (the `sqlite3`
/// shell) are waited for up to 5 seconds before a write gives up with a "locked" error. Commits use
/// `synchronous = NORMAL`, which GRDB sets in WAL mode: what was committed survives SIGKILL, and a
/// power loss can undo the last commits but not damage the file. ``Outbox`` commits its own
/// writes with `synchronous = FULL`, which also survive power loss.
///
/// The connections are closed and the lock released by ``close()``, or when the last reference
/// goes away.
public final class StateDatabase: Sendable {
    /// The name of the database file inside the state directory.
    public static let fileName = "tether.db"
    /// How long a statement waits for another process's lock on the file.
    static let busyTimeoutSeconds = 5

    /// The state directory, as given (without trailing slashes).
    public let directory: String
    /// The database file, `<directory>/tether.db`.
    public let path: String

    let pool: DatabasePool
    /// The alert lists last committed per group, shared by every AlertStateStore on this database.
    let alertStateCache = AlertStateCache()
    private let lock: StateDirectoryLock

    /// Opens `<directory>/tether.db`, creating the directory and the database if needed, and
    /// brings its schema up to date.
    ///
    /// - Parameter directory: The state directory (`state_dir` of the configuration).
    /// - Throws: ``StateDatabaseError`` naming the directory or file and what is wrong with it: a
    ///   directory that cannot be created or written, a file that is not tether's database or is
    ///   corrupt, a database written by a newer tether, or a directory another agent is using.
    public convenience init(directory: String) throws(StateDatabaseError) {
        try self.init(directory: directory, migrations: Self.migrations)
    }

    /// Opens the database with the given migrations instead of tether's own, so that tests can
    /// play a newer tether.
    init(directory: String, migrations: [StateMigration]) throws(StateDatabaseError) {
        var directory = directory
        while directory.count > 1 && directory.hasSuffix("/") { directory.removeLast() }
        try Self.createDirectory(directory, stateDirectory: directory)
        let lock = try StateDirectoryLock.acquire(inDirectory: directory)
        let path = directory == "/" ? "/" + Self.fileName : directory + "/" + Self.fileName

        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: Self.configuration())
        } catch {
            lock.closeFile()
            throw StateDatabaseError(error, path: path, while: "open")
        }
        do {
            try Self.migrate(pool, path: path, migrations: migrations)
        } catch {
            try? pool.close()
            lock.closeFile()
            throw error
        }
        self.directory = directory
        self.path = path
        self.pool = pool
        self.lock = lock
    }

    deinit {
        try? self.pool.close()
        self.lock.closeFile()
    }

    /// Closes the database connections and releases the state directory for another agent.
    ///
    /// Using the database afterwards throws. Calling it again does nothing.
    public func close() throws(StateDatabaseError) {
        do {
            try self.pool.close()
        } catch {
            throw StateDatabaseError(error, path: self.path, while: "close")
        }
        self.lock.unlock()
    }

    private static func configuration() -> Configuration {
        var configuration = Configuration()
        configuration.label = "tether.state"
        configuration.busyMode = .timeout(Double(Self.busyTimeoutSeconds))
        configuration.maximumReaderCount = 2
        configuration.prepareDatabase { db in
            // The staging tables of AlertStateStore live in memory, not in the WAL.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
        }
        return configuration
    }

    /// `mkdir -p` with an error that names the state directory and the part that failed.
    private static func createDirectory(_ path: String, stateDirectory: String) throws(StateDatabaseError) {
        if mkdir(path, 0o755) == 0 { return }
        var error = errno
        if error == ENOENT, let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            try Self.createDirectory(String(path[..<slash]), stateDirectory: stateDirectory)
            if mkdir(path, 0o755) == 0 { return }
            error = errno
        }
        var status = stat()
        if error == EEXIST && stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR {
            return
        }
        let reason =
            error == EEXIST ? "\(path) exists and is not a directory" : StateDirectoryLock.errorText(error)
        let detail = path == stateDirectory ? reason : "cannot create \(path): \(reason)"
        throw StateDatabaseError(
            .directoryUnusable,
            path: stateDirectory,
            "cannot create state directory \(stateDirectory): \(detail)"
        )
    }
}

extension StateDatabaseError {
    /// Wraps an error thrown by GRDB while working on the database file.
    ///
    /// - Parameters:
    ///   - error: The error GRDB threw (a ``StateDatabaseError`` is passed through).
    ///   - path: The database file.
    ///   - action: What was being done, as a verb phrase before the path: "open", "write alert
    ///     states to".
    init(_ error: any Error, path: String, while action: String) {
        if let error = error as? StateDatabaseError {
            self = error
            return
        }
        guard let error = error as? DatabaseError else {
            self.init(.corrupt, path: path, "cannot \(action) \(path): \(error)")
            return
        }
        let reason = error.message ?? "SQLite error \(error.resultCode.rawValue)"
        switch error.resultCode {
        case .SQLITE_NOTADB:
            self.init(
                .notADatabase,
                path: path,
                "cannot \(action) \(path): it is not an SQLite database (\(reason)); move it away or point"
                    + " state_dir at another directory"
            )
        case .SQLITE_CORRUPT:
            self.init(
                .corrupt,
                path: path,
                "cannot \(action) \(path): the database is corrupt (\(reason)); move it away to start"
                    + " with empty state"
            )
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            self.init(
                .inUse,
                path: path,
                "cannot \(action) \(path): another process kept it locked for more than"
                    + " \(StateDatabase.busyTimeoutSeconds) s (\(reason))"
            )
        case .SQLITE_CANTOPEN, .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_AUTH:
            self.init(.directoryUnusable, path: path, "cannot \(action) \(path): \(reason)")
        default:
            self.init(.ioError, path: path, "cannot \(action) \(path): \(reason)")
        }
    }
}
