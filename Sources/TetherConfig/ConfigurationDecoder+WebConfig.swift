import Foundation
import Yams

/// `server.web_config_file`: a file in Prometheus exporter-toolkit's web config format, relative to
/// the config file's directory. It is read and checked with the config, so that `tether check
/// config` reports its problems too, each with the web config file's own line and column; paths in
/// it resolve against its own directory, as exporter-toolkit resolves them.
extension ConfigurationDecoder {
    static let webConfigKeys = ["tls_server_config", "basic_auth_users", "http_server_config"]
    static let webTLSKeys = [
        "cert_file", "key_file", "client_ca_file", "client_auth_type", "min_version", "max_version",
    ]
    static let webHTTPKeys = ["headers"]
    /// The only headers exporter-toolkit lets a web config set.
    static let webHeaderNames = [
        "Strict-Transport-Security", "X-Content-Type-Options", "X-Frame-Options", "X-XSS-Protection",
        "Content-Security-Policy",
    ]

    mutating func webConfigFile(_ field: ConfigurationField) -> WebConfiguration? {
        guard let path = self.readablePath(field) else { return nil }
        let yaml: String
        do {
            yaml = try ConfigurationLoader.read(file: path)
        } catch {
            self.referencedFileDiagnostics += error.diagnostics
            return nil
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var decoder = ConfigurationDecoder(file: path, environment: nil, baseDirectory: directory)
        let root: Node?
        do {
            root = try ConfigurationLoader.compose(yaml, reportingTo: &decoder)
        } catch {
            self.referencedFileDiagnostics += error.diagnostics
            return nil
        }
        // An empty file is exporter-toolkit's "no TLS, no auth".
        guard let root else { return WebConfiguration() }
        let web = decoder.webConfiguration(root)
        guard decoder.diagnostics.isEmpty else {
            self.referencedFileDiagnostics += ConfigurationLoader.sorted(decoder.diagnostics)
            return nil
        }
        return web
    }

    mutating func webConfiguration(_ root: Node) -> WebConfiguration {
        var web = WebConfiguration()
        guard let fields = self.mapping(root, path: "", keys: Self.webConfigKeys) else { return web }
        if let field = fields["tls_server_config"] { web.tls = self.webTLS(field) }
        if let field = fields["basic_auth_users"], let users = self.entries(field.node, path: field.path) {
            for user in users {
                guard let hash = self.string(user) else { continue }
                guard Self.isBcryptHash(hash) else {
                    self.report(
                        "\(user.path): expected a bcrypt hash ($2y$10$…, as `htpasswd -nBC 10` prints it)",
                        at: user.mark
                    )
                    continue
                }
                web.basicAuthUsers[user.key] = hash
            }
        }
        if let field = fields["http_server_config"],
            let http = self.mapping(field.node, path: field.path, keys: Self.webHTTPKeys),
            let headers = http["headers"], let entries = self.entries(headers.node, path: headers.path)
        {
            for entry in entries {
                guard let name = Self.webHeaderNames.first(where: { $0.lowercased() == entry.key.lowercased() }) else {
                    self.report(
                        "\(headers.path): header '\(entry.key)' cannot be set; expected one of: "
                            + Self.webHeaderNames.joined(separator: ", "),
                        at: entry.keyMark
                    )
                    continue
                }
                if let value = self.string(entry) { web.headers[name] = value }
            }
        }
        return web
    }

    mutating func webTLS(_ field: ConfigurationField) -> WebConfiguration.TLS? {
        guard let fields = self.mapping(field.node, path: field.path, keys: Self.webTLSKeys) else { return nil }
        let certFile = self.readablePath(fields["cert_file"])
        let keyFile = self.readablePath(fields["key_file"])
        for key in ["cert_file", "key_file"] where fields[key] == nil {
            self.report("\(field.path).\(key): is required", at: field.mark)
        }
        let clientCAFile = self.readablePath(fields["client_ca_file"])
        var clientAuth = WebConfiguration.ClientAuthType.noClientCert
        if let field = fields["client_auth_type"], let text = self.string(field) {
            if let value = WebConfiguration.ClientAuthType(rawValue: text) {
                clientAuth = value
            } else {
                let unsupported = ["RequestClientCert", "RequireAnyClientCert"].contains(text)
                self.report(
                    "\(field.path): \(unsupported ? "'\(text)' is not supported" : "unknown '\(text)'"); expected one of: "
                        + WebConfiguration.ClientAuthType.allCases.map(\.rawValue).joined(separator: ", "),
                    at: field.mark
                )
            }
        }
        if clientAuth != .noClientCert && fields["client_ca_file"] == nil {
            self.report(
                "\(field.path).client_ca_file: is required with client_auth_type \(clientAuth.rawValue)",
                at: field.mark
            )
        }
        if clientAuth == .noClientCert, let caField = fields["client_ca_file"] {
            self.report(
                "\(caField.path): a client CA needs client_auth_type VerifyClientCertIfGiven or RequireAndVerifyClientCert",
                at: caField.mark
            )
        }
        let minVersion = self.tlsVersion(fields["min_version"]) ?? .tls12
        let maxVersion = self.tlsVersion(fields["max_version"]) ?? .tls13
        if maxVersion < minVersion, let maxField = fields["max_version"] {
            self.report("\(maxField.path): must not be below min_version", at: maxField.mark)
        }
        guard let certFile, let keyFile else { return nil }
        return WebConfiguration.TLS(
            certFile: certFile,
            keyFile: keyFile,
            clientCAFile: clientCAFile,
            clientAuthType: clientAuth,
            minVersion: minVersion,
            maxVersion: maxVersion
        )
    }

    private mutating func tlsVersion(_ field: ConfigurationField?) -> WebConfiguration.TLSVersion? {
        guard let field, let text = self.string(field) else { return nil }
        guard let version = WebConfiguration.TLSVersion(rawValue: text) else {
            self.report("\(field.path): expected TLS12 or TLS13, got '\(text)'", at: field.mark)
            return nil
        }
        return version
    }

    /// `$2a$`, `$2b$` or `$2y$`, a two-digit cost, then 53 characters of bcrypt's base64.
    static func isBcryptHash(_ text: String) -> Bool {
        let parts = text.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0].isEmpty, ["2a", "2b", "2y"].contains(parts[1]),
            parts[2].count == 2, let cost = Int(parts[2]), (4...31).contains(cost), parts[3].count == 53
        else { return false }
        return parts[3].allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "/") }
    }
}
