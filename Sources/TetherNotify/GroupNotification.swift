/// One notification for one receiver about one alert group, as `NotificationDispatcher.flush(at:)` hands it out:
/// what Alertmanager's notification pipeline passes to a receiver's integration after deduplication.
public struct GroupNotification: Sendable, Equatable {
    public var receiver: String
    /// Alertmanager's group key, `{}/{<matchers>}:{<group labels>}`; the same for every notification of the group.
    public var groupKey: String
    public var groupLabels: [String: String]
    /// The group's alerts at the flush in Alertmanager's order (`job`, then `instance`, then the label set). Firing
    /// ones have `endsAt` nil; resolved ones their resolution time. Without `send_resolved` only the firing ones.
    public var alerts: [NotificationAlert]
    /// The receiver's `max_alerts` (0: no limit); the payload carries only that many alerts.
    public var maxAlerts: Int
    public var reason: NotificationReason
    /// When the group was flushed (seconds since the epoch): what decided which alerts are resolved.
    public var time: Double

    public init(
        receiver: String,
        groupKey: String,
        groupLabels: [String: String],
        alerts: [NotificationAlert],
        maxAlerts: Int = 0,
        reason: NotificationReason,
        time: Double
    ) {
        self.receiver = receiver
        self.groupKey = groupKey
        self.groupLabels = groupLabels
        self.alerts = alerts
        self.maxAlerts = maxAlerts
        self.reason = reason
        self.time = time
    }
}

/// Why a group was notified: Alertmanager's `notify.NotifyReason`, with its wording.
public enum NotificationReason: String, Sendable, Hashable, Codable {
    case firstNotification = "first notification"
    case newAlertsInGroup = "new alerts added"
    case newResolvedAlerts = "some alerts resolved"
    case allAlertsResolved = "all alerts resolved"
    case repeatIntervalElapsed = "repeat interval elapsed"
}

/// An alert's status in payloads.
public enum AlertStatus: String, Sendable, Hashable, Codable {
    case firing
    case resolved
}
