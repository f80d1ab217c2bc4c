import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import TetherAgent
import TetherConfig
import TetherMetrics
import TetherNotify
import TetherServer
import TetherState
import UnixSignals

#if canImport(Glibc)
import Glibc
#endif

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the agent: hold a heartbeat connection to every target and serve /metrics.",
        discussion: """
            Exit codes: 0 after a clean shutdown (SIGTERM or SIGINT: every connection is closed with \
            a close handshake first); 1 when the agent fails at run time (e.g. the listen address is \
            taken); 2 when the configuration is invalid or the usage is wrong.
            """
    )

    @Option(name: .long, help: "Configuration file (YAML).")
    var config = "tether.yml"

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Monitor only this agent's part of the targets: shard i of n, 0-based (0 ≤ i < n).",
            valueName: "i/n"
        )
    )
    var shard: String?

    func validate() throws {
        if let shard = self.shard {
            do throws(ShardError) {
                _ = try Shard(parsing: shard)
            } catch {
                throw ValidationError("--shard \(error)")
            }
        }
        guard Logger.Level(rawValue: self.logLevel) != nil else {
            throw ValidationError(
                "--log-level '\(self.logLevel)' is not trace, debug, info, notice, warning, error or critical"
            )
        }
    }

    func run() async throws {
        #if os(Linux)
        // Every scrape of a large fleet builds a buffer of tens of MB. glibc raises its mmap
        // threshold to the size of each large block freed, after which such buffers come from the
        // heap and stay resident; a fixed threshold keeps them mmapped and returned to the system.
        let mmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD in malloc.h
        _ = glibcMallopt(mmapThreshold, 1 << 20)
        #endif
        let configuration: TetherConfiguration
        do {
            configuration = try ConfigurationLoader.load(file: self.config)
        } catch {
            Output.error(error.description)
            throw ExitCode.usage
        }
        let level = Logger.Level(rawValue: self.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "tether")
        let shard = try self.shard.map { text throws(ShardError) in try Shard(parsing: text) }
        let registry = MetricsRegistry(version: Tether.version, shard: shard?.description)
        registry.configLoaded(successfully: true)

        // Alert state and the notification outbox live in state_dir; without rules there is
        // nothing to keep and no file is made.
        var rules: RuleManager?
        var notifier: NotificationService?
        var outbox: Outbox?
        if !configuration.ruleFiles.isEmpty {
            let database: StateDatabase
            do {
                database = try StateDatabase(directory: configuration.stateDirectory)
            } catch {
                Output.error("state_dir: \(error)")
                throw ExitCode.unhealthy
            }
            let externalURL = configuration.externalURL(hostname: ProcessInfo.processInfo.hostName)
            if !configuration.alerting.receivers.isEmpty {
                let queue = Outbox(database: database)
                outbox = queue
                notifier = NotificationService(
                    configuration: configuration.alerting,
                    externalURL: externalURL,
                    evaluationInterval: configuration.global.evaluationInterval,
                    outbox: queue,
                    stateDirectory: configuration.stateDirectory,
                    registry: registry,
                    logger: logger
                )
            }
            rules = RuleManager(
                configuration: configuration,
                registry: registry,
                store: AlertStateStore(database: database),
                notifier: notifier,
                externalURL: externalURL,
                logger: logger
            )
        } else if !configuration.alerting.receivers.isEmpty {
            logger.warning("alerting.receivers are set but there are no rule_files: no alert will be sent")
        }

        let server = try HTTPServerService(
            host: configuration.server.listenHost,
            port: configuration.server.listenPort,
            idleTimeout: configuration.server.idleTimeout,
            registry: registry,
            rules: rules,
            outbox: outbox,
            web: configuration.server.web,
            logger: logger,
            onListening: { port in
                logger.notice("listening", metadata: ["address": "\(configuration.server.listenHost):\(port)"])
            }
        )
        let agent = AgentService(configuration: configuration, registry: registry, logger: logger, shard: shard)
        // Services shut down in reverse order: the rules stop first, then the notifier (what the
        // last evaluation queued stays in the outbox for the next start), then the agent closes its
        // connections, and the server stops last, so /metrics is served until the end.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: server), .init(service: agent),
        ]
        if let notifier { services.append(.init(service: notifier)) }
        if let rules { services.append(.init(service: rules)) }
        let group = ServiceGroup(
            configuration: .init(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        do {
            try await group.run()
        } catch {
            logger.critical("tether stopped", metadata: ["error": "\(error)"])
            throw ExitCode.unhealthy
        }
    }
}

#if os(Linux)
/// glibc's `mallopt` (declared in malloc.h, which the Glibc module does not export).
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
