import NIOCore

/// What a dialect's handshake step makes of the peer's reply.
enum ConnectHandshakeVerdict: Equatable {
    /// Heartbeats can start.
    case accepted
    /// The peer refused (or answered nonsense); the message names the peer's answer for the user
    /// and never contains a secret.
    case refused(String)
}

/// The protocol handshake of dialects that log in or register before heartbeating (Redis `AUTH`,
/// MQTT `CONNECT`): write one request, read one framed reply, accept or fail with a message.
/// It is the connection's `upgrade` phase, timed and bounded by the ``ConnectProgressHandler``
/// like a WebSocket upgrade.
///
/// The request goes out as soon as the handler is in an active pipeline. The framing decoder in
/// front of it stays for the heartbeats: on acceptance the handler removes itself and `install`
/// adds the heartbeat handler behind the decoder in the same event-loop tick, so an answer that
/// arrives in the same read as the reply is not lost.
final class ConnectHandshakeHandler<Reply>: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = Reply
    typealias OutboundOut = ByteBuffer

    private enum State {
        case waitingForActive
        case waitingForReply
        case done
    }

    /// Built once the request is known to go out; it may carry a secret (a password).
    private let makeRequest: (ByteBufferAllocator) -> ByteBuffer
    private let judge: (Reply) -> ConnectHandshakeVerdict
    private let progress: ConnectProgressHandler
    private let install: (any Channel) throws -> Void
    private var state = State.waitingForActive

    /// - Parameters:
    ///   - makeRequest: the handshake request's bytes.
    ///   - judge: what the first framed reply means.
    ///   - progress: told when the handshake succeeded (``ConnectProgressHandler/upgraded()``) or failed.
    ///   - install: adds the heartbeat handler (and whatever goes with it) once the peer accepted.
    init(
        makeRequest: @escaping (ByteBufferAllocator) -> ByteBuffer,
        judge: @escaping (Reply) -> ConnectHandshakeVerdict,
        progress: ConnectProgressHandler,
        install: @escaping (any Channel) throws -> Void
    ) {
        self.makeRequest = makeRequest
        self.judge = judge
        self.progress = progress
        self.install = install
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { self.sendRequest(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        self.sendRequest(context: context)
        context.fireChannelActive()
    }

    private func sendRequest(context: ChannelHandlerContext) {
        guard case .waitingForActive = self.state else { return }
        self.state = .waitingForReply
        context.writeAndFlush(self.wrapOutboundOut(self.makeRequest(context.channel.allocator)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .waitingForReply = self.state else { return }
        self.state = .done
        switch self.judge(self.unwrapInboundIn(data)) {
        case .accepted:
            let channel = context.channel
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            do {
                try self.install(channel)
                self.progress.upgraded()
            } catch {
                self.progress.failed(error)
            }
        case .refused(let message):
            self.progress.failed(ConnectProgressError(code: .upgradeRefused, phase: .upgrade, message: message))
        }
    }

    /// Errors of the framing decoder in front (an overlong line, a malformed packet) fail the handshake.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if case .waitingForReply = self.state {
            self.state = .done
            self.progress.failed(
                ConnectProgressError(code: .upgradeRefused, phase: .upgrade, message: "invalid answer: \(error)")
            )
        }
        context.fireErrorCaught(error)
    }
}

@available(*, unavailable)
extension ConnectHandshakeHandler: Sendable {}
