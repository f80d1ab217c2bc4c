import Foundation

/// Certificates made at test time with the `openssl` CLI: a CA, a server certificate for
/// 127.0.0.1 / localhost signed by it, a client certificate signed by it (mutual TLS), and a second,
/// unrelated CA with a client certificate of its own for the wrong-CA cases.
/// ECDSA P-256 keys (fast to make), valid for two days.
struct TLSFixture {
    let caCertificate: URL
    let serverCertificate: URL
    let serverKey: URL
    let otherCACertificate: URL
    /// Signed by `caCertificate`, for `clientAuth`.
    let clientCertificate: URL
    let clientKey: URL
    /// Signed by `otherCACertificate`.
    let strangerCertificate: URL
    let strangerKey: URL

    static func make(in directory: TestDirectory) async throws -> TLSFixture {
        let openssl = try Programs.openssl()
        let dir = directory.file("tls")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

        for (stem, commonName) in [("ca", "tether test CA"), ("other-ca", "unrelated test CA")] {
            try """
            [req]
            prompt = no
            distinguished_name = dn
            x509_extensions = v3_ca
            [dn]
            CN = \(commonName)
            [v3_ca]
            basicConstraints = critical, CA:TRUE
            keyUsage = critical, keyCertSign, cRLSign
            subjectKeyIdentifier = hash
            authorityKeyIdentifier = keyid:always
            """.write(toFile: path("\(stem).cnf"), atomically: true, encoding: .utf8)
            try await run(
                openssl,
                [
                    "req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "2", "-config", path("\(stem).cnf"),
                    "-keyout", path("\(stem).key"), "-out", path("\(stem).pem"),
                ],
                directory: directory,
                step: "make \(stem)"
            )
        }

        /// A key and a certificate `stem.pem` for `commonName`, signed by `ca` with the extensions
        /// of `extensions`.
        func issue(_ stem: String, commonName: String, ca: String, extensions: String) async throws {
            try """
            [req]
            prompt = no
            distinguished_name = dn
            [dn]
            CN = \(commonName)
            """.write(toFile: path("\(stem).cnf"), atomically: true, encoding: .utf8)
            try extensions.write(toFile: path("\(stem).ext"), atomically: true, encoding: .utf8)
            try await run(
                openssl,
                [
                    "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-config", path("\(stem).cnf"), "-keyout", path("\(stem).key"), "-out", path("\(stem).csr"),
                ],
                directory: directory,
                step: "make \(stem) key and CSR"
            )
            try await run(
                openssl,
                [
                    "x509", "-req", "-in", path("\(stem).csr"), "-CA", path("\(ca).pem"), "-CAkey", path("\(ca).key"),
                    "-set_serial", String(UInt32.random(in: 1...UInt32.max)), "-days", "2",
                    "-extfile", path("\(stem).ext"), "-out", path("\(stem).pem"),
                ],
                directory: directory,
                step: "sign \(stem) certificate"
            )
        }

        try await issue(
            "server",
            commonName: "localhost",
            ca: "ca",
            extensions: """
                basicConstraints = critical, CA:FALSE
                keyUsage = critical, digitalSignature, keyEncipherment
                extendedKeyUsage = serverAuth
                subjectAltName = IP:127.0.0.1, DNS:localhost
                subjectKeyIdentifier = hash
                authorityKeyIdentifier = keyid, issuer
                """
        )
        let clientExtensions = """
            basicConstraints = critical, CA:FALSE
            keyUsage = critical, digitalSignature
            extendedKeyUsage = clientAuth
            """
        try await issue("client", commonName: "client", ca: "ca", extensions: clientExtensions)
        try await issue("stranger", commonName: "stranger", ca: "other-ca", extensions: clientExtensions)

        return TLSFixture(
            caCertificate: URL(fileURLWithPath: path("ca.pem")),
            serverCertificate: URL(fileURLWithPath: path("server.pem")),
            serverKey: URL(fileURLWithPath: path("server.key")),
            otherCACertificate: URL(fileURLWithPath: path("other-ca.pem")),
            clientCertificate: URL(fileURLWithPath: path("client.pem")),
            clientKey: URL(fileURLWithPath: path("client.key")),
            strangerCertificate: URL(fileURLWithPath: path("stranger.pem")),
            strangerKey: URL(fileURLWithPath: path("stranger.key"))
        )
    }

    private static func run(
        _ openssl: URL,
        _ arguments: [String],
        directory: TestDirectory,
        step: String
    )
        async throws
    {
        let child = try ChildProcess(
            name: "openssl-\(UUID().uuidString.prefix(6))",
            executable: openssl,
            arguments: arguments,
            directory: directory.url
        )
        guard await child.waitForExit(timeout: .seconds(30)) else {
            child.stop()
            throw E2EError("openssl (\(step)) did not finish within 30s: \(child.stderr)")
        }
        guard child.exitCode == 0 else {
            throw E2EError(
                "openssl (\(step)) failed with status \(child.exitCode ?? -1): "
                    + "openssl \(arguments.joined(separator: " "))\n\(child.stderr)"
            )
        }
    }
}
