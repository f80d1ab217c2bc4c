public import NIOCore

/// Redis heartbeats: RESP `PING` (`*1\r\n$4\r\nPING\r\n`), answered by the simple string `+PONG`.
/// Replies arrive one line each (``HeartbeatFramingDecoder`` with ``HeartbeatFraming/line``).
///
/// Redis answers every command exactly once and in order, so the n-th reply belongs to the n-th
/// `PING` whatever it says. The codec numbers replies itself and names the heartbeat each `+PONG`
/// answers (``HeartbeatMatching/bySequenceExact``). An error reply (`-LOADING …`, `-NOAUTH …`,
/// `-BUSY …`) is not an answer: its heartbeat is missed at its timeout, and the next `+PONG` still
/// answers the next `PING`. (Plain in-order matching would take that `+PONG` for the failed
/// heartbeat, and shift every answer after it by one.)
public struct RedisPingCodec: HeartbeatCodec {
    public typealias InboundFrame = ByteBuffer
    public typealias OutboundFrame = ByteBuffer

    static let ping: [UInt8] = Array("*1\r\n$4\r\nPING\r\n".utf8)
    static let pong: [UInt8] = Array("+PONG".utf8)

    /// The sequence of the last `PING` written, and of the last one a reply arrived for.
    private var lastSent: UInt64 = 0
    private var lastReplied: UInt64 = 0

    public var matching: HeartbeatMatching { .bySequenceExact }

    public init() {}

    public mutating func makeHeartbeat(
        sequence: UInt64,
        sentAt: NIODeadline,
        allocator: ByteBufferAllocator
    ) -> ByteBuffer {
        if self.lastSent == 0 { self.lastReplied = sequence - 1 }
        self.lastSent = sequence
        return allocator.buffer(bytes: Self.ping)
    }

    public mutating func receive(_ frame: ByteBuffer, allocator: ByteBufferAllocator) -> HeartbeatCodecEvent<ByteBuffer>
    {
        let isPong = frame.readableBytesView.elementsEqual(Self.pong)
        guard self.lastReplied < self.lastSent else {
            // A reply to nothing we sent: counted as unmatched when it looks like an answer.
            return isPong ? .answer(sequence: nil) : .ignored
        }
        self.lastReplied += 1
        return isPong ? .answer(sequence: self.lastReplied) : .ignored
    }

    public func makeClose(code: UInt16, allocator: ByteBufferAllocator) -> ByteBuffer? { nil }
}

/// The Redis side of the connect handshake: `AUTH [username] password` answered by `+OK`.
enum RedisHandshake {
    /// The longest part of a Redis error line quoted in a message.
    static let quotedLimit = 200

    /// `AUTH` as a RESP array of bulk strings (binary-safe, so any password goes as is).
    static func authRequest(username: String?, password: Secret, allocator: ByteBufferAllocator) -> ByteBuffer {
        var arguments = [Array("AUTH".utf8)]
        if let username { arguments.append(Array(username.utf8)) }
        arguments.append(Array(password.value.utf8))
        return self.command(arguments, allocator: allocator)
    }

    static func command(_ arguments: [[UInt8]], allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 16 + arguments.reduce(0) { $0 + $1.count + 16 })
        buffer.writeString("*\(arguments.count)\r\n")
        for argument in arguments {
            buffer.writeString("$\(argument.count)\r\n")
            buffer.writeBytes(argument)
            buffer.writeString("\r\n")
        }
        return buffer
    }

    /// `+OK` accepts; anything else refuses, quoting Redis' line with the password blanked out
    /// should the server ever echo it.
    static func judgeAuthReply(_ line: ByteBuffer, password: Secret) -> ConnectHandshakeVerdict {
        var text = String(decoding: line.readableBytesView, as: UTF8.self)
        if text == "+OK" { return .accepted }
        if !password.value.isEmpty {
            text = text.replacing(password.value, with: password.description)
        }
        if text.count > Self.quotedLimit { text = String(text.prefix(Self.quotedLimit)) + "…" }
        if text.hasPrefix("-") {
            return .refused("Redis refused AUTH: \"\(text.dropFirst())\"")
        }
        return .refused("unexpected answer to Redis AUTH: \"\(text)\" (is this a Redis server?)")
    }
}
