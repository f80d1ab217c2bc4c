public import TetherRules

/// A validated tether configuration: every default resolved, every file read, every reference
/// checked. Made by ``ConfigurationLoader``; nothing here needs validating again.
public struct TetherConfiguration: Sendable, Equatable {
    /// The default of ``stateDirectory``: `data` in the working directory, like Prometheus' `data/`.
    public static let defaultStateDirectory = "data"

    /// Defaults for every target and agent-wide limits (`global:`).
    public var global: GlobalConfiguration
    /// The HTTP server for `/metrics`, the API and the status page (`server:`).
    public var server: ServerConfiguration
    /// Backoff between reconnects (`reconnect:`).
    public var reconnect: ReconnectPolicy
    /// The targets in file order, names unique.
    public var targets: [TargetConfiguration]
    /// `target_files:` patterns, resolved against the config file's directory: files of more
    /// targets, read by the agent (``TargetFileLoader``) and read again when they change.
    public var targetFiles: [String]
    /// The rule files `rule_files:` names, loaded and checked, in the order listed (each glob's
    /// matches sorted, a file matched twice loaded once).
    public var ruleFiles: [RuleFile]
    /// Where alert state and the notification outbox live (`alerting.state_dir`): a path from the config
    /// file's directory when set there, else ``defaultStateDirectory`` in the working directory.
    public var stateDirectory: String
    /// Grouping and receivers of alert notifications (the other `alerting:` keys).
    public var alerting: AlertingConfiguration

    public init(
        global: GlobalConfiguration = GlobalConfiguration(),
        server: ServerConfiguration = ServerConfiguration(),
        reconnect: ReconnectPolicy = ReconnectPolicy(),
        targets: [TargetConfiguration] = [],
        targetFiles: [String] = [],
        ruleFiles: [RuleFile] = [],
        stateDirectory: String = TetherConfiguration.defaultStateDirectory,
        alerting: AlertingConfiguration = AlertingConfiguration()
    ) {
        self.global = global
        self.server = server
        self.reconnect = reconnect
        self.targets = targets
        self.targetFiles = targetFiles
        self.ruleFiles = ruleFiles
        self.stateDirectory = stateDirectory
        self.alerting = alerting
    }

    /// `global.external_url`, or `http://<hostname>:<listen port>` when it is not set, as Prometheus
    /// derives its default external URL.
    ///
    /// - Parameters:
    ///   - hostname: this machine's name (`ProcessInfo.processInfo.hostName`), passed in so that the
    ///     result can be tested.
    public func externalURL(hostname: String) -> String {
        self.global.externalURL ?? "http://\(hostname):\(self.server.listenPort)"
    }

    // Written out because the rule types are not Equatable; rules compare by what they say.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.global == rhs.global && lhs.server == rhs.server && lhs.reconnect == rhs.reconnect
            && lhs.targets == rhs.targets && lhs.targetFiles == rhs.targetFiles
            && lhs.stateDirectory == rhs.stateDirectory
            && lhs.alerting == rhs.alerting
            && lhs.ruleFiles.count == rhs.ruleFiles.count
            && zip(lhs.ruleFiles, rhs.ruleFiles).allSatisfy { $0.path == $1.path && Self.same($0.groups, $1.groups) }
    }

    private static func same(_ lhs: [RuleGroupDefinition], _ rhs: [RuleGroupDefinition]) -> Bool {
        lhs.count == rhs.count
            && zip(lhs, rhs).allSatisfy { left, right in
                left.name == right.name && left.file == right.file && left.interval == right.interval
                    && left.limit == right.limit && left.rules.count == right.rules.count
                    && zip(left.rules, right.rules).allSatisfy(Self.same)
            }
    }

    private static func same(_ lhs: RuleDefinition, _ rhs: RuleDefinition) -> Bool {
        lhs.kind == rhs.kind && lhs.expression == rhs.expression && lhs.expressionText == rhs.expressionText
            && lhs.forDuration == rhs.forDuration && lhs.keepFiringFor == rhs.keepFiringFor
            && lhs.labels == rhs.labels && lhs.annotations == rhs.annotations && lhs.line == rhs.line
    }
}
