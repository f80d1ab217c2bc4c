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

/// Everything `tether run` runs, built from one configuration file: the HTTP server, the agent,
/// and — with rule files — the rule manager and the notifier. `tether demo` runs the same agent.
struct AgentRuntime {
    /// The configuration file; reloads read it again.
    var configurationFile: String
    var configuration: TetherConfiguration
    var shard: Shard?
    var logger: Logger
    /// More services to run alongside (e.g. `tether demo`'s responders); they start first and stop last.
    var companions: [any Service] = []
    /// Called with the bound port once `/metrics` is served.
    var onListening: @Sendable (Int) -> Void = { _ in }

    /// Runs until SIGTERM or SIGINT; throws `ExitCode.unhealthy` when the agent cannot run.
    func run() async throws {
        let configuration = self.configuration
        let logger = self.logger
        let registry = MetricsRegistry(version: Tether.version, shard: self.shard?.description)
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
            // With rules there is always a notifier, so that a reload can add receivers.
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

        let agent = AgentService(configuration: configuration, registry: registry, logger: logger, shard: shard)
        let reloader = ConfigurationReloader(
            file: configurationFile,
            configuration: configuration,
            agent: agent,
            rules: rules,
            notifier: notifier,
            registry: registry,
            logger: logger
        )
        let onListening = self.onListening
        let server = try HTTPServerService(
            host: configuration.server.listenHost,
            port: configuration.server.listenPort,
            idleTimeout: configuration.server.idleTimeout,
            registry: registry,
            rules: rules,
            outbox: outbox,
            reloader: reloader,
            web: configuration.server.web,
            logger: logger,
            onListening: { port in
                logger.notice("listening", metadata: ["address": "\(configuration.server.listenHost):\(port)"])
                onListening(port)
            }
        )
        // Services shut down in reverse order: the rules stop first, then the notifier (what the
        // last evaluation queued stays in the outbox for the next start), then the agent closes its
        // connections, and the server stops last, so /metrics is served until the end.
        var services = self.companions.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
        services += [.init(service: server), .init(service: agent), .init(service: ReloadOnHangup(reloader: reloader))]
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

/// SIGHUP reloads the configuration, as it does for Prometheus and Alertmanager.
struct ReloadOnHangup: Service {
    let reloader: ConfigurationReloader

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        for await _ in hangups.cancelOnGracefulShutdown() {
            // A rejected configuration is logged by the reloader; the old one stays.
            try? reloader.reload()
        }
    }
}
