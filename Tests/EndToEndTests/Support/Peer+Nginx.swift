import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension Peer {
    /// nginx in the foreground as a WebSocket reverse proxy to 127.0.0.1:`upstreamPort`, from
    /// `Fixtures/nginx.conf.template`; pid file, logs and temp paths all in `directory`.
    static func nginxWebSocketProxy(in directory: TestDirectory, upstreamPort: Int) async throws -> Peer {
        let nginx = try Programs.nginx()
        let template = try String(contentsOf: try Programs.fixture("nginx.conf.template"), encoding: .utf8)
        let port = try Ports.freeLoopbackPort()
        let prefix = directory.file("nginx")
        try FileManager.default.createDirectory(at: prefix, withIntermediateDirectories: true)
        // As root, nginx would switch its workers to `nobody`; keep them as root so that they can
        // use the temp paths in our (root-only) directory. As anyone else the directive must go.
        let user = geteuid() == 0 ? "user root root;" : "# (not root: no user directive)"
        let config =
            template
            .replacingOccurrences(of: "@USER_DIRECTIVE@", with: user)
            .replacingOccurrences(of: "@DIR@", with: prefix.path)
            .replacingOccurrences(of: "@UPSTREAM_PORT@", with: String(upstreamPort))
            .replacingOccurrences(of: "@PORT@", with: String(port))
        let configURL = prefix.appendingPathComponent("nginx.conf")
        try config.write(to: configURL, atomically: true, encoding: .utf8)
        let errorLog = prefix.appendingPathComponent("error.log")
        return try await start(
            name: "nginx",
            executable: nginx,
            arguments: ["-p", prefix.path + "/", "-c", configURL.path, "-e", errorLog.path],
            port: .fixed(port),
            in: directory,
            extraLogs: [errorLog, configURL]
        )
    }
}
