public import NIOCore

/// The `server:` section: where `/metrics`, the API and the status page are served.
public struct ServerConfiguration: Sendable, Equatable {
    /// The default port, 9779: free in Prometheus' list of default port allocations.
    public static let defaultPort = 9779

    /// Host or address to bind; `""` when `listen` was `:port`, meaning every interface.
    public var listenHost: String
    /// Port to bind; 0 asks the system for a free one.
    public var listenPort: Int
    /// How long an idle HTTP keep-alive connection stays open (`idle_timeout`, default 30s).
    public var idleTimeout: TimeAmount
    /// `web_config_file`, loaded and checked: TLS and basic auth; `nil` serves plain, open HTTP.
    public var web: WebConfiguration?

    public init(
        listenHost: String = "",
        listenPort: Int = ServerConfiguration.defaultPort,
        idleTimeout: TimeAmount = .seconds(30),
        web: WebConfiguration? = nil
    ) {
        self.listenHost = listenHost
        self.listenPort = listenPort
        self.idleTimeout = idleTimeout
        self.web = web
    }

    /// Whether `listenHost` means every interface (`""`, `0.0.0.0` or `::`).
    public var listensOnAllInterfaces: Bool {
        ["", "0.0.0.0", "::"].contains(self.listenHost)
    }
}
