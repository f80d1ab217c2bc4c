import Foundation
public import NIOSSL

/// TLS settings of a `wss://` or `tls://` target.
public struct TLSOptions: Sendable, Hashable {
    /// PEM file of the CAs that sign the peer's certificate; the system trust store when `nil`.
    public var caFile: String?
    /// PEM client certificate (chain) and key for mutual TLS.
    public var certFile: String?
    public var keyFile: String?
    /// Name for SNI and certificate verification instead of the URL's host.
    public var serverName: String?
    /// Skip certificate verification entirely (the connection is still encrypted).
    public var insecureSkipVerify: Bool

    public init(
        caFile: String? = nil,
        certFile: String? = nil,
        keyFile: String? = nil,
        serverName: String? = nil,
        insecureSkipVerify: Bool = false
    ) {
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
        self.serverName = serverName
        self.insecureSkipVerify = insecureSkipVerify
    }

    /// Builds the client context, reading every file now so that a missing or unreadable file is an
    /// error before any connection is made.
    public func makeClientContext() throws(TLSOptionsError) -> NIOSSLContext {
        for file in [self.caFile, self.certFile, self.keyFile].compactMap({ $0 }) {
            guard FileManager.default.isReadableFile(atPath: file) else {
                let what = FileManager.default.fileExists(atPath: file) ? "file is not readable" : "no such file"
                throw TLSOptionsError(file: file, what: "TLS file", underlying: what)
            }
        }
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let caFile {
            do {
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
            } catch {
                throw TLSOptionsError(file: caFile, what: "CA certificates", underlying: "\(error)")
            }
        }
        switch (self.certFile, self.keyFile) {
        case (nil, nil):
            break
        case (let cert?, let key?):
            do {
                configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) }
            } catch {
                throw TLSOptionsError(file: cert, what: "client certificate", underlying: "\(error)")
            }
            do {
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
            } catch {
                throw TLSOptionsError(file: key, what: "client key", underlying: "\(error)")
            }
        default:
            throw TLSOptionsError(
                file: self.certFile ?? self.keyFile ?? "",
                what: "client certificate",
                underlying: "cert_file and key_file go together"
            )
        }
        if self.insecureSkipVerify { configuration.certificateVerification = .none }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw TLSOptionsError(
                file: self.caFile ?? self.certFile ?? "",
                what: "TLS configuration",
                underlying: "\(error)"
            )
        }
    }
}

/// A TLS file that cannot be used, naming the file and what it should have held.
public struct TLSOptionsError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var what: String
    public var underlying: String
    public var description: String { "cannot load \(self.what) from '\(self.file)': \(self.underlying)" }
}
