import Foundation

/// The alert list last committed for each rule group of one state database, so that an evaluation
/// that changed nothing costs one comparison instead of a round through SQLite.
///
/// Invariant: a group's entry, when present, is exactly what its rows in `alert_state` hold. Only
/// code running on the database's writer (which serializes all writes) changes it, and it drops an
/// entry before a transaction and sets it again only after the commit. The exclusive lock on the
/// state directory guarantees that no other process changes the rows behind its back.
///
/// An `NSLock` rather than `Mutex`: this module depends on GRDB only, and `Mutex` needs macOS 15.
final class AlertStateCache: @unchecked Sendable {
    private let lock = NSLock()
    private var lastCommitted: [String: [PersistedAlert]] = [:]

    func alerts(ofGroup group: String) -> [PersistedAlert]? {
        self.lock.withLock { self.lastCommitted[group] }
    }

    func setAlerts(_ alerts: [PersistedAlert]?, ofGroup group: String) {
        self.lock.withLock { self.lastCommitted[group] = alerts }
    }

    func removeGroups(notIn keep: Set<String>) {
        self.lock.withLock { self.lastCommitted = self.lastCommitted.filter { keep.contains($0.key) } }
    }
}
