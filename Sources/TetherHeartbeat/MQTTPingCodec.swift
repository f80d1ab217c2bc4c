public import NIOCore

/// MQTT 3.1.1 heartbeats: `PINGREQ` (`0xC0 0x00`) answered by `PINGRESP` (`0xD0 0x00`), in order
/// (§3.12, §3.13), after the `CONNECT` handshake. Other packets are ignored: tether subscribes to
/// nothing, and a broker never pings its clients.
///
/// The codec has no close frame: `DISCONNECT` is written by ``MQTTDisconnectHandler`` whenever
/// the connection is closed from our side, then the socket is closed at once (a broker answers
/// `DISCONNECT` only by closing).
public struct MQTTPingCodec: HeartbeatCodec {
    public typealias InboundFrame = MQTTPacket
    public typealias OutboundFrame = ByteBuffer

    public var matching: HeartbeatMatching { .inOrder }

    public init() {}

    public func makeHeartbeat(sequence: UInt64, sentAt: NIODeadline, allocator: ByteBufferAllocator) -> ByteBuffer {
        allocator.buffer(bytes: MQTTHandshake.pingRequest)
    }

    public func receive(_ packet: MQTTPacket, allocator: ByteBufferAllocator) throws -> HeartbeatCodecEvent<ByteBuffer>
    {
        guard packet.type == MQTTPacket.PacketType.pingResponse else { return .ignored }
        guard packet.body.readableBytes == 0, packet.flags == 0 else {
            throw MQTTProtocolError(
                "malformed PINGRESP: flags \(packet.flags), remaining length \(packet.body.readableBytes)"
            )
        }
        return .answer(sequence: nil)
    }

    public func makeClose(code: UInt16, allocator: ByteBufferAllocator) -> ByteBuffer? { nil }
}

/// Writes MQTT `DISCONNECT` (`0xE0 0x00`, §3.14) before the connection is closed from our side, so
/// the broker drops the session cleanly and publishes no will; a close the broker started, or one
/// after the socket is gone, sends nothing.
final class MQTTDisconnectHandler: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var sent = false

    init() {}

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if !self.sent, mode != .input, context.channel.isActive {
            self.sent = true
            let disconnect = context.channel.allocator.buffer(bytes: MQTTHandshake.disconnect)
            context.writeAndFlush(self.wrapOutboundOut(disconnect), promise: nil)
        }
        context.close(mode: mode, promise: promise)
    }
}

@available(*, unavailable)
extension MQTTDisconnectHandler: Sendable {}
