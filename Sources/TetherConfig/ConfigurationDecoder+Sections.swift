import Foundation
import NIOCore
import TetherHeartbeat
import Yams

extension ConfigurationDecoder {
    static let rootKeys = ["global", "server", "reconnect", "targets", "target_files", "rule_files", "alerting"]
    /// `alerting:` keys: the state directory, then grouping and receivers (DESIGN §3, §6).
    static let alertingKeys = [
        "state_dir", "group_by", "group_wait", "group_interval", "repeat_interval", "resend_delay", "receivers",
    ]
    static let globalKeys = [
        "interval", "timeout", "down_after", "interval_when_failing", "connect_timeout", "close_timeout",
        "max_concurrent_connects", "max_frame_bytes", "evaluation_interval", "external_labels", "external_url",
    ]
    static let serverKeys = ["listen", "idle_timeout", "web_config_file"]
    static let reconnectKeys = ["initial", "max", "multiplier"]

    /// The whole document. `nil` when anything was reported.
    mutating func configuration(_ root: Node) -> TetherConfiguration? {
        guard case .mapping = root else {
            self.report(
                "expected a mapping at the top level with keys \(Self.rootKeys.joined(separator: ", ")), got "
                    + Self.kind(of: root),
                at: root.position
            )
            return nil
        }
        guard let fields = self.mapping(root, path: "", keys: Self.rootKeys) else { return nil }
        var configuration = TetherConfiguration()
        if let field = fields["global"] { configuration.global = self.global(field) }
        if let field = fields["server"] { configuration.server = self.server(field) }
        if let field = fields["reconnect"] { configuration.reconnect = self.reconnect(field) }
        if let field = fields["targets"] { configuration.targets = self.targets(field, global: configuration.global) }
        if let field = fields["target_files"] { configuration.targetFiles = self.targetFilePatterns(field) }
        if let field = fields["rule_files"] { configuration.ruleFiles = self.ruleFiles(field) }
        if let field = fields["alerting"],
            let alerting = self.mapping(field.node, path: field.path, keys: Self.alertingKeys)
        {
            // Relative to the config file's directory, like every path in it; only the default (no
            // key) is relative to the working directory, like Prometheus' `data/`.
            if let field = alerting["state_dir"], let path = self.string(field) {
                configuration.stateDirectory = self.resolve(path)
            }
            configuration.alerting = self.alerting(alerting)
        }
        return self.diagnostics.isEmpty && self.referencedFileDiagnostics.isEmpty ? configuration : nil
    }

    mutating func global(_ field: ConfigurationField) -> GlobalConfiguration {
        var global = GlobalConfiguration()
        guard let fields = self.mapping(field.node, path: field.path, keys: Self.globalKeys) else { return global }
        if let value = self.duration(fields["interval"]) { global.interval = value }
        if let value = self.duration(fields["timeout"]) { global.timeout = value }
        if let value = self.integer(fields["down_after"], atLeast: 1) { global.downAfter = value }
        if let value = self.duration(fields["interval_when_failing"]) { global.intervalWhenFailing = value }
        if let value = self.duration(fields["connect_timeout"]) { global.connectTimeout = value }
        if let value = self.duration(fields["close_timeout"]) { global.closeTimeout = value }
        if let value = self.integer(fields["max_concurrent_connects"], atLeast: 1) {
            global.maxConcurrentConnects = value
        }
        if let value = self.integer(fields["max_frame_bytes"], atLeast: 128) { global.maxFrameBytes = value }
        if let value = self.duration(fields["evaluation_interval"]) { global.evaluationInterval = value }
        if let field = fields["external_labels"] { global.externalLabels = self.labels(field) }
        if let field = fields["external_url"] { global.externalURL = self.externalURL(field) }
        return global
    }

    /// An absolute http or https URL, as Prometheus' `--web.external-url`; a trailing '/' is dropped,
    /// as Prometheus drops it.
    mutating func externalURL(_ field: ConfigurationField) -> String? {
        guard let text = self.string(field) else { return nil }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty
        else {
            self.report("\(field.path): expected an absolute http:// or https:// URL, got '\(text)'", at: field.mark)
            return nil
        }
        var trimmed = Substring(text)
        while trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        return String(trimmed)
    }

    mutating func server(_ field: ConfigurationField) -> ServerConfiguration {
        var server = ServerConfiguration()
        guard let fields = self.mapping(field.node, path: field.path, keys: Self.serverKeys) else { return server }
        if let field = fields["listen"], let text = self.text(field, expected: "host:port or :port") {
            if let (host, port) = Self.listenAddress(text) {
                (server.listenHost, server.listenPort) = (host, port)
            } else {
                self.report(
                    "\(field.path): expected host:port or :port with a port from 0 to 65535, got '\(text)'",
                    at: field.mark
                )
            }
        }
        if let value = self.duration(fields["idle_timeout"]) { server.idleTimeout = value }
        if let field = fields["web_config_file"] { server.web = self.webConfigFile(field) }
        return server
    }

    /// `host:port`, `:port` (every interface) or `[v6]:port`; the host is returned unbracketed.
    static func listenAddress(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        let portText = text[text.index(after: colon)...]
        guard !portText.isEmpty, portText.allSatisfy(\.isASCII), let port = Int(portText), (0...65535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") {
            guard host.hasSuffix("]"), host.count > 2 else { return nil }
            host = String(host.dropFirst().dropLast())
        } else if host.contains(":") || host.contains(where: \.isWhitespace) {
            return nil
        }
        return (host, port)
    }

    mutating func reconnect(_ field: ConfigurationField) -> ReconnectPolicy {
        var policy = ReconnectPolicy()
        guard let fields = self.mapping(field.node, path: field.path, keys: Self.reconnectKeys) else { return policy }
        let initial = self.duration(fields["initial"])
        let max = self.duration(fields["max"])
        if let initial { policy.initial = initial }
        if let max { policy.max = max }
        if let value = self.number(fields["multiplier"], atLeast: 1) { policy.multiplier = value }
        if policy.initial > policy.max, initial != nil || max != nil {
            let at = (max != nil ? fields["max"] : fields["initial"])
            self.report(
                "\(field.path): initial (\(PrometheusDuration.format(policy.initial))) must not be longer than max "
                    + "(\(PrometheusDuration.format(policy.max)))",
                at: at?.mark
            )
        }
        return policy
    }

    /// Label names as Prometheus allows them, minus the reserved ones; values are any string.
    mutating func labels(_ field: ConfigurationField) -> [String: String] {
        guard let entries = self.entries(field.node, path: field.path) else { return [:] }
        var labels: [String: String] = [:]
        for entry in entries {
            if let problem = Self.labelNameProblem(entry.key) {
                self.report("\(field.path): \(problem)", at: entry.keyMark)
                continue
            }
            if Self.isNull(entry.node) {
                labels[entry.key] = ""
            } else if let value = self.string(entry, nonEmpty: false) {
                labels[entry.key] = value
            }
        }
        return labels
    }

    static func labelNameProblem(_ name: String) -> String? {
        guard let first = name.unicodeScalars.first, first.isASCIILetter || first == "_",
            name.unicodeScalars.allSatisfy({ $0.isASCIILetter || $0.isASCIIDigit || $0 == "_" })
        else { return "invalid label name '\(name)': label names match [a-zA-Z_][a-zA-Z0-9_]*" }
        if name.hasPrefix("__") { return "invalid label name '\(name)': names starting with '__' are reserved" }
        if name == "target" { return "label name 'target' is reserved: tether sets it to the target's name" }
        return nil
    }
}
