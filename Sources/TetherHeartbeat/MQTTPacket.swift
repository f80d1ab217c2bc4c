public import NIOCore

/// One MQTT control packet as it came off the wire (MQTT 3.1.1 §2): the fixed header's packet
/// type and flags, and the rest of the packet (variable header and payload) undecoded.
public struct MQTTPacket: Sendable, Hashable {
    /// Packet types of MQTT 3.1.1 §2.2.1 that tether sends or reads.
    public enum PacketType {
        public static let connect: UInt8 = 1
        public static let connectAck: UInt8 = 2
        public static let pingRequest: UInt8 = 12
        public static let pingResponse: UInt8 = 13
        public static let disconnect: UInt8 = 14
    }

    /// The packet type, 1 to 14 (the fixed header's high nibble).
    public var type: UInt8
    /// The fixed header's low nibble.
    public var flags: UInt8
    /// The variable header and payload: exactly the remaining length's bytes.
    public var body: ByteBuffer

    public init(type: UInt8, flags: UInt8 = 0, body: ByteBuffer = ByteBuffer()) {
        self.type = type
        self.flags = flags
        self.body = body
    }
}

/// A packet that breaks MQTT 3.1.1's framing or tether's size limit.
public struct MQTTProtocolError: HeartbeatProtocolViolation, Sendable, Hashable {
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}

/// Extra checks on ``MQTTOptions`` that MQTT 3.1.1 imposes on the `CONNECT` packet.
public struct DialectOptionsError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
}

extension MQTTOptions {
    /// Checks what `CONNECT` can carry: strings of at most 65,535 bytes, and a password only
    /// together with a user name (MQTT 3.1.1 §3.1.2.9).
    ///
    /// - Throws: ``DialectOptionsError`` naming the field.
    public func validate() throws(DialectOptionsError) {
        let limit = Int(UInt16.max)
        if self.clientID.utf8.count > limit {
            throw DialectOptionsError(description: "the MQTT client id is longer than \(limit) bytes")
        }
        if let username, username.utf8.count > limit {
            throw DialectOptionsError(description: "the MQTT user name is longer than \(limit) bytes")
        }
        if let password {
            if password.value.utf8.count > limit {
                throw DialectOptionsError(description: "the MQTT password is longer than \(limit) bytes")
            }
            if self.username == nil {
                throw DialectOptionsError(description: "MQTT 3.1.1 sends a password only together with a user name")
            }
        }
    }
}

/// The MQTT 3.1.1 packets tether writes, and the meaning of `CONNACK`.
enum MQTTHandshake {
    static let pingRequest: [UInt8] = [0xC0, 0x00]
    static let disconnect: [UInt8] = [0xE0, 0x00]

    /// `CONNECT` (§3.1): protocol name `MQTT`, level 4, clean session, the keep alive, the client
    /// id, then user name and password when set.
    static func connectRequest(_ options: MQTTOptions, allocator: ByteBufferAllocator) -> ByteBuffer {
        var flags: UInt8 = 0x02  // clean session
        if options.username != nil { flags |= 0x80 }
        if options.password != nil { flags |= 0x40 }

        var body = allocator.buffer(capacity: 64)
        Self.writeString(Array("MQTT".utf8), into: &body)
        body.writeInteger(UInt8(4))  // protocol level 3.1.1
        body.writeInteger(flags)
        body.writeInteger(options.keepAlive)
        Self.writeString(Array(options.clientID.utf8), into: &body)
        if let username = options.username { Self.writeString(Array(username.utf8), into: &body) }
        if let password = options.password { Self.writeString(Array(password.value.utf8), into: &body) }

        var packet = allocator.buffer(capacity: body.readableBytes + 5)
        packet.writeInteger(MQTTPacket.PacketType.connect << 4)
        Self.writeRemainingLength(body.readableBytes, into: &packet)
        packet.writeBuffer(&body)
        return packet
    }

    /// A length-prefixed string or binary field (§1.5.3); ``MQTTOptions/validate()`` bounds it.
    private static func writeString(_ bytes: [UInt8], into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt16(truncatingIfNeeded: bytes.count))
        buffer.writeBytes(bytes)
    }

    /// The remaining length as MQTT's variable-length integer (§2.2.3): 7 bits a byte, low first.
    static func writeRemainingLength(_ length: Int, into buffer: inout ByteBuffer) {
        var rest = length
        repeat {
            var byte = UInt8(rest % 128)
            rest /= 128
            if rest > 0 { byte |= 0x80 }
            buffer.writeInteger(byte)
        } while rest > 0
    }

    /// `CONNACK` with return code 0 accepts (§3.2.2.3); any other code, or any other first packet,
    /// refuses.
    static func judgeConnectAck(_ packet: MQTTPacket) -> ConnectHandshakeVerdict {
        guard packet.type == MQTTPacket.PacketType.connectAck else {
            return .refused(
                "the broker answered CONNECT with MQTT packet type \(packet.type), not CONNACK "
                    + "(is this an MQTT broker?)"
            )
        }
        guard packet.body.readableBytes == 2,
            let code = packet.body.getInteger(at: packet.body.readerIndex + 1, as: UInt8.self)
        else {
            return .refused("malformed CONNACK: remaining length \(packet.body.readableBytes), expected 2")
        }
        guard code == 0 else {
            return .refused("MQTT broker refused CONNECT: return code \(code) (\(Self.meaning(ofReturnCode: code)))")
        }
        return .accepted
    }

    /// The `CONNACK` return codes of §3.2.2.3.
    static func meaning(ofReturnCode code: UInt8) -> String {
        switch code {
        case 0: "connection accepted"
        case 1: "unacceptable protocol version"
        case 2: "identifier rejected"
        case 3: "server unavailable"
        case 4: "bad user name or password"
        case 5: "not authorized"
        default: "reserved return code"
        }
    }
}
