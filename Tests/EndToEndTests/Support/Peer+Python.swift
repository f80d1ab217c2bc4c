import Foundation

extension Peer {
    /// `Fixtures/ws_server.py` (python3-websockets) on a free port.
    /// - Parameters:
    ///   - tls: serve wss:// with the fixture's server certificate.
    ///   - closeAfterConnect: close every connection with this code right after the upgrade.
    ///   - pingInterval: the server's own keepalive pings (seconds); off when nil.
    ///   - rejectStatus: answer the upgrade request with this HTTP status.
    ///   - logClose: append `CODE PATH` to this file for every connection once it is closed, CODE
    ///     being the close code the client sent (1006 when it sent none).
    ///   - port: listen here (a restarted server on its predecessor's port) instead of a free port.
    static func pythonWebSocketServer(
        in directory: TestDirectory,
        tls: TLSFixture? = nil,
        closeAfterConnect: Int? = nil,
        pingInterval: Double? = nil,
        rejectStatus: Int? = nil,
        logClose: URL? = nil,
        port: Int? = nil,
        name: String = "ws_server.py"
    ) async throws -> Peer {
        let python = try await Programs.python()
        let script = try Programs.fixture("ws_server.py")
        let port = try port ?? Ports.freeLoopbackPort()
        var arguments = [script.path, "--port", String(port)]
        if let tls {
            arguments += ["--tls-cert", tls.serverCertificate.path, "--tls-key", tls.serverKey.path]
        }
        if let closeAfterConnect { arguments += ["--close-after-connect", String(closeAfterConnect)] }
        if let pingInterval { arguments += ["--ping-interval", String(pingInterval)] }
        if let rejectStatus { arguments += ["--reject-status", String(rejectStatus)] }
        if let logClose { arguments += ["--log-close", logClose.path] }
        return try await start(
            name: name,
            executable: python,
            arguments: arguments,
            environment: ["PYTHONUNBUFFERED": "1"],
            port: .fixed(port),
            in: directory
        )
    }

    /// `Fixtures/tls_line_server.py`: TLS, answers `PING` lines with `PONG`.
    static func pythonTLSLineServer(in directory: TestDirectory, tls: TLSFixture) async throws -> Peer {
        let python = try await Programs.python()
        let script = try Programs.fixture("tls_line_server.py")
        let port = try Ports.freeLoopbackPort()
        return try await start(
            name: "tls_line_server.py",
            executable: python,
            arguments: [
                script.path, "--port", String(port),
                "--tls-cert", tls.serverCertificate.path, "--tls-key", tls.serverKey.path,
            ],
            environment: ["PYTHONUNBUFFERED": "1"],
            port: .fixed(port),
            in: directory
        )
    }
}
