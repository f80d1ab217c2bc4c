import Hummingbird
public import Logging
public import NIOCore
public import ServiceLifecycle
public import TetherAgent
public import TetherMetrics
public import TetherState

/// The HTTP server as a service. Put it *before* the agent in the ServiceGroup: services shut down
/// in reverse order, so metrics stay served until every connection is closed.
public struct HTTPServerService: Service {
    private let application: Application<RouterResponder<BasicRequestContext>>

    /// - Parameters:
    ///   - host: address to bind; `""` or `0.0.0.0` for all interfaces.
    ///   - port: port to bind; 0 picks a free one.
    ///   - idleTimeout: closes keep-alive connections idle this long, so slow or idle clients
    ///     cannot hold the server.
    ///   - registry: the metrics to serve.
    ///   - rules: the rule engine behind `/api/v1/alerts` and `/api/v1/rules`, if any.
    ///   - outbox: the notifications behind `/api/v1/notifications`, if any.
    ///   - onListening: called with the bound port once the server accepts connections.
    public init(
        host: String,
        port: Int,
        idleTimeout: TimeAmount,
        registry: MetricsRegistry,
        rules: RuleManager? = nil,
        outbox: Outbox? = nil,
        logger: Logger,
        onListening: @escaping @Sendable (Int) -> Void = { _ in }
    ) {
        self.application = Application(
            router: TetherRouter.make(registry: registry, rules: rules, outbox: outbox),
            server: .http1(configuration: .init(idleTimeout: idleTimeout)),
            configuration: .init(address: .hostname(host.isEmpty ? "0.0.0.0" : host, port: port), serverName: "tether"),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? port) },
            logger: logger
        )
    }

    public func run() async throws {
        try await self.application.run()
    }
}
