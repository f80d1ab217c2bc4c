/// A receiver as notification logic sees it: which alerts it takes and how.
///
/// Each receiver acts as an Alertmanager route with `continue: true` under the root: an alert goes to every
/// receiver whose matchers match it.
public struct DispatchReceiver: Sendable {
    /// The receiver's name; names are unique.
    public var name: String
    /// The receiver's matchers printed as Alertmanager prints them (`labels.Matcher.String()`, e.g.
    /// `severity="critical"`, `team=~"db|web"`) and in Alertmanager's order (by name, then value, then type:
    /// `=`, `!=`, `=~`, `!~`). They make up the route part of the group key; empty for a receiver without matchers.
    public var matcherText: [String]
    /// Whether notifications carry resolved alerts (`send_resolved`).
    public var sendResolved: Bool
    /// At most this many alerts in one notification or request (`max_alerts`); 0 for no limit.
    public var maxAlerts: Int
    /// Whether the receiver's matchers all match an alert's labels.
    public var matches: @Sendable ([String: String]) -> Bool

    public init(
        name: String,
        matcherText: [String] = [],
        sendResolved: Bool = true,
        maxAlerts: Int = 0,
        matches: @escaping @Sendable ([String: String]) -> Bool = { _ in true }
    ) {
        self.name = name
        self.matcherText = matcherText
        self.sendResolved = sendResolved
        self.maxAlerts = maxAlerts
        self.matches = matches
    }
}
