public import Logging
public import NIOCore
public import NIOPosix
import NIOSSL
public import ServiceLifecycle
public import TetherConfig
import TetherHeartbeat
public import TetherMetrics

/// `tether run`'s heart: one supervisor per target, each holding its connection open.
///
/// On graceful shutdown (SIGTERM/SIGINT through the ServiceGroup) every connection is closed with a
/// close handshake (1001, bounded by each target's close timeout) before `run()` returns, so the HTTP
/// server — shut down after this service — serves metrics until the very end.
public struct AgentService: Service {
    public let configuration: TetherConfiguration
    public let registry: MetricsRegistry
    public let logger: Logger
    /// `--shard`: only the targets of this shard are monitored; `nil` monitors all.
    public let shard: Shard?
    private let group: any EventLoopGroup

    public init(
        configuration: TetherConfiguration,
        registry: MetricsRegistry,
        logger: Logger,
        shard: Shard? = nil,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.configuration = configuration
        self.registry = registry
        self.logger = logger
        self.shard = shard
        self.group = group
    }

    public func run() async throws {
        let targets = self.configuration.targets.filter { self.shard?.owns(targetName: $0.name) ?? true }
        if let shard = self.shard {
            self.logger.notice(
                "shard \(shard): \(targets.count) of \(self.configuration.targets.count) targets",
                metadata: ["shard": "\(shard)"]
            )
        }
        let cells = self.registry.setTargets(targets.map { ($0.name, $0.connection.target.url, $0.labels) })
        let limiter = ConnectLimiter(limit: self.configuration.global.maxConcurrentConnects)
        let policy = self.configuration.reconnect
        let backoff = ReconnectBackoff(initial: policy.initial, max: policy.max, multiplier: policy.multiplier)
        // One TLS context per distinct TLS setting, shared by its targets: thousands of wss://
        // targets with one CA need one context, not thousands.
        var contexts: [TLSOptions: Result<NIOSSLContext, TLSOptionsError>] = [:]
        for target in targets where target.connection.target.usesTLS && contexts[target.connection.tls] == nil {
            contexts[target.connection.tls] = Result { () throws(TLSOptionsError) in
                try target.connection.tls.makeClientContext()
            }
        }
        let supervisors = zip(targets, cells).map { target, cell in
            TargetSupervisor(
                target: target,
                metrics: cell,
                limiter: limiter,
                backoff: backoff,
                loop: self.group.next(),
                tls: target.connection.target.usesTLS ? contexts[target.connection.tls] : nil,
                logger: self.logger
            )
        }
        self.registry.markReady()
        self.logger.notice("agent started", metadata: ["targets": "\(targets.count)"])
        for supervisor in supervisors {
            // First connects are spread over one interval, so a restart never storms the services.
            let interval = supervisor.target.schedule.interval.nanoseconds
            supervisor.start(initialDelay: .nanoseconds(interval > 0 ? Int64.random(in: 0..<interval) : 0))
        }

        // Run until the service group shuts down (or this task is cancelled), then close every
        // connection with a close handshake and wait for them.
        try? await gracefulShutdown()
        self.logger.notice("closing every connection")
        for supervisor in supervisors { supervisor.stop() }
        for supervisor in supervisors { try? await supervisor.finished.futureResult.get() }
        self.logger.notice("agent stopped")
    }
}
