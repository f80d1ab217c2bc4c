#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive `flock(2)` on `<state_dir>/tether.lock`, so that two agents never share one state
/// directory.
///
/// SQLite alone would let both open `tether.db` and interleave their writes: each would overwrite
/// the other's alert states and deliver the other's outbox. The lock is held by the open file
/// description, so it also refuses a second opener in the same process, and the kernel drops it
/// when the process dies, even by SIGKILL: a stale lock file never blocks a restart.
struct StateDirectoryLock: Sendable {
    static let fileName = "tether.lock"

    private let descriptor: Int32

    /// Creates the lock file if needed, takes the lock without waiting and writes this process's
    /// id into the file for the error message of whoever comes next.
    ///
    /// - Parameter directory: The state directory, which must exist.
    static func acquire(inDirectory directory: String) throws(StateDatabaseError) -> StateDirectoryLock {
        let path = directory + "/" + Self.fileName
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            let reason = Self.errorText(errno)
            throw StateDatabaseError(
                .directoryUnusable,
                path: directory,
                "state directory \(directory) is not usable: cannot create \(path): \(reason)"
            )
        }
        var result: Int32
        repeat {
            result = flock(descriptor, LOCK_EX | LOCK_NB)
        } while result != 0 && errno == EINTR
        guard result == 0 else {
            let error = errno
            let holder = Self.readHolder(descriptor)
            _ = close(descriptor)
            if error == EWOULDBLOCK {
                throw StateDatabaseError(
                    .inUse,
                    path: directory,
                    "state directory \(directory) is in use by another tether process"
                        + (holder.map { " (pid \($0))" } ?? "")
                        + ": \(path) is locked; give each agent its own state_dir"
                )
            }
            throw StateDatabaseError(
                .ioError,
                path: directory,
                "cannot lock \(path): \(Self.errorText(error))"
            )
        }
        let pid = Array("\(getpid())\n".utf8)
        if ftruncate(descriptor, 0) == 0 {
            _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        }
        return StateDirectoryLock(descriptor: descriptor)
    }

    /// Releases the lock and keeps the descriptor; calling it again does nothing.
    func unlock() {
        _ = flock(self.descriptor, LOCK_UN)
    }

    /// Closes the descriptor, which releases the lock if it is still held. Call it once.
    func closeFile() {
        _ = close(self.descriptor)
    }

    private static func readHolder(_ descriptor: Int32) -> String? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[..<count], as: UTF8.self)
        let pid = text.prefix { $0.isNumber }
        return pid.isEmpty ? nil : String(pid)
    }

    static func errorText(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
