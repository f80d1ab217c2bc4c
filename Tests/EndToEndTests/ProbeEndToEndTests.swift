import Foundation
import Testing

/// `tether probe` against real peers over loopback (DESIGN.md §10, docs-internal/cli-contract.md).
///
/// Every test starts its own peers on free ports in its own temporary directory and stops them in
/// `defer`, so the tests share nothing and run in parallel.
@Suite("tether probe against real peers", .timeLimit(.minutes(1)))
struct ProbeEndToEndTests {
    // MARK: WebSocket

    @Test("ws:// against python3-websockets: 5 answered, closed 1000")
    func websocketAgainstPython() async throws {
        let dir = try TestDirectory("ws-python")
        defer { dir.remove() }
        let server = try await Peer.pythonWebSocketServer(in: dir)
        defer { server.stop() }

        let run = try await TetherCLI.probe(
            ["ws://127.0.0.1:\(server.port)", "--count", "5", "--interval", "200ms"],
            in: dir
        )

        expectHealthyText(run, count: 5, url: "ws://127.0.0.1:\(server.port)", peers: [server])
        // The contract's text format, line for line (the other tests only read the numbers).
        #expect(run.statisticsLine?.hasPrefix("5 sent, 5 answered, 0 missed, 0.0% loss, time ") == true, "\(run)")
        #expect(
            run.stdoutLines.contains {
                $0.hasPrefix("--- ws://127.0.0.1:\(server.port)") && $0.hasSuffix(" probe statistics ---")
            },
            "\(run)"
        )
        #expect(run.stdoutLines.contains { $0.hasPrefix("rtt min/avg/p50/p90/p99/max/mdev = ") }, "\(run)")
        #expect(run.stdoutLines.last == "closed: 1000 (normal closure)", "\(run)")
    }

    @Test("ws:// through nginx (WebSocket reverse proxy) to python3-websockets")
    func websocketThroughNginx() async throws {
        let dir = try TestDirectory("ws-nginx")
        defer { dir.remove() }
        let server = try await Peer.pythonWebSocketServer(in: dir)
        defer { server.stop() }
        let proxy = try await Peer.nginxWebSocketProxy(in: dir, upstreamPort: server.port)
        defer { proxy.stop() }

        let run = try await TetherCLI.probe(
            ["ws://127.0.0.1:\(proxy.port)/chat", "--count", "5", "--interval", "200ms"],
            in: dir
        )

        expectHealthyText(run, count: 5, url: "ws://127.0.0.1:\(proxy.port)", peers: [server, proxy])
    }

    @Test("--json: one document, summary answered == count, connect phases tcp and upgrade")
    func websocketJSON() async throws {
        let dir = try TestDirectory("ws-json")
        defer { dir.remove() }
        let server = try await Peer.pythonWebSocketServer(in: dir)
        defer { server.stop() }

        let run = try await TetherCLI.probe(
            ["ws://127.0.0.1:\(server.port)", "--count", "3", "--interval", "200ms", "--json"],
            in: dir
        )

        #expect(run.exitCode == 0, "\(run)\n\(server.diagnostics)")
        let json = try run.json()
        #expect((json["url"] as? String)?.hasPrefix("ws://127.0.0.1:\(server.port)") == true, "\(run)")
        #expect(json["dialect"] as? String == "websocket", "\(run)")
        #expect(json["status"] as? String == "ok", "\(run)")
        #expect(json["healthy"] as? Bool == true, "\(run)")
        #expect(json["error"] is NSNull, "\(run)")

        let summary = try #require(json["summary"] as? [String: Any], "\(run)")
        #expect(summary["sent"] as? Int == 3, "\(run)")
        #expect(summary["answered"] as? Int == 3, "\(run)")
        #expect(summary["missed"] as? Int == 0, "\(run)")
        let rtt = try #require(summary["rtt_seconds"] as? [String: Any], "\(run)")
        for key in ["min", "avg", "p50", "p90", "p99", "max", "mdev"] {
            #expect(rtt[key] is NSNumber, "rtt_seconds.\(key) missing: \(run)")
        }

        let heartbeats = try #require(json["heartbeats"] as? [[String: Any]], "\(run)")
        #expect(heartbeats.map { $0["seq"] as? Int } == [1, 2, 3], "\(run)")
        #expect(heartbeats.allSatisfy { $0["result"] as? String == "answered" }, "\(run)")
        #expect(heartbeats.allSatisfy { ($0["rtt_seconds"] as? Double).map { $0 > 0 } == true }, "\(run)")

        let connect = try #require(json["connect"] as? [String: Any], "\(run)")
        #expect(connect["address"] as? String == "127.0.0.1:\(server.port)", "\(run)")
        let phases = try #require(connect["phases"] as? [String: Any], "\(run)")
        #expect(phases["tcp"] is NSNumber, "\(run)")
        #expect(phases["upgrade"] is NSNumber, "\(run)")
        #expect(phases["tls"] is NSNull, "ws:// has no TLS phase: \(run)")

        let close = try #require(json["close"] as? [String: Any], "\(run)")
        #expect(close["code"] as? Int == 1000, "\(run)")
    }

    @Test("server-initiated pings are answered (python server pings every 200ms, 200ms pong timeout)")
    func websocketAnswersServerPings() async throws {
        let dir = try TestDirectory("ws-server-pings")
        defer { dir.remove() }
        let server = try await Peer.pythonWebSocketServer(in: dir, pingInterval: 0.2)
        defer { server.stop() }

        let run = try await TetherCLI.probe(
            ["ws://127.0.0.1:\(server.port)", "--count", "5", "--interval", "300ms"],
            in: dir
        )

        expectHealthyText(run, count: 5, url: "ws://127.0.0.1:\(server.port)", peers: [server])
    }

    @Test("server closes with 1001 right after the upgrade: not healthy, close code reported")
    func websocketServerCloses() async throws {
        let dir = try TestDirectory("ws-server-closes")
        defer { dir.remove() }
        let server = try await Peer.pythonWebSocketServer(in: dir, closeAfterConnect: 1001)
        defer { server.stop() }

        let run = try await TetherCLI.probe(
            ["ws://127.0.0.1:\(server.port)", "--count", "3", "--interval", "200ms", "--timeout", "1s"],
            in: dir
        )

        #expect(run.exitCode == 1, "\(run)\n\(server.diagnostics)")
        #expect(run.statistics?.answered == 0, "\(run)")
        #expect(run.stdout.contains("1001"), "the close code should be reported: \(run)")
        #expect(run.elapsed < .milliseconds(3 * 200 + 1000 + 2000), "\(run)")
    }

    // MARK: TLS

    @Test("wss:// with the test CA (--ca-file): healthy, tls phase present")
    func secureWebSocketWithCA() async throws {
        let dir = try TestDirectory("wss-ca")
        defer { dir.remove() }
        let tls = try await TLSFixture.make(in: dir)
        let server = try await Peer.pythonWebSocketServer(in: dir, tls: tls)
        defer { server.stop() }

        let text = try await TetherCLI.probe(
            [
                "wss://127.0.0.1:\(server.port)", "--count", "3", "--interval", "200ms",
                "--ca-file", tls.caCertificate.path,
            ],
            in: dir
        )
        expectHealthyText(text, count: 3, url: "wss://127.0.0.1:\(server.port)", peers: [server])

        let run = try await TetherCLI.probe(
            [
                "wss://127.0.0.1:\(server.port)", "--count", "2", "--interval", "200ms",
                "--ca-file", tls.caCertificate.path, "--json",
            ],
            in: dir
        )
        #expect(run.exitCode == 0, "\(run)\n\(server.diagnostics)")
        let json = try run.json()
        let summary = try #require(json["summary"] as? [String: Any], "\(run)")
        #expect(summary["answered"] as? Int == 2, "\(run)")
        let connect = try #require(json["connect"] as? [String: Any], "\(run)")
        let phases = try #require(connect["phases"] as? [String: Any], "\(run)")
        #expect(phases["tcp"] is NSNumber, "\(run)")
        #expect(phases["tls"] is NSNumber, "wss:// must report a tls phase: \(run)")
        #expect(phases["upgrade"] is NSNumber, "\(run)")
    }

    @Test("wss:// with an unrelated CA: exit 1, certificate verification named")
    func secureWebSocketWithWrongCA() async throws {
        let dir = try TestDirectory("wss-wrong-ca")
        defer { dir.remove() }
        let tls = try await TLSFixture.make(in: dir)
        let server = try await Peer.pythonWebSocketServer(in: dir, tls: tls)
        defer { server.stop() }

        let run = try await TetherCLI.probe(
            [
                "wss://127.0.0.1:\(server.port)", "--count", "2", "--interval", "200ms",
                "--ca-file", tls.otherCACertificate.path,
            ],
            in: dir
        )

        expectConnectFailure(run, count: 2, mentioning: "certificate", peers: [server])
    }

    @Test("wss:// --insecure accepts a certificate from an unknown CA")
    func secureWebSocketInsecure() async throws {
        let dir = try TestDirectory("wss-insecure")
        defer { dir.remove() }
        let tls = try await TLSFixture.make(in: dir)
        let server = try await Peer.pythonWebSocketServer(in: dir, tls: tls)
        defer { server.stop() }

        let run = try await TetherCLI.probe(
            ["wss://127.0.0.1:\(server.port)", "--count", "2", "--interval", "200ms", "--insecure"],
            in: dir
        )

        expectHealthyText(run, count: 2, url: "wss://127.0.0.1:\(server.port)", peers: [server])
    }

    @Test("tls:// against a TLS line server (python ssl) with --ca-file: healthy")
    func tlsLineWithCA() async throws {
        let dir = try TestDirectory("tls-line")
        defer { dir.remove() }
        let tls = try await TLSFixture.make(in: dir)
        let server = try await Peer.pythonTLSLineServer(in: dir, tls: tls)
        defer { server.stop() }

        let run = try await TetherCLI.probe(
            [
                "tls://127.0.0.1:\(server.port)", "--count", "5", "--interval", "200ms",
                "--ca-file", tls.caCertificate.path,
            ],
            in: dir
        )

        expectHealthyText(run, count: 5, url: "tls://127.0.0.1:\(server.port)", closed: false, peers: [server])
    }

    @Test("tls:// with an unrelated CA: exit 1, certificate verification named")
    func tlsLineWithWrongCA() async throws {
        let dir = try TestDirectory("tls-line-wrong-ca")
        defer { dir.remove() }
        let tls = try await TLSFixture.make(in: dir)
        let server = try await Peer.pythonTLSLineServer(in: dir, tls: tls)
        defer { server.stop() }

        let run = try await TetherCLI.probe(
            [
                "tls://127.0.0.1:\(server.port)", "--count", "2", "--interval", "200ms",
                "--ca-file", tls.otherCACertificate.path,
            ],
            in: dir
        )

        expectConnectFailure(run, count: 2, mentioning: "certificate", peers: [server])
    }

    // MARK: TCP

    @Test("tcp:// against tether echo: 5 answered")
    func tcpAgainstTetherEcho() async throws {
        let dir = try TestDirectory("tcp-echo")
        defer { dir.remove() }
        let echo = try await Peer.tetherEcho(in: dir)
        defer { echo.stop() }

        let run = try await TetherCLI.probe(
            ["tcp://127.0.0.1:\(echo.port)", "--count", "5", "--interval", "200ms"],
            in: dir
        )

        expectHealthyText(run, count: 5, url: "tcp://127.0.0.1:\(echo.port)", closed: false, peers: [echo])
    }

    // MARK: Stalled peers (SIGSTOP: the port still accepts, nothing answers)

    @Test("ws:// against a SIGSTOPped python server: every heartbeat missed, bounded time")
    func websocketStalledPeer() async throws {
        let dir = try TestDirectory("ws-stalled")
        defer { dir.remove() }
        let server = try await Peer.pythonWebSocketServer(in: dir)
        defer { server.stop() }

        server.suspend()
        let run = try await TetherCLI.probe(
            ["ws://127.0.0.1:\(server.port)", "--count", "3", "--interval", "500ms", "--timeout", "1s"],
            in: dir
        )
        server.resume()

        expectAllMissed(run, count: 3, within: .milliseconds(3 * 500 + 1000 + 2000), peers: [server])
    }

    @Test("tcp:// against a SIGSTOPped tether echo: every heartbeat missed, bounded time")
    func tcpStalledPeer() async throws {
        let dir = try TestDirectory("tcp-stalled")
        defer { dir.remove() }
        let echo = try await Peer.tetherEcho(in: dir)
        defer { echo.stop() }

        echo.suspend()
        let run = try await TetherCLI.probe(
            ["tcp://127.0.0.1:\(echo.port)", "--count", "3", "--interval", "500ms", "--timeout", "1s"],
            in: dir
        )
        echo.resume()

        expectAllMissed(run, count: 3, within: .milliseconds(3 * 500 + 1000 + 2000), peers: [echo])
    }

    // MARK: Connect failures

    @Test("closed port: exit 1 within seconds, connection refused", arguments: ["ws", "tcp", "redis", "mqtt"])
    func closedPort(scheme: String) async throws {
        let dir = try TestDirectory("closed-port-\(scheme)")
        defer { dir.remove() }
        let port = try Ports.freeLoopbackPort()

        let run = try await TetherCLI.probe(
            ["\(scheme)://127.0.0.1:\(port)", "--count", "2", "--interval", "200ms"],
            in: dir
        )

        expectConnectFailure(run, count: 2, mentioning: "connection refused", peers: [])
        #expect(run.elapsed < .seconds(5), "\(run)")
    }

    @Test("closed port with --json: connect null, error names the cause, every heartbeat missed")
    func closedPortJSON() async throws {
        let dir = try TestDirectory("closed-port-json")
        defer { dir.remove() }
        let port = try Ports.freeLoopbackPort()

        let run = try await TetherCLI.probe(
            ["ws://127.0.0.1:\(port)", "--count", "2", "--interval", "200ms", "--json"],
            in: dir
        )

        #expect(run.exitCode == 1, "\(run)")
        let json = try run.json()
        #expect(json["connect"] is NSNull, "\(run)")
        #expect(json["healthy"] as? Bool == false, "\(run)")
        #expect(json["status"] as? String == "critical", "\(run)")
        #expect((json["error"] as? String)?.lowercased().contains("connection refused") == true, "\(run)")
        let summary = try #require(json["summary"] as? [String: Any], "\(run)")
        #expect(summary["answered"] as? Int == 0, "\(run)")
        #expect(summary["missed"] as? Int == 2, "\(run)")
        #expect(summary["rtt_seconds"] is NSNull, "\(run)")
    }

    @Test("upgrade answered with HTTP 403: exit 1, 403 named")
    func upgradeRefused() async throws {
        let dir = try TestDirectory("ws-403")
        defer { dir.remove() }
        let server = try await Peer.pythonWebSocketServer(in: dir, rejectStatus: 403)
        defer { server.stop() }

        let run = try await TetherCLI.probe(
            ["ws://127.0.0.1:\(server.port)", "--count", "2", "--interval", "200ms"],
            in: dir
        )

        expectConnectFailure(run, count: 2, mentioning: "403", peers: [server])
    }

    // MARK: Usage

    @Test(
        "bad usage exits 2",
        arguments: [
            ["ws://127.0.0.1:9", "--no-such-option"],
            ["ws://127.0.0.1:9", "--interval", "5x"],
            ["ws://127.0.0.1:9", "--timeout", "soon"],
            ["ws://127.0.0.1:9", "--count", "abc"],
            ["not-a-url"],
            ["ftp://127.0.0.1:9"],
            [],
        ]
    )
    func badUsage(arguments: [String]) async throws {
        let dir = try TestDirectory("bad-usage")
        defer { dir.remove() }

        let run = try await TetherCLI.probe(arguments, in: dir)

        #expect(run.exitCode == 2, "\(run)")
        #expect(!run.killedBySignal, "\(run)")
        #expect(!run.stderr.isEmpty, "a usage error says what is wrong on stderr: \(run)")
    }
}

// MARK: - Expectations shared by the tests

/// A healthy text run: exit 0, `PROBE <url>` first, one `seq=N rtt=` line per heartbeat, the
/// statistics line with nothing missed, and (WebSocket) `closed: 1000`.
func expectHealthyText(
    _ run: ProbeRun,
    count: Int,
    url: String,
    closed: Bool = true,
    peers: [Peer],
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let context = "\(run)\n\(peers.map(\.diagnostics).joined())"
    #expect(run.exitCode == 0, "\(context)", sourceLocation: sourceLocation)
    #expect(
        run.stdoutLines.first?.hasPrefix("PROBE \(url)") == true,
        "\(context)",
        sourceLocation: sourceLocation
    )
    for seq in 1...count {
        let lines = run.stdoutLines.filter { $0.hasPrefix("seq=\(seq) rtt=") }
        #expect(lines.count == 1, "one `seq=\(seq) rtt=` line expected: \(context)", sourceLocation: sourceLocation)
    }
    #expect(
        run.statistics == ProbeRun.Statistics(sent: count, answered: count, missed: 0, lossPercent: "0.0"),
        "\(context)",
        sourceLocation: sourceLocation
    )
    if closed {
        #expect(
            run.stdoutLines.contains { $0.hasPrefix("closed: 1000") },
            "\(context)",
            sourceLocation: sourceLocation
        )
    }
}

/// A connect failure: exit 1, one stderr line `tether probe: …` naming `cause` (case-insensitive),
/// statistics still printed with every planned heartbeat missed.
func expectConnectFailure(
    _ run: ProbeRun,
    count: Int,
    mentioning cause: String,
    peers: [Peer],
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let context = "\(run)\n\(peers.map(\.diagnostics).joined())"
    #expect(run.exitCode == 1, "\(context)", sourceLocation: sourceLocation)
    #expect(run.stderr.hasPrefix("tether probe: "), "\(context)", sourceLocation: sourceLocation)
    #expect(
        run.stderr.lowercased().contains(cause.lowercased()),
        "stderr should name \"\(cause)\": \(context)",
        sourceLocation: sourceLocation
    )
    #expect(run.statistics?.answered == 0, "\(context)", sourceLocation: sourceLocation)
    #expect(run.statistics?.missed == count, "\(context)", sourceLocation: sourceLocation)
}

/// A stalled peer: exit 1, `0 answered`, `count missed`, and the run ended within `limit`.
func expectAllMissed(
    _ run: ProbeRun,
    count: Int,
    within limit: Duration,
    peers: [Peer],
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let context = "\(run)\n\(peers.map(\.diagnostics).joined())"
    #expect(run.exitCode == 1, "\(context)", sourceLocation: sourceLocation)
    #expect(run.statistics?.answered == 0, "\(context)", sourceLocation: sourceLocation)
    #expect(run.statistics?.missed == count, "\(context)", sourceLocation: sourceLocation)
    #expect(run.statistics?.lossPercent == "100.0", "\(context)", sourceLocation: sourceLocation)
    #expect(run.elapsed < limit, "took \(run.elapsed), limit \(limit): \(context)", sourceLocation: sourceLocation)
}
