/// The web config file named by `server.web_config_file`, in Prometheus exporter-toolkit's format:
/// TLS for the HTTP server, basic-auth users with bcrypt hashes, extra response headers.
///
/// The subset of exporter-toolkit that tether implements; its other keys are rejected by name, so
/// a file that asks for something tether would not do fails to load instead of being half honoured.
public struct WebConfiguration: Sendable, Equatable {
    /// `tls_server_config`; `nil` serves plain HTTP.
    public var tls: TLS?
    /// `basic_auth_users`: user name to bcrypt hash. Empty means no authentication.
    public var basicAuthUsers: [String: String]
    /// `http_server_config.headers`: added to every response.
    public var headers: [String: String]

    public init(tls: TLS? = nil, basicAuthUsers: [String: String] = [:], headers: [String: String] = [:]) {
        self.tls = tls
        self.basicAuthUsers = basicAuthUsers
        self.headers = headers
    }

    /// `tls_server_config`.
    public struct TLS: Sendable, Equatable {
        /// PEM certificate chain, absolute.
        public var certFile: String
        /// PEM private key, absolute.
        public var keyFile: String
        /// PEM CA bundle that client certificates are verified against, absolute.
        public var clientCAFile: String?
        public var clientAuthType: ClientAuthType
        public var minVersion: TLSVersion
        public var maxVersion: TLSVersion

        public init(
            certFile: String,
            keyFile: String,
            clientCAFile: String? = nil,
            clientAuthType: ClientAuthType = .noClientCert,
            minVersion: TLSVersion = .tls12,
            maxVersion: TLSVersion = .tls13
        ) {
            self.certFile = certFile
            self.keyFile = keyFile
            self.clientCAFile = clientCAFile
            self.clientAuthType = clientAuthType
            self.minVersion = minVersion
            self.maxVersion = maxVersion
        }
    }

    /// `client_auth_type`, named as Go's `tls.ClientAuthType`; the two that request a certificate
    /// without verifying it are not offered.
    public enum ClientAuthType: String, Sendable, Equatable, CaseIterable {
        case noClientCert = "NoClientCert"
        case verifyClientCertIfGiven = "VerifyClientCertIfGiven"
        case requireAndVerifyClientCert = "RequireAndVerifyClientCert"
    }

    /// `min_version` / `max_version`.
    public enum TLSVersion: String, Sendable, Equatable, Comparable, CaseIterable {
        case tls12 = "TLS12"
        case tls13 = "TLS13"

        public static func < (lhs: Self, rhs: Self) -> Bool { lhs == .tls12 && rhs == .tls13 }
    }
}
