import Foundation
import Testing

/// The deployment examples in `examples/` (issue 7 §7) stay valid for the programs that read them:
/// tether for its configurations, promtool for the Prometheus configuration (rule files included),
/// amtool for the Alertmanager configuration.
@Suite("Shipped examples", .timeLimit(.minutes(2)))
struct ShippedExamplesTests {
    @Test("examples/tether.yml and the Kubernetes sidecar's tether.yml pass tether check config")
    func tetherConfigurations() async throws {
        let tether = try TetherCLI.binary().path
        let plain = try await AlertRulesShippedTests.run(
            try TetherCLI.binary(),
            ["check", "config", "examples/tether.yml"],
            name: "examples-tether"
        )
        #expect(plain.exitCode == 0, "\(plain)")
        // The pod gives the sidecar these from its spec (downward API, a Secret).
        let env = try #require(Programs.inPath("env"), "env not found in PATH (coreutils)")
        let sidecar = try await AlertRulesShippedTests.run(
            env,
            ["POD_NAME=chat-gateway-0", "POD_NAMESPACE=chat", "REDIS_PASSWORD=secret", tether]
                + ["check", "config", "examples/kubernetes/tether.yml"],
            name: "examples-kubernetes"
        )
        #expect(sidecar.exitCode == 0, "\(sidecar)")
    }

    @Test("promtool check config accepts examples/prometheus/prometheus.yml and its rule files")
    func prometheusConfiguration() async throws {
        let run = try await AlertRulesShippedTests.run(
            try Programs.promtool(),
            ["check", "config", "examples/prometheus/prometheus.yml"],
            name: "examples-prometheus"
        )
        #expect(run.exitCode == 0, "\(run)")
        #expect(run.stdout.contains("SUCCESS"), "\(run)")
    }

    @Test("amtool check-config accepts examples/alertmanager/alertmanager.yml")
    func alertmanagerConfiguration() async throws {
        let run = try await AlertRulesShippedTests.run(
            try Programs.amtool(),
            ["check-config", "examples/alertmanager/alertmanager.yml"],
            name: "examples-alertmanager"
        )
        #expect(run.exitCode == 0, "\(run)")
    }
}
