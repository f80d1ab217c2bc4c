public import NIOCore

/// When heartbeats are sent and what counts as an answer in time.
public struct HeartbeatSchedule: Sendable, Equatable {
    /// Time between heartbeats.
    public var interval: TimeAmount
    /// An answer later than this after its heartbeat is a miss.
    public var timeout: TimeAmount
    /// Misses in a row that declare the connection dead.
    public var downAfter: Int
    /// A shorter interval while heartbeats are being missed, to tell a blip from an outage sooner.
    public var intervalWhenFailing: TimeAmount?
    /// The longest wait for the peer to answer our close frame before the socket is closed anyway.
    public var closeTimeout: TimeAmount
    /// Stop after this many heartbeats and close normally (`tether probe --count`); `nil` runs until closed.
    public var limit: Int?
    /// Who keeps time: the connection's own event loop, or a ``HeartbeatPacer`` elsewhere.
    public var pacing: Pacing

    public enum Pacing: Sendable, Equatable {
        /// The handler schedules heartbeats and timeouts on the connection's event loop.
        case eventLoop
        /// ``HeartbeatTick`` events drive the handler; see ``HeartbeatPacer``.
        case external
    }

    public init(
        interval: TimeAmount,
        timeout: TimeAmount,
        downAfter: Int = 3,
        intervalWhenFailing: TimeAmount? = nil,
        closeTimeout: TimeAmount = .seconds(1),
        limit: Int? = nil,
        pacing: Pacing = .eventLoop
    ) {
        self.interval = interval
        self.timeout = timeout
        self.downAfter = downAfter
        self.intervalWhenFailing = intervalWhenFailing
        self.closeTimeout = closeTimeout
        self.limit = limit
        self.pacing = pacing
    }
}

/// Drives a ``HeartbeatHandler`` whose schedule has ``HeartbeatSchedule/Pacing/external`` pacing.
/// Send it with `channel.triggerUserOutboundEvent`.
public enum HeartbeatTick: Sendable {
    /// Send the next heartbeat now.
    case sendHeartbeat
    /// The timeout of heartbeat `sequence` has passed.
    case timeoutElapsed(sequence: UInt64)
}

/// Ask a ``HeartbeatHandler`` to stop heartbeating and close its connection gracefully, with a
/// close handshake where the dialect has one. Send it with `channel.triggerUserOutboundEvent`.
public struct HeartbeatCloseRequest: Sendable {
    public var code: UInt16

    public init(code: UInt16 = WebSocketCloseCode.normalClosure) {
        self.code = code
    }
}
