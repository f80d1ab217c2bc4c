import NIOCore
import NIOHTTP1
import NIOWebSocket
import TetherHeartbeat

/// Looks at the first bytes of a connection and installs the WebSocket or the line responder.
final class EchoProtocolSniffer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private static let httpGet = Array("GET ".utf8)
    private let maxFrameBytes: Int
    private var buffered: ByteBuffer?

    init(maxFrameBytes: Int) {
        self.maxFrameBytes = maxFrameBytes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = self.unwrapInboundIn(data)
        if var buffered = self.buffered {
            buffered.writeBuffer(&incoming)
            self.buffered = buffered
        } else {
            self.buffered = incoming
        }
        guard let buffered = self.buffered else { return }
        let prefix = Array(buffered.readableBytesView.prefix(Self.httpGet.count))
        // Decide as soon as the bytes can only be one or the other.
        let couldBeHTTP = Self.httpGet.starts(with: prefix)
        if couldBeHTTP && prefix.count < Self.httpGet.count { return }
        do {
            if couldBeHTTP {
                try self.installWebSocket(context: context)
            } else {
                try context.pipeline.syncOperations.addHandlers(
                    [
                        ByteToMessageHandler(
                            HeartbeatFramingDecoder(framing: .line, maxFrameBytes: self.maxFrameBytes)
                        ),
                        EchoLineHandler(),
                    ],
                    position: .after(self)
                )
            }
        } catch {
            context.close(promise: nil)
            return
        }
        self.buffered = nil
        context.fireChannelRead(self.wrapInboundOut(buffered))
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    private func installWebSocket(context: ChannelHandlerContext) throws {
        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: self.maxFrameBytes,
            automaticErrorHandling: true,
            shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture(HTTPHeaders()) },
            upgradePipelineHandler: { channel, _ in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(EchoWebSocketHandler())
                }
            }
        )
        let sync = context.pipeline.syncOperations
        let encoder = HTTPResponseEncoder()
        let decoder = ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes))
        let plainHTTP = EchoPlainHTTPHandler()
        let upgradeHandler = HTTPServerUpgradeHandler(
            upgraders: [upgrader],
            httpEncoder: encoder,
            extraHTTPHandlers: [decoder, plainHTTP],  // removed on upgrade, with the encoder
            upgradeCompletionHandler: { _ in }
        )
        try sync.addHandlers([encoder, decoder, upgradeHandler, plainHTTP], position: .after(self))
    }
}

@available(*, unavailable)
extension EchoProtocolSniffer: Sendable {}

/// Answers `PING` with `PONG` and echoes every other line.
final class EchoLineHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let line = self.unwrapInboundIn(data)
        var out: ByteBuffer
        if line.readableBytesView.elementsEqual("PING".utf8) {
            out = context.channel.allocator.buffer(staticString: "PONG\n")
        } else {
            out = context.channel.allocator.buffer(capacity: line.readableBytes + 1)
            out.writeImmutableBuffer(line)
            out.writeInteger(UInt8(ascii: "\n"))
        }
        context.write(self.wrapOutboundOut(out), promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension EchoLineHandler: Sendable {}

/// Answers pings, echoes messages and completes the close handshake, as a server (unmasked).
final class EchoWebSocketHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private var closing = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = self.unwrapInboundIn(data)
        switch frame.opcode {
        case .ping:
            context.write(
                self.wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)),
                promise: nil
            )
        case .pong:
            break
        case .connectionClose:
            guard !self.closing else {
                context.close(promise: nil)
                return
            }
            self.closing = true
            var data = frame.unmaskedData
            let code = data.readInteger(as: UInt16.self) ?? 1000
            var reply = context.channel.allocator.buffer(capacity: 2)
            reply.writeInteger(code)
            context.writeAndFlush(
                self.wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: reply))
            )
            .assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        default:
            context.write(
                self.wrapOutboundOut(WebSocketFrame(fin: frame.fin, opcode: frame.opcode, data: frame.unmaskedData)),
                promise: nil
            )
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension EchoWebSocketHandler: Sendable {}

/// A plain HTTP request (no upgrade) gets `426 Upgrade Required`.
final class EchoPlainHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = self.unwrapInboundIn(data) else { return }
        var headers = HTTPHeaders()
        headers.add(name: "Upgrade", value: "websocket")
        headers.add(name: "Content-Length", value: "0")
        headers.add(name: "Connection", value: "close")
        let head = HTTPResponseHead(version: .http1_1, status: .upgradeRequired, headers: headers)
        context.write(self.wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(self.wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }
}

@available(*, unavailable)
extension EchoPlainHTTPHandler: Sendable {}
