import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension Peer {
    /// `redis-server` on a free loopback port, without persistence, its files in `directory`.
    /// - Parameters:
    ///   - password: `--requirepass`, so that clients must `AUTH` (as user `default`).
    ///   - tls: serve TLS only (rediss://) with the fixture's server certificate; no client certificates.
    static func redisServer(
        in directory: TestDirectory,
        password: String? = nil,
        tls: TLSFixture? = nil
    ) async throws -> Peer {
        let redis = try Programs.redisServer()
        let port = try Ports.freeLoopbackPort()
        var arguments = [
            "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", directory.path,
        ]
        if let tls {
            arguments += [
                "--port", "0", "--tls-port", String(port), "--tls-cert-file", tls.serverCertificate.path,
                "--tls-key-file", tls.serverKey.path, "--tls-ca-cert-file", tls.caCertificate.path,
                "--tls-auth-clients", "no",
            ]
        } else {
            arguments += ["--port", String(port)]
        }
        if let password { arguments += ["--requirepass", password] }
        return try await start(
            name: "redis-server",
            executable: redis,
            arguments: arguments,
            port: .fixed(port),
            in: directory
        )
    }

    /// `mosquitto` (MQTT 3.1.1 and 5 broker) on a free loopback port, logging to stderr.
    /// - Parameters:
    ///   - user: when set, anonymous clients are refused and only this user name and password are
    ///     accepted (a password file made with `mosquitto_passwd -b`).
    ///   - tls: serve TLS (mqtts://) with the fixture's server certificate.
    static func mosquitto(
        in directory: TestDirectory,
        user: (name: String, password: String)? = nil,
        tls: TLSFixture? = nil
    ) async throws -> Peer {
        let mosquitto = try Programs.mosquitto()
        let port = try Ports.freeLoopbackPort()
        var config = [
            "listener \(port) 127.0.0.1",
            "persistence false",
            "log_dest stderr",
            // As root, mosquitto would switch to the `mosquitto` user, which cannot read our files.
            geteuid() == 0 ? "user root" : "# (not root: no user directive)",
        ]
        if let tls {
            config += ["certfile \(tls.serverCertificate.path)", "keyfile \(tls.serverKey.path)"]
        }
        if let user {
            let passwordFile = directory.file("mosquitto.passwd")
            try await makePasswordFile(passwordFile, user: user, directory: directory)
            config += ["allow_anonymous false", "password_file \(passwordFile.path)"]
        } else {
            config += ["allow_anonymous true"]
        }
        let configURL = directory.file("mosquitto.conf")
        try (config.joined(separator: "\n") + "\n").write(to: configURL, atomically: true, encoding: .utf8)
        return try await start(
            name: "mosquitto",
            executable: mosquitto,
            arguments: ["-c", configURL.path],
            port: .fixed(port),
            in: directory,
            extraLogs: [configURL]
        )
    }

    private static func makePasswordFile(
        _ file: URL,
        user: (name: String, password: String),
        directory: TestDirectory
    ) async throws {
        let passwd = try Programs.mosquittoPasswd()
        let child = try ChildProcess(
            name: "mosquitto_passwd",
            executable: passwd,
            arguments: ["-b", "-c", file.path, user.name, user.password],
            directory: directory.url
        )
        guard await child.waitForExit(timeout: .seconds(30)) else {
            child.stop()
            throw E2EError("mosquitto_passwd did not finish within 30s: \(child.stderr)")
        }
        guard child.exitCode == 0 else {
            throw E2EError("mosquitto_passwd failed with status \(child.exitCode ?? -1): \(child.stderr)")
        }
    }

    /// Waits until the peer's stderr contains `text` (a log line written after the probe exits);
    /// true when it did within `timeout`.
    func waitForLog(_ text: String, timeout: Duration = .seconds(5)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !self.stderr.contains(text) {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return true
    }
}
