/// Groups alerts into notifications as Alertmanager's dispatcher and notification pipeline do, with time passed in:
/// no clock, no tasks, no I/O.
///
/// Alertmanager's pieces and their counterparts here:
/// - `Dispatcher.processAlert` and `aggrGroup.insert`: `update(_:at:)` puts each alert into one group per matching
///   receiver, the group chosen by the `group_by` labels.
/// - `aggrGroup.run`'s timer: a group's first flush is `group_wait` after it was created (at once when an alert's
///   `startsAt` plus `group_wait` has already passed and the group has not flushed yet), then every
///   `group_interval`; `nextFlush` says when the next one is due.
/// - `aggrGroup.flush` and `DedupStage.needsUpdate`: `flush(at:)` decides from the notification log whether the
///   receiver must hear about the group, and hands out the notification.
/// - `RetryStage` and `SetNotifiesStage`: without `send_resolved` only firing alerts are sent, and nothing when none
///   fires; the log records the group's firing and resolved alerts either way.
///
/// The caller writes each notification to the durable outbox, which counts as delivered: after a flush the resolved
/// alerts are removed from the group (as Alertmanager does once the pipeline succeeded, whether or not it notified)
/// and an empty group is deleted (Alertmanager's maintenance does so within 30 s).
public final class NotificationDispatcher {
    private let receivers: [DispatchReceiver]
    private let options: GroupingOptions
    private let groupBy: Set<String>
    private var groups: [GroupID: AggregationGroup] = [:]
    private var log: [GroupID: LogEntry] = [:]

    /// A dispatcher for receivers and grouping options.
    ///
    /// - Parameters:
    ///   - receivers: The receivers, in configuration order (notifications come out in that order); names unique.
    ///   - options: How alerts are grouped.
    public init(receivers: [DispatchReceiver], options: GroupingOptions) {
        precondition(Set(receivers.map(\.name)).count == receivers.count, "receiver names must be unique")
        self.receivers = receivers
        self.options = options
        self.groupBy = Set(options.groupBy)
    }

    /// Takes the rule engine's current alerts: the firing ones, and resolved ones with `endsAt` set.
    ///
    /// An alert replaces the earlier version with its fingerprint (a resolved alert that fires again is firing
    /// again). An alert seen before that is missing from `alerts` is resolved at `time`: its rule or group was
    /// removed.
    ///
    /// - Parameters:
    ///   - alerts: All current alerts.
    ///   - time: Seconds since the epoch.
    public func update(_ alerts: [NotificationAlert], at time: Double) {
        var present = Set<String>()
        for alert in alerts {
            let fingerprint = alert.fingerprint
            present.insert(fingerprint)
            for (index, receiver) in self.receivers.enumerated() where receiver.matches(alert.labels) {
                self.insert(alert, fingerprint: fingerprint, receiverIndex: index, at: time)
            }
        }
        for id in Array(self.groups.keys) {
            let vanished = self.groups[id]!.alerts.filter { fingerprint, alert in
                !present.contains(fingerprint) && !alert.isResolved(at: time)
            }
            for fingerprint in vanished.keys {
                self.groups[id]!.alerts[fingerprint]!.endsAt = time
            }
        }
    }

    /// The notifications due at `time`: flushes every group whose flush time has come.
    ///
    /// - Parameter time: Seconds since the epoch.
    /// - Returns: The notifications to deliver, by receiver in configuration order, then by group key.
    public func flush(at time: Double) -> [GroupNotification] {
        self.expireLog(at: time)
        let due = self.groups.filter { $0.value.nextFlush <= time }
            .sorted { lhs, rhs in
                lhs.value.receiverIndex != rhs.value.receiverIndex
                    ? lhs.value.receiverIndex < rhs.value.receiverIndex
                    : goLess(lhs.key.groupKey, rhs.key.groupKey)
            }
        var notifications: [GroupNotification] = []
        for (id, group) in due {
            if let notification = self.flush(id, group, at: time) {
                notifications.append(notification)
            }
        }
        return notifications
    }

    /// When the next flush is due (seconds since the epoch), so that the caller can sleep until then; nil when
    /// there is no group. It can lie in the past, when `flush(at:)` was not called in time.
    public var nextFlush: Double? {
        self.groups.values.map(\.nextFlush).min()
    }

    /// What each receiver was last told about each group, for persisting across a restart.
    public var notificationLog: [NotificationLogEntry] {
        self.log.map { id, entry in
            NotificationLogEntry(
                receiver: id.receiver,
                groupKey: id.groupKey,
                firing: entry.firing.sorted(),
                resolved: entry.resolved.sorted(),
                timestamp: entry.timestamp
            )
        }
        .sorted { ($0.receiver, $0.groupKey) < ($1.receiver, $1.groupKey) }
    }

    /// Restores the notification log saved before a restart, so that groups the receivers already know about are
    /// not notified again before their repeat interval (Alertmanager keeps its log on disk for the same reason).
    /// Entries of receivers that no longer exist, and expired ones, are dropped.
    ///
    /// - Parameters:
    ///   - entries: `notificationLog` as saved.
    ///   - time: Seconds since the epoch.
    public func restore(notificationLog entries: [NotificationLogEntry], at time: Double) {
        let names = Set(self.receivers.map(\.name))
        for entry in entries where names.contains(entry.receiver) {
            self.log[GroupID(receiver: entry.receiver, groupKey: entry.groupKey)] = LogEntry(
                firing: Set(entry.firing),
                resolved: Set(entry.resolved),
                timestamp: entry.timestamp
            )
        }
        self.expireLog(at: time)
    }

    /// Alertmanager's group key: the route's key, `:`, and the group labels as `model.LabelSet.String()` prints
    /// them. Each receiver is a route under the root route, whose key is `{}` (no matchers), so the route key is
    /// `{}/{<matchers joined by ",">}`; for example `{}/{severity="critical"}:{alertname="TargetDown", target="db"}`.
    ///
    /// - Parameters:
    ///   - matcherText: The receiver's matchers as Alertmanager prints and orders them.
    ///   - groupLabels: The group's labels.
    public static func groupKey(matcherText: [String], groupLabels: [String: String]) -> String {
        "{}/{" + matcherText.joined(separator: ",") + "}:" + GoText.labelSet(groupLabels)
    }

    private func insert(_ alert: NotificationAlert, fingerprint: String, receiverIndex: Int, at time: Double) {
        let receiver = self.receivers[receiverIndex]
        let groupLabels = self.options.groupByAll ? alert.labels : alert.labels.filter { self.groupBy.contains($0.key) }
        let id = GroupID(
            receiver: receiver.name,
            groupKey: Self.groupKey(matcherText: receiver.matcherText, groupLabels: groupLabels)
        )
        var group =
            self.groups[id]
            ?? AggregationGroup(
                receiverIndex: receiverIndex,
                labels: groupLabels,
                nextFlush: time + self.options.groupWait
            )
        group.alerts[fingerprint] = alert
        // aggrGroup.insert: an alert whose group_wait is already over (it started long before it reached the group,
        // e.g. after a restart) flushes the group at once, unless the group has flushed before.
        if !group.hasFlushed && alert.startsAt + self.options.groupWait < time {
            group.nextFlush = min(group.nextFlush, time)
        }
        self.groups[id] = group
    }

    private func flush(_ id: GroupID, _ stored: AggregationGroup, at time: Double) -> GroupNotification? {
        var group = stored
        group.nextFlush = time + self.options.groupInterval
        group.hasFlushed = true
        let receiver = self.receivers[group.receiverIndex]

        // aggrGroup.flush: a snapshot in which alerts not resolved by now are firing (their end time cleared, so
        // that they cannot resolve on the way), sorted as types.AlertSlice sorts.
        var alerts: [NotificationAlert] = []
        var firing = Set<String>()
        var resolved = Set<String>()
        for (fingerprint, stored) in group.alerts {
            var alert = stored
            if alert.isResolved(at: time) {
                resolved.insert(fingerprint)
            } else {
                alert.endsAt = nil
                firing.insert(fingerprint)
            }
            alerts.append(alert)
        }
        alerts.sort(by: NotificationAlert.alertmanagerOrder)

        var notification: GroupNotification?
        if let reason = self.needsUpdate(self.log[id], firing: firing, resolved: resolved, receiver, at: time) {
            let sent = receiver.sendResolved ? alerts : alerts.filter { $0.endsAt == nil }
            if !sent.isEmpty {
                notification = GroupNotification(
                    receiver: receiver.name,
                    groupKey: id.groupKey,
                    groupLabels: group.labels,
                    alerts: sent,
                    maxAlerts: receiver.maxAlerts,
                    reason: reason,
                    time: time
                )
            }
            self.log[id] = LogEntry(firing: firing, resolved: resolved, timestamp: time)
        }

        for fingerprint in resolved {
            group.alerts[fingerprint] = nil
        }
        if group.alerts.isEmpty {
            self.groups[id] = nil
            // The group's last flush saw only resolved alerts, so its log entry has no firing alert left; such an
            // entry decides exactly as no entry does, so it goes with the group.
            if self.log[id]?.firing.isEmpty ?? false {
                self.log[id] = nil
            }
        } else {
            self.groups[id] = group
        }
        return notification
    }

    /// `DedupStage.needsUpdate`: nil when the receiver need not hear about the group now.
    private func needsUpdate(
        _ entry: LogEntry?,
        firing: Set<String>,
        resolved: Set<String>,
        _ receiver: DispatchReceiver,
        at time: Double
    ) -> NotificationReason? {
        guard let entry else {
            // Never notified: notify unless everything has resolved already.
            return firing.isEmpty ? nil : .firstNotification
        }
        if !firing.isSubset(of: entry.firing) {
            return entry.firing.isEmpty ? .firstNotification : .newAlertsInGroup
        }
        if firing.isEmpty {
            // All resolved: tell the receiver if it was told something fires (even without send_resolved, so that
            // the log forgets the firing alerts); alerts that fired and resolved between two flushes it never heard
            // of need no word.
            return entry.firing.isEmpty ? nil : .allAlertsResolved
        }
        if receiver.sendResolved && !resolved.isSubset(of: entry.resolved) {
            return .newResolvedAlerts
        }
        return entry.timestamp < time - self.options.repeatInterval ? .repeatIntervalElapsed : nil
    }

    /// Alertmanager keeps a log entry for twice the repeat interval after it was written (`SetNotifiesStage`'s
    /// expiry) and forgets it then.
    private func expireLog(at time: Double) {
        let retention = 2 * self.options.repeatInterval
        self.log = self.log.filter { $0.value.timestamp + retention >= time }
    }
}

/// A group: one receiver's alerts with the same group labels.
private struct GroupID: Hashable {
    var receiver: String
    var groupKey: String
}

private struct AggregationGroup {
    let receiverIndex: Int
    let labels: [String: String]
    /// By fingerprint.
    var alerts: [String: NotificationAlert] = [:]
    var nextFlush: Double
    var hasFlushed = false

    init(receiverIndex: Int, labels: [String: String], nextFlush: Double) {
        self.receiverIndex = receiverIndex
        self.labels = labels
        self.nextFlush = nextFlush
    }
}

private struct LogEntry {
    var firing: Set<String>
    var resolved: Set<String>
    var timestamp: Double
}
