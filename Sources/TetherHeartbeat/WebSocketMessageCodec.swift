public import NIOCore
public import NIOWebSocket

/// WebSocket heartbeats as application messages: a text message made from a template, answered by
/// the first text or binary message that matches an expectation (`websocket.mode: message`), for
/// servers that answer application pings (GraphQL over WebSocket, Socket.IO-style protocols) but
/// whose proxies or frameworks hide RFC 6455 pings.
///
/// Messages carry no sequence number the codec could rely on, so answers are taken in order.
/// Fragmented messages reach the codec reassembled (``WebSocketMessageAggregator``). The peer's
/// pings and close frames are handled as in ping mode (``WebSocketPingCodec``).
public struct WebSocketMessageCodec: HeartbeatCodec {
    public typealias InboundFrame = WebSocketFrame
    public typealias OutboundFrame = WebSocketFrame

    /// Replaced by the heartbeat's sequence number in the template.
    public static let sequencePlaceholder = "{{seq}}"

    /// The template's UTF-8 bytes cut at each placeholder.
    private let templateParts: [[UInt8]]
    private let matcher: HeartbeatAnswerMatcher

    public var matching: HeartbeatMatching { .inOrder }

    /// - Parameters:
    ///   - template: the text of each heartbeat; every `{{seq}}` becomes the sequence number.
    ///   - expect: what an answer contains (bytes) or matches (regex).
    public init(send template: String, expect: HeartbeatExpectation) {
        self.templateParts = Self.split(Array(template.utf8), at: Array(Self.sequencePlaceholder.utf8))
        self.matcher = HeartbeatAnswerMatcher(expect)
    }

    public func makeHeartbeat(sequence: UInt64, sentAt: NIODeadline, allocator: ByteBufferAllocator) -> WebSocketFrame {
        let number = String(sequence).utf8
        var payload = allocator.buffer(
            capacity: self.templateParts.reduce(0) { $0 + $1.count } + (self.templateParts.count - 1) * number.count
        )
        for (index, part) in self.templateParts.enumerated() {
            if index > 0 { payload.writeBytes(number) }
            payload.writeBytes(part)
        }
        // Frames from a client are masked (RFC 6455 §5.3); the template is a String, so valid UTF-8 (§5.6).
        return WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: payload)
    }

    public func receive(_ frame: WebSocketFrame, allocator: ByteBufferAllocator) -> HeartbeatCodecEvent<WebSocketFrame>
    {
        switch frame.opcode {
        case .text, .binary:
            return self.matcher.matches(frame.unmaskedData) ? .answer(sequence: nil) : .ignored
        default:
            return WebSocketPingCodec.controlEvent(frame)
        }
    }

    public func makeClose(code: UInt16, allocator: ByteBufferAllocator) -> WebSocketFrame? {
        WebSocketPingCodec.makeCloseFrame(code: code, allocator: allocator)
    }

    static func split(_ bytes: [UInt8], at marker: [UInt8]) -> [[UInt8]] {
        var parts: [[UInt8]] = []
        var rest = bytes[...]
        while let range = rest.firstRange(of: marker) {
            parts.append(Array(rest[..<range.lowerBound]))
            rest = rest[range.upperBound...]
        }
        parts.append(Array(rest))
        return parts
    }
}
