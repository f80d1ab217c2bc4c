/// The body of a webhook notification: Alertmanager's webhook payload, version "4" (`notify/webhook.Message`, which
/// embeds `template.Data`), so that anything consuming Alertmanager webhooks consumes tether's.
public struct WebhookPayload: Sendable, Equatable {
    /// One alert of the payload (`template.Alert`).
    public struct Alert: Sendable, Equatable {
        public var status: AlertStatus
        public var labels: [String: String]
        public var annotations: [String: String]
        public var startsAt: Double
        /// Nil unless resolved: Alertmanager hides an end time that has not been reached, and Go writes the zero
        /// time, `0001-01-01T00:00:00Z`.
        public var endsAt: Double?
        public var generatorURL: String
        public var fingerprint: String
    }

    /// The receiver's name escaped by `regexp.QuoteMeta`, as Alertmanager's template data carries it.
    public var receiver: String
    /// `firing` when any alert of the payload fires, else `resolved`.
    public var status: AlertStatus
    public var alerts: [Alert]
    public var groupLabels: [String: String]
    /// The labels every alert of the payload has with the same value.
    public var commonLabels: [String: String]
    public var commonAnnotations: [String: String]
    public var externalURL: String
    public var version: String
    public var groupKey: String
    /// How many alerts `max_alerts` left out.
    public var truncatedAlerts: Int

    /// The payload of a dispatcher notification.
    ///
    /// - Parameters:
    ///   - notification: What `NotificationDispatcher.flush(at:)` handed out.
    ///   - externalURL: The URL tether is reachable at, sent as `externalURL`.
    ///   - maxAlerts: At most this many alerts (0 for all); by default the notification's receiver's `max_alerts`.
    ///   - time: Seconds since the epoch, deciding which alerts count as resolved; by default the flush's time.
    public init(
        _ notification: GroupNotification,
        externalURL: String,
        maxAlerts: Int? = nil,
        at time: Double? = nil
    ) {
        self.init(
            receiver: notification.receiver,
            groupKey: notification.groupKey,
            groupLabels: notification.groupLabels,
            alerts: notification.alerts,
            externalURL: externalURL,
            maxAlerts: maxAlerts ?? notification.maxAlerts,
            at: time ?? notification.time
        )
    }

    /// The payload for a group's alerts, as Alertmanager's webhook notifier builds it: the first `maxAlerts` alerts
    /// in the order given (Alertmanager truncates before building the template data, so status and common labels
    /// describe only the alerts sent), an end time only for alerts resolved at `time`.
    ///
    /// - Parameters:
    ///   - receiver: The receiver's name as configured.
    ///   - groupKey: The group's key (`NotificationDispatcher.groupKey(matcherText:groupLabels:)`).
    ///   - groupLabels: The labels the group is grouped by.
    ///   - alerts: The group's alerts, in the order to send them.
    ///   - externalURL: The URL tether is reachable at.
    ///   - maxAlerts: At most this many alerts; 0 for all.
    ///   - time: Seconds since the epoch; decides which alerts count as resolved.
    public init(
        receiver: String,
        groupKey: String,
        groupLabels: [String: String],
        alerts: [NotificationAlert],
        externalURL: String,
        maxAlerts: Int = 0,
        at time: Double
    ) {
        var kept = alerts
        var truncated = 0
        if maxAlerts > 0 && alerts.count > maxAlerts {
            kept = Array(alerts.prefix(maxAlerts))
            truncated = alerts.count - maxAlerts
        }
        self.receiver = GoText.quoteMeta(receiver)
        self.alerts = kept.map { alert in
            let resolved = alert.isResolved(at: time)
            return Alert(
                status: resolved ? .resolved : .firing,
                labels: alert.labels,
                annotations: alert.annotations,
                startsAt: alert.startsAt,
                endsAt: resolved ? alert.endsAt : nil,
                generatorURL: alert.generatorURL,
                fingerprint: alert.fingerprint
            )
        }
        self.status = self.alerts.contains { $0.status == .firing } ? .firing : .resolved
        self.groupLabels = groupLabels
        // template.Data: start from the first alert's labels and drop each that another alert lacks or has with
        // another value (a missing label compares as "", as Go's map lookup gives).
        var commonLabels: [String: String] = [:]
        var commonAnnotations: [String: String] = [:]
        if let first = kept.first {
            commonLabels = first.labels
            commonAnnotations = first.annotations
            for alert in kept.dropFirst() {
                commonLabels = commonLabels.filter { alert.labels[$0.key, default: ""] == $0.value }
                commonAnnotations = commonAnnotations.filter { alert.annotations[$0.key, default: ""] == $0.value }
            }
        }
        self.commonLabels = commonLabels
        self.commonAnnotations = commonAnnotations
        self.externalURL = externalURL
        self.version = "4"
        self.groupKey = groupKey
        self.truncatedAlerts = truncated
    }

    /// The JSON body, byte for byte as Alertmanager's webhook notifier writes it (`json.NewEncoder(&buf).Encode`):
    /// fields in Go's struct order, map keys sorted, Go's escaping, times as Go's `time.Time`, and a final newline.
    public func encoded() -> [UInt8] {
        var writer = GoJSONWriter()
        writer.raw("{")
        writer.key("receiver")
        writer.string(self.receiver)
        writer.raw(",")
        writer.key("status")
        writer.string(self.status.rawValue)
        writer.raw(",")
        writer.key("alerts")
        writer.raw("[")
        for (index, alert) in self.alerts.enumerated() {
            if index > 0 { writer.raw(",") }
            writer.raw("{")
            writer.key("status")
            writer.string(alert.status.rawValue)
            writer.raw(",")
            writer.key("labels")
            writer.object(alert.labels)
            writer.raw(",")
            writer.key("annotations")
            writer.object(alert.annotations)
            writer.raw(",")
            writer.key("startsAt")
            writer.string(GoText.jsonTime(alert.startsAt))
            writer.raw(",")
            writer.key("endsAt")
            writer.string(GoText.jsonTime(alert.endsAt))
            writer.raw(",")
            writer.key("generatorURL")
            writer.string(alert.generatorURL)
            writer.raw(",")
            writer.key("fingerprint")
            writer.string(alert.fingerprint)
            writer.raw("}")
        }
        writer.raw("],")
        writer.key("groupLabels")
        writer.object(self.groupLabels)
        writer.raw(",")
        writer.key("commonLabels")
        writer.object(self.commonLabels)
        writer.raw(",")
        writer.key("commonAnnotations")
        writer.object(self.commonAnnotations)
        writer.raw(",")
        writer.key("externalURL")
        writer.string(self.externalURL)
        writer.raw(",")
        writer.key("version")
        writer.string(self.version)
        writer.raw(",")
        writer.key("groupKey")
        writer.string(self.groupKey)
        writer.raw(",")
        writer.key("truncatedAlerts")
        writer.raw(String(self.truncatedAlerts))
        writer.raw("}\n")
        return writer.bytes
    }
}
