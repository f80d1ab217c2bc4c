import Logging
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle
import ServiceLifecycleTestKit
import Testing
import TetherConfig
import TetherEcho
import TetherHeartbeat
import TetherMetrics

@testable import TetherAgent

/// The agent against an in-process `tether echo`, over real loopback sockets.
@Suite struct AgentServiceTests {
    let logger = Logger(label: "test")

    /// Runs an echo responder for the duration of `body`, passing its port.
    func withEcho(_ body: (Int) async throws -> Void) async throws {
        let port = NIOLockedValueBox<Int?>(nil)
        let echo = EchoService(addresses: [("127.0.0.1", 0)], logger: self.logger) { address in
            port.withLockedValue { $0 = address.port }
        }
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await echo.run() }
                let bound = try await Self.poll("echo listening") { port.withLockedValue { $0 } }
                try await body(bound)
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
    }

    /// Polls `value` every 20 ms for up to 10 s.
    static func poll<T>(_ what: String, _ value: () -> T?) async throws -> T {
        for _ in 0..<500 {
            if let value = value() { return value }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        Issue.record("timed out waiting for \(what)")
        throw CancellationError()
    }

    func configuration(port: Int) throws -> TetherConfiguration {
        try ConfigurationLoader.load(
            yaml: """
                global: {interval: 100ms, timeout: 1s}
                targets:
                  - {name: tcp, url: "tcp://127.0.0.1:\(port)"}
                  - {name: ws, url: "ws://127.0.0.1:\(port)/"}
                """,
            file: "test.yml",
            environment: [:],
            baseDirectory: nil
        )
    }

    @Test(.timeLimit(.minutes(1)))
    func heartbeatsFlowAndGracefulShutdownClosesEveryConnection() async throws {
        try await self.withEcho { port in
            let registry = MetricsRegistry(version: "test")
            let agent = AgentService(
                configuration: try self.configuration(port: port),
                registry: registry,
                logger: self.logger
            )
            try await testGracefulShutdown { trigger in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await agent.run() }
                    _ = try await Self.poll("three answered heartbeats on every target") {
                        let cells = registry.targets
                        return cells.count == 2 && cells.allSatisfy({ $0.snapshot().answered >= 3 }) ? true : nil
                    }
                    #expect(registry.isReady)
                    trigger.triggerGracefulShutdown()
                    try await group.waitForAll()
                }
            }
            for cell in registry.targets {
                let snapshot = cell.snapshot()
                #expect(snapshot.up == false)
                #expect(snapshot.missed == 0)
                #expect(snapshot.connects["success"] == 1)
                #expect(snapshot.disconnects["agent"] == 1, "\(cell.name): \(snapshot.disconnects)")
                #expect(snapshot.state == .idle)
            }
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func shutdownDoesNotWaitForABackoffToEnd() async throws {
        // Port 1 refuses; with a 30 s backoff ceiling the supervisor sleeps long between attempts.
        let configuration = try ConfigurationLoader.load(
            yaml: """
                reconnect: {initial: 30s, max: 30s, multiplier: 1}
                targets: [{name: refused, url: "tcp://127.0.0.1:1"}]
                """,
            file: "test.yml",
            environment: [:],
            baseDirectory: nil
        )
        let registry = MetricsRegistry(version: "test")
        let agent = AgentService(configuration: configuration, registry: registry, logger: self.logger)
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await agent.run() }
                _ = try await Self.poll("a refused connect") {
                    registry.targets.first?.snapshot().connects["refused"].map { _ in true }
                }
                let started = NIODeadline.now()
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
                #expect(NIODeadline.now() - started < .seconds(5))
            }
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func withoutTargetsTheAgentRunsUntilShutdown() async throws {
        let configuration = try ConfigurationLoader.load(
            yaml: "targets: []",
            file: "test.yml",
            environment: [:],
            baseDirectory: nil
        )
        let registry = MetricsRegistry(version: "test")
        let agent = AgentService(configuration: configuration, registry: registry, logger: self.logger)
        let returned = NIOLockedValueBox(false)
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await agent.run()
                    returned.withLockedValue { $0 = true }
                }
                _ = try await Self.poll("ready") { registry.isReady ? true : nil }
                try await Task.sleep(nanoseconds: 100_000_000)
                #expect(returned.withLockedValue { $0 } == false, "an agent without targets keeps serving")
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
        #expect(returned.withLockedValue { $0 })
    }
}
