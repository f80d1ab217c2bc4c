public import NIOCore
import NIOHTTP1
import NIOPosix
public import NIOSSL
import NIOWebSocket

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Everything needed to open one heartbeat connection.
public struct HeartbeatConnectionOptions: Sendable {
    public var target: HeartbeatTarget
    public var tls: TLSOptions
    /// Extra headers on the WebSocket upgrade request (e.g. `Authorization`).
    public var headers: [(name: String, value: String)]
    /// `Sec-WebSocket-Protocol` to ask for.
    public var subprotocol: String?
    /// Bound on all of dns + tcp + tls + upgrade.
    public var connectTimeout: TimeAmount
    /// Largest WebSocket frame or stream answer accepted; larger ones close the connection (1009).
    public var maxFrameBytes: Int
    /// For `tcp://` and `tls://`: what to send, what to expect, how answers are framed.
    public var stream: StreamOptions
    /// For `ws://` and `wss://`: ping frames or application messages.
    public var websocket: WebSocketOptions
    /// For `redis://` and `rediss://`.
    public var redis: RedisOptions
    /// For `mqtt://` and `mqtts://`.
    public var mqtt: MQTTOptions

    public struct StreamOptions: Sendable, Hashable {
        public var send: [UInt8]
        public var expect: HeartbeatExpectation
        public var framing: HeartbeatFraming

        /// `PING\n`, answered by a line containing `PONG` — what `tether echo` answers.
        public init(
            send: [UInt8] = Array("PING\n".utf8),
            expect: HeartbeatExpectation = .bytes(Array("PONG".utf8)),
            framing: HeartbeatFraming = .line
        ) {
            self.send = send
            self.expect = expect
            self.framing = framing
        }
    }

    public init(
        target: HeartbeatTarget,
        tls: TLSOptions = TLSOptions(),
        headers: [(name: String, value: String)] = [],
        subprotocol: String? = nil,
        connectTimeout: TimeAmount = .seconds(5),
        maxFrameBytes: Int = 65_536,
        stream: StreamOptions = StreamOptions(),
        websocket: WebSocketOptions = WebSocketOptions(),
        redis: RedisOptions = RedisOptions(),
        mqtt: MQTTOptions = MQTTOptions()
    ) {
        self.target = target
        self.tls = tls
        self.headers = headers
        self.subprotocol = subprotocol
        self.connectTimeout = connectTimeout
        self.maxFrameBytes = maxFrameBytes
        self.stream = stream
        self.websocket = websocket
        self.redis = redis
        self.mqtt = mqtt
    }
}

/// A connection whose heartbeats are running.
public struct HeartbeatConnection: Sendable {
    public var channel: any Channel
    /// The address actually connected to.
    public var remoteAddress: SocketAddress
    public var phases: ConnectPhases
}

/// Opens heartbeat connections: resolves, connects, does TLS and the upgrade (WebSocket upgrade,
/// Redis `AUTH`, MQTT `CONNECT`) while timing each phase, then installs the dialect's
/// ``HeartbeatHandler`` in the same event-loop tick the connection becomes ready, so no frame from
/// the peer is missed.
public enum HeartbeatConnector {
    /// Connects and starts heartbeating.
    ///
    /// - Parameters:
    ///   - options: target, TLS, headers, timeouts.
    ///   - schedule: heartbeat interval, timeout, down-after, limit.
    ///   - tlsContext: a context made from `options.tls` (made once per target, not per connect).
    ///   - group: where the connection lives.
    ///   - onEvent: heartbeat events, on the connection's event loop.
    /// - Throws: ``ConnectError`` naming the phase and the cause.
    public static func connect(
        options: HeartbeatConnectionOptions,
        schedule: HeartbeatSchedule,
        tlsContext: NIOSSLContext?,
        group: any EventLoopGroup,
        onEvent: @escaping @Sendable (HeartbeatEvent) -> Void
    ) async throws -> HeartbeatConnection {
        try await self.connect(
            options: options,
            schedule: schedule,
            tlsContext: tlsContext,
            eventLoop: group.next(),
            onEvent: onEvent
        ).get()
    }

    /// Connects and starts heartbeating, as a future on `eventLoop` (where the connection lives).
    ///
    /// The agent drives thousands of connections through this without a suspended task per
    /// target; the future fails with ``ConnectError``.
    public static func connect(
        options: HeartbeatConnectionOptions,
        schedule: HeartbeatSchedule,
        tlsContext: NIOSSLContext?,
        eventLoop: any EventLoop,
        onEvent: @escaping @Sendable (HeartbeatEvent) -> Void
    ) -> EventLoopFuture<HeartbeatConnection> {
        let target = options.target
        if target.dialect == .mqtt {
            do {
                try options.mqtt.validate()
            } catch {
                return eventLoop.makeFailedFuture(
                    ConnectError(code: .ioError, phase: .upgrade, address: target.authority, message: error.description)
                )
            }
        }
        let started = NIODeadline.now()
        let deadline = started + options.connectTimeout

        // DNS: getaddrinfo blocks, so it runs on the thread pool and is raced against the deadline.
        return Self.resolve(target: target, deadline: deadline, eventLoop: eventLoop).flatMapErrorThrowing { error in
            if let error = error as? ConnectError { throw error }
            throw ConnectError(
                code: .dnsFailure,
                phase: .dns,
                address: target.authority,
                message: "DNS lookup of \(target.host) failed: \(Self.describeResolveError(error))"
            )
        }.flatMap { address in
            let resolved = NIODeadline.now()
            let authority = Self.describe(address, fallback: target.authority)
            let remaining = deadline - resolved
            guard remaining > .zero else {
                return eventLoop.makeFailedFuture(
                    ConnectError(
                        code: .timeout,
                        phase: .dns,
                        address: authority,
                        message: "DNS lookup of \(target.host) took longer than "
                            + PrometheusDuration.format(options.connectTimeout)
                    )
                )
            }
            let ready = eventLoop.makePromise(of: ConnectPhases.self)
            let bootstrap = ClientBootstrap(group: eventLoop)
                .connectTimeout(remaining)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                // Heartbeat answers are tiny: start reads small and grow only if a peer sends more,
                // instead of holding a 2 KB receive buffer per connection.
                .channelOption(
                    .recvAllocator,
                    value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 64, maximum: 65_536)
                )
                .channelInitializer { channel in
                    do {
                        try Self.configure(
                            channel: channel,
                            options: options,
                            schedule: schedule,
                            tlsContext: tlsContext,
                            connectStarted: resolved,
                            deadline: deadline,
                            ready: ready,
                            onEvent: onEvent
                        )
                        return channel.eventLoop.makeSucceededVoidFuture()
                    } catch {
                        return channel.eventLoop.makeFailedFuture(error)
                    }
                }
            return bootstrap.connect(to: address).flatMapError { error in
                ready.fail(error)
                return eventLoop.makeFailedFuture(
                    Self.tcpError(error, authority: authority, timeout: options.connectTimeout)
                )
            }.flatMap { channel in
                // TLS and the upgrade must finish by the deadline too (ConnectProgressHandler enforces
                // it): a peer that accepts TCP and then says nothing (a stopped process, a full
                // backlog) fails here.
                ready.futureResult.map { phases in
                    var phases = phases
                    phases.dns = resolved - started
                    return HeartbeatConnection(channel: channel, remoteAddress: address, phases: phases)
                }.flatMapError { error in
                    channel.close(promise: nil)
                    return eventLoop.makeFailedFuture(Self.setupError(error, authority: authority, options: options))
                }
            }
        }
    }

    // MARK: Pipeline

    static func configure(
        channel: any Channel,
        options: HeartbeatConnectionOptions,
        schedule: HeartbeatSchedule,
        tlsContext: NIOSSLContext?,
        connectStarted: NIODeadline,
        deadline: NIODeadline,
        ready: EventLoopPromise<ConnectPhases>,
        onEvent: @escaping @Sendable (HeartbeatEvent) -> Void
    ) throws {
        let pipeline = channel.pipeline.syncOperations
        let target = options.target
        if target.usesTLS {
            guard let tlsContext else { preconditionFailure("a TLS target needs a TLS context") }
            let serverName = options.tls.serverName ?? (Self.isIPAddress(target.host) ? nil : target.host)
            try pipeline.addHandler(NIOSSLClientHandler(context: tlsContext, serverHostname: serverName))
        }
        let progress = ConnectProgressHandler(
            connectStarted: connectStarted,
            deadline: deadline,
            connectTimeout: options.connectTimeout,
            usesTLS: target.usesTLS,
            ready: ready
        )
        try pipeline.addHandler(progress)

        switch target.dialect {
        case .tcp:
            progress.onTransportReady = { channel, _ in
                let sync = channel.pipeline.syncOperations
                try sync.addHandler(
                    ByteToMessageHandler(
                        HeartbeatFramingDecoder(framing: options.stream.framing, maxFrameBytes: options.maxFrameBytes)
                    )
                )
                let codec = StreamHeartbeatCodec(send: options.stream.send, expect: options.stream.expect)
                try sync.addHandler(HeartbeatHandler(codec: codec, schedule: schedule, onEvent: onEvent))
                return .ready
            }
        case .redis:
            progress.onTransportReady = { channel, progress in
                try Self.addRedisHandlers(
                    channel: channel,
                    options: options,
                    schedule: schedule,
                    progress: progress,
                    onEvent: onEvent
                )
            }
        case .mqtt:
            progress.onTransportReady = { channel, progress in
                try Self.addMQTTHandlers(
                    channel: channel,
                    options: options,
                    schedule: schedule,
                    progress: progress,
                    onEvent: onEvent
                )
            }
        case .websocket:
            let requestHandler = WebSocketUpgradeRequestHandler(
                target: target,
                headers: options.headers,
                subprotocol: options.subprotocol,
                progress: progress
            )
            let loopBound = NIOLoopBound((progress, requestHandler), eventLoop: channel.eventLoop)
            let upgrader = NIOWebSocketClientUpgrader(
                requestKey: NIOWebSocketClientUpgrader.randomRequestKey(),
                maxFrameSize: options.maxFrameBytes,
                automaticErrorHandling: true
            ) { channel, _ in
                let sync = channel.pipeline.syncOperations
                let (progress, requestHandler) = loopBound.value
                do {
                    // The request handler reads HTTP parts; frames must not reach it.
                    sync.removeHandler(requestHandler, promise: nil)
                    switch options.websocket.mode {
                    case .ping:
                        try sync.addHandler(
                            HeartbeatHandler(codec: WebSocketPingCodec(), schedule: schedule, onEvent: onEvent)
                        )
                    case .message(let send, let expect):
                        try sync.addHandler(WebSocketMessageAggregator(maxMessageBytes: options.maxFrameBytes))
                        try sync.addHandler(
                            HeartbeatHandler(
                                codec: WebSocketMessageCodec(send: send, expect: expect),
                                schedule: schedule,
                                onEvent: onEvent
                            )
                        )
                    }
                    progress.upgraded()
                } catch {
                    progress.failed(error)
                }
                return channel.eventLoop.makeSucceededVoidFuture()
            }
            try pipeline.addHTTPClientHandlers(
                leftOverBytesStrategy: .forwardBytes,
                withClientUpgrade: (upgraders: [upgrader], completionHandler: { _ in })
            )
            try pipeline.addHandler(requestHandler)
        }
    }

    // MARK: Errors

    private static func resolve(
        target: HeartbeatTarget,
        deadline: NIODeadline,
        eventLoop: any EventLoop
    ) -> EventLoopFuture<SocketAddress> {
        if let literal = try? SocketAddress(ipAddress: target.host, port: target.port) {
            return eventLoop.makeSucceededFuture(literal)
        }
        let promise = eventLoop.makePromise(of: SocketAddress.self)
        NIOThreadPool.singleton.runIfActive(eventLoop: eventLoop) {
            try SocketAddress.makeAddressResolvingHost(target.host, port: target.port)
        }.cascade(to: promise)
        let timer = eventLoop.scheduleTask(deadline: deadline) {
            promise.fail(
                ConnectError(
                    code: .timeout,
                    phase: .dns,
                    address: target.authority,
                    message: "DNS lookup of \(target.host) did not answer in time"
                )
            )
        }
        promise.futureResult.whenComplete { _ in timer.cancel() }
        return promise.futureResult
    }

    private static func describeResolveError(_ error: any Error) -> String {
        if let error = error as? SocketAddressError, case .unknown = error {
            return "no such host"
        }
        return "\(error)"
    }

    private static func tcpError(_ error: any Error, authority: String, timeout: TimeAmount) -> ConnectError {
        var code = ConnectError.Code.ioError
        var message = "\(error)"
        if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNREFUSED: (code, message) = (.connectionRefused, "connection refused")
            case ETIMEDOUT: (code, message) = (.timeout, "connect timed out")
            case ENETUNREACH: message = "network unreachable"
            case EHOSTUNREACH: message = "host unreachable"
            default: message = String(cString: strerror(error.errnoCode)).lowercased()
            }
        } else if let error = error as? ChannelError, case .connectTimeout = error {
            (code, message) = (.timeout, "connect timed out after \(PrometheusDuration.format(timeout))")
        }
        return ConnectError(code: code, phase: .tcp, address: authority, message: message)
    }

    private static func setupError(
        _ error: any Error,
        authority: String,
        options: HeartbeatConnectionOptions
    )
        -> ConnectError
    {
        switch error {
        case let error as ConnectError:
            return error
        case let error as ConnectProgressError:
            var failure = ConnectError(code: error.code, phase: error.phase, address: authority, message: error.message)
            failure.httpStatus = error.httpStatus
            return failure
        default:
            return ConnectError(code: .ioError, phase: .tcp, address: authority, message: "\(error)")
        }
    }

    static func describe(_ address: SocketAddress, fallback: String) -> String {
        guard let ip = address.ipAddress, let port = address.port else { return fallback }
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }

    static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }
}
