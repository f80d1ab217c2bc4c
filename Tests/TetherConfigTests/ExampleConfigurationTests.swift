import Foundation
import Testing
import TetherConfig
import TetherHeartbeat

/// The shipped example must stay valid as the configuration grows.
@Suite struct ExampleConfigurationTests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func exampleConfigurationLoads() throws {
        let path = Self.repository.appendingPathComponent("examples/tether.yml").path
        let configuration = try ConfigurationLoader.load(file: path, environment: [:])
        #expect(
            configuration.targets.map(\.name) == [
                "echo-websocket", "echo-websocket-message", "echo-tcp", "redis", "mosquitto",
            ]
        )
        #expect(configuration.targets.allSatisfy { $0.connection.target.host == "127.0.0.1" })
    }
}
