/// The state of an alert, as Prometheus names it.
public enum AlertState: String, Sendable, Hashable, Codable {
    /// Resolved: kept a while after it stopped firing so that receivers hear it resolved.
    case inactive
    /// The expression returns it, for less than the rule's `for`.
    case pending
    case firing
}

/// One alert of an alerting rule: one element of the rule's result, with the rule's labels and
/// annotations applied. Times are milliseconds since the epoch.
public struct Alert: Sendable, Hashable {
    public var labels: Labels
    public var annotations: Labels
    public var state: AlertState
    public var value: Double
    /// When it became pending.
    public var activeAt: Int64
    public var firedAt: Int64?
    public var resolvedAt: Int64?
    /// Since when `keep_firing_for` has kept it firing although the expression no longer returns it.
    public var keepFiringSince: Int64?

    public init(
        labels: Labels,
        annotations: Labels,
        state: AlertState,
        value: Double,
        activeAt: Int64,
        firedAt: Int64? = nil,
        resolvedAt: Int64? = nil,
        keepFiringSince: Int64? = nil
    ) {
        self.labels = labels
        self.annotations = annotations
        self.state = state
        self.value = value
        self.activeAt = activeAt
        self.firedAt = firedAt
        self.resolvedAt = resolvedAt
        self.keepFiringSince = keepFiringSince
    }
}

/// How a rule's last evaluation went, as `/api/v1/rules` reports it.
public enum RuleHealth: String, Sendable, Hashable {
    case unknown
    case ok
    case err
}

/// What templates and labels see of the agent itself.
public struct RuleEvaluationContext: Sendable {
    public var externalLabels: [String: String]
    public var externalURL: String
    public var lookbackDelta: Int64

    public init(
        externalLabels: [String: String] = [:],
        externalURL: String = "",
        lookbackDelta: Int64 = PromQLEvaluator.defaultLookbackDelta
    ) {
        self.externalLabels = externalLabels
        self.externalURL = externalURL
        self.lookbackDelta = lookbackDelta
    }
}
