import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import NIOTLS

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A failure while a connection is being set up, before heartbeats start.
struct ConnectProgressError: Error {
    var code: ConnectError.Code
    var phase: ConnectPhase
    var message: String
    var httpStatus: Int?
}

/// Times the TCP, TLS and upgrade phases on the event loop, enforces the connect deadline, and
/// completes `ready` once the connection can carry heartbeats.
final class ConnectProgressHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let connectStarted: NIODeadline
    private let deadline: NIODeadline
    /// The configured bound, for messages.
    private let connectTimeout: TimeAmount
    private let usesTLS: Bool
    private let ready: EventLoopPromise<ConnectPhases>
    private var activeAt: NIODeadline?
    private var tlsDoneAt: NIODeadline?
    private var done = false
    private var deadlineTask: Scheduled<Void>?
    /// Called once TCP (and TLS) are up. It installs what comes next and says whether the
    /// connection is ready now or after a handshake, which then calls ``upgraded()``. WebSocket
    /// targets leave it `nil` (their upgrade starts on its own) and call ``upgraded()``.
    var onTransportReady: ((any Channel, ConnectProgressHandler) throws -> TransportReadiness)?

    /// What follows the transport (TCP, TLS) on a connection.
    enum TransportReadiness {
        /// Heartbeats can start: the connection has no upgrade phase (`tcp://`, `tls://`).
        case ready
        /// A protocol handshake (Redis `AUTH`, MQTT `CONNECT`) was sent; ``upgraded()`` or
        /// ``failed(_:)`` follow.
        case upgrading
    }
    private var context: ChannelHandlerContext?

    init(
        connectStarted: NIODeadline,
        deadline: NIODeadline,
        connectTimeout: TimeAmount,
        usesTLS: Bool,
        ready: EventLoopPromise<ConnectPhases>
    ) {
        self.connectStarted = connectStarted
        self.deadline = deadline
        self.connectTimeout = connectTimeout
        self.usesTLS = usesTLS
        self.ready = ready
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.deadlineTask = context.eventLoop.assumeIsolated().scheduleTask(deadline: self.deadline) {
            let phase = self.currentPhase
            let what = phase == .tls ? "TLS handshake" : "upgrade"
            let limit = PrometheusDuration.format(self.connectTimeout)
            self.failed(
                ConnectProgressError(code: .timeout, phase: phase, message: "\(what) not answered within \(limit)")
            )
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.deadlineTask?.cancel()
        self.context = nil
    }

    private var currentPhase: ConnectPhase {
        if self.activeAt == nil { return .tcp }
        if self.usesTLS && self.tlsDoneAt == nil { return .tls }
        return .upgrade
    }

    func channelActive(context: ChannelHandlerContext) {
        self.activeAt = context.eventLoop.now
        context.fireChannelActive()
        if !self.usesTLS { self.transportReady(context: context) }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent {
            self.tlsDoneAt = context.eventLoop.now
            context.fireUserInboundEventTriggered(event)
            self.transportReady(context: context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func transportReady(context: ChannelHandlerContext) {
        guard let install = self.onTransportReady, !self.done else { return }
        self.onTransportReady = nil
        do {
            switch try install(context.channel, self) {
            case .ready: self.succeed(upgradedAt: nil)
            case .upgrading: break
            }
        } catch {
            self.failed(error)
        }
    }

    /// The upgrade (WebSocket upgrade, Redis `AUTH`, MQTT `CONNECT`) completed and the heartbeat
    /// handler is installed.
    func upgraded() {
        guard let context = self.context else { return }
        self.succeed(upgradedAt: context.eventLoop.now)
    }

    private func succeed(upgradedAt: NIODeadline?) {
        guard !self.done else { return }
        self.done = true
        self.deadlineTask?.cancel()
        var phases = ConnectPhases()
        if let activeAt {
            phases.tcp = activeAt - self.connectStarted
            if let tlsDoneAt { phases.tls = tlsDoneAt - activeAt }
            if let upgradedAt { phases.upgrade = upgradedAt - (self.tlsDoneAt ?? activeAt) }
        }
        self.ready.succeed(phases)
        if let context { context.pipeline.syncOperations.removeHandler(context: context, promise: nil) }
    }

    func failed(_ error: any Error) {
        guard !self.done else { return }
        self.done = true
        self.deadlineTask?.cancel()
        self.ready.fail(error)
        self.context?.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.failed(self.classify(error))
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        let phase = self.currentPhase
        self.failed(
            ConnectProgressError(
                code: .closed,
                phase: phase,
                message: "connection closed by the peer during the \(phase == .tls ? "TLS handshake" : "upgrade")"
            )
        )
        context.fireChannelInactive()
    }

    private func classify(_ error: any Error) -> any Error {
        if error is ConnectProgressError { return error }
        let phase = self.currentPhase
        switch error {
        case let error as NIOSSLError:
            return ConnectProgressError(code: .tlsFailure, phase: .tls, message: Self.describeTLS(error))
        case let error as NIOSSLExtraError where error == .failedToValidateHostname:
            return ConnectProgressError(
                code: .tlsFailure,
                phase: .tls,
                message: "TLS handshake failed: the certificate does not match the host name (\(error))"
            )
        case let error as NIOSSLExtraError:
            return ConnectProgressError(code: .tlsFailure, phase: .tls, message: "TLS handshake failed: \(error)")
        case let error as NIOHTTPClientUpgradeError:
            return ConnectProgressError(
                code: .upgradeRefused,
                phase: .upgrade,
                message: "upgrade failed: \(error) (the answer is not a valid WebSocket handshake)"
            )
        case is HTTPParserError:
            return ConnectProgressError(
                code: .upgradeRefused,
                phase: .upgrade,
                message: "upgrade failed: the answer is not HTTP (\(error))"
            )
        case let error as IOError where error.errnoCode == ECONNRESET:
            return ConnectProgressError(code: .closed, phase: phase, message: "connection reset by the peer")
        default:
            return ConnectProgressError(code: .ioError, phase: phase, message: "\(error)")
        }
    }

    /// Turns BoringSSL's error stack into a sentence with the reason, e.g.
    /// `TLS handshake failed: certificate verify failed (CERTIFICATE_VERIFY_FAILED)`.
    static func describeTLS(_ error: NIOSSLError) -> String {
        let text = "\(error)"
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            return "TLS handshake failed: certificate verify failed: the server's certificate is not signed by a "
                + "trusted CA, has expired or names another host (\(Self.reasonCode(text) ?? "CERTIFICATE_VERIFY_FAILED"))"
        }
        if let reason = Self.reasonCode(text) {
            return "TLS handshake failed: \(reason.lowercased().replacingOccurrences(of: "_", with: " ")) (\(reason))"
        }
        return "TLS handshake failed: \(text)"
    }

    /// The last `:REASON]` of an OpenSSL error string such as `error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED`.
    private static func reasonCode(_ text: String) -> String? {
        guard let range = text.range(of: "OPENSSL_internal:") else { return nil }
        let rest = text[range.upperBound...]
        let reason = rest.prefix(while: { $0.isLetter || $0.isNumber || $0 == "_" })
        return reason.isEmpty ? nil : String(reason)
    }
}

@available(*, unavailable)
extension ConnectProgressHandler: Sendable {}

/// Sends the WebSocket upgrade request once the connection is up, and turns any answer other than
/// `101 Switching Protocols` into an error naming the HTTP status.
final class WebSocketUpgradeRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let target: HeartbeatTarget
    private let headers: [(name: String, value: String)]
    private let subprotocol: String?
    private let progress: ConnectProgressHandler
    private var sent = false

    init(
        target: HeartbeatTarget,
        headers: [(name: String, value: String)],
        subprotocol: String?,
        progress: ConnectProgressHandler
    ) {
        self.target = target
        self.headers = headers
        self.subprotocol = subprotocol
        self.progress = progress
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { self.sendRequest(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        self.sendRequest(context: context)
        context.fireChannelActive()
    }

    private func sendRequest(context: ChannelHandlerContext) {
        guard !self.sent else { return }
        self.sent = true
        let defaultPort = self.target.usesTLS ? 443 : 80
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: self.target.port == defaultPort ? self.hostForHeader : self.target.authority)
        headers.add(name: "User-Agent", value: "tether")
        if let subprotocol { headers.add(name: "Sec-WebSocket-Protocol", value: subprotocol) }
        for (name, value) in self.headers { headers.replaceOrAdd(name: name, value: value) }
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: self.target.requestTarget, headers: headers)
        context.write(self.wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
    }

    private var hostForHeader: String {
        self.target.host.contains(":") ? "[\(self.target.host)]" : self.target.host
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Only a refused upgrade reaches this handler; a 101 is consumed by the upgrade handler.
        guard case .head(let head) = self.unwrapInboundIn(data) else { return }
        let reason = head.status.reasonPhrase.isEmpty ? "" : " \(head.status.reasonPhrase)"
        self.progress.failed(
            ConnectProgressError(
                code: .upgradeRefused,
                phase: .upgrade,
                message: "upgrade refused: HTTP \(head.status.code)\(reason)",
                httpStatus: Int(head.status.code)
            )
        )
    }
}

@available(*, unavailable)
extension WebSocketUpgradeRequestHandler: Sendable {}
