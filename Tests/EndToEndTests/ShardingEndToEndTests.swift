import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `tether run --shard i/n` (issue 7 §3): a fleet of agents sharing one configuration monitors
/// each target exactly once, and each agent says which shard it is.
@Suite("tether run --shard: a fleet shares the targets", .timeLimit(.minutes(1)))
struct ShardingEndToEndTests {
    @Test("1000 targets over 3 shards are each monitored exactly once")
    func thousandTargetsOverThreeShards() async throws {
        let dir = try TestDirectory("agent-shards")
        defer { dir.remove() }
        let echo = try await Peer.tetherEcho(in: dir)
        defer { echo.stop() }
        let names = (0..<1000).map { "target-\($0)" }
        let configuration =
            """
            global:
              interval: 5s
              timeout: 2s
            targets:

            """
            + names.map { "  - name: \($0)\n    url: tcp://127.0.0.1:\(echo.port)\n" }.joined()

        var agents: [TetherAgentProcess] = []
        defer { for agent in agents { agent.stop() } }
        for index in 0..<3 {
            agents.append(
                try await TetherAgentProcess.start(
                    configuration: configuration,
                    in: dir,
                    name: "tether-shard-\(index)",
                    arguments: ["--shard", "\(index)/3"]
                )
            )
        }

        var owners: [String: [Int]] = [:]
        for (index, agent) in agents.enumerated() {
            let shardNames = try await Self.targetNames(of: agent)
            for name in shardNames { owners[name, default: []].append(index) }
            // Roughly a third each: a shard holding (nearly) everything or nothing means no sharding.
            #expect((250...420).contains(shardNames.count), "shard \(index)/3 has \(shardNames.count) targets")

            let metrics = try await agent.metrics()
            #expect(
                metrics.value("tether_build_info", ["shard": "\(index)/3"]) == 1,
                "tether_build_info has no shard=\"\(index)/3\" label\n\(metrics.samples("tether_build_info"))"
            )
            #expect(metrics.value("tether_targets") == Double(shardNames.count))
            #expect(Set(metrics.samples("tether_target_up").compactMap { $0.labels["target"] }) == Set(shardNames))
        }
        #expect(Set(owners.keys) == Set(names), "\(Set(names).subtracting(owners.keys).count) targets have no shard")
        let shared = owners.filter { $0.value.count != 1 }
        #expect(shared.isEmpty, "targets in more than one shard: \(shared.prefix(5))")
    }

    @Test(
        "a --shard that is not i/n with 0 ≤ i < n is bad usage: exit 2 and a message",
        arguments: [
            ("3/3", "shards are numbered from 0, so i must be 0 to 2"),
            ("1/0", "the number of shards must be at least 1"),
            ("one/3", "is not i/n"),
        ]
    )
    func badShard(value: String, message: String) async throws {
        let dir = try TestDirectory("agent-bad-shard")
        defer { dir.remove() }
        let child = try ChildProcess(
            name: "tether-run-bad-shard",
            executable: try TetherCLI.binary(),
            arguments: ["run", "--config", dir.file("absent.yml").path, "--shard", value],
            directory: dir.url
        )
        guard await child.waitForExit(timeout: .seconds(10)) else {
            child.stop()
            throw E2EError("tether run --shard \(value) did not exit")
        }
        #expect(child.exitCode == 2 && !child.terminatedBySignal, "stderr: \(child.stderr)")
        #expect(child.stderr.contains("--shard '\(value)'") && child.stderr.contains(message), "\(child.stderr)")
    }

    /// The names in the agent's `/api/v1/targets`.
    private static func targetNames(of agent: TetherAgentProcess) async throws -> [String] {
        let response = try await agent.get("/api/v1/targets")
        guard response.status == 200,
            let object = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any],
            let data = object["data"] as? [String: Any],
            let targets = data["activeTargets"] as? [[String: Any]]
        else { throw E2EError("GET /api/v1/targets: \(response)") }
        return targets.compactMap { $0["name"] as? String }
    }
}
