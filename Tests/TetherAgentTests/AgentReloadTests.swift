import Foundation
import Logging
import NIOCore
import ServiceLifecycleTestKit
import Testing
import TetherConfig
import TetherMetrics

@testable import TetherAgent

/// Reloads and target files: only what changed is touched.
extension AgentServiceTests {
    /// Runs `agent` for the duration of `body`, then shuts it down gracefully.
    func running(_ agent: AgentService, _ body: () async throws -> Void) async throws {
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await agent.run() }
                try await body()
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
    }

    func load(_ yaml: String, baseDirectory: String? = nil) throws -> TetherConfiguration {
        try ConfigurationLoader.load(yaml: yaml, file: "test.yml", environment: [:], baseDirectory: baseDirectory)
    }

    func cell(_ name: String, in registry: MetricsRegistry) -> TargetMetrics? {
        registry.targets.first { $0.name == name }
    }

    @Test(.timeLimit(.minutes(1)))
    func applyKeepsAnUnchangedTargetsConnectionAndReplacesTheRest() async throws {
        try await self.withEcho { port in
            let registry = MetricsRegistry(version: "test")
            let agent = AgentService(
                configuration: try self.configuration(port: port),
                registry: registry,
                logger: self.logger
            )
            try await self.running(agent) {
                _ = try await Self.poll("both targets answered") {
                    registry.targets.count == 2 && registry.targets.allSatisfy({ $0.snapshot().answered >= 2 })
                        ? true : nil
                }
                let kept = try #require(self.cell("tcp", in: registry))
                let answeredBefore = kept.snapshot().answered
                let established = kept.snapshot().established

                agent.apply(
                    try self.load(
                        """
                        global: {interval: 100ms, timeout: 1s}
                        targets:
                          - {name: tcp, url: "tcp://127.0.0.1:\(port)"}
                          - {name: added, url: "tcp://127.0.0.1:\(port)"}
                        """
                    )
                )
                #expect(agent.targetNames == ["added", "tcp"])
                _ = try await Self.poll("the added target answered") {
                    (self.cell("added", in: registry)?.snapshot().answered ?? 0) >= 2 ? true : nil
                }
                let after = try #require(self.cell("tcp", in: registry)).snapshot()
                #expect(self.cell("tcp", in: registry) === kept, "the same metrics cell: counters and history kept")
                #expect(after.connects["success"] == 1, "the unchanged target did not reconnect")
                #expect(after.established == established)
                #expect(after.answered > answeredBefore)
                #expect(self.cell("ws", in: registry) == nil, "the removed target's series are gone")
            }
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aChangedTargetReconnectsWithItsNewSettings() async throws {
        try await self.withEcho { port in
            let registry = MetricsRegistry(version: "test")
            let agent = AgentService(
                configuration: try self.configuration(port: port),
                registry: registry,
                logger: self.logger
            )
            try await self.running(agent) {
                _ = try await Self.poll("tcp answered") {
                    (self.cell("tcp", in: registry)?.snapshot().answered ?? 0) >= 2 ? true : nil
                }
                agent.apply(
                    try self.load(
                        """
                        global: {interval: 100ms, timeout: 1s}
                        targets:
                          - {name: tcp, url: "tcp://127.0.0.1:\(port)", interval: 150ms}
                          - {name: ws, url: "ws://127.0.0.1:\(port)/"}
                        """
                    )
                )
                _ = try await Self.poll("tcp connected a second time") {
                    let snapshot = self.cell("tcp", in: registry)?.snapshot()
                    return snapshot?.connects["success"] == 2 && snapshot?.state == .connected ? true : nil
                }
                #expect(self.cell("ws", in: registry)?.snapshot().connects["success"] == 1)
            }
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func targetFilesAreReadAgainWhenTheyChange() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tether-agent-sd-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("targets.yml")
        try await self.withEcho { port in
            let registry = MetricsRegistry(version: "test")
            let agent = AgentService(
                configuration: try self.load(
                    """
                    global: {interval: 100ms, timeout: 1s}
                    target_files: ["*.yml"]
                    """,
                    baseDirectory: directory.path
                ),
                registry: registry,
                logger: self.logger,
                targetFileRefresh: .milliseconds(50)
            )
            let url = "tcp://127.0.0.1:\(port)"
            try await self.running(agent) {
                #expect(agent.targetNames.isEmpty)
                try "- targets: [\"\(url)\"]\n  labels: {team: a}\n".write(to: file, atomically: true, encoding: .utf8)
                _ = try await Self.poll("the file's target answered") {
                    (self.cell(url, in: registry)?.snapshot().answered ?? 0) >= 1 ? true : nil
                }
                #expect(self.cell(url, in: registry)?.labels.contains { $0.name == "team" && $0.value == "a" } == true)

                // Broken: the previous targets stay, the error is counted.
                try "- targets: [\"\(url)\"\n".write(to: file, atomically: true, encoding: .utf8)
                _ = try await Self.poll("the read error counted") {
                    String(decoding: registry.render(format: .prometheusText), as: UTF8.self)
                        .split(separator: "\n")
                        .contains { $0.hasPrefix("tether_target_file_read_errors_total ") && !$0.hasSuffix(" 0") }
                        ? true : nil
                }
                #expect(agent.targetNames == [url])

                try "[]\n".write(to: file, atomically: true, encoding: .utf8)
                _ = try await Self.poll("the target removed") { agent.targetNames.isEmpty ? true : nil }
                #expect(self.cell(url, in: registry) == nil)
            }
        }
    }
}
