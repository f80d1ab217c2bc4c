/// The body of `POST /api/v2/alerts` on Alertmanager: an array of `models.PostableAlert`, as Prometheus' notifier
/// builds it (`alertsToOpenAPIAlerts`).
public enum AlertmanagerPayload {
    /// The JSON body for `alerts`.
    ///
    /// Each alert carries `labels`, `annotations`, `startsAt`, `endsAt` and `generatorURL`; times are go-openapi's
    /// `strfmt.DateTime` (RFC 3339 with milliseconds, UTC). As in go-openapi's models, empty annotations and an
    /// empty generator URL are left out, and so is a nil `endsAt` (Alertmanager then resolves the alert itself after
    /// its `resolve_timeout`); `AlertmanagerForwarder` always sets one.
    ///
    /// - Parameter alerts: The alerts of one request, as `AlertmanagerForwarder.alertsToSend(_:at:)` batches them.
    public static func encode(_ alerts: [NotificationAlert]) -> [UInt8] {
        var writer = GoJSONWriter()
        writer.raw("[")
        for (index, alert) in alerts.enumerated() {
            if index > 0 { writer.raw(",") }
            writer.raw("{")
            writer.key("labels")
            writer.object(alert.labels)
            if !alert.annotations.isEmpty {
                writer.raw(",")
                writer.key("annotations")
                writer.object(alert.annotations)
            }
            writer.raw(",")
            writer.key("startsAt")
            writer.string(GoText.millisecondTime(alert.startsAt))
            if let endsAt = alert.endsAt {
                writer.raw(",")
                writer.key("endsAt")
                writer.string(GoText.millisecondTime(endsAt))
            }
            if !alert.generatorURL.isEmpty {
                writer.raw(",")
                writer.key("generatorURL")
                writer.string(alert.generatorURL)
            }
            writer.raw("}")
        }
        writer.raw("]")
        return writer.bytes
    }
}
