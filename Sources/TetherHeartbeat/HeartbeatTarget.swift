import Foundation

/// Where a heartbeat connection goes, parsed from a target URL.
///
/// The scheme picks the dialect and whether TLS is used: `ws`/`wss` (RFC 6455), `tcp`/`tls`.
public struct HeartbeatTarget: Sendable, Hashable, CustomStringConvertible {
    public enum Dialect: String, Sendable, Hashable {
        case websocket
        case tcp
        case redis
        case mqtt
    }

    public var url: String
    public var dialect: Dialect
    public var usesTLS: Bool
    public var host: String
    public var port: Int
    /// Path and query for WebSocket upgrades; `/` when the URL has none.
    public var requestTarget: String

    public var description: String { self.url }

    /// `host:port` with IPv6 literals bracketed, as in a URL.
    public var authority: String {
        self.host.contains(":") ? "[\(self.host)]:\(self.port)" : "\(self.host):\(self.port)"
    }

    /// Parses a target URL such as `ws://127.0.0.1:8080/ws` or `tcp://orders:7000`.
    ///
    /// - Throws: ``TargetURLError`` naming what is wrong with the URL.
    public init(url: String) throws(TargetURLError) {
        guard let schemeEnd = url.range(of: "://") else {
            throw TargetURLError(
                url: url,
                reason: "expected scheme://host:port (ws, wss, tcp, tls, redis, rediss, mqtt or mqtts)"
            )
        }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        switch scheme {
        case "ws": (self.dialect, self.usesTLS) = (.websocket, false)
        case "wss": (self.dialect, self.usesTLS) = (.websocket, true)
        case "tcp": (self.dialect, self.usesTLS) = (.tcp, false)
        case "tls": (self.dialect, self.usesTLS) = (.tcp, true)
        case "redis": (self.dialect, self.usesTLS) = (.redis, false)
        case "rediss": (self.dialect, self.usesTLS) = (.redis, true)
        case "mqtt": (self.dialect, self.usesTLS) = (.mqtt, false)
        case "mqtts": (self.dialect, self.usesTLS) = (.mqtt, true)
        default:
            throw TargetURLError(
                url: url,
                reason: "unsupported scheme '\(scheme)' (expected ws, wss, tcp, tls, redis, rediss, mqtt or mqtts)"
            )
        }
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        var path = String(rest[authorityEnd...])
        if let fragment = path.firstIndex(of: "#") { path = String(path[..<fragment]) }
        if path.isEmpty || path.first == "?" { path = "/" + path }
        if authority.contains("@") {
            throw TargetURLError(url: url, reason: "credentials in the URL are not supported; use headers")
        }
        var host: Substring
        var portText: Substring?
        if authority.first == "[" {
            guard let close = authority.firstIndex(of: "]") else {
                throw TargetURLError(url: url, reason: "unterminated IPv6 address")
            }
            host = authority[authority.index(after: authority.startIndex)..<close]
            authority = authority[authority.index(after: close)...]
            if authority.first == ":" {
                portText = authority.dropFirst()
            } else if !authority.isEmpty {
                throw TargetURLError(url: url, reason: "unexpected '\(authority)' after the IPv6 address")
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { throw TargetURLError(url: url, reason: "missing host") }
        if let portText {
            guard let port = Int(portText), (1...65535).contains(port) else {
                throw TargetURLError(url: url, reason: "port '\(portText)' is not a number from 1 to 65535")
            }
            self.port = port
        } else {
            switch scheme {
            case "ws": self.port = 80
            case "wss": self.port = 443
            case "redis", "rediss": self.port = 6379
            case "mqtt": self.port = 1883
            case "mqtts": self.port = 8883
            default: throw TargetURLError(url: url, reason: "\(scheme):// needs a port")
            }
        }
        if self.dialect != .websocket && path != "/" {
            throw TargetURLError(url: url, reason: "\(scheme):// takes no path")
        }
        self.url = url
        self.host = String(host)
        self.requestTarget = path
    }
}

/// A target URL that tether cannot use, with the reason.
public struct TargetURLError: Error, Sendable, CustomStringConvertible {
    public var url: String
    public var reason: String
    public var description: String { "invalid target URL '\(self.url)': \(self.reason)" }
}
