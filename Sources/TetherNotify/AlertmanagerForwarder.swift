/// Decides which alerts go to Alertmanager receivers and when, as Prometheus' rule manager sends alerts to
/// Alertmanager (`rules.SendAlerts`, `Alert.needsSending`): no grouping (Alertmanager groups), every alert re-sent
/// while it lasts so that Alertmanager does not time it out. Time is passed in; no clock, no I/O.
///
/// At each evaluation:
/// - a firing alert is sent when it starts firing and again once `resendDelay` has passed since it was last sent,
///   with `endsAt` = now + 4 × max(`resendDelay`, `evaluationInterval`) (Prometheus' `ValidUntil`: Alertmanager
///   resolves it by itself if tether stops sending);
/// - a resolved alert is sent when it resolved after it was last sent, then again every `resendDelay` for
///   `resolvedResendWindow` after it resolved, with `endsAt` = its resolution time.
///
/// Prometheus keeps re-sending a resolved alert for 15 minutes (`resolvedRetention`); tether's issue asks for
/// 5 minutes, which still outlasts a few lost requests while sending less.
public final class AlertmanagerForwarder {
    /// How long after resolving a resolved alert is still re-sent (seconds).
    public static let resolvedResendWindow: Double = 5 * 60
    /// Prometheus' `maxBatchSize`: the most alerts in one request when the receiver sets no `max_alerts`.
    public static let maxBatchSize = 256

    private let receivers: [DispatchReceiver]
    private let resendDelay: Double
    private let validity: Double
    /// By fingerprint: the latest version of every alert being sent, and when it was last sent.
    private var tracked: [String: Tracked] = [:]

    /// A forwarder for Alertmanager receivers.
    ///
    /// - Parameters:
    ///   - receivers: The Alertmanager receivers: their matchers, `send_resolved` (without it resolved alerts are
    ///     not sent, and Alertmanager resolves them when their `endsAt` passes) and `max_alerts` (the batch size).
    ///   - resendDelay: Prometheus' `--rules.alert.resend-delay` (seconds; Prometheus' default is 60).
    ///   - evaluationInterval: The rules' evaluation interval (seconds).
    public init(receivers: [DispatchReceiver], resendDelay: Double, evaluationInterval: Double) {
        self.receivers = receivers
        self.resendDelay = resendDelay
        self.validity = 4 * max(resendDelay, evaluationInterval)
    }

    /// The alerts to send now, per receiver and in batches of at most the receiver's `max_alerts` (or
    /// `maxBatchSize`), each batch one request body for `AlertmanagerPayload.encode(_:)`.
    ///
    /// - Parameters:
    ///   - alerts: The rule engine's current alerts: firing ones, and resolved ones with `endsAt`. An alert seen
    ///     before and missing now is resolved at `time` (its rule or group was removed).
    ///   - time: The evaluation's time, seconds since the epoch.
    /// - Returns: Batches by receiver in configuration order; receivers with nothing to send are left out.
    public func alertsToSend(
        _ alerts: [NotificationAlert],
        at time: Double
    ) -> [(receiver: String, alerts: [NotificationAlert])] {
        var order: [String] = []
        var present = Set<String>()
        for var alert in alerts {
            let fingerprint = alert.fingerprint
            if present.insert(fingerprint).inserted { order.append(fingerprint) }
            let previous = self.tracked[fingerprint]
            var lastSentAt = previous?.lastSentAt
            if !alert.isResolved(at: time) {
                alert.endsAt = nil
                // A new firing episode (first seen, fired again after resolving, or a new start) is a new alert to
                // Prometheus, never sent.
                if let previous, previous.alert.endsAt != nil || previous.alert.startsAt != alert.startsAt {
                    lastSentAt = nil
                }
            }
            self.tracked[fingerprint] = Tracked(alert: alert, lastSentAt: lastSentAt)
        }
        for fingerprint in self.tracked.keys.sorted() where !present.contains(fingerprint) {
            order.append(fingerprint)
            if self.tracked[fingerprint]!.alert.endsAt == nil {
                self.tracked[fingerprint]!.alert.endsAt = time
            }
        }

        var toSend: [NotificationAlert] = []
        for fingerprint in order {
            guard var entry = self.tracked[fingerprint] else { continue }
            if let resolvedAt = entry.alert.endsAt, time - resolvedAt > Self.resolvedResendWindow {
                // Past the window (Prometheus drops a resolved alert once now - resolvedAt > the retention).
                self.tracked[fingerprint] = nil
                continue
            }
            guard self.needsSending(entry, at: time) else { continue }
            entry.lastSentAt = time
            self.tracked[fingerprint] = entry
            var sent = entry.alert
            if sent.endsAt == nil { sent.endsAt = time + self.validity }
            toSend.append(sent)
        }

        var batches: [(receiver: String, alerts: [NotificationAlert])] = []
        for receiver in self.receivers {
            let selected = toSend.filter { alert in
                (receiver.sendResolved || !alert.isResolved(at: time)) && receiver.matches(alert.labels)
            }
            let size = receiver.maxAlerts > 0 ? receiver.maxAlerts : Self.maxBatchSize
            var start = 0
            while start < selected.count {
                let end = min(start + size, selected.count)
                batches.append((receiver.name, Array(selected[start..<end])))
                start = end
            }
        }
        return batches
    }

    /// `Alert.needsSending`: a resolved alert that resolved after it was last sent, or any alert whose last send is
    /// more than `resendDelay` ago (strictly, as Prometheus compares).
    private func needsSending(_ entry: Tracked, at time: Double) -> Bool {
        guard let lastSentAt = entry.lastSentAt else { return true }
        if let resolvedAt = entry.alert.endsAt, resolvedAt > lastSentAt { return true }
        return lastSentAt + self.resendDelay < time
    }
}

private struct Tracked {
    /// `endsAt` nil while firing, else when it resolved.
    var alert: NotificationAlert
    var lastSentAt: Double?
}
