public import NIOCore
import NIOSSL
import NIOWebSocket

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Sends heartbeats on a connection, pairs answers with them and closes the connection when it is
/// dead or when asked to — the same for every dialect, which only differ in their ``HeartbeatCodec``.
///
/// Every timestamp is `context.eventLoop.now`, taken where the heartbeat is written and where the
/// answer is read, so an RTT measures the network and the peer, not a hop to another task; under
/// `EmbeddedEventLoop` it is virtual time.
///
/// Events go to `onEvent` on the event loop; ``HeartbeatEvent/closed(_:)`` is always the last.
public final class HeartbeatHandler<Codec: HeartbeatCodec>: ChannelDuplexHandler {
    public typealias InboundIn = Codec.InboundFrame
    public typealias OutboundIn = Codec.OutboundFrame
    public typealias OutboundOut = Codec.OutboundFrame

    private enum State {
        case idle
        case running
        /// Our close frame is out (or the socket is being closed); `reason` is what we report.
        case closing(reason: DisconnectReason, code: UInt16?)
        case closed
    }

    private var codec: Codec
    private let schedule: HeartbeatSchedule
    private let onEvent: @Sendable (HeartbeatEvent) -> Void
    private var machine: HeartbeatStateMachine
    private var state: State = .idle
    private var sentCount = 0
    private var nextHeartbeat: Scheduled<Void>?
    /// Timeout tasks of heartbeats in flight, oldest first: rarely more than one or two, so an
    /// array costs less than a dictionary on each of thousands of connections.
    private var timeouts: [(sequence: UInt64, task: Scheduled<Void>)] = []
    private var closeDeadline: Scheduled<Void>?
    /// Set by the first error or peer close frame; reported when the channel goes inactive.
    private var peerReason: DisconnectReason?
    private var peerAnsweredClose = false

    /// - Parameters:
    ///   - codec: the dialect's framing of heartbeats and answers.
    ///   - schedule: interval, timeout, down-after and limit.
    ///   - onEvent: called on the event loop for every ``HeartbeatEvent``.
    public init(
        codec: Codec,
        schedule: HeartbeatSchedule,
        onEvent: @escaping @Sendable (HeartbeatEvent) -> Void
    ) {
        self.codec = codec
        self.schedule = schedule
        self.onEvent = onEvent
        self.machine = HeartbeatStateMachine(matching: codec.matching, downAfter: schedule.downAfter)
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { self.start(context: context) }
    }

    public func channelActive(context: ChannelHandlerContext) {
        self.start(context: context)
        context.fireChannelActive()
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        self.cancelTimers()
        self.closeDeadline?.cancel()
    }

    private func start(context: ChannelHandlerContext) {
        guard case .idle = self.state else { return }
        self.state = .running
        if self.schedule.pacing == .eventLoop { self.sendHeartbeat(context: context) }
    }

    // MARK: Heartbeats

    private func sendHeartbeat(context: ChannelHandlerContext) {
        guard case .running = self.state else { return }
        if let limit = self.schedule.limit, self.sentCount >= limit { return }
        let now = context.eventLoop.now
        let sequence = self.machine.heartbeatSent(at: now)
        let frame = self.codec.makeHeartbeat(sequence: sequence, sentAt: now, allocator: context.channel.allocator)
        self.sentCount += 1
        context.writeAndFlush(self.wrapOutboundOut(frame), promise: nil)
        self.onEvent(.sent(sequence: sequence))

        guard self.schedule.pacing == .eventLoop else { return }
        let loop = context.eventLoop.assumeIsolated()
        let timeout = loop.scheduleTask(in: self.schedule.timeout) {
            self.timeoutElapsed(sequence: sequence, context: context)
        }
        self.timeouts.append((sequence, timeout))
        if self.schedule.limit.map({ self.sentCount < $0 }) ?? true {
            let interval =
                self.machine.consecutiveMissed > 0
                ? (self.schedule.intervalWhenFailing ?? self.schedule.interval) : self.schedule.interval
            self.nextHeartbeat = loop.scheduleTask(deadline: now + interval) {
                self.sendHeartbeat(context: context)
            }
        }
    }

    private func timeoutElapsed(sequence: UInt64, context: ChannelHandlerContext) {
        self.removeTimeout(sequence)?.cancel()
        guard case .running = self.state else { return }
        switch self.machine.timeoutElapsed(sequence: sequence) {
        case .none:
            break
        case .missed(let sequence, let consecutive, let isNewlyDown):
            self.onEvent(.missed(sequence: sequence, consecutive: consecutive))
            if isNewlyDown {
                self.onEvent(.down(consecutiveMissed: consecutive))
                self.beginClose(
                    context: context,
                    code: WebSocketCloseCode.goingAway,
                    reason: .missedHeartbeats(consecutive)
                )
            } else {
                self.closeIfDone(context: context)
            }
        }
    }

    private func answerReceived(sequence: UInt64?, context: ChannelHandlerContext) {
        let now = context.eventLoop.now
        while case .running = self.state,
            let overdue = self.machine.oldestOverdue(at: now, timeout: self.schedule.timeout)
        {
            self.timeoutElapsed(sequence: overdue, context: context)
        }
        guard case .running = self.state else { return }
        switch self.machine.answerReceived(sequence: sequence, at: now) {
        case .answered(let sequence, let rtt, let coalesced):
            for older in coalesced {
                self.removeTimeout(older)?.cancel()
                self.onEvent(.coalesced(sequence: older))
            }
            self.removeTimeout(sequence)?.cancel()
            self.onEvent(.answered(sequence: sequence, rtt: rtt))
            self.closeIfDone(context: context)
        case .late(let sequence, let after):
            self.onEvent(.late(sequence: sequence, after: after))
        case .unmatched:
            self.onEvent(.unmatched)
        }
    }

    /// With a limit, the connection closes normally once the last heartbeat is answered or missed.
    private func closeIfDone(context: ChannelHandlerContext) {
        guard let limit = self.schedule.limit, self.sentCount >= limit, self.machine.inFlightCount == 0 else {
            return
        }
        let code = WebSocketCloseCode.normalClosure
        self.beginClose(context: context, code: code, reason: .closedByAgent(code: code, peerAnswered: false))
    }

    // MARK: Inbound

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = self.unwrapInboundIn(data)
        let event: HeartbeatCodecEvent<Codec.OutboundFrame>
        do {
            event = try self.codec.receive(frame, allocator: context.channel.allocator)
        } catch {
            self.fail(context: context, reason: .protocolError("\(error)"))
            return
        }
        switch event {
        case .answer(let sequence):
            if case .running = self.state { self.answerReceived(sequence: sequence, context: context) }
        case .reply(let reply):
            context.writeAndFlush(self.wrapOutboundOut(reply), promise: nil)
        case .closeReceived(let code, let reason):
            self.closeFrameReceived(context: context, code: code, reason: reason)
        case .ignored:
            break
        }
    }

    private func closeFrameReceived(context: ChannelHandlerContext, code: UInt16?, reason: String) {
        switch self.state {
        case .closing:
            // The peer answered our close: the handshake is complete (RFC 6455 §7.1.2).
            self.peerAnsweredClose = true
            context.close(promise: nil)
        case .idle, .running:
            self.peerReason = self.peerReason ?? .closedByPeer(code: code, reason: reason)
            self.cancelTimers()
            self.state = .closing(reason: self.peerReason!, code: code)
            // Echo the status code back (RFC 6455 §5.5.1), then close once it is written.
            let echo = self.codec.makeClose(
                code: code ?? WebSocketCloseCode.normalClosure,
                allocator: context.channel.allocator
            )
            if let echo {
                context.writeAndFlush(self.wrapOutboundOut(echo)).assumeIsolated().whenComplete { _ in
                    context.close(promise: nil)
                }
            } else {
                context.close(promise: nil)
            }
        case .closed:
            break
        }
    }

    public func channelInactive(context: ChannelHandlerContext) {
        self.cancelTimers()
        self.closeDeadline?.cancel()
        self.closeDeadline = nil
        let reason: DisconnectReason
        switch self.state {
        case .closing(.closedByAgent(let code, _), _):
            reason = .closedByAgent(code: code, peerAnswered: self.peerAnsweredClose)
        case .closing(let pending, _):
            reason = pending
        case .idle, .running:
            reason = self.peerReason ?? .eof
        case .closed:
            context.fireChannelInactive()
            return
        }
        self.state = .closed
        self.onEvent(.closed(reason))
        context.fireChannelInactive()
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.fail(context: context, reason: Self.classify(error))
        context.fireErrorCaught(error)
    }

    private func fail(context: ChannelHandlerContext, reason: DisconnectReason) {
        if self.peerReason == nil { self.peerReason = reason }
        switch self.state {
        case .idle, .running:
            self.cancelTimers()
            self.state = .closing(reason: reason, code: nil)
            context.close(promise: nil)
        case .closing, .closed:
            break
        }
    }

    static func classify(_ error: any Error) -> DisconnectReason {
        switch error {
        case let error as NIOWebSocketError:
            return .protocolError("\(error)")
        case let error as any HeartbeatProtocolViolation:
            return .protocolError(error.description)
        case let error as IOError where error.errnoCode == ECONNRESET || error.errnoCode == EPIPE:
            return .reset
        case let error as NIOSSLError:
            if case .uncleanShutdown = error { return .eof }
            return .protocolError("TLS: \(error)")
        case is ByteToMessageDecoderError:
            return .protocolError("\(error)")
        default:
            return .error("\(error)")
        }
    }

    // MARK: Outbound

    public func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        if let tick = event as? HeartbeatTick {
            switch tick {
            case .sendHeartbeat: self.sendHeartbeat(context: context)
            case .timeoutElapsed(let sequence): self.timeoutElapsed(sequence: sequence, context: context)
            }
            promise?.succeed()
            return
        }
        guard let request = event as? HeartbeatCloseRequest else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        self.beginClose(
            context: context,
            code: request.code,
            reason: .closedByAgent(code: request.code, peerAnswered: false)
        )
        promise?.succeed()
    }

    /// Stops heartbeating and closes: with a close frame and a bounded wait for the answer where the
    /// dialect has a close handshake, at once otherwise.
    private func beginClose(context: ChannelHandlerContext, code: UInt16, reason: DisconnectReason) {
        switch self.state {
        case .idle, .running:
            break
        case .closing, .closed:
            return
        }
        self.cancelTimers()
        guard let frame = self.codec.makeClose(code: code, allocator: context.channel.allocator) else {
            // No close handshake in this dialect, so no close code to report either.
            let reason: DisconnectReason =
                if case .closedByAgent = reason { .closedByAgent(code: nil, peerAnswered: false) } else { reason }
            self.state = .closing(reason: reason, code: nil)
            context.close(promise: nil)
            return
        }
        self.state = .closing(reason: reason, code: code)
        context.writeAndFlush(self.wrapOutboundOut(frame), promise: nil)
        self.closeDeadline = context.eventLoop.assumeIsolated().scheduleTask(in: self.schedule.closeTimeout) {
            context.close(promise: nil)
        }
    }

    private func removeTimeout(_ sequence: UInt64) -> Scheduled<Void>? {
        guard let index = self.timeouts.firstIndex(where: { $0.sequence == sequence }) else { return nil }
        return self.timeouts.remove(at: index).task
    }

    private func cancelTimers() {
        self.nextHeartbeat?.cancel()
        self.nextHeartbeat = nil
        for timeout in self.timeouts { timeout.task.cancel() }
        self.timeouts.removeAll()
    }
}

@available(*, unavailable)
extension HeartbeatHandler: Sendable {}
