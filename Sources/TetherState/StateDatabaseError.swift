/// Why tether's state database could not be opened, read or written, naming the file or directory
/// concerned and what a user can do about it.
public struct StateDatabaseError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure, as an open set (new kinds may be added).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case directoryUnusable = "directory_unusable"
            case notADatabase = "not_a_database"
            case corrupt = "corrupt"
            case newerVersion = "newer_version"
            case inUse = "in_use"
            case ioError = "io_error"
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The state directory cannot be created, or files cannot be created in it.
        public static let directoryUnusable = Code(.directoryUnusable)
        /// `tether.db` is not an SQLite database, or is one that tether did not create.
        public static let notADatabase = Code(.notADatabase)
        /// `tether.db` is an SQLite database whose content is damaged.
        public static let corrupt = Code(.corrupt)
        /// `tether.db` was migrated by a newer tether, whose schema this one does not know.
        public static let newerVersion = Code(.newerVersion)
        /// Another tether process (or another opener in this process) holds the state directory.
        public static let inUse = Code(.inUse)
        /// Any other failure of the file system or of SQLite (disk full, I/O error, …).
        public static let ioError = Code(.ioError)

        public var description: String { self.base.rawValue }
    }

    public var code: Code
    /// The file or directory the failure is about.
    public var path: String
    /// A sentence naming ``path`` and what went wrong.
    public var message: String

    public var description: String { self.message }

    init(_ code: Code, path: String, _ message: String) {
        self.code = code
        self.path = path
        self.message = message
    }
}
