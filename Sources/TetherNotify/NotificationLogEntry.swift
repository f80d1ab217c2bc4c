/// What a receiver was last told about a group: an entry of Alertmanager's notification log (`nflogpb.Entry`).
///
/// The dispatcher decides from it whether a group needs a notification; persisting the entries across a restart
/// (`NotificationDispatcher.notificationLog`, `restore(notificationLog:at:)`) keeps a restart from notifying every
/// firing group again, as Alertmanager's persisted log does.
public struct NotificationLogEntry: Sendable, Hashable, Codable {
    public var receiver: String
    public var groupKey: String
    /// Fingerprints of the alerts that were firing when the receiver was last notified, sorted.
    public var firing: [String]
    /// Fingerprints of the alerts that were resolved then, sorted.
    public var resolved: [String]
    /// When (seconds since the epoch).
    public var timestamp: Double

    public init(receiver: String, groupKey: String, firing: [String], resolved: [String], timestamp: Double) {
        self.receiver = receiver
        self.groupKey = groupKey
        self.firing = firing
        self.resolved = resolved
        self.timestamp = timestamp
    }
}
