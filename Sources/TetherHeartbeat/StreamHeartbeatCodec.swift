public import NIOCore

/// What an answer must contain: bytes (a substring) or a regular expression.
public enum HeartbeatExpectation: Sendable, Hashable, CustomStringConvertible {
    case bytes([UInt8])
    case regex(String)

    public var description: String {
        switch self {
        case .bytes(let bytes): ByteEscapes.escape(bytes)
        case .regex(let pattern): "/\(pattern)/"
        }
    }

    /// Checks that a regular expression compiles, so a bad one is a configuration error, not a
    /// failure on the first answer.
    public static func validate(regex pattern: String) throws -> HeartbeatExpectation {
        _ = try Regex(pattern)
        return .regex(pattern)
    }
}

/// Heartbeats on a plain byte stream (`tcp://`, `tls://`): send fixed bytes, expect an answer frame
/// that contains the expected bytes or matches a regex. Answers arrive in order.
///
/// Frames that do not match are ignored rather than failed: servers on long-lived connections
/// push other data too, and a wrong answer shows up as a missed heartbeat anyway.
public struct StreamHeartbeatCodec: HeartbeatCodec {
    public typealias InboundFrame = ByteBuffer
    public typealias OutboundFrame = ByteBuffer

    private let send: [UInt8]
    private let matcher: HeartbeatAnswerMatcher

    public var matching: HeartbeatMatching { .inOrder }

    public init(send: [UInt8], expect: HeartbeatExpectation) {
        self.send = send
        self.matcher = HeartbeatAnswerMatcher(expect)
    }

    public func makeHeartbeat(sequence: UInt64, sentAt: NIODeadline, allocator: ByteBufferAllocator) -> ByteBuffer {
        allocator.buffer(bytes: self.send)
    }

    public func receive(_ frame: ByteBuffer, allocator: ByteBufferAllocator) -> HeartbeatCodecEvent<ByteBuffer> {
        self.matches(frame) ? .answer(sequence: nil) : .ignored
    }

    func matches(_ frame: ByteBuffer) -> Bool {
        self.matcher.matches(frame)
    }

    public func makeClose(code: UInt16, allocator: ByteBufferAllocator) -> ByteBuffer? { nil }
}
