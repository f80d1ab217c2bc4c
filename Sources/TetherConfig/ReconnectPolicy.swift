public import NIOCore

/// The `reconnect:` section: exponential backoff between reconnects; the agent adds full jitter.
public struct ReconnectPolicy: Sendable, Equatable {
    /// Backoff before the first reconnect (`initial`, default 500ms).
    public var initial: TimeAmount
    /// Backoff never grows past this (`max`, default 30s); at least `initial`.
    public var max: TimeAmount
    /// Growth per failed attempt (`multiplier`, default 2); at least 1.
    public var multiplier: Double

    public init(initial: TimeAmount = .milliseconds(500), max: TimeAmount = .seconds(30), multiplier: Double = 2) {
        self.initial = initial
        self.max = max
        self.multiplier = multiplier
    }
}
