public import NIOCore

/// Something that happened on a heartbeat connection, reported on its event loop at the moment
/// it happened.
public enum HeartbeatEvent: Sendable, Equatable {
    case sent(sequence: UInt64)
    /// Answered within the timeout; `rtt` was taken on the event loop at write and at read.
    case answered(sequence: UInt64, rtt: TimeAmount)
    /// Answered, but the peer coalesced this heartbeat's answer into a later one (RFC 6455 §5.5.3).
    case coalesced(sequence: UInt64)
    case missed(sequence: UInt64, consecutive: Int)
    case late(sequence: UInt64, after: TimeAmount)
    /// An answer that answers nothing we sent.
    case unmatched
    /// `downAfter` heartbeats in a row were missed: the connection is declared dead and closed.
    case down(consecutiveMissed: Int)
    /// The connection is closed; the last event of every connection.
    case closed(DisconnectReason)
}

/// Why a heartbeat connection ended.
public enum DisconnectReason: Sendable, Equatable, CustomStringConvertible {
    /// The peer sent a close frame (WebSocket) with this code, or none.
    case closedByPeer(code: UInt16?, reason: String)
    /// We closed: the heartbeats were done, or we were asked to (shutdown, reload).
    case closedByAgent(code: UInt16?, peerAnswered: Bool)
    /// `downAfter` heartbeats in a row were missed.
    case missedHeartbeats(Int)
    /// The peer closed the stream without a close handshake.
    case eof
    /// The connection was reset (ECONNRESET, EPIPE).
    case reset
    /// The peer broke the protocol (bad frame, oversized frame, unmasked data…).
    case protocolError(String)
    /// Any other I/O error.
    case error(String)

    /// A short, bounded value for a `reason` label.
    public var label: String {
        switch self {
        case .closedByPeer(let code?, _): "close_\(code)"
        case .closedByPeer(nil, _): "close"
        case .closedByAgent: "agent"
        case .missedHeartbeats: "missed_heartbeats"
        case .eof: "eof"
        case .reset: "reset"
        case .protocolError: "protocol_error"
        case .error: "error"
        }
    }

    public var description: String {
        switch self {
        case .closedByPeer(let code?, let reason):
            "closed by peer: \(code) (\(reason.isEmpty ? WebSocketCloseCode.name(code) : reason))"
        case .closedByPeer(nil, _): "closed by peer (no close code)"
        case .closedByAgent(let code?, let answered):
            "\(code) (\(WebSocketCloseCode.name(code)))" + (answered ? "" : ", peer did not answer the close")
        case .closedByAgent(nil, _): "closed"
        case .missedHeartbeats(let n): "\(n) heartbeats missed in a row"
        case .eof: "connection closed by peer without a close handshake"
        case .reset: "connection reset by peer"
        case .protocolError(let what): "protocol error: \(what)"
        case .error(let what): what
        }
    }
}

/// Names of RFC 6455 §7.4.1 close codes, for messages.
public enum WebSocketCloseCode {
    public static let normalClosure: UInt16 = 1000
    public static let goingAway: UInt16 = 1001
    public static let protocolError: UInt16 = 1002
    public static let messageTooBig: UInt16 = 1009

    public static func name(_ code: UInt16) -> String {
        switch code {
        case 1000: "normal closure"
        case 1001: "going away"
        case 1002: "protocol error"
        case 1003: "unacceptable data"
        case 1005: "no status"
        case 1006: "abnormal closure"
        case 1007: "invalid payload"
        case 1008: "policy violation"
        case 1009: "message too big"
        case 1010: "missing extension"
        case 1011: "internal error"
        case 1012: "service restart"
        case 1013: "try again later"
        case 1014: "bad gateway"
        case 3000..<4000: "registered"
        case 4000..<5000: "application"
        default: "unknown"
        }
    }
}
