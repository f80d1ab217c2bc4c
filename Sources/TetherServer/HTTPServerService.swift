import Hummingbird
import HummingbirdCore
import HummingbirdTLS
public import Logging
public import NIOCore
import NIOSSL
public import ServiceLifecycle
public import TetherAgent
public import TetherConfig
public import TetherMetrics
public import TetherState

/// The HTTP server as a service. Put it *before* the agent in the ServiceGroup: services shut down
/// in reverse order, so metrics stay served until every connection is closed.
public struct HTTPServerService: Service {
    private let application: Application<WebSecurityResponder<RouterResponder<BasicRequestContext>>>

    /// - Parameters:
    ///   - host: address to bind; `""` or `0.0.0.0` for all interfaces.
    ///   - port: port to bind; 0 picks a free one.
    ///   - idleTimeout: closes keep-alive connections idle this long, so slow or idle clients
    ///     cannot hold the server.
    ///   - registry: the metrics to serve.
    ///   - rules: the rule engine behind `/api/v1/alerts` and `/api/v1/rules`, if any.
    ///   - outbox: the notifications behind `/api/v1/notifications`, if any.
    ///   - reloader: behind `POST /-/reload`, if any.
    ///   - web: `server.web_config_file`: TLS, basic auth and headers for every endpoint.
    ///   - onListening: called with the bound port once the server accepts connections.
    public init(
        host: String,
        port: Int,
        idleTimeout: TimeAmount,
        registry: MetricsRegistry,
        rules: RuleManager? = nil,
        outbox: Outbox? = nil,
        reloader: ConfigurationReloader? = nil,
        web: WebConfiguration? = nil,
        logger: Logger,
        onListening: @escaping @Sendable (Int) -> Void = { _ in }
    ) throws {
        let router = TetherRouter.make(registry: registry, rules: rules, outbox: outbox, reloader: reloader)
        var server = HTTPServerBuilder.http1(configuration: .init(idleTimeout: idleTimeout))
        if let tls = web?.tls { server = try .tls(server, tlsConfiguration: Self.tlsConfiguration(tls)) }
        self.application = Application(
            responder: WebSecurityResponder(base: router.buildResponder(), web: web ?? WebConfiguration()),
            server: server,
            configuration: .init(address: .hostname(host.isEmpty ? "0.0.0.0" : host, port: port), serverName: "tether"),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? port) },
            logger: logger
        )
    }

    /// The server side of `tls_server_config`; a certificate or key that does not load is thrown.
    static func tlsConfiguration(_ tls: WebConfiguration.TLS) throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMFile(tls.certFile).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: tls.keyFile, format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain,
            privateKey: .privateKey(key)
        )
        configuration.minimumTLSVersion = tls.minVersion == .tls13 ? .tlsv13 : .tlsv12
        configuration.maximumTLSVersion = tls.maxVersion == .tls13 ? .tlsv13 : .tlsv12
        if let clientCAFile = tls.clientCAFile {
            configuration.trustRoots = .file(clientCAFile)
            switch tls.clientAuthType {
            case .noClientCert: configuration.certificateVerification = .none
            case .verifyClientCertIfGiven: configuration.certificateVerification = .optionalVerification
            case .requireAndVerifyClientCert: configuration.certificateVerification = .noHostnameVerification
            }
        }
        return configuration
    }

    public func run() async throws {
        try await self.application.run()
    }
}
