import NIOCore
import NIOWebSocket

/// Reassembles fragmented WebSocket messages (RFC 6455 §5.4) for message-mode heartbeats, so the
/// codec sees whole messages, and bounds a whole message by `maxMessageBytes`.
///
/// Control frames may arrive between the fragments of a message (§5.4) and pass through at once,
/// so server pings are still answered while a message is being assembled. A message over the
/// limit fails the connection with close code 1009 (§7.4.1), a broken fragment sequence with 1002;
/// either way at most `maxMessageBytes` are buffered.
final class WebSocketMessageAggregator: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let maxMessageBytes: Int
    /// The opcode of the message being assembled; `nil` between messages.
    private var messageOpcode: WebSocketOpcode?
    private var message = ByteBuffer()
    private var failed = false

    init(maxMessageBytes: Int) {
        self.maxMessageBytes = maxMessageBytes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.failed else { return }
        let frame = self.unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .binary:
            guard self.messageOpcode == nil else {
                self.fail(context: context, WebSocketMessageError(.interruptedMessage))
                return
            }
            guard frame.length <= self.maxMessageBytes else {
                self.fail(context: context, WebSocketMessageError(.tooBig(limit: self.maxMessageBytes)))
                return
            }
            if frame.fin {
                context.fireChannelRead(data)
                return
            }
            self.messageOpcode = frame.opcode
            self.message = context.channel.allocator.buffer(capacity: frame.length)
            var payload = frame.unmaskedData
            self.message.writeBuffer(&payload)
        case .continuation:
            guard let opcode = self.messageOpcode else {
                self.fail(context: context, WebSocketMessageError(.unexpectedContinuation))
                return
            }
            guard self.message.readableBytes + frame.length <= self.maxMessageBytes else {
                self.fail(context: context, WebSocketMessageError(.tooBig(limit: self.maxMessageBytes)))
                return
            }
            var payload = frame.unmaskedData
            self.message.writeBuffer(&payload)
            if frame.fin {
                let whole = self.message
                self.message = ByteBuffer()
                self.messageOpcode = nil
                context.fireChannelRead(self.wrapInboundOut(WebSocketFrame(fin: true, opcode: opcode, data: whole)))
            }
        default:
            context.fireChannelRead(data)
        }
    }

    /// Sends the close frame the violation calls for, then lets the heartbeat handler close the
    /// connection and report the protocol error.
    private func fail(context: ChannelHandlerContext, _ error: WebSocketMessageError) {
        self.failed = true
        self.messageOpcode = nil
        self.message = ByteBuffer()
        let close = WebSocketPingCodec.makeCloseFrame(code: error.closeCode, allocator: context.channel.allocator)
        context.writeAndFlush(self.wrapOutboundOut(close), promise: nil)
        context.fireErrorCaught(error)
    }
}

@available(*, unavailable)
extension WebSocketMessageAggregator: Sendable {}

/// A WebSocket message that breaks RFC 6455's fragmentation rules or tether's size limit.
struct WebSocketMessageError: HeartbeatProtocolViolation, Sendable {
    enum Kind: Sendable, Equatable {
        case tooBig(limit: Int)
        case unexpectedContinuation
        case interruptedMessage
    }

    let kind: Kind

    init(_ kind: Kind) {
        self.kind = kind
    }

    /// The close code sent to the peer (RFC 6455 §7.4.1).
    var closeCode: UInt16 {
        switch self.kind {
        case .tooBig: WebSocketCloseCode.messageTooBig
        case .unexpectedContinuation, .interruptedMessage: WebSocketCloseCode.protocolError
        }
    }

    var description: String {
        switch self.kind {
        case .tooBig(let limit):
            "a WebSocket message longer than \(limit) bytes (closed with 1009)"
        case .unexpectedContinuation:
            "a WebSocket continuation frame outside a fragmented message (closed with 1002)"
        case .interruptedMessage:
            "a new WebSocket message before the fragmented one ended (closed with 1002)"
        }
    }
}
