public import NIOCore

/// What one dialect puts on the wire for a heartbeat and how it reads what comes back.
///
/// The ``HeartbeatHandler`` owns timing and bookkeeping for every dialect; a codec only turns a
/// heartbeat into a frame and a received frame into a ``HeartbeatCodecEvent``.
public protocol HeartbeatCodec {
    associatedtype InboundFrame
    associatedtype OutboundFrame

    /// How answers name the heartbeat they answer.
    var matching: HeartbeatMatching { get }

    /// The frame for heartbeat `sequence`, written at `sentAt`.
    mutating func makeHeartbeat(
        sequence: UInt64,
        sentAt: NIODeadline,
        allocator: ByteBufferAllocator
    ) -> OutboundFrame

    /// Classifies a frame the peer sent.
    mutating func receive(
        _ frame: InboundFrame,
        allocator: ByteBufferAllocator
    ) throws
        -> HeartbeatCodecEvent<OutboundFrame>

    /// The frame that starts a close handshake with `code`, or `nil` when the dialect has none and
    /// the connection is simply closed.
    func makeClose(code: UInt16, allocator: ByteBufferAllocator) -> OutboundFrame?
}

/// What a received frame means to the heartbeat.
public enum HeartbeatCodecEvent<OutboundFrame> {
    /// An answer; `sequence` is what it names, `nil` for in-order dialects.
    case answer(sequence: UInt64?)
    /// The peer asked something that must be answered with `reply` (a server's WebSocket ping).
    case reply(OutboundFrame)
    /// The peer started or answered a close handshake.
    case closeReceived(code: UInt16?, reason: String)
    /// Nothing for the heartbeat (data frames in ping mode, chatter that matches no expectation).
    case ignored
}
