import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `tether run` against real peers over loopback (DESIGN.md §2–4, §10): every fault is caused
/// for real (SIGSTOP, SIGKILL, close codes, server pings, SIGTERM, proxies, TLS) and asserted
/// through the agent's own `/metrics`, fetched over HTTP while it runs.
///
/// Every test starts its own peers and its own agent on free ports in its own directory and stops
/// them in `defer`, so the tests run in parallel. Intervals are short (500 ms) so that the whole
/// suite takes seconds; waits poll `/metrics` with deadlines, never sleep blindly.
@Suite("tether run against real peers, asserted through /metrics", .timeLimit(.minutes(1)))
struct AgentEndToEndTests {
    /// Heartbeats every 500 ms, 300 ms to answer, dead after 2 misses; short connect and close
    /// bounds so that a stalled peer costs little time.
    static let fastGlobal = """
        global:
          interval: 500ms
          timeout: 300ms
          down_after: 2
          connect_timeout: 1s
          close_timeout: 200ms
        reconnect: {initial: 100ms, max: 1s, multiplier: 2}
        """

    // MARK: Faults

    @Test("a SIGSTOPped ws target is down within interval × down_after + timeout (+2s), up again after SIGCONT")
    func stoppedTargetIsDownThenUp() async throws {
        let dir = try TestDirectory("agent-sigstop")
        defer { dir.remove() }
        let server = try await Peer.pythonWebSocketServer(in: dir)
        defer { server.stop() }
        let agent = try await TetherAgentProcess.start(
            configuration: Self.fastGlobal + """

                targets:
                  - name: stalled
                    url: ws://127.0.0.1:\(server.port)/
                """,
            in: dir
        )
        defer { agent.stop() }
        let target = ["target": "stalled"]
        try await agent.waitForMetrics("tether_target_up == 1", target: "stalled", timeout: .seconds(10)) {
            $0.value("tether_target_up", target) == 1
        }

        server.suspend()
        // interval × down_after + timeout = 1.3 s, plus 2 s of slack. The disconnect is counted
        // once the close is given up on, close_timeout (200 ms) after the connection is dead.
        let bound = Duration.milliseconds(500 * 2 + 300) + .seconds(2)
        let down = try await agent.waitForMetrics(
            "up == 0, missed ≥ 2 and disconnects{reason=missed_heartbeats} ≥ 1 after SIGSTOP",
            target: "stalled",
            timeout: bound
        ) { metrics in
            metrics.value("tether_target_up", target) == 0
                && (metrics.value("tether_heartbeats_missed_total", target) ?? 0) >= 2
                && (metrics.value("tether_disconnects_total", target.merging(["reason": "missed_heartbeats"]) { $1 })
                    ?? 0) >= 1
        }
        #expect((down.value("tether_heartbeats_answered_total", target) ?? 0) >= 1, "\(down.lines(target: "stalled"))")

        server.resume()
        let up = try await agent.waitForMetrics("up == 1 again after SIGCONT", target: "stalled", timeout: .seconds(15))
        {
            $0.value("tether_target_up", target) == 1
        }
        #expect(agent.isRunning, "tether must recover on its own, without a restart\n\(agent.diagnostics)")
        #expect(
            (up.value("tether_connects_total", target.merging(["result": "success"]) { $1 }) ?? 0) >= 2,
            "the dead connection is replaced by a new one: \(up.lines(target: "stalled"))"
        )
        #expect(try await agent.terminate() == 0, "\(agent.diagnostics)")
    }

    @Test("a SIGKILLed ws target: refused reconnects with a growing, capped backoff, up once it is back")
    func killedTargetIsReconnectedWithBackoff() async throws {
        let dir = try TestDirectory("agent-sigkill")
        defer { dir.remove() }
        let first = try await Peer.pythonWebSocketServer(in: dir, name: "ws_server-first")
        defer { first.stop() }
        let port = first.port
        let agent = try await TetherAgentProcess.start(
            configuration: Self.fastGlobal + """

                targets:
                  - name: killed
                    url: ws://127.0.0.1:\(port)/
                """,
            in: dir
        )
        defer { agent.stop() }
        let target = ["target": "killed"]
        let refused = target.merging(["result": "refused"]) { $1 }
        try await agent.waitForMetrics("tether_target_up == 1", target: "killed", timeout: .seconds(10)) {
            $0.value("tether_target_up", target) == 1
        }

        try await first.killAndWait()
        // Every snapshot: the backoff never exceeds min(max, initial × multiplier^(n−1)) for the
        // failure count n shown next to it (n = 0 after a connection that was answered: bound initial).
        var violations: [String] = []
        var miscounts: [String] = []
        var refusedSeen: [Double] = []
        var failuresSeen: [Double] = []
        let failing = try await agent.waitForMetrics(
            "connects{result=refused} ≥ 4 and connect_failures_consecutive ≥ 4 after SIGKILL",
            target: "killed",
            timeout: .seconds(20)
        ) { metrics in
            let failures = metrics.value("tether_connect_failures_consecutive", target) ?? -1
            let backoff = metrics.value("tether_reconnect_backoff_seconds", target) ?? -1
            let bound = min(1.0, 0.1 * pow(2, max(failures, 1) - 1))
            if backoff < 0 || backoff > bound + 1e-9 {
                violations.append("backoff \(backoff)s with \(failures) failures in a row (bound \(bound)s)")
            }
            let refusedCount = metrics.value("tether_connects_total", refused) ?? 0
            // Every attempt since the kill failed (most refused; the first may race the dying
            // server and fail otherwise), and none failed before it, so in backoff (after the
            // attempt is recorded) the attempts failed in a row are all the failed ones.
            let failedCount =
                metrics.sum("tether_connects_total", target)
                - (metrics.value("tether_connects_total", target.merging(["result": "success"]) { $1 }) ?? 0)
            if metrics.value("tether_connection_state", target.merging(["state": "backoff"]) { $1 }) == 1,
                failures != failedCount
            {
                let results = metrics.samples("tether_connects_total", target).map {
                    "\($0.labels["result"] ?? "?")=\(Int($0.value))"
                }
                let miscount = "\(Int(failures)) failures in a row after attempts \(results.joined(separator: ", "))"
                if !miscounts.contains(miscount) { miscounts.append(miscount) }
            }
            if refusedSeen.last != refusedCount { refusedSeen.append(refusedCount) }
            if failuresSeen.last != failures { failuresSeen.append(failures) }
            return refusedCount >= 4 && failures >= 4
        }
        #expect(violations.isEmpty, "backoff above min(max, initial × 2^(n−1)): \(violations)\n\(agent.diagnostics)")
        #expect(
            miscounts.isEmpty,
            "connect_failures_consecutive counts the attempts that failed in a row: \(miscounts)"
        )
        // Reaching ≥ 4 from 0 after the kill is the growth; polls may be slower than the backoff,
        // so only the order of what was seen is asserted, not how many steps a poll caught.
        #expect(refusedSeen == refusedSeen.sorted(), "refused attempts went backwards: \(refusedSeen)")
        #expect(failuresSeen == failuresSeen.sorted(), "failures in a row went backwards: \(failuresSeen)")
        #expect(
            (failing.value("tether_reconnect_backoff_seconds", target) ?? 2) <= 1.0,
            "the backoff is capped at reconnect.max: \(failing.lines(target: "killed"))"
        )
        #expect(failing.value("tether_target_up", target) == 0, "\(failing.lines(target: "killed"))")
        let ended =
            failing.sum("tether_disconnects_total", target.merging(["reason": "eof"]) { $1 })
            + failing.sum("tether_disconnects_total", target.merging(["reason": "reset"]) { $1 })
        #expect(ended == 1, "the killed connection ends with eof or reset: \(failing.lines(target: "killed"))")
        // Full jitter with max 1s: a few attempts per second, never a busy loop.
        let refusedCount = failing.value("tether_connects_total", refused) ?? 0
        #expect(refusedCount < 60, "\(refusedCount) refused attempts: the backoff is not applied")

        let second = try await Peer.pythonWebSocketServer(in: dir, port: port, name: "ws_server-second")
        defer { second.stop() }
        let back = try await agent.waitForMetrics(
            "tether_target_up == 1 after the server is back on its port",
            target: "killed",
            timeout: .seconds(10)
        ) { $0.value("tether_target_up", target) == 1 }
        #expect(back.value("tether_reconnect_backoff_seconds", target) == 0, "\(back.lines(target: "killed"))")
        #expect(
            back.value("tether_connect_failures_consecutive", target) == 0,
            "up again, so no attempt has failed since: \(back.lines(target: "killed"))"
        )
        #expect(try await agent.terminate() == 0, "\(agent.diagnostics)")
    }

    @Test("a target that closes with 1008 is counted as disconnects{reason=\"close_1008\"}")
    func closeCodeIsTheDisconnectReason() async throws {
        let dir = try TestDirectory("agent-close1008")
        defer { dir.remove() }
        let server = try await Peer.pythonWebSocketServer(in: dir, closeAfterConnect: 1008)
        defer { server.stop() }
        let agent = try await TetherAgentProcess.start(
            configuration: Self.fastGlobal + """

                targets:
                  - name: policy
                    url: ws://127.0.0.1:\(server.port)/
                """,
            in: dir
        )
        defer { agent.stop() }
        let target = ["target": "policy"]

        let metrics = try await agent.waitForMetrics(
            "disconnects{reason=close_1008} ≥ 2",
            target: "policy",
            timeout: .seconds(10)
        ) { ($0.value("tether_disconnects_total", target.merging(["reason": "close_1008"]) { $1 }) ?? 0) >= 2 }
        #expect(metrics.value("tether_target_up", target) == 0, "\(metrics.lines(target: "policy"))")
        #expect(
            (metrics.value("tether_connects_total", target.merging(["result": "success"]) { $1 }) ?? 0) >= 2,
            "each connect succeeds before the close: \(metrics.lines(target: "policy"))"
        )
        // A connection that ends without an answered heartbeat is a failed attempt for the backoff.
        let closes = metrics.value("tether_disconnects_total", target.merging(["reason": "close_1008"]) { $1 }) ?? 0
        #expect(
            (metrics.value("tether_connect_failures_consecutive", target) ?? 0) >= closes - 1,
            "every close before an answer is a failure in a row: \(metrics.lines(target: "policy"))"
        )
        let others = metrics.samples("tether_disconnects_total", target).filter { $0.labels["reason"] != "close_1008" }
        #expect(others.allSatisfy { $0.value == 0 }, "only close_1008 disconnects: \(others)")
        #expect(try await agent.terminate() == 0, "\(agent.diagnostics)")
    }

    @Test("a server that pings every second and drops silent clients keeps tether connected (≥4 s)")
    func serverPingsAreAnswered() async throws {
        let dir = try TestDirectory("agent-server-pings")
        defer { dir.remove() }
        // websockets' keepalive: a ping every 1 s, the connection closed (1011) when its pong is
        // not back within 1 s (ping_timeout).
        let server = try await Peer.pythonWebSocketServer(in: dir, pingInterval: 1)
        defer { server.stop() }
        let agent = try await TetherAgentProcess.start(
            configuration: """
                global:
                  interval: 1s
                  timeout: 500ms
                reconnect: {initial: 100ms, max: 1s, multiplier: 2}
                targets:
                  - name: pinged
                    url: ws://127.0.0.1:\(server.port)/
                """,
            in: dir
        )
        defer { agent.stop() }
        let target = ["target": "pinged"]
        try await agent.waitForMetrics("tether_target_up == 1", target: "pinged", timeout: .seconds(10)) {
            $0.value("tether_target_up", target) == 1
        }

        // An observation window, not a synchronisation: four of the server's pings must be answered.
        try await Task.sleep(for: .milliseconds(4500))

        let metrics = try await agent.metrics()
        let lines = metrics.lines(target: "pinged")
        #expect(metrics.value("tether_target_up", target) == 1, "\(lines)\n\(agent.diagnostics)")
        #expect(
            metrics.value("tether_connects_total", target.merging(["result": "success"]) { $1 }) == 1,
            "one connection all along: \(lines)\n\(agent.diagnostics)"
        )
        #expect(metrics.sum("tether_disconnects_total", target) == 0, "no disconnects: \(lines)\n\(agent.diagnostics)")
        #expect(try await agent.terminate() == 0, "\(agent.diagnostics)")
    }

    @Test("SIGTERM: every WebSocket target gets close 1001, the tcp target is closed, exit 0")
    func shutdownClosesEveryConnection() async throws {
        let dir = try TestDirectory("agent-sigterm")
        defer { dir.remove() }
        let closeLog = dir.file("closes.log")
        let server = try await Peer.pythonWebSocketServer(in: dir, logClose: closeLog)
        defer { server.stop() }
        let echo = try await Peer.tetherEcho(in: dir)
        defer { echo.stop() }
        let names = ["ws-a", "ws-b", "echo-tcp"]
        let agent = try await TetherAgentProcess.start(
            configuration: Self.fastGlobal + """

                targets:
                  - name: ws-a
                    url: ws://127.0.0.1:\(server.port)/a
                  - name: ws-b
                    url: ws://127.0.0.1:\(server.port)/b
                  - name: echo-tcp
                    url: tcp://127.0.0.1:\(echo.port)
                """,
            in: dir
        )
        defer { agent.stop() }
        try await agent.waitForMetrics("every target up", timeout: .seconds(10)) { metrics in
            names.allSatisfy { metrics.value("tether_target_up", ["target": $0]) == 1 }
        }

        let code = try await agent.terminate()
        #expect(code == 0, "tether must exit 0 after SIGTERM\n\(agent.diagnostics)")

        // The server writes a line once its side of the connection is closed too.
        let deadline = ContinuousClock.now + .seconds(5)
        var closes: [String] = []
        while ContinuousClock.now < deadline {
            closes = ChildProcess.read(closeLog).split(separator: "\n").map(String.init).sorted()
            if closes.count >= 2 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(
            closes == ["1001 /a", "1001 /b"],
            "the server should log close code 1001 for each target: \(closes)\n\(server.diagnostics)\n\(agent.diagnostics)"
        )

        // Each connection was closed by the agent before it stopped, not by the kernel at exit.
        let log = agent.log.split(separator: "\n")
        let closing = log.firstIndex { $0.contains("closing every connection") }
        let stopped = log.lastIndex { $0.contains("agent stopped") }
        #expect(closing != nil && stopped != nil, "\(agent.diagnostics)")
        if let closing, let stopped, closing < stopped {
            for name in names {
                #expect(
                    log[closing..<stopped].contains { $0.contains("target=\(name) ") && $0.hasSuffix(" closed") },
                    "no 'closed' line for \(name) between shutdown and exit\n\(agent.diagnostics)"
                )
            }
        }
    }

    // MARK: Peers and dialects

    @Test("a ws target behind nginx (WebSocket reverse proxy) is up and answered grows")
    func websocketThroughNginx() async throws {
        let dir = try TestDirectory("agent-nginx")
        defer { dir.remove() }
        let server = try await Peer.pythonWebSocketServer(in: dir)
        defer { server.stop() }
        let proxy = try await Peer.nginxWebSocketProxy(in: dir, upstreamPort: server.port)
        defer { proxy.stop() }
        let agent = try await TetherAgentProcess.start(
            configuration: Self.fastGlobal + """

                targets:
                  - name: proxied
                    url: ws://127.0.0.1:\(proxy.port)/chat
                """,
            in: dir
        )
        defer { agent.stop() }
        let target = ["target": "proxied"]

        let up = try await agent.waitForMetrics("tether_target_up == 1", target: "proxied", timeout: .seconds(10)) {
            $0.value("tether_target_up", target) == 1
        }
        let answered = up.value("tether_heartbeats_answered_total", target) ?? 0
        let later = try await agent.waitForMetrics(
            "answered grows past \(answered) + 2 and stays up",
            target: "proxied",
            timeout: .seconds(10)
        ) { ($0.value("tether_heartbeats_answered_total", target) ?? 0) >= answered + 2 }
        #expect(later.value("tether_target_up", target) == 1, "\(later.lines(target: "proxied"))\n\(proxy.diagnostics)")
        #expect(later.sum("tether_disconnects_total", target) == 0, "\(later.lines(target: "proxied"))")
        #expect(try await agent.terminate() == 0, "\(agent.diagnostics)")
    }

    @Test("wss:// with tls.ca_file: up, certificate expiry = the cert's notAfter (± 1 day), tls phase present")
    func secureWebSocket() async throws {
        let dir = try TestDirectory("agent-wss")
        defer { dir.remove() }
        let tls = try await TLSFixture.make(in: dir)
        let server = try await Peer.pythonWebSocketServer(in: dir, tls: tls)
        defer { server.stop() }
        let agent = try await TetherAgentProcess.start(
            configuration: Self.fastGlobal + """

                targets:
                  - name: secure
                    url: wss://127.0.0.1:\(server.port)/
                    tls: {ca_file: "\(tls.caCertificate.path)"}
                """,
            in: dir
        )
        defer { agent.stop() }
        let target = ["target": "secure"]

        let metrics = try await agent.waitForMetrics("tether_target_up == 1", target: "secure", timeout: .seconds(10)) {
            $0.value("tether_target_up", target) == 1
        }
        let notAfter = try await certificateNotAfter(tls.serverCertificate, in: dir)
        let expiry = try #require(
            metrics.value("tether_tls_certificate_expiry_timestamp_seconds", target),
            "no expiry series: \(metrics.lines(target: "secure"))"
        )
        #expect(
            abs(expiry - notAfter) <= 86400,
            "expiry \(expiry) vs the certificate's notAfter \(notAfter): \(metrics.lines(target: "secure"))"
        )
        let tlsPhase = metrics.value("tether_connect_duration_seconds", target.merging(["phase": "tls"]) { $1 })
        #expect(tlsPhase.map { $0 > 0 } == true, "no tls phase: \(metrics.lines(target: "secure"))")
        #expect(try await agent.terminate() == 0, "\(agent.diagnostics)")
    }

    @Test("tcp:// against tether echo: up")
    func tcpAgainstTetherEcho() async throws {
        let dir = try TestDirectory("agent-tcp")
        defer { dir.remove() }
        let echo = try await Peer.tetherEcho(in: dir)
        defer { echo.stop() }
        let agent = try await TetherAgentProcess.start(
            configuration: Self.fastGlobal + """

                targets:
                  - name: line
                    url: tcp://127.0.0.1:\(echo.port)
                    tcp: {send: "PING\\n", expect: PONG, framing: line}
                """,
            in: dir
        )
        defer { agent.stop() }
        let target = ["target": "line"]

        let metrics = try await agent.waitForMetrics(
            "tether_target_up == 1 and answered ≥ 2",
            target: "line",
            timeout: .seconds(10)
        ) {
            $0.value("tether_target_up", target) == 1
                && ($0.value("tether_heartbeats_answered_total", target) ?? 0) >= 2
        }
        #expect(metrics.value("tether_heartbeats_missed_total", target) == 0, "\(metrics.lines(target: "line"))")
        #expect(
            metrics.value("tether_heartbeat_rtt_seconds_count", target)
                == metrics.value(
                    "tether_heartbeats_answered_total",
                    target
                ),
            "every answer is an RTT sample: \(metrics.lines(target: "line"))"
        )
        #expect(try await agent.terminate() == 0, "\(agent.diagnostics)")
    }

    @Test("redis:// against redis-server and mqtt:// against mosquitto: both up")
    func redisAndMQTT() async throws {
        let dir = try TestDirectory("agent-dialects")
        defer { dir.remove() }
        let redis = try await Peer.redisServer(in: dir)
        defer { redis.stop() }
        let broker = try await Peer.mosquitto(in: dir)
        defer { broker.stop() }
        let clientID = "tether-e2e-\(UUID().uuidString.prefix(8))"
        let agent = try await TetherAgentProcess.start(
            configuration: Self.fastGlobal + """

                targets:
                  - name: cache
                    url: redis://127.0.0.1:\(redis.port)
                  - name: broker
                    url: mqtt://127.0.0.1:\(broker.port)
                    mqtt: {client_id: \(clientID), keep_alive: 10s}
                """,
            in: dir
        )
        defer { agent.stop() }

        let metrics = try await agent.waitForMetrics("cache and broker up, each answered ≥ 2", timeout: .seconds(10)) {
            metrics in
            ["cache", "broker"].allSatisfy { name in
                metrics.value("tether_target_up", ["target": name]) == 1
                    && (metrics.value("tether_heartbeats_answered_total", ["target": name]) ?? 0) >= 2
            }
        }
        #expect(
            metrics.value("tether_connect_duration_seconds", ["target": "broker", "phase": "upgrade"]) != nil,
            "MQTT CONNECT is the upgrade phase: \(metrics.lines(target: "broker"))"
        )
        #expect(
            await broker.waitForLog("as \(clientID)"),
            "mosquitto should log tether's client id: \(broker.diagnostics)"
        )
        #expect(try await agent.terminate() == 0, "\(agent.diagnostics)\n\(redis.diagnostics)\n\(broker.diagnostics)")
    }

    // MARK: Exposition

    @Test("promtool check metrics reports nothing; the OpenMetrics exposition is well formed")
    func expositionPassesPromtool() async throws {
        let dir = try TestDirectory("agent-promtool")
        defer { dir.remove() }
        let promtool = try Programs.promtool()
        let server = try await Peer.pythonWebSocketServer(in: dir)
        defer { server.stop() }
        let echo = try await Peer.tetherEcho(in: dir)
        defer { echo.stop() }
        let closedPort = try Ports.freeLoopbackPort()
        let agent = try await TetherAgentProcess.start(
            configuration: Self.fastGlobal + """

                targets:
                  - name: chat
                    url: ws://127.0.0.1:\(server.port)/
                    labels: {team: chat, tier: "1"}
                  - name: orders
                    url: tcp://127.0.0.1:\(echo.port)
                  - name: nowhere
                    url: tcp://127.0.0.1:\(closedPort)
                    labels: {team: "quote\\" and \\\\ backslash"}
                """,
            in: dir
        )
        defer { agent.stop() }
        try await agent.waitForMetrics("chat and orders up, nowhere refused", timeout: .seconds(10)) { metrics in
            metrics.value("tether_target_up", ["target": "chat"]) == 1
                && metrics.value("tether_target_up", ["target": "orders"]) == 1
                && (metrics.value("tether_connects_total", ["target": "nowhere", "result": "refused"]) ?? 0) >= 1
        }

        let text = try await agent.get("/metrics")
        #expect(text.status == 200)
        #expect(text.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8", "\(text.headers)")
        let exposition = try MetricsExposition(parsing: text.body)
        #expect(
            exposition.value("tether_target_up", ["target": "nowhere", "team": "quote\" and \\ backslash"]) == 0,
            "label values are escaped: \(exposition.lines(target: "nowhere"))"
        )
        let body = dir.file("metrics.txt")
        try text.body.write(to: body, atomically: true, encoding: .utf8)
        let lint = try await runToExit(
            name: "promtool",
            executable: URL(fileURLWithPath: "/bin/sh"),
            arguments: ["-c", "exec \"$0\" check metrics < \"$1\"", promtool.path, body.path],
            in: dir
        )
        #expect(
            lint.exitCode == 0 && lint.stdout.isEmpty && lint.stderr.isEmpty,
            "promtool check metrics: exit \(lint.exitCode)\n\(lint.stdout)\(lint.stderr)\n--- body ---\n\(text.body)"
        )

        // promtool 2.42 lints the 0.0.4 text format only (it reads an OpenMetrics counter family
        // as samples without HELP), so the OpenMetrics exposition is checked structurally here.
        let open = try await agent.get("/metrics", accept: "application/openmetrics-text; version=1.0.0")
        #expect(open.status == 200)
        #expect(
            open.headers["content-type"] == "application/openmetrics-text; version=1.0.0; charset=utf-8",
            "\(open.headers)"
        )
        let problems = OpenMetricsCheck.problems(in: open.body)
        #expect(
            problems.isEmpty,
            "OpenMetrics problems:\n\(problems.joined(separator: "\n"))\n--- body ---\n\(open.body)"
        )
        for typeLine in [
            "# TYPE tether_target_up gauge", "# TYPE tether_connects counter",
            "# TYPE tether_heartbeat_rtt_seconds histogram", "# TYPE tether_disconnects counter",
            "# TYPE process_cpu_seconds counter",
        ] {
            #expect(open.body.contains("\n\(typeLine)\n"), "missing '\(typeLine)'\n\(open.body)")
        }
        let openSamples = try MetricsExposition(parsing: open.body)
        #expect(
            openSamples.value("tether_connects_total", ["target": "orders", "result": "success"]) == 1,
            "counters keep _total on their samples: \(openSamples.lines(target: "orders"))"
        )
        #expect(try await agent.terminate() == 0, "\(agent.diagnostics)")
    }

    // MARK: Configuration errors

    @Test("a broken configuration: check config exits 1 with file:line:col, run exits 2")
    func brokenConfiguration() async throws {
        let dir = try TestDirectory("agent-broken-config")
        defer { dir.remove() }
        let file = dir.file("broken.yml")
        try """
        global:
          interval: 1.5s
        targets:
          - name: x
            url: tcp://127.0.0.1:9
            intervall: 5s
        """.write(to: file, atomically: true, encoding: .utf8)
        let expected = [
            "\(file.path):2:13: global.interval: ",
            "\(file.path):6:5: unknown key 'intervall' in targets[0]",
        ]

        let check = try await runToExit(
            name: "tether-check",
            executable: try TetherCLI.binary(),
            arguments: ["check", "config", file.path],
            in: dir
        )
        #expect(check.exitCode == 1, "\(check)")
        for message in expected {
            #expect(check.stderr.split(separator: "\n").contains { $0.hasPrefix(message) }, "\(message)…\n\(check)")
        }

        let run = try await runToExit(
            name: "tether-run-broken",
            executable: try TetherCLI.binary(),
            arguments: ["run", "--config", file.path],
            in: dir
        )
        #expect(run.exitCode == 2, "\(run)")
        for message in expected {
            #expect(run.stderr.split(separator: "\n").contains { $0.hasPrefix(message) }, "\(message)…\n\(run)")
        }
        #expect(!run.stderr.contains("listening"), "an invalid configuration must not start anything\n\(run)")
    }
}

/// One finished program run.
struct FinishedRun: CustomStringConvertible {
    let command: String
    let exitCode: Int32
    let stdout: String
    let stderr: String

    var description: String { "\(command) → exit \(exitCode)\n--- stdout ---\n\(stdout)\n--- stderr ---\n\(stderr)" }
}

/// Runs a program to completion (stdin /dev/null), killing it after `timeout` (then this throws).
func runToExit(
    name: String,
    executable: URL,
    arguments: [String],
    in directory: TestDirectory,
    timeout: Duration = .seconds(30)
) async throws -> FinishedRun {
    let child = try ChildProcess(
        name: "\(name)-\(UUID().uuidString.prefix(6))",
        executable: executable,
        arguments: arguments,
        directory: directory.url
    )
    let command = ([executable.path] + arguments).joined(separator: " ")
    guard await child.waitForExit(timeout: timeout) else {
        child.stop()
        throw E2EError("\(command) did not exit within \(timeout)\n\(child.stdout)\n\(child.stderr)")
    }
    guard !child.terminatedBySignal, let code = child.exitCode else {
        throw E2EError("\(command) was killed by signal \(child.exitCode ?? -1)\n\(child.stderr)")
    }
    return FinishedRun(command: command, exitCode: code, stdout: child.stdout, stderr: child.stderr)
}

/// The certificate's notAfter as Unix time, read with `openssl x509 -enddate`.
func certificateNotAfter(_ certificate: URL, in directory: TestDirectory) async throws -> Double {
    let run = try await runToExit(
        name: "openssl-enddate",
        executable: try Programs.openssl(),
        arguments: ["x509", "-noout", "-enddate", "-dateopt", "iso_8601", "-in", certificate.path],
        in: directory
    )
    // notAfter=2026-11-24 03:06:42Z
    guard run.exitCode == 0,
        let match = run.stdout.firstMatch(of: /notAfter=(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})Z/)
    else { throw E2EError("cannot read the certificate's notAfter: \(run)") }
    var components = DateComponents()
    components.calendar = Calendar(identifier: .gregorian)
    components.timeZone = TimeZone(identifier: "UTC")
    (components.year, components.month, components.day) = (Int(match.1), Int(match.2), Int(match.3))
    (components.hour, components.minute, components.second) = (Int(match.4), Int(match.5), Int(match.6))
    guard let date = components.date else { throw E2EError("not a date: \(run.stdout)") }
    return date.timeIntervalSince1970
}
