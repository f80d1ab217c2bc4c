// Public: `init` defaults its environment to `ProcessInfo.processInfo.environment`.
public import Foundation
public import Logging
import NIOConcurrencyHelpers
public import TetherConfig
public import TetherMetrics
public import TetherNotify

/// Reloads the configuration file on SIGHUP and `POST /-/reload`, as Prometheus does.
///
/// The file is loaded and checked in full first; a configuration with any error is rejected and
/// the running one stays (`tether_config_last_reload_successful` 0, the error logged). A good one
/// is handed to the agent (targets, target files, defaults, backoff), the rule manager (rules keep
/// their alerts) and the notifier (receivers and grouping). What is bound when tether starts —
/// `server:` (listen address, web config) and `state_dir` — and rule files added to an agent
/// started without any take effect at the next start; a reload that changes them says so.
public final class ConfigurationReloader: Sendable {
    private let file: String
    private let agent: AgentService
    private let rules: RuleManager?
    private let notifier: NotificationService?
    private let registry: MetricsRegistry
    private let logger: Logger
    private let environment: @Sendable () -> [String: String]
    /// The configuration in force.
    private let current: NIOLockedValueBox<TetherConfiguration>
    private let reloading = NIOLock()

    /// - Parameters:
    ///   - file: the configuration file, read again on every reload.
    ///   - configuration: the configuration tether started with.
    ///   - environment: values for `${VAR}` references, read at each reload.
    public init(
        file: String,
        configuration: TetherConfiguration,
        agent: AgentService,
        rules: RuleManager?,
        notifier: NotificationService?,
        registry: MetricsRegistry,
        logger: Logger,
        environment: @escaping @Sendable () -> [String: String] = { ProcessInfo.processInfo.environment }
    ) {
        self.file = file
        self.agent = agent
        self.rules = rules
        self.notifier = notifier
        self.registry = registry
        self.logger = logger
        self.environment = environment
        self.current = NIOLockedValueBox(configuration)
    }

    /// Loads the file again and applies it.
    /// - Throws: ``ConfigurationError`` naming every problem; the running configuration stays.
    public func reload() throws(ConfigurationError) {
        // Held while the file is read, so that two reloads never interleave.
        reloading.lock()
        defer { reloading.unlock() }
        let configuration: TetherConfiguration
        do {
            configuration = try ConfigurationLoader.load(file: file, environment: environment())
        } catch {
            registry.configLoaded(successfully: false)
            logger.error(
                "error reloading the configuration; the previous one stays in force",
                metadata: ["file": "\(file)", "error": "\(error.description)"]
            )
            throw error
        }
        warnAboutRestart(from: current.withLockedValue { $0 }, to: configuration)
        let externalURL = configuration.externalURL(hostname: ProcessInfo.processInfo.hostName)
        agent.apply(configuration)
        rules?.apply(configuration, externalURL: externalURL)
        notifier?.apply(configuration.alerting, externalURL: externalURL)
        current.withLockedValue { $0 = configuration }
        registry.configLoaded(successfully: true)
        logger.notice("configuration reloaded", metadata: ["file": "\(file)"])
    }

    private func warnAboutRestart(from old: TetherConfiguration, to new: TetherConfiguration) {
        var pending: [String] = []
        if old.server != new.server { pending.append("server") }
        if old.stateDirectory != new.stateDirectory { pending.append("state_dir") }
        if rules == nil && !new.ruleFiles.isEmpty { pending.append("rule_files (tether started without rules)") }
        if notifier == nil && !new.alerting.receivers.isEmpty {
            pending.append("alerting.receivers (tether started without rules)")
        }
        guard !pending.isEmpty else { return }
        self.logger.warning(
            "changes that take effect at the next start",
            metadata: ["file": "\(self.file)", "sections": "\(pending.joined(separator: ", "))"]
        )
    }
}
