public import NIOCore

/// Cuts an MQTT 3.1.1 byte stream into packets: the fixed header (type and flags), the remaining
/// length as a variable-length integer of at most 4 bytes (§2.2.3), then that many bytes.
///
/// Nothing longer than `maxPacketBytes` is buffered: the remaining length is known after at most
/// 5 bytes and checked before the body is waited for. A malformed header is a protocol error
/// (``MQTTProtocolError``); the stream cannot be resynchronised after one.
public struct MQTTPacketDecoder: ByteToMessageDecoder {
    public typealias InboundOut = MQTTPacket

    public let maxPacketBytes: Int

    /// - Parameter maxPacketBytes: the largest remaining length accepted.
    public init(maxPacketBytes: Int) {
        self.maxPacketBytes = maxPacketBytes
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let packet = try self.nextPacket(&buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(packet))
        return .continue
    }

    public mutating func decodeLast(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        seenEOF: Bool
    ) throws -> DecodingState {
        try self.decode(context: context, buffer: &buffer)
    }

    func nextPacket(_ buffer: inout ByteBuffer) throws(MQTTProtocolError) -> MQTTPacket? {
        let start = buffer.readerIndex
        guard let first = buffer.getInteger(at: start, as: UInt8.self) else { return nil }
        let type = first >> 4
        guard (1...14).contains(type) else {
            throw MQTTProtocolError("malformed MQTT packet: reserved packet type \(type)")
        }
        var remaining = 0
        var headerLength = 1
        while true {
            guard headerLength <= 4 else {
                throw MQTTProtocolError("malformed MQTT packet: remaining length longer than 4 bytes")
            }
            guard let byte = buffer.getInteger(at: start + headerLength, as: UInt8.self) else { return nil }
            remaining |= Int(byte & 0x7F) << (7 * (headerLength - 1))
            headerLength += 1
            if byte & 0x80 == 0 { break }
        }
        guard remaining <= self.maxPacketBytes else {
            throw MQTTProtocolError("an MQTT packet of \(remaining) bytes, over the limit of \(self.maxPacketBytes)")
        }
        guard buffer.readableBytes >= headerLength + remaining else { return nil }
        buffer.moveReaderIndex(forwardBy: headerLength)
        guard let body = buffer.readSlice(length: remaining) else { return nil }
        return MQTTPacket(type: type, flags: first & 0x0F, body: body)
    }
}
