/// One active (pending or firing) alert of a rule, as kept across restarts.
///
/// This is what Prometheus keeps in its `ALERTS_FOR_STATE` series: enough to resume the `for`
/// countdown (``activeAt``) and an alert that is already firing (``firedAt``,
/// ``keepFiringSince``) after a restart instead of starting over. Inactive and resolved alerts are
/// not kept.
public struct PersistedAlert: Sendable, Hashable, Codable {
    /// The state of an active alert.
    public enum State: String, Sendable, Hashable, Codable {
        case pending
        case firing
    }

    /// The rule group key: `<file>;<group name>`, as Prometheus names groups.
    public var group: String
    /// The alert name (`alert:` of the rule).
    public var rule: String
    /// The alert's full label set (series labels, rule labels and `alertname`).
    public var labels: [String: String]
    public var state: State
    /// Unix seconds at which the alert became pending.
    public var activeAt: Double
    /// Unix seconds at which the alert started firing; `nil` while pending.
    public var firedAt: Double?
    /// Unix seconds since which the alert fires only because of `keep_firing_for`.
    public var keepFiringSince: Double?
    /// The sample value of the last evaluation; may be NaN or ±Inf.
    public var value: Double
    public var annotations: [String: String]

    /// - Parameters:
    ///   - group: The rule group key, `<file>;<group name>`.
    ///   - rule: The alert name.
    ///   - labels: The alert's full label set.
    ///   - state: Pending or firing.
    ///   - activeAt: Unix seconds at which the alert became pending.
    ///   - firedAt: Unix seconds at which it started firing.
    ///   - keepFiringSince: Unix seconds since which it fires only because of `keep_firing_for`.
    ///   - value: The sample value of the last evaluation.
    ///   - annotations: The expanded annotations.
    public init(
        group: String,
        rule: String,
        labels: [String: String],
        state: State,
        activeAt: Double,
        firedAt: Double? = nil,
        keepFiringSince: Double? = nil,
        value: Double,
        annotations: [String: String] = [:]
    ) {
        self.group = group
        self.rule = rule
        self.labels = labels
        self.state = state
        self.activeAt = activeAt
        self.firedAt = firedAt
        self.keepFiringSince = keepFiringSince
        self.value = value
        self.annotations = annotations
    }
}
