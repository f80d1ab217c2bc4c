import NIOCore
import NIOEmbedded
import Testing

@testable import TetherHeartbeat

/// An `EmbeddedChannel` set up by ``HeartbeatConnector/configure`` as a real connection would be,
/// then made active, so the handshake and heartbeat handlers run exactly as after a real connect.
final class ConnectingChannel {
    let channel: EmbeddedChannel
    let ready: EventLoopPromise<ConnectPhases>

    init(_ channel: EmbeddedChannel) {
        self.channel = channel
        self.ready = channel.eventLoop.makePromise(of: ConnectPhases.self)
    }

    deinit {
        // A test that stops mid-handshake leaves the promise pending; NIO treats that as a leak.
        self.ready.fail(CancellationError())
    }

    func start(
        _ options: HeartbeatConnectionOptions,
        schedule: HeartbeatSchedule,
        onEvent: @escaping @Sendable (HeartbeatEvent) -> Void
    ) throws {
        let now = self.channel.eventLoop.now
        try HeartbeatConnector.configure(
            channel: self.channel,
            options: options,
            schedule: schedule,
            tlsContext: nil,
            connectStarted: now,
            deadline: now + options.connectTimeout,
            ready: self.ready,
            onEvent: onEvent
        )
        try self.channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: options.target.port)).wait()
    }

    /// The phases once the connection is ready; fails the test when it is not (yet).
    func phases() throws -> ConnectPhases {
        try #require(self.result()).get()
    }

    /// The connect failure; fails the test when the connection is ready or still pending.
    func failure() throws -> ConnectProgressError {
        let result = try #require(self.result(), "the connection is still pending")
        guard case .failure(let error) = result else {
            Issue.record("expected a connect failure, the connection is ready: \(result)")
            throw CancellationError()
        }
        return try #require(error as? ConnectProgressError, "\(error)")
    }

    private func result() -> Result<ConnectPhases, any Error>? {
        var result: Result<ConnectPhases, any Error>?
        self.ready.futureResult.assumeIsolated().whenComplete { result = $0 }
        return result
    }
}
