import Foundation
import Testing
import TetherConfig

/// `server.web_config_file`: loaded relative to the config file, checked with its own positions.
@Suite struct WebConfigurationTests {
    static func load(web: String) throws -> (directory: URL, result: Result<TetherConfiguration, ConfigurationError>) {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tether-web-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try "server:\n  web_config_file: web.yml\n".write(
            to: directory.appendingPathComponent("tether.yml"),
            atomically: true,
            encoding: .utf8
        )
        try web.write(to: directory.appendingPathComponent("web.yml"), atomically: true, encoding: .utf8)
        try "x".write(to: directory.appendingPathComponent("s.pem"), atomically: true, encoding: .utf8)
        let path = directory.appendingPathComponent("tether.yml").path
        return (
            directory,
            Result { () throws(ConfigurationError) in try ConfigurationLoader.load(file: path, environment: [:]) }
        )
    }

    @Test func validFileLoads() throws {
        let hash = "$2y$10$IQhL6zAHyeCwt8pgw6xE3.HfzKe6rIaeSyIJyvok7SP8dHRcrweSi"
        let (directory, result) = try Self.load(
            web: """
                tls_server_config: {cert_file: s.pem, key_file: s.pem, min_version: TLS13}
                basic_auth_users: {alice: '\(hash)'}
                http_server_config: {headers: {x-frame-options: DENY}}
                """
        )
        defer { try? FileManager.default.removeItem(at: directory) }
        let web = try result.get().server.web
        #expect(web?.tls?.certFile == directory.appendingPathComponent("s.pem").path)
        #expect(web?.tls?.minVersion == .tls13)
        #expect(web?.basicAuthUsers == ["alice": hash])
        #expect(web?.headers == ["X-Frame-Options": "DENY"])
    }

    @Test func errorsNameTheWebConfigFile() throws {
        let (directory, result) = try Self.load(web: "tls_server_config:\n  cert_file: s.pem\nbogus: 1\n")
        defer { try? FileManager.default.removeItem(at: directory) }
        guard case .failure(let error) = result else {
            Issue.record("loaded")
            return
        }
        let web = directory.appendingPathComponent("web.yml").path
        #expect(
            error.diagnostics.map(\.description) == [
                "\(web):2:3: tls_server_config.key_file: is required",
                "\(web):3:1: unknown key 'bogus' at the top level; expected one of: tls_server_config, basic_auth_users, http_server_config",
            ]
        )
    }
}
