/// A validated tether configuration: every default resolved, every file read, every reference
/// checked. Made by ``ConfigurationLoader``; nothing here needs validating again.
public struct TetherConfiguration: Sendable, Equatable {
    /// Defaults for every target and agent-wide limits (`global:`).
    public var global: GlobalConfiguration
    /// The HTTP server for `/metrics`, the API and the status page (`server:`).
    public var server: ServerConfiguration
    /// Backoff between reconnects (`reconnect:`).
    public var reconnect: ReconnectPolicy
    /// The targets in file order, names unique.
    public var targets: [TargetConfiguration]

    public init(
        global: GlobalConfiguration = GlobalConfiguration(),
        server: ServerConfiguration = ServerConfiguration(),
        reconnect: ReconnectPolicy = ReconnectPolicy(),
        targets: [TargetConfiguration] = []
    ) {
        self.global = global
        self.server = server
        self.reconnect = reconnect
        self.targets = targets
    }
}
