import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TetherHeartbeat

@testable import TetherMetrics
@testable import TetherServer

@Suite struct TetherRouterTests {
    func application(_ registry: MetricsRegistry) -> some ApplicationProtocol {
        Application(router: TetherRouter.make(registry: registry))
    }

    @Test func metricsInTextFormatOrOpenMetricsWhenAsked() async throws {
        let registry = MetricsRegistry(version: "t")
        registry.setTargets([("a", "tcp://a:1", [:])])
        try await self.application(registry).test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
                #expect(String(buffer: response.body).contains("tether_target_up{target=\"a\"} 0\n"))
            }
            try await client.execute(
                uri: "/metrics",
                method: .get,
                headers: [.accept: "application/openmetrics-text; version=1.0.0"]
            ) { response in
                #expect(response.headers[.contentType]?.hasPrefix("application/openmetrics-text") == true)
                #expect(String(buffer: response.body).hasSuffix("# EOF\n"))
            }
        }
    }

    @Test func readyOnlyOnceTheAgentRuns() async throws {
        let registry = MetricsRegistry(version: "t")
        try await self.application(registry).test(.router) { client in
            try await client.execute(uri: "/-/healthy", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/-/ready", method: .get) { #expect($0.status == .serviceUnavailable) }
            registry.markReady()
            try await client.execute(uri: "/-/ready", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func targetsInPrometheusAPIEnvelope() async throws {
        let registry = MetricsRegistry(version: "t")
        let cell = registry.setTargets([("chat", "ws://chat:80/", ["team": "chat"])])[0]
        cell.connected(phases: .init(), now: 1_700_000_000, certificateExpiry: nil)
        cell.record(.answered(sequence: 1, rtt: .milliseconds(2)))
        try await self.application(registry).test(.router) { client in
            try await client.execute(uri: "/api/v1/targets", method: .get) { response in
                let json = try #require(
                    try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
                )
                #expect(json["status"] as? String == "success")
                let data = try #require(json["data"] as? [String: Any])
                let targets = try #require(data["activeTargets"] as? [[String: Any]])
                #expect(targets.count == 1)
                #expect(targets[0]["health"] as? String == "up")
                #expect(targets[0]["state"] as? String == "connected")
                #expect(targets[0]["lastRTTSeconds"] as? Double == 0.002)
                #expect(targets[0]["connectedSince"] as? String == "2023-11-14T22:13:20.000Z")
                #expect((targets[0]["labels"] as? [String: String])?["team"] == "chat")
            }
        }
    }
}
