public import NIOCore

/// The `global:` section: heartbeat defaults that targets may override, and agent-wide limits.
public struct GlobalConfiguration: Sendable, Equatable {
    /// Time between heartbeats (`interval`, default 5s).
    public var interval: TimeAmount
    /// An answer later than this is a missed heartbeat (`timeout`, default 2s).
    public var timeout: TimeAmount
    /// Misses in a row that declare a connection dead (`down_after`, default 3).
    public var downAfter: Int
    /// Shorter interval while heartbeats are missed (`interval_when_failing`, default none).
    public var intervalWhenFailing: TimeAmount?
    /// Bound on dns + tcp + tls + upgrade (`connect_timeout`, default 5s).
    public var connectTimeout: TimeAmount
    /// Longest wait for the peer's answer to a close (`close_timeout`, default 2s).
    public var closeTimeout: TimeAmount
    /// Dials in flight at once, agent-wide (`max_concurrent_connects`, default 64).
    public var maxConcurrentConnects: Int
    /// Largest frame or answer accepted from a target (`max_frame_bytes`, default 65536).
    public var maxFrameBytes: Int
    /// How often alert rules are evaluated (`evaluation_interval`, default 15s; a group's own
    /// `interval:` overrides it). Prometheus' default is 1m; tether's heartbeats are seconds apart,
    /// so a minute would add up to a minute to every alert.
    public var evaluationInterval: TimeAmount
    /// Labels added to alerts and federation output (`external_labels`), as Prometheus does.
    public var externalLabels: [String: String]
    /// The URL tether is reached at (`external_url`), for alerts' `generatorURL` and templates'
    /// `$externalURL`, without a trailing '/', as Prometheus keeps it. `nil` when not set: then
    /// ``TetherConfiguration/externalURL(hostname:)`` derives `http://<hostname>:<port>` from the
    /// listen port, as Prometheus derives its default from the host name and `--web.listen-address`.
    public var externalURL: String?

    public init(
        interval: TimeAmount = .seconds(5),
        timeout: TimeAmount = .seconds(2),
        downAfter: Int = 3,
        intervalWhenFailing: TimeAmount? = nil,
        connectTimeout: TimeAmount = .seconds(5),
        closeTimeout: TimeAmount = .seconds(2),
        maxConcurrentConnects: Int = 64,
        maxFrameBytes: Int = 65_536,
        evaluationInterval: TimeAmount = .seconds(15),
        externalLabels: [String: String] = [:],
        externalURL: String? = nil
    ) {
        self.interval = interval
        self.timeout = timeout
        self.downAfter = downAfter
        self.intervalWhenFailing = intervalWhenFailing
        self.connectTimeout = connectTimeout
        self.closeTimeout = closeTimeout
        self.maxConcurrentConnects = maxConcurrentConnects
        self.maxFrameBytes = maxFrameBytes
        self.evaluationInterval = evaluationInterval
        self.externalLabels = externalLabels
        self.externalURL = externalURL
    }
}
