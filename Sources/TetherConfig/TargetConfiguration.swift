public import TetherHeartbeat

/// One target, fully resolved: global defaults applied, secrets read, dialect options checked
/// against the URL's scheme.
public struct TargetConfiguration: Sendable {
    /// Unique within the configuration; the value of the `target` label.
    public var name: String
    /// The target's own labels (never `target`, never starting with `__`).
    public var labels: [String: String]
    /// Everything needed to dial: URL, TLS, headers, subprotocol, connect timeout, frame limit and
    /// the options of the URL's dialect (the other dialects' options keep their defaults).
    public var connection: HeartbeatConnectionOptions
    /// Interval, timeout, down-after, interval when failing and close timeout; no limit, paced by
    /// the connection's event loop.
    public var schedule: HeartbeatSchedule

    public init(
        name: String,
        labels: [String: String] = [:],
        connection: HeartbeatConnectionOptions,
        schedule: HeartbeatSchedule
    ) {
        self.name = name
        self.labels = labels
        self.connection = connection
        self.schedule = schedule
    }
}

extension TargetConfiguration: Equatable {
    /// Equal when every setting is equal, secrets and header values included: a reload keeps the
    /// connection of a target whose configuration is equal and reconnects the others.
    public static func == (lhs: TargetConfiguration, rhs: TargetConfiguration) -> Bool {
        let (a, b) = (lhs.connection, rhs.connection)
        return lhs.name == rhs.name && lhs.labels == rhs.labels && lhs.schedule == rhs.schedule
            && a.target == b.target && a.tls == b.tls && a.subprotocol == b.subprotocol
            && a.connectTimeout == b.connectTimeout && a.maxFrameBytes == b.maxFrameBytes && a.stream == b.stream
            && a.websocket == b.websocket && a.redis == b.redis && a.mqtt == b.mqtt
            && a.headers.elementsEqual(b.headers, by: { $0.name == $1.name && $0.value == $1.value })
    }
}

extension TargetConfiguration: CustomStringConvertible {
    /// Name and URL only: header values may hold credentials, and descriptions end up in logs.
    public var description: String { "\(self.name) (\(self.connection.target.url))" }
}
