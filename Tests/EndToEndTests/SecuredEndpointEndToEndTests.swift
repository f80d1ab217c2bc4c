import Foundation
import Testing

/// `server.web_config_file` (issue 7 §4): `tether run` behind TLS and basic auth, checked with curl
/// and with a real Prometheus scraping it over https with credentials.
@Suite("tether's endpoints behind TLS and basic auth", .timeLimit(.minutes(2)))
struct SecuredEndpointEndToEndTests {
    static let user = "prometheus"
    static let password = "s3cret pass:word"

    @Test("/metrics over TLS with basic auth: curl gets 200 with credentials, 401 without, and Prometheus scrapes it")
    func securedMetrics() async throws {
        let dir = try TestDirectory("secured-endpoint")
        defer { dir.remove() }
        let tls = try await TLSFixture.make(in: dir)
        let hash = try await Self.bcryptHash(Self.password, in: dir)
        let (tether, port) = try await Self.startTether(
            web: """
                tls_server_config:
                  cert_file: \(tls.serverCertificate.path)
                  key_file: \(tls.serverKey.path)
                  min_version: TLS12
                basic_auth_users:
                  \(Self.user): '\(hash)'
                http_server_config:
                  headers:
                    X-Content-Type-Options: nosniff
                """,
            name: "tether-secured",
            in: dir
        )
        defer { tether.stop() }
        let url = "https://127.0.0.1:\(port)/metrics"
        let ca = ["--cacert", tls.caCertificate.path]

        let good = try await Self.curl(ca + ["-u", "\(Self.user):\(Self.password)", "-D", "-", url], in: dir)
        #expect(good.exitCode == 0)
        #expect(good.output.hasPrefix("HTTP/1.1 200"), "\(good.output.prefix(300))")
        #expect(good.output.lowercased().contains("x-content-type-options: nosniff"))
        #expect(good.output.contains("tether_build_info"), "\(good.output.prefix(600))")
        // Cached: the second scrape is answered the same.
        let again = try await Self.curl(ca + ["-u", "\(Self.user):\(Self.password)", "-D", "-", url], in: dir)
        #expect(again.output.hasPrefix("HTTP/1.1 200"))

        let anonymous = try await Self.curl(ca + ["-D", "-", url], in: dir)
        #expect(anonymous.output.hasPrefix("HTTP/1.1 401"), "\(anonymous.output.prefix(300))")
        #expect(anonymous.output.lowercased().contains("www-authenticate: basic"))
        #expect(!anonymous.output.contains("tether_build_info"))
        let wrong = try await Self.curl(ca + ["-u", "\(Self.user):wrong", "-D", "-", url], in: dir)
        #expect(wrong.output.hasPrefix("HTTP/1.1 401"), "\(wrong.output.prefix(300))")
        let stranger = try await Self.curl(ca + ["-u", "nobody:\(Self.password)", "-D", "-", url], in: dir)
        #expect(stranger.output.hasPrefix("HTTP/1.1 401"))
        let unknownPath = try await Self.curl(ca + ["-D", "-", "https://127.0.0.1:\(port)/-/healthy"], in: dir)
        #expect(unknownPath.output.hasPrefix("HTTP/1.1 401"))

        let plain = try await Self.curl(
            ["-u", "\(Self.user):\(Self.password)", "http://127.0.0.1:\(port)/metrics"],
            in: dir
        )
        #expect(plain.exitCode != 0 || !plain.output.contains("tether_build_info"))
        let untrusted = try await Self.curl(["--cacert", tls.otherCACertificate.path, url], in: dir)
        #expect(untrusted.exitCode != 0)

        let prometheus = try await Self.startPrometheus(
            in: dir,
            tetherPort: port,
            ca: tls.caCertificate,
            password: Self.password
        )
        defer { prometheus.stop() }
        let deadline = ContinuousClock.now + .seconds(30)
        var last = ""
        while true {
            let query = try await LoopbackHTTP.get(
                port: prometheus.port,
                path: "/api/v1/query?query=" + PrometheusPeer.percentEncoded("up{job=\"tether\"} == 1")
            )
            let targets = try await LoopbackHTTP.get(port: prometheus.port, path: "/api/v1/targets?state=active")
            if query.body.contains("\"value\":[") && query.body.contains("\"1\"]")
                && targets.body.contains("\"health\":\"up\"")
            {
                break
            }
            last = "\(query.body)\n\(targets.body)"
            guard ContinuousClock.now < deadline, prometheus.isRunning else {
                Issue.record(
                    "Prometheus never scraped tether through TLS and basic auth:\n\(last)\n\(prometheus.diagnostics)"
                )
                return
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    @Test(
        "mutual TLS (RequireAndVerifyClientCert): a client certificate of the client CA is let in, none or a stranger's is refused"
    )
    func mutualTLS() async throws {
        let dir = try TestDirectory("secured-endpoint-mtls")
        defer { dir.remove() }
        let tls = try await TLSFixture.make(in: dir)
        let (tether, port) = try await Self.startTether(
            web: """
                tls_server_config:
                  cert_file: \(tls.serverCertificate.path)
                  key_file: \(tls.serverKey.path)
                  client_auth_type: RequireAndVerifyClientCert
                  client_ca_file: \(tls.caCertificate.path)
                """,
            name: "tether-mtls",
            in: dir
        )
        defer { tether.stop() }
        let url = "https://127.0.0.1:\(port)/metrics"
        let ca = ["--cacert", tls.caCertificate.path]

        let client = try await Self.curl(
            ca + ["--cert", tls.clientCertificate.path, "--key", tls.clientKey.path, "-D", "-", url],
            in: dir
        )
        #expect(client.exitCode == 0, "\(client.output.prefix(300))\n\(tether.diagnostics)")
        #expect(client.output.hasPrefix("HTTP/1.1 200"), "\(client.output.prefix(300))")
        #expect(client.output.contains("tether_build_info"))

        let anonymous = try await Self.curl(ca + ["-D", "-", url], in: dir)
        #expect(
            !anonymous.output.contains("tether_build_info"),
            "no client certificate: \(anonymous.output.prefix(300))"
        )
        #expect(anonymous.exitCode != 0 || !anonymous.output.hasPrefix("HTTP/1.1 200"))
        let stranger = try await Self.curl(
            ca + ["--cert", tls.strangerCertificate.path, "--key", tls.strangerKey.path, "-D", "-", url],
            in: dir
        )
        #expect(
            !stranger.output.contains("tether_build_info"),
            "a stranger's certificate: \(stranger.output.prefix(300))"
        )
        #expect(stranger.exitCode != 0 || !stranger.output.hasPrefix("HTTP/1.1 200"))
    }

    // MARK: Helpers

    /// `tether run` with `web` as its web config file, on a free port; returns once it listens.
    static func startTether(web: String, name: String, in dir: TestDirectory) async throws -> (Peer, Int) {
        try web.write(to: dir.file("web.yml"), atomically: true, encoding: .utf8)
        let port = try Ports.freeLoopbackPort()
        try """
        server:
          listen: "127.0.0.1:\(port)"
          web_config_file: web.yml
        """.write(to: dir.file("tether.yml"), atomically: true, encoding: .utf8)
        let tether = try await Peer.start(
            name: name,
            executable: TetherCLI.binary(),
            arguments: ["run", "--config", dir.file("tether.yml").path],
            port: .fixed(port),
            in: dir
        )
        return (tether, port)
    }

    /// Prometheus scraping tether every second with `scheme: https`, the test CA and basic auth.
    static func startPrometheus(in dir: TestDirectory, tetherPort: Int, ca: URL, password: String) async throws -> Peer
    {
        try password.write(to: dir.file("scrape-password"), atomically: true, encoding: .utf8)
        let config = """
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: tether
                scheme: https
                tls_config: {ca_file: "\(ca.path)"}
                basic_auth: {username: "\(Self.user)", password_file: "\(dir.file("scrape-password").path)"}
                static_configs:
                  - targets: ["127.0.0.1:\(tetherPort)"]
            """
        let configFile = dir.file("prometheus.yml")
        try config.write(to: configFile, atomically: true, encoding: .utf8)
        let storage = dir.file("prometheus-data")
        try FileManager.default.createDirectory(at: storage, withIntermediateDirectories: true)
        let port = try Ports.freeLoopbackPort()
        let peer = try await Peer.start(
            name: "prometheus",
            executable: Programs.prometheus(),
            arguments: [
                "--config.file=\(configFile.path)", "--storage.tsdb.path=\(storage.path)",
                "--web.listen-address=127.0.0.1:\(port)",
            ],
            port: .fixed(port),
            in: dir,
            extraLogs: [configFile],
            timeout: .seconds(20)
        )
        try await peer.waitForReady(name: "prometheus", within: .seconds(20)) { peer.diagnostics }
        return peer
    }

    /// A bcrypt hash at cost 10 from the system's crypt(3) (libxcrypt), through Python.
    static func bcryptHash(_ password: String, in dir: TestDirectory) async throws -> String {
        guard let python = Programs.inPath("python3") else { throw E2EError("python3 is not installed") }
        let result = try await Self.run(
            python,
            [
                "-W", "ignore", "-c",
                "import crypt, sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1024)))",
                password,
            ],
            in: dir
        )
        let hash = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
        guard result.exitCode == 0, hash.hasPrefix("$2") else { throw E2EError("no bcrypt hash: \(result.output)") }
        return hash
    }

    static func curl(_ arguments: [String], in dir: TestDirectory) async throws -> (exitCode: Int32, output: String) {
        guard let curl = Programs.inPath("curl") else { throw E2EError("curl is not installed") }
        return try await Self.run(curl, ["-sS", "--max-time", "10"] + arguments, in: dir)
    }

    static func run(
        _ executable: URL,
        _ arguments: [String],
        in dir: TestDirectory
    ) async throws -> (
        exitCode: Int32, output: String
    ) {
        let child = try ChildProcess(
            name: "\(executable.lastPathComponent)-\(UUID().uuidString.prefix(6))",
            executable: executable,
            arguments: arguments,
            directory: dir.url
        )
        guard await child.waitForExit(timeout: .seconds(20)) else {
            child.stop()
            throw E2EError("\(executable.lastPathComponent) did not finish within 20s")
        }
        return (child.exitCode ?? -1, child.stdout)
    }
}
