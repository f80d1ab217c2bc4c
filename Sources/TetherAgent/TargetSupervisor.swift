import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL
import TetherConfig
import TetherHeartbeat
import TetherMetrics

/// Keeps one target's connection alive for the agent's lifetime: connect, heartbeat until the
/// connection ends, back off, connect again (DESIGN §2 lifecycle).
///
/// Driven by callbacks on one event loop, not by a task: 10,000 suspended tasks would cost more
/// memory than the connections themselves. Events from the heartbeat handler are recorded into the
/// target's ``TargetMetrics`` as they happen; logs get one line per state change, never one per
/// heartbeat.
final class TargetSupervisor: Sendable {
    let target: TargetConfiguration
    private let metrics: TargetMetrics
    private let limiter: ConnectLimiter
    /// Shared by every target; a reload replaces it.
    private let backoff: NIOLockedValueBox<ReconnectBackoff>
    private let loop: any EventLoop
    private let logger: Logger
    private let tlsContext: NIOSSLContext?
    private let tlsError: String?
    /// Succeeds once the supervisor has stopped and its connection is closed.
    let finished: EventLoopPromise<Void>

    private struct State {
        var failures = 0
        var channel: (any Channel)?
        var sleeping: Scheduled<Void>?
        /// Between a permit being asked for and the connect completing.
        var attempting = false
        var stopping = false
        var finished = false
    }
    private let state = NIOLockedValueBox(State())

    init(
        target: TargetConfiguration,
        metrics: TargetMetrics,
        limiter: ConnectLimiter,
        backoff: NIOLockedValueBox<ReconnectBackoff>,
        loop: any EventLoop,
        tls: Result<NIOSSLContext, TLSOptionsError>?,
        logger: Logger
    ) {
        self.target = target
        self.metrics = metrics
        self.limiter = limiter
        self.backoff = backoff
        self.loop = loop
        self.finished = loop.makePromise()
        // The target's name goes into each log call's metadata: a Logger copy with metadata per
        // target would cost memory on every one of thousands of targets, for lines that are rare.
        self.logger = logger
        switch tls {
        case .success(let context): (self.tlsContext, self.tlsError) = (context, nil)
        case .failure(let error): (self.tlsContext, self.tlsError) = (nil, error.description)
        case nil: (self.tlsContext, self.tlsError) = (nil, nil)
        }
    }

    /// Starts the lifecycle after `initialDelay`, which spreads the first connects of many targets.
    func start(initialDelay: TimeAmount) {
        self.sleep(initialDelay)
    }

    /// Stops reconnecting and closes the current connection with 1001 (going away); ``finished``
    /// succeeds once it is closed.
    func stop() {
        let (channel, sleeping, idle) = self.state.withLockedValue { state in
            state.stopping = true
            let sleeping = state.sleeping
            state.sleeping = nil
            return (state.channel, sleeping, state.channel == nil && !state.attempting)
        }
        sleeping?.cancel()
        if let channel {
            channel.triggerUserOutboundEvent(HeartbeatCloseRequest(code: WebSocketCloseCode.goingAway), promise: nil)
        }
        if idle { self.finish() }
    }

    private func finish() {
        let first = self.state.withLockedValue { state in
            defer { state.finished = true }
            return !state.finished
        }
        guard first else { return }
        self.metrics.setState(.idle)
        self.finished.succeed()
    }

    private func sleep(_ delay: TimeAmount) {
        let task = self.loop.scheduleTask(in: delay) { self.attempt() }
        let stopping = self.state.withLockedValue { state in
            state.sleeping = task
            return state.stopping
        }
        if stopping { task.cancel() }
    }

    // MARK: One connection

    private func attempt() {
        let go = self.state.withLockedValue { state -> Bool in
            state.sleeping = nil
            guard !state.stopping else { return false }
            state.attempting = true
            return true
        }
        guard go else { return }
        self.metrics.setState(.connecting)
        if let tlsError {
            self.metrics.connectFailed(result: ConnectError.Code.tlsFailure.description, message: tlsError)
            self.logger.error("cannot connect", metadata: ["target": "\(self.target.name)", "error": "\(tlsError)"])
            self.retry(answered: false)
            return
        }
        self.limiter.acquire(on: self.loop) { self.connect() }
    }

    private func connect() {
        if self.state.withLockedValue({ $0.stopping }) {
            self.limiter.release()
            self.retry(answered: false)
            return
        }
        let closed = self.loop.makePromise(of: DisconnectReason.self)
        let answered = NIOLockedValueBox(false)
        let (metrics, logger, name) = (self.metrics, self.logger, self.target.name)
        HeartbeatConnector.connect(
            options: self.target.connection,
            schedule: self.target.schedule,
            tlsContext: self.tlsContext,
            eventLoop: self.loop,
            onEvent: { event in
                metrics.record(event)
                Self.log(event, target: name, logger: logger, answered: answered)
                if case .closed(let reason) = event { closed.succeed(reason) }
            }
        ).whenComplete { result in
            self.limiter.release()
            switch result {
            case .failure(let error):
                closed.succeed(.error("not connected"))
                let failure = error as? ConnectError
                let message = failure?.description ?? "\(error)"
                self.metrics.connectFailed(result: failure?.code.description ?? "error", message: message)
                self.logger.warning(
                    "connect failed",
                    metadata: ["target": "\(self.target.name)", "error": "\(message)"]
                )
                self.retry(answered: false)
            case .success(let connection):
                self.connected(connection, closed: closed.futureResult, answered: answered)
            }
        }
    }

    private func connected(
        _ connection: HeartbeatConnection,
        closed: EventLoopFuture<DisconnectReason>,
        answered: NIOLockedValueBox<Bool>
    ) {
        let expiry = (try? connection.channel.pipeline.syncOperations.handler(type: NIOSSLClientHandler.self))?
            .peerCertificate?.notValidAfter
        self.metrics.connected(
            phases: connection.phases,
            now: Date().timeIntervalSince1970,
            certificateExpiry: expiry.map(Double.init)
        )
        self.logger.info(
            "connected",
            metadata: [
                "target": "\(self.target.name)",
                "address": "\(connection.remoteAddress.ipAddress ?? "?"):\(connection.remoteAddress.port ?? 0)",
                "connect": "\(Self.seconds(connection.phases.total))",
            ]
        )
        let stopping = self.state.withLockedValue { state in
            state.channel = connection.channel
            state.attempting = false
            return state.stopping
        }
        if stopping {
            connection.channel.triggerUserOutboundEvent(
                HeartbeatCloseRequest(code: WebSocketCloseCode.goingAway),
                promise: nil
            )
        }
        closed.whenSuccess { reason in
            self.logger.info("closed", metadata: ["target": "\(self.target.name)", "reason": "\(reason)"])
            self.retry(answered: answered.withLockedValue { $0 })
        }
    }

    /// Backs off and tries again, or finishes when stopping. A connection that had an answered
    /// heartbeat starts the count over; the wait after losing it is bounded by `initial`, like the
    /// wait after a first failure.
    private func retry(answered: Bool) {
        let (failures, stopping) = self.state.withLockedValue { state in
            state.channel = nil
            state.attempting = false
            state.failures = answered ? 0 : state.failures + 1
            return (state.failures, state.stopping)
        }
        guard !stopping else {
            self.finish()
            return
        }
        var generator = SystemRandomNumberGenerator()
        let delay = self.backoff.withLockedValue { $0 }.delay(failures: failures, using: &generator)
        self.metrics.backingOff(delay: delay, failures: failures)
        self.logger.info(
            "reconnecting",
            metadata: ["target": "\(self.target.name)", "in": "\(Self.seconds(delay))", "failures": "\(failures)"]
        )
        self.sleep(delay)
    }

    /// `1.234s`, for logs.
    private static func seconds(_ amount: TimeAmount) -> String {
        let milliseconds = (Double(amount.nanoseconds) / 1e6).rounded()
        return "\(milliseconds / 1000)s"
    }

    /// One line per change of state: the first miss of a streak, down. Never per heartbeat.
    private static func log(
        _ event: HeartbeatEvent,
        target: String,
        logger: Logger,
        answered: NIOLockedValueBox<Bool>
    ) {
        switch event {
        case .answered, .coalesced:
            let first = answered.withLockedValue { answered in
                defer { answered = true }
                return !answered
            }
            if first { logger.debug("first heartbeat answered", metadata: ["target": "\(target)"]) }
        case .missed(let sequence, let consecutive) where consecutive == 1:
            logger.warning("heartbeat missed", metadata: ["target": "\(target)", "seq": "\(sequence)"])
        case .down(let consecutive):
            logger.error("connection dead", metadata: ["target": "\(target)", "missed_in_a_row": "\(consecutive)"])
        default:
            break
        }
    }
}
