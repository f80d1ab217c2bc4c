public import NIOCore
public import TetherHeartbeat

/// What `tether probe` does: one connection, `count` heartbeats, then a verdict.
public struct ProbeOptions: Sendable {
    public var connection: HeartbeatConnectionOptions
    /// Heartbeats to send; `nil` runs until cancelled (Ctrl-C).
    public var count: Int?
    public var interval: TimeAmount
    public var timeout: TimeAmount
    public var thresholds: ProbeThresholds

    public init(
        connection: HeartbeatConnectionOptions,
        count: Int?,
        interval: TimeAmount,
        timeout: TimeAmount,
        thresholds: ProbeThresholds = ProbeThresholds()
    ) {
        self.connection = connection
        self.count = count
        self.interval = interval
        self.timeout = timeout
        self.thresholds = thresholds
    }
}

/// Nagios-style limits. RTT limits compare with the average RTT, as `check_ping` does.
public struct ProbeThresholds: Sendable, Equatable {
    public var warnRTT: TimeAmount?
    public var critRTT: TimeAmount?
    /// Highest acceptable loss in percent; any loss above it is critical.
    public var maxLossPercent: Double

    public init(warnRTT: TimeAmount? = nil, critRTT: TimeAmount? = nil, maxLossPercent: Double = 0) {
        self.warnRTT = warnRTT
        self.critRTT = critRTT
        self.maxLossPercent = maxLossPercent
    }
}
