public import NIOCore
public import NIOWebSocket

/// WebSocket heartbeats as RFC 6455 Ping control frames, answered by Pong frames that echo the
/// payload (§5.5.2, §5.5.3).
///
/// The payload is 20 bytes: the tag `tthr`, the sequence number and the send time in nanoseconds
/// (both big-endian `UInt64`), well under the 125-byte limit for control frames (§5.5). The send
/// time is informational for the peer; RTTs use the time kept locally, never the echoed one.
public struct WebSocketPingCodec: HeartbeatCodec {
    public typealias InboundFrame = WebSocketFrame
    public typealias OutboundFrame = WebSocketFrame

    static let tag: UInt32 = 0x7474_6872  // "tthr"
    static let payloadSize = 20

    public var matching: HeartbeatMatching { .bySequence }

    public init() {}

    public func makeHeartbeat(sequence: UInt64, sentAt: NIODeadline, allocator: ByteBufferAllocator) -> WebSocketFrame {
        var payload = allocator.buffer(capacity: Self.payloadSize)
        payload.writeInteger(Self.tag)
        payload.writeInteger(sequence)
        payload.writeInteger(sentAt.uptimeNanoseconds)
        return WebSocketFrame(fin: true, opcode: .ping, maskKey: .random(), data: payload)
    }

    public func receive(_ frame: WebSocketFrame, allocator: ByteBufferAllocator) -> HeartbeatCodecEvent<WebSocketFrame>
    {
        switch frame.opcode {
        case .pong:
            var payload = frame.unmaskedData
            guard payload.readableBytes == Self.payloadSize,
                payload.readInteger(as: UInt32.self) == Self.tag,
                let sequence = payload.readInteger(as: UInt64.self)
            else {
                // Unsolicited pongs are allowed as one-way heartbeats (§5.5.3); they answer nothing.
                return .answer(sequence: nil)
            }
            return .answer(sequence: sequence)
        default:
            return Self.controlEvent(frame)
        }
    }

    /// What the peer's pings and close frames mean in every WebSocket mode: a ping is answered, a
    /// close is reported; anything else is ignored.
    static func controlEvent(_ frame: WebSocketFrame) -> HeartbeatCodecEvent<WebSocketFrame> {
        switch frame.opcode {
        case .ping:
            // A pong must carry the ping's application data (§5.5.3) and, from a client, be masked (§5.3).
            return .reply(WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.unmaskedData))
        case .connectionClose:
            return Self.closeEvent(frame)
        default:
            return .ignored
        }
    }

    public func makeClose(code: UInt16, allocator: ByteBufferAllocator) -> WebSocketFrame? {
        Self.makeCloseFrame(code: code, allocator: allocator)
    }

    static func makeCloseFrame(code: UInt16, allocator: ByteBufferAllocator) -> WebSocketFrame {
        var data = allocator.buffer(capacity: 2)
        data.writeInteger(code)
        return WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: data)
    }

    static func closeEvent(_ frame: WebSocketFrame) -> HeartbeatCodecEvent<WebSocketFrame> {
        var data = frame.unmaskedData
        guard let code = data.readInteger(as: UInt16.self) else {
            return .closeReceived(code: nil, reason: "")
        }
        let reason = data.readString(length: data.readableBytes) ?? ""
        return .closeReceived(code: code, reason: reason)
    }
}
