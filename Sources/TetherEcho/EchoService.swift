public import Logging
public import NIOCore
import NIOPosix
public import ServiceLifecycle

/// `tether echo`: a heartbeat responder for tests, benchmarks and `tether demo`.
///
/// Every listener serves both dialects on one port, told apart by the first bytes: a connection
/// that starts with `GET ` is a WebSocket (pings answered with pongs, messages echoed, close
/// answered); anything else is a line protocol (`PING` answered with `PONG`, other lines echoed).
public struct EchoService: Service {
    /// `host:port` pairs to listen on; port 0 picks a free port.
    public var addresses: [(host: String, port: Int)]
    public var maxFrameBytes: Int
    public var logger: Logger
    private let onListening: @Sendable (SocketAddress) -> Void

    /// - Parameters:
    ///   - addresses: where to listen.
    ///   - maxFrameBytes: the largest WebSocket frame or line accepted from a client.
    ///   - logger: for connection errors.
    ///   - onListening: called once per listener with the address it is bound to.
    public init(
        addresses: [(host: String, port: Int)],
        maxFrameBytes: Int = 65_536,
        logger: Logger,
        onListening: @escaping @Sendable (SocketAddress) -> Void
    ) {
        self.addresses = addresses
        self.maxFrameBytes = maxFrameBytes
        self.logger = logger
        self.onListening = onListening
    }

    public func run() async throws {
        let maxFrameBytes = self.maxFrameBytes
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 4)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(EchoProtocolSniffer(maxFrameBytes: maxFrameBytes))
                }
            }
        var listeners: [any Channel] = []
        do {
            for (host, port) in self.addresses {
                let channel = try await bootstrap.bind(host: host, port: port).get()
                listeners.append(channel)
                if let address = channel.localAddress { self.onListening(address) }
            }
        } catch {
            for listener in listeners { try? await listener.close() }
            throw error
        }
        // Serve until the service group shuts down (SIGTERM/SIGINT).
        try? await gracefulShutdown()
        for listener in listeners { try? await listener.close() }
    }
}
