import Foundation
import Testing

/// `tether probe` for redis://, mqtt:// and WebSocket message mode against real peers over
/// loopback: Debian's redis-server and mosquitto, and the python3-websockets echo server.
///
/// Like ProbeEndToEndTests, every test starts its own peers on free ports in its own directory and
/// stops them in `defer`. A missing peer program fails the test with the package to install.
@Suite("tether probe redis, mqtt and ws message mode against real peers", .timeLimit(.minutes(1)))
struct DialectEndToEndTests {
    // MARK: Redis

    @Test("redis:// against redis-server: 5 answered, no upgrade phase without a password")
    func redisWithoutPassword() async throws {
        let dir = try TestDirectory("redis")
        defer { dir.remove() }
        let redis = try await Peer.redisServer(in: dir)
        defer { redis.stop() }
        let url = "redis://127.0.0.1:\(redis.port)"

        let text = try await TetherCLI.probe([url, "--count", "5", "--interval", "200ms"], in: dir)
        expectHealthyText(text, count: 5, url: url, closed: false, peers: [redis])
        #expect(text.stdoutLines.last == "closed", "\(text)")

        let run = try await TetherCLI.probe([url, "--count", "2", "--interval", "200ms", "--json"], in: dir)
        #expect(run.exitCode == 0, "\(run)\n\(redis.diagnostics)")
        let json = try run.json()
        #expect(json["dialect"] as? String == "redis", "\(run)")
        let phases = try #require((json["connect"] as? [String: Any])?["phases"] as? [String: Any], "\(run)")
        #expect(phases["tcp"] is NSNumber, "\(run)")
        #expect(phases["upgrade"] is NSNull, "no AUTH, no upgrade phase: \(run)")
    }

    @Test("redis:// with --requirepass and --password-file: AUTH is the upgrade phase, then healthy")
    func redisWithPassword() async throws {
        let dir = try TestDirectory("redis-auth")
        defer { dir.remove() }
        let password = "s3cret-\(UUID().uuidString.prefix(8))"
        let redis = try await Peer.redisServer(in: dir, password: password)
        defer { redis.stop() }
        let passwordFile = dir.file("redis.password")
        try (password + "\n").write(to: passwordFile, atomically: true, encoding: .utf8)
        let url = "redis://127.0.0.1:\(redis.port)"

        let text = try await TetherCLI.probe(
            [url, "--count", "3", "--interval", "200ms", "--password-file", passwordFile.path],
            in: dir
        )
        expectHealthyText(text, count: 3, url: url, closed: false, peers: [redis])

        // AUTH with a user name: `requirepass` sets the password of the ACL user `default`.
        let run = try await TetherCLI.probe(
            [
                url, "--count", "2", "--interval", "200ms", "--username", "default", "--password-file",
                passwordFile.path, "--json",
            ],
            in: dir
        )
        #expect(run.exitCode == 0, "\(run)\n\(redis.diagnostics)")
        let json = try run.json()
        #expect((json["summary"] as? [String: Any])?["answered"] as? Int == 2, "\(run)")
        let phases = try #require((json["connect"] as? [String: Any])?["phases"] as? [String: Any], "\(run)")
        #expect(phases["upgrade"] is NSNumber, "AUTH must be timed as the upgrade phase: \(run)")
        #expect(!run.stdout.contains(password) && !run.stderr.contains(password), "\(run)")
    }

    @Test("redis:// with a wrong password: exit 1, Redis' WRONGPASS quoted, the password never shown")
    func redisWrongPassword() async throws {
        let dir = try TestDirectory("redis-wrongpass")
        defer { dir.remove() }
        let redis = try await Peer.redisServer(in: dir, password: "the-right-one")
        defer { redis.stop() }
        let wrong = "wrong-\(UUID().uuidString.prefix(8))"
        let passwordFile = dir.file("redis.password")
        try wrong.write(to: passwordFile, atomically: true, encoding: .utf8)

        let run = try await TetherCLI.probe(
            [
                "redis://127.0.0.1:\(redis.port)", "--count", "2", "--interval", "200ms", "--password-file",
                passwordFile.path,
            ],
            in: dir
        )

        expectConnectFailure(run, count: 2, mentioning: "Redis refused AUTH", peers: [redis])
        #expect(run.stderr.contains("WRONGPASS"), "Redis' own error should be quoted: \(run)")
        #expect(!run.stdout.contains(wrong) && !run.stderr.contains(wrong), "the password leaked: \(run)")
    }

    @Test("redis:// without AUTH against --requirepass: every PING gets -NOAUTH, every heartbeat missed")
    func redisErrorRepliesAreMisses() async throws {
        let dir = try TestDirectory("redis-noauth")
        defer { dir.remove() }
        let redis = try await Peer.redisServer(in: dir, password: "needed")
        defer { redis.stop() }

        let run = try await TetherCLI.probe(
            ["redis://127.0.0.1:\(redis.port)", "--count", "2", "--interval", "200ms", "--timeout", "500ms"],
            in: dir
        )

        expectAllMissed(run, count: 2, within: .seconds(5), peers: [redis])
    }

    @Test("rediss:// with the test CA and a password: tls and upgrade phases, healthy")
    func secureRedis() async throws {
        let dir = try TestDirectory("rediss")
        defer { dir.remove() }
        let tls = try await TLSFixture.make(in: dir)
        let redis = try await Peer.redisServer(in: dir, password: "over-tls", tls: tls)
        defer { redis.stop() }
        let passwordFile = dir.file("redis.password")
        try "over-tls\n".write(to: passwordFile, atomically: true, encoding: .utf8)

        let run = try await TetherCLI.probe(
            [
                "rediss://127.0.0.1:\(redis.port)", "--count", "3", "--interval", "200ms", "--ca-file",
                tls.caCertificate.path, "--password-file", passwordFile.path, "--json",
            ],
            in: dir
        )

        #expect(run.exitCode == 0, "\(run)\n\(redis.diagnostics)")
        let json = try run.json()
        #expect((json["summary"] as? [String: Any])?["answered"] as? Int == 3, "\(run)")
        let phases = try #require((json["connect"] as? [String: Any])?["phases"] as? [String: Any], "\(run)")
        #expect(phases["tls"] is NSNumber, "\(run)")
        #expect(phases["upgrade"] is NSNumber, "\(run)")
    }

    // MARK: MQTT

    @Test("mqtt:// against mosquitto: CONNECT/CONNACK as the upgrade phase, 5 answered, DISCONNECT on close")
    func mqttAnonymous() async throws {
        let dir = try TestDirectory("mqtt")
        defer { dir.remove() }
        let broker = try await Peer.mosquitto(in: dir)
        defer { broker.stop() }
        let url = "mqtt://127.0.0.1:\(broker.port)"
        let clientID = "tether-e2e-\(UUID().uuidString.prefix(8))"

        let text = try await TetherCLI.probe(
            [url, "--count", "5", "--interval", "200ms", "--client-id", clientID, "--keep-alive", "10"],
            in: dir
        )
        expectHealthyText(text, count: 5, url: url, closed: false, peers: [broker])
        #expect(text.stdoutLines.last == "closed", "\(text)")
        #expect(
            text.stdoutLines.contains {
                $0.hasPrefix("connected to 127.0.0.1:\(broker.port)") && $0.contains("upgrade ")
            },
            "\(text)"
        )
        #expect(
            await broker.waitForLog("as \(clientID) (p2, c1, k10)"),
            "mosquitto should log MQTT 3.1.1 (p2), clean session (c1), keep alive 10: \(broker.diagnostics)"
        )
        // mosquitto logs "disconnected." for a DISCONNECT packet, "closed its connection." without one.
        #expect(
            await broker.waitForLog("Client \(clientID) disconnected"),
            "tether should send DISCONNECT before closing: \(broker.diagnostics)"
        )
    }

    @Test("mqtt:// with a password file: the right password is accepted, a wrong one refused with the return code")
    func mqttWithPassword() async throws {
        let dir = try TestDirectory("mqtt-auth")
        defer { dir.remove() }
        let password = "mqtt-\(UUID().uuidString.prefix(8))"
        let broker = try await Peer.mosquitto(in: dir, user: ("tether", password))
        defer { broker.stop() }
        let url = "mqtt://127.0.0.1:\(broker.port)"
        let right = dir.file("right.password")
        try (password + "\n").write(to: right, atomically: true, encoding: .utf8)
        let wrongPassword = "wrong-\(UUID().uuidString.prefix(8))"
        let wrong = dir.file("wrong.password")
        try wrongPassword.write(to: wrong, atomically: true, encoding: .utf8)

        let ok = try await TetherCLI.probe(
            [url, "--count", "3", "--interval", "200ms", "--username", "tether", "--password-file", right.path],
            in: dir
        )
        expectHealthyText(ok, count: 3, url: url, closed: false, peers: [broker])

        let refused = try await TetherCLI.probe(
            [url, "--count", "2", "--interval", "200ms", "--username", "tether", "--password-file", wrong.path],
            in: dir
        )
        expectConnectFailure(refused, count: 2, mentioning: "MQTT broker refused CONNECT: return code", peers: [broker])
        // mosquitto answers a wrong password with 5 for MQTT 3.1.1 (4 in older releases).
        #expect(
            refused.stderr.contains("(not authorized)") || refused.stderr.contains("(bad user name or password)"),
            "the return code's meaning should be named: \(refused)"
        )
        #expect(
            !refused.stdout.contains(wrongPassword) && !refused.stderr.contains(wrongPassword),
            "the password leaked: \(refused)"
        )

        let anonymous = try await TetherCLI.probe([url, "--count", "1", "--interval", "200ms"], in: dir)
        expectConnectFailure(anonymous, count: 1, mentioning: "refused CONNECT", peers: [broker])
    }

    @Test("mqtts:// with the test CA: tls and upgrade phases, healthy; an unrelated CA fails on the certificate")
    func secureMQTT() async throws {
        let dir = try TestDirectory("mqtts")
        defer { dir.remove() }
        let tls = try await TLSFixture.make(in: dir)
        let broker = try await Peer.mosquitto(in: dir, tls: tls)
        defer { broker.stop() }
        let url = "mqtts://127.0.0.1:\(broker.port)"

        let run = try await TetherCLI.probe(
            [url, "--count", "3", "--interval", "200ms", "--ca-file", tls.caCertificate.path, "--json"],
            in: dir
        )
        #expect(run.exitCode == 0, "\(run)\n\(broker.diagnostics)")
        let json = try run.json()
        #expect((json["summary"] as? [String: Any])?["answered"] as? Int == 3, "\(run)")
        let phases = try #require((json["connect"] as? [String: Any])?["phases"] as? [String: Any], "\(run)")
        #expect(phases["tls"] is NSNumber, "\(run)")
        #expect(phases["upgrade"] is NSNumber, "\(run)")

        let wrongCA = try await TetherCLI.probe(
            [url, "--count", "1", "--interval", "200ms", "--ca-file", tls.otherCACertificate.path],
            in: dir
        )
        expectConnectFailure(wrongCA, count: 1, mentioning: "certificate", peers: [broker])
    }

    // MARK: WebSocket message mode

    @Test("ws:// --ws-message against the python echo server: 5 answered, closed 1000")
    func websocketMessageMode() async throws {
        let dir = try TestDirectory("ws-message")
        defer { dir.remove() }
        let server = try await Peer.pythonWebSocketServer(in: dir)
        defer { server.stop() }
        let url = "ws://127.0.0.1:\(server.port)"

        let run = try await TetherCLI.probe(
            [
                url, "--count", "5", "--interval", "200ms", "--ws-message", #"{"type":"ping","seq":{{seq}}}"#,
                "--expect", #""type":"ping""#,
            ],
            in: dir
        )

        expectHealthyText(run, count: 5, url: url, peers: [server])
    }

    @Test("ws:// --ws-message with --expect-regex and --json: every heartbeat answered")
    func websocketMessageModeRegex() async throws {
        let dir = try TestDirectory("ws-message-regex")
        defer { dir.remove() }
        let server = try await Peer.pythonWebSocketServer(in: dir)
        defer { server.stop() }

        let run = try await TetherCLI.probe(
            [
                "ws://127.0.0.1:\(server.port)", "--count", "3", "--interval", "200ms", "--ws-message",
                #"{"type":"ping","seq":{{seq}}}"#, "--expect", #""seq":[0-9]+\}$"#, "--expect-regex", "--json",
            ],
            in: dir
        )

        #expect(run.exitCode == 0, "\(run)\n\(server.diagnostics)")
        let json = try run.json()
        let summary = try #require(json["summary"] as? [String: Any], "\(run)")
        #expect(summary["answered"] as? Int == 3, "\(run)")
        #expect((json["close"] as? [String: Any])?["code"] as? Int == 1000, "\(run)")
    }

    @Test("ws:// --ws-message whose expectation never matches: every heartbeat missed")
    func websocketMessageModeNoMatch() async throws {
        let dir = try TestDirectory("ws-message-nomatch")
        defer { dir.remove() }
        let server = try await Peer.pythonWebSocketServer(in: dir)
        defer { server.stop() }

        let run = try await TetherCLI.probe(
            [
                "ws://127.0.0.1:\(server.port)", "--count", "2", "--interval", "200ms", "--timeout", "500ms",
                "--ws-message", "ping {{seq}}", "--expect", "pong",
            ],
            in: dir
        )

        expectAllMissed(run, count: 2, within: .seconds(5), peers: [server])
    }

    // MARK: Usage

    @Test(
        "bad dialect options exit 2",
        arguments: [
            ["redis://127.0.0.1:9", "--password-file", "/nonexistent/tether-password"],
            ["tcp://127.0.0.1:9", "--ws-message", "ping"],
            ["ws://127.0.0.1:9", "--username", "u"],
            ["redis://127.0.0.1:9", "--client-id", "x"],
            ["redis://127.0.0.1:9", "--username", "u"],
            ["mqtt://127.0.0.1:9", "--password-file", "/dev/null"],
            ["mqtt://127.0.0.1:9", "--keep-alive", "70000"],
            ["mqtt://127.0.0.1:9", "--keep-alive", "1", "--interval", "5s"],
        ]
    )
    func badDialectUsage(arguments: [String]) async throws {
        let dir = try TestDirectory("dialect-usage")
        defer { dir.remove() }

        let run = try await TetherCLI.probe(arguments, in: dir)

        #expect(run.exitCode == 2, "\(run)")
        #expect(!run.killedBySignal, "\(run)")
        #expect(!run.stderr.isEmpty, "a usage error says what is wrong on stderr: \(run)")
    }
}
