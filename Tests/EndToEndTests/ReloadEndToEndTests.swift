import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reload and file discovery in a real `tether run` (issue 7 §1–2): SIGHUP and `POST /-/reload`
/// check the new configuration first; an unchanged target keeps its very connection (the same
/// local port), a removed one is closed and its series go, an added one connects; rules keep their
/// alerts; `target_files` are picked up while the agent runs.
@Suite("reload and target_files in a real tether run", .timeLimit(.minutes(2)))
struct ReloadEndToEndTests {
    static let global = """
        global:
          interval: 500ms
          timeout: 300ms
          down_after: 2
          connect_timeout: 1s
          close_timeout: 200ms
          evaluation_interval: 1s
        reconnect: {initial: 100ms, max: 1s, multiplier: 2}

        """

    @Test(
        "reload keeps an unchanged connection's local port, rejects a bad config, closes removed and connects added targets"
    )
    func reloadKeepsUnchangedConnections() async throws {
        let dir = try TestDirectory("reload-targets")
        defer { dir.remove() }
        let echo = try await Peer.tetherEcho(in: dir)
        defer { echo.stop() }
        let websockets = try await Peer.pythonWebSocketServer(in: dir)
        defer { websockets.stop() }
        let agent = try await TetherAgentProcess.start(
            configuration: Self.global
                + """
                targets:
                  - {name: kept, url: "tcp://127.0.0.1:\(echo.port)"}
                  - {name: removed, url: "ws://127.0.0.1:\(websockets.port)/"}
                """,
            in: dir
        )
        defer { agent.stop() }
        try await agent.waitForMetrics("both targets up", timeout: .seconds(15)) {
            $0.value("tether_target_up", ["target": "kept"]) == 1
                && $0.value("tether_target_up", ["target": "removed"]) == 1
        }
        let ports = Self.localPorts(connectedTo: echo.port)
        #expect(ports.count == 1, "one connection from tether to the echo responder: \(ports)")

        // A broken configuration is rejected, with the problem named; the old one keeps running.
        let good = try String(contentsOf: agent.configURL, encoding: .utf8)
        try (good + "\nglobal: {interval: nope}\n").write(to: agent.configURL, atomically: true, encoding: .utf8)
        let rejected = try await LoopbackHTTP.post(port: agent.port, path: "/-/reload", body: [])
        #expect(rejected.status == 500, "\(rejected)")
        #expect(
            rejected.body.contains("failed to reload config:") && rejected.body.contains("tether-run.yml:"),
            "\(rejected)"
        )
        let afterBad = try await agent.metrics()
        #expect(afterBad.value("tether_config_last_reload_successful") == 0)
        #expect(afterBad.value("tether_target_up", ["target": "removed"]) == 1, "the old configuration stays")
        #expect(agent.log.contains("error reloading the configuration"), "\(agent.diagnostics)")

        // SIGHUP with a good one: `removed` goes, `added` comes, `kept` is not touched.
        let next =
            Self.global
                + """
                targets:
                  - {name: kept, url: "tcp://127.0.0.1:\(echo.port)"}
                  - {name: added, url: "ws://127.0.0.1:\(websockets.port)/"}
                server:
                  listen: "127.0.0.1:\(agent.port)"
                """
        try next.write(to: agent.configURL, atomically: true, encoding: .utf8)
        kill(agent.pid, SIGHUP)
        let reloaded = try await agent.waitForMetrics(
            "added up, removed gone, reload successful",
            timeout: .seconds(15)
        ) {
            $0.value("tether_target_up", ["target": "added"]) == 1
                && $0.samples("tether_target_up", ["target": "removed"]).isEmpty
                && $0.value("tether_config_last_reload_successful") == 1
        }
        #expect(Self.localPorts(connectedTo: echo.port) == ports, "kept's connection is the same socket")
        #expect(reloaded.value("tether_connects_total", ["target": "kept", "result": "success"]) == 1)
        #expect(reloaded.value("tether_target_up", ["target": "kept"]) == 1)
        #expect(agent.log.contains("target=removed [TetherAgent] closed"), "\(agent.diagnostics)")

        // POST /-/reload of the same file: 200, nothing changes.
        let again = try await LoopbackHTTP.post(port: agent.port, path: "/-/reload", body: [])
        #expect(again.status == 200, "\(again)")
        #expect(Self.localPorts(connectedTo: echo.port) == ports)
    }

    @Test("a reload keeps the alert states of unchanged rules and adds new rules")
    func reloadKeepsAlertStates() async throws {
        let dir = try TestDirectory("reload-rules")
        defer { dir.remove() }
        let echo = try await Peer.tetherEcho(in: dir)
        defer { echo.stop() }
        let rule = """
            groups:
              - name: reload
                rules:
                  - alert: KeptUp
                    expr: tether_target_up == 1
                    for: 1h

            """
        try rule.write(to: dir.file("rules.yml"), atomically: true, encoding: .utf8)
        let configuration =
            Self.global
                + """
                rule_files: [rules.yml]
                alerting: {state_dir: state}
                targets:
                  - {name: kept, url: "tcp://127.0.0.1:\(echo.port)"}
                """
        let agent = try await TetherAgentProcess.start(configuration: configuration, in: dir)
        defer { agent.stop() }
        let pending = try await agent.waitForAlerts("KeptUp pending", timeout: .seconds(15)) { alerts, _ in
            alerts.contains { $0.labels["alertname"] == "KeptUp" }
        }
        let activeAt = try #require(pending.first { $0.labels["alertname"] == "KeptUp" }).activeAt

        try
            (rule
                + """
                      - alert: AlsoUp
                        expr: tether_target_up > 0
                        for: 1h

                """)
            .write(to: dir.file("rules.yml"), atomically: true, encoding: .utf8)
        let response = try await LoopbackHTTP.post(port: agent.port, path: "/-/reload", body: [])
        #expect(response.status == 200, "\(response)")
        let both = try await agent.waitForAlerts("AlsoUp pending too", timeout: .seconds(15)) { alerts, _ in
            alerts.contains { $0.labels["alertname"] == "AlsoUp" }
        }
        let kept = try #require(both.first { $0.labels["alertname"] == "KeptUp" })
        #expect(kept.activeAt == activeAt, "KeptUp keeps its activeAt across the reload: \(both)")
        #expect(kept.state == "pending")
    }

    @Test("target_files: targets added and removed by editing a file, a broken file keeps the previous targets")
    func fileDiscoveryAddsAndRemovesTargets() async throws {
        let dir = try TestDirectory("discovery")
        defer { dir.remove() }
        let echo = try await Peer.tetherEcho(in: dir)
        defer { echo.stop() }
        try FileManager.default.createDirectory(at: dir.file("targets"), withIntermediateDirectories: true)
        let file = dir.file("targets/echo.yml")
        let first = "tcp://127.0.0.1:\(echo.port)"
        let second = "ws://127.0.0.1:\(echo.port)/"
        try "- targets: [\"\(first)\"]\n  labels: {team: chat}\n".write(to: file, atomically: true, encoding: .utf8)
        let agent = try await TetherAgentProcess.start(
            configuration: Self.global + "target_files: [\"targets/*.yml\"]\ntargets: []\n",
            in: dir
        )
        defer { agent.stop() }
        try await agent.waitForMetrics("the file's target up", timeout: .seconds(15)) {
            $0.value("tether_target_up", ["target": first, "team": "chat"]) == 1
        }

        // A second file and a second entry appear: both connect, without a restart.
        try "[{\"targets\": [\"\(second)\"], \"interval\": \"1s\"}]\n"
            .write(to: dir.file("targets/more.yml"), atomically: true, encoding: .utf8)
        try await agent.waitForMetrics("the second file's target up", timeout: .seconds(20)) {
            $0.value("tether_target_up", ["target": second]) == 1
                && $0.value("tether_target_file_targets", ["file": file.path]) == 1
        }

        // A broken file: counted, logged, its target kept.
        try "- targets: [\"\(first)\"\n".write(to: file, atomically: true, encoding: .utf8)
        let broken = try await agent.waitForMetrics("the read error counted", timeout: .seconds(20)) {
            ($0.value("tether_target_file_read_errors_total") ?? 0) >= 1
        }
        #expect(broken.value("tether_target_up", ["target": first, "team": "chat"]) == 1)
        #expect(agent.log.contains("invalid target file"), "\(agent.diagnostics)")

        // Emptied: its target is closed and its series go; the other file's target stays.
        try "".write(to: file, atomically: true, encoding: .utf8)
        let emptied = try await agent.waitForMetrics("the first target gone", timeout: .seconds(20)) {
            $0.samples("tether_target_up", ["target": first]).isEmpty
        }
        #expect(emptied.value("tether_target_up", ["target": second]) == 1)
        #expect(emptied.value("tether_targets") == 1)
    }

    /// The local ports of established loopback TCP connections to `port` (from /proc/net/tcp):
    /// the client side of each connection to the responder.
    static func localPorts(connectedTo port: Int) -> Set<Int> {
        // Read to the end: /proc files have no size, and a read sized by it would stop at a page.
        guard let handle = FileHandle(forReadingAtPath: "/proc/net/tcp"),
            let data = try? handle.readToEnd(), let text = String(data: data, encoding: .utf8)
        else { return [] }
        var ports: Set<Int> = []
        for line in text.split(separator: "\n").dropFirst() {
            // sl local_address rem_address st …
            let fields = line.split(separator: " ")
            guard fields.count > 3, fields[3] == "01",
                let remote = fields[2].split(separator: ":").last, Int(remote, radix: 16) == port,
                let local = fields[1].split(separator: ":").last, let localPort = Int(local, radix: 16)
            else { continue }
            ports.insert(localPort)
        }
        return ports
    }
}
