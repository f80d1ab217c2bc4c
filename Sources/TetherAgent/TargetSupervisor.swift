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
/// Events from the heartbeat handler are recorded into the target's ``TargetMetrics`` on the event
/// loop as they happen; logs get one line per state change, never one per heartbeat.
final class TargetSupervisor: Sendable {
    let target: TargetConfiguration
    private let metrics: TargetMetrics
    private let limiter: ConnectLimiter
    private let backoff: ReconnectBackoff
    private let group: any EventLoopGroup
    private let logger: Logger
    private let tlsContext: NIOSSLContext?
    private let tlsError: String?

    private struct State {
        var channel: (any Channel)?
        var stopping = false
    }
    private let state = NIOLockedValueBox(State())

    init(
        target: TargetConfiguration,
        metrics: TargetMetrics,
        limiter: ConnectLimiter,
        backoff: ReconnectBackoff,
        group: any EventLoopGroup,
        logger: Logger
    ) {
        self.target = target
        self.metrics = metrics
        self.limiter = limiter
        self.backoff = backoff
        self.group = group
        var logger = logger
        logger[metadataKey: "target"] = "\(target.name)"
        self.logger = logger
        // One TLS context per target, made once: loading the CA and key files per connect is waste.
        if target.connection.target.usesTLS {
            do {
                self.tlsContext = try target.connection.tls.makeClientContext()
                self.tlsError = nil
            } catch {
                self.tlsContext = nil
                self.tlsError = error.description
            }
        } else {
            (self.tlsContext, self.tlsError) = (nil, nil)
        }
    }

    /// Runs until the task is cancelled after ``stop()``.
    /// - Parameter initialDelay: spreads the first connects of many targets over one interval.
    func run(initialDelay: TimeAmount) async {
        var generator = SystemRandomNumberGenerator()
        if initialDelay > .zero {
            try? await Task.sleep(nanoseconds: UInt64(initialDelay.nanoseconds))
        }
        var failures = 0
        while !self.isStopping && !Task.isCancelled {
            let answered = await self.connectOnce()
            if self.isStopping || Task.isCancelled { break }
            // A connection that had an answered heartbeat starts the count over; the wait after
            // losing it is bounded by `initial`, like the wait after a first failure.
            failures = answered ? 0 : failures + 1
            let delay = self.backoff.delay(failures: failures, using: &generator)
            self.metrics.backingOff(delay: delay, failures: failures)
            self.logger.info("reconnecting", metadata: ["in": "\(Self.seconds(delay))", "failures": "\(failures)"])
            try? await Task.sleep(nanoseconds: UInt64(delay.nanoseconds))
        }
        self.metrics.setState(.idle)
    }

    private var isStopping: Bool { self.state.withLockedValue { $0.stopping } }

    /// One connection, from dial to close. Returns whether any heartbeat was answered on it, which
    /// restarts the backoff from the beginning.
    private func connectOnce() async -> Bool {
        self.metrics.setState(.connecting)
        if let tlsError {
            self.metrics.connectFailed(result: ConnectError.Code.tlsFailure.description, message: tlsError)
            self.logger.error("cannot connect", metadata: ["error": "\(tlsError)"])
            return false
        }
        guard await self.limiter.acquire() else { return false }
        let closed = self.group.any().makePromise(of: DisconnectReason.self)
        let answeredOnce = NIOLockedValueBox(false)
        let connection: HeartbeatConnection
        do {
            connection = try await HeartbeatConnector.connect(
                options: self.target.connection,
                schedule: self.target.schedule,
                tlsContext: self.tlsContext,
                group: self.group,
                onEvent: { [metrics, logger] event in
                    metrics.record(event)
                    Self.log(event, logger: logger, answeredOnce: answeredOnce)
                    if case .closed(let reason) = event { closed.succeed(reason) }
                }
            )
        } catch {
            self.limiter.release()
            closed.succeed(.error("not connected"))
            let failure = error as? ConnectError
            self.metrics.connectFailed(
                result: failure?.code.description ?? "error",
                message: failure?.description ?? "\(error)"
            )
            self.logger.warning("connect failed", metadata: ["error": "\(failure?.description ?? "\(error)")"])
            return false
        }
        self.limiter.release()

        let expiry = try? await connection.channel.nioSSL_peerCertificate().get()?.notValidAfter
        self.metrics.connected(
            phases: connection.phases,
            now: Date().timeIntervalSince1970,
            certificateExpiry: expiry.map(Double.init)
        )
        self.logger.info(
            "connected",
            metadata: [
                "address": "\(connection.remoteAddress.ipAddress ?? "?"):\(connection.remoteAddress.port ?? 0)",
                "connect": "\(Self.seconds(connection.phases.total))",
            ]
        )
        let stopNow = self.state.withLockedValue { state -> Bool in
            state.channel = connection.channel
            return state.stopping
        }
        if stopNow { Self.requestClose(connection.channel) }

        let reason = (try? await closed.futureResult.get()) ?? .eof
        self.state.withLockedValue { $0.channel = nil }
        self.logger.info("closed", metadata: ["reason": "\(reason)"])
        return answeredOnce.withLockedValue { $0 }
    }

    /// Stops reconnecting and closes the current connection with 1001 (going away).
    func stop() {
        let channel = self.state.withLockedValue { state -> (any Channel)? in
            state.stopping = true
            return state.channel
        }
        if let channel { Self.requestClose(channel) }
    }

    /// `1.234s`, for logs.
    private static func seconds(_ amount: TimeAmount) -> String {
        let milliseconds = (Double(amount.nanoseconds) / 1e6).rounded()
        return "\(milliseconds / 1000)s"
    }

    private static func requestClose(_ channel: any Channel) {
        channel.triggerUserOutboundEvent(HeartbeatCloseRequest(code: WebSocketCloseCode.goingAway), promise: nil)
    }

    /// One line per change of state: the first miss of a streak, recovery, down. Never per heartbeat.
    private static func log(_ event: HeartbeatEvent, logger: Logger, answeredOnce: NIOLockedValueBox<Bool>) {
        switch event {
        case .answered, .coalesced:
            let first = answeredOnce.withLockedValue { answered in
                defer { answered = true }
                return !answered
            }
            if first { logger.debug("first heartbeat answered") }
        case .missed(let sequence, let consecutive) where consecutive == 1:
            logger.warning("heartbeat missed", metadata: ["seq": "\(sequence)"])
        case .down(let consecutive):
            logger.error("connection dead", metadata: ["missed_in_a_row": "\(consecutive)"])
        default:
            break
        }
    }
}
