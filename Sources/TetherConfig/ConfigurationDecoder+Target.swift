import Foundation
import NIOCore
import TetherHeartbeat
import Yams

extension ConfigurationDecoder {
    static let targetKeys = [
        "name", "url", "labels", "headers", "tls", "interval", "timeout", "down_after", "interval_when_failing",
        "connect_timeout", "close_timeout", "tcp", "websocket", "redis", "mqtt",
    ]
    static let tlsKeys = ["ca_file", "cert_file", "key_file", "server_name", "insecure_skip_verify"]

    /// The `targets:` list. Names must be unique: the second use is reported, naming the first's line.
    mutating func targets(_ field: ConfigurationField, global: GlobalConfiguration) -> [TargetConfiguration] {
        guard let items = self.sequence(field) else { return [] }
        var targets: [TargetConfiguration] = []
        var firstLineByName: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            let path = "\(field.path)[\(index)]"
            let (name, nameField, target) = self.target(item, path: path, global: global)
            if let name, let nameField {
                if let firstLine = firstLineByName[name] {
                    self.report(
                        "\(nameField.path): duplicate target name '\(name)' (first defined at line \(firstLine))",
                        at: nameField.mark
                    )
                } else {
                    firstLineByName[name] = nameField.mark?.line ?? 0
                }
            }
            if let target { targets.append(target) }
        }
        return targets
    }

    /// One target; the name is returned even when the rest is wrong, for the duplicate check.
    mutating func target(
        _ node: Node,
        path: String,
        global: GlobalConfiguration
    ) -> (name: String?, nameField: ConfigurationField?, target: TargetConfiguration?) {
        if Self.isNull(node) {
            self.report("\(path): expected a mapping with name and url, got nothing", at: node.position)
            return (nil, nil, nil)
        }
        guard let fields = self.mapping(node, path: path, keys: Self.targetKeys) else { return (nil, nil, nil) }
        let diagnosticsBefore = self.diagnostics.count

        let name: String?
        if let field = fields["name"] {
            name = self.string(field)
        } else {
            self.report("\(path): missing required key 'name'", at: node.position)
            name = nil
        }
        var heartbeatTarget: HeartbeatTarget?
        if let field = fields["url"] {
            if let url = self.string(field) {
                do {
                    heartbeatTarget = try HeartbeatTarget(url: url)
                } catch {
                    self.report("\(field.path): \(error.description)", at: field.mark)
                }
            }
        } else {
            self.report("\(path): missing required key 'url'", at: node.position)
        }
        let target = self.target(fields, name: name, heartbeatTarget: heartbeatTarget, global: global)
        guard self.diagnostics.count == diagnosticsBefore else { return (name, fields["name"], nil) }
        return (name, fields["name"], target)
    }

    /// A target's options (`fields` minus name and url), for the given name and URL: nil when they
    /// or the name or URL are wrong.
    mutating func target(
        _ fields: [String: ConfigurationField],
        name: String?,
        heartbeatTarget: HeartbeatTarget?,
        global: GlobalConfiguration
    ) -> TargetConfiguration? {
        let diagnosticsBefore = self.diagnostics.count
        let scope = TargetScope(name: name, target: heartbeatTarget)

        let labels = fields["labels"].map { self.labels($0) } ?? [:]
        var schedule = HeartbeatSchedule(
            interval: global.interval,
            timeout: global.timeout,
            downAfter: global.downAfter,
            intervalWhenFailing: global.intervalWhenFailing,
            closeTimeout: global.closeTimeout,
            limit: nil,
            pacing: .eventLoop
        )
        if let value = self.duration(fields["interval"]) { schedule.interval = value }
        if let value = self.duration(fields["timeout"]) { schedule.timeout = value }
        if let value = self.integer(fields["down_after"], atLeast: 1) { schedule.downAfter = value }
        if let value = self.duration(fields["interval_when_failing"]) { schedule.intervalWhenFailing = value }
        if let value = self.duration(fields["close_timeout"]) { schedule.closeTimeout = value }
        let connectTimeout = self.duration(fields["connect_timeout"]) ?? global.connectTimeout

        var headers: [(name: String, value: String)] = []
        if let field = fields["headers"], self.applies(field, scope, schemes: .websocket) {
            headers = self.headers(field)
        }
        var tls = TLSOptions()
        if let field = fields["tls"], self.applies(field, scope, schemes: .tls) {
            tls = self.tls(field)
        }
        var stream = HeartbeatConnectionOptions.StreamOptions()
        if let field = fields["tcp"], self.applies(field, scope, schemes: .tcp) {
            stream = self.stream(field, maxFrameBytes: global.maxFrameBytes)
        }
        var websocket = WebSocketOptions()
        var subprotocol: String?
        if let field = fields["websocket"], self.applies(field, scope, schemes: .websocket) {
            (websocket, subprotocol) = self.websocket(field)
        }
        var redis = RedisOptions()
        if let field = fields["redis"], self.applies(field, scope, schemes: .redis) {
            redis = self.redis(field)
        }
        var mqtt = MQTTOptions(clientID: "tether-\(name ?? "")", keepAlive: Self.keepAlive(for: schedule.interval))
        if let field = fields["mqtt"], self.applies(field, scope, schemes: .mqtt) {
            mqtt = self.mqtt(field, defaults: mqtt, interval: schedule.interval)
        }

        guard let name, let heartbeatTarget, self.diagnostics.count == diagnosticsBefore else { return nil }
        let connection = HeartbeatConnectionOptions(
            target: heartbeatTarget,
            tls: tls,
            headers: headers,
            subprotocol: subprotocol,
            connectTimeout: connectTimeout,
            maxFrameBytes: global.maxFrameBytes,
            stream: stream,
            websocket: websocket,
            redis: redis,
            mqtt: mqtt
        )
        return TargetConfiguration(name: name, labels: labels, connection: connection, schedule: schedule)
    }

    // MARK: Which block goes with which scheme

    struct TargetScope {
        var name: String?
        var target: HeartbeatTarget?

        var scheme: String? {
            guard let url = self.target?.url, let end = url.range(of: "://") else { return nil }
            return url[..<end.lowerBound].lowercased()
        }
    }

    enum Schemes {
        case websocket, tls, tcp, redis, mqtt

        var list: String {
            switch self {
            case .websocket: "ws:// and wss://"
            case .tls: "wss://, tls://, rediss:// and mqtts://"
            case .tcp: "tcp:// and tls://"
            case .redis: "redis:// and rediss://"
            case .mqtt: "mqtt:// and mqtts://"
            }
        }

        func accepts(_ target: HeartbeatTarget) -> Bool {
            switch self {
            case .websocket: target.dialect == .websocket
            case .tls: target.usesTLS
            case .tcp: target.dialect == .tcp
            case .redis: target.dialect == .redis
            case .mqtt: target.dialect == .mqtt
            }
        }
    }

    /// Whether a block may be read for this target; reports it when the URL's scheme does not take
    /// it. With no valid URL the block is read anyway, so its own mistakes are reported too.
    mutating func applies(_ field: ConfigurationField, _ scope: TargetScope, schemes: Schemes) -> Bool {
        guard let target = scope.target, let scheme = scope.scheme, !schemes.accepts(target) else { return true }
        let who = scope.name.map { "'\($0)'" } ?? "this target"
        self.report(
            "\(field.path): applies to \(schemes.list) targets, but \(who) is \(scheme)://",
            at: field.keyMark
        )
        return false
    }

    // MARK: TLS and headers

    mutating func tls(_ field: ConfigurationField) -> TLSOptions {
        var tls = TLSOptions()
        guard let fields = self.mapping(field.node, path: field.path, keys: Self.tlsKeys) else { return tls }
        let diagnosticsBefore = self.diagnostics.count
        tls.caFile = self.readablePath(fields["ca_file"])
        tls.certFile = self.readablePath(fields["cert_file"])
        tls.keyFile = self.readablePath(fields["key_file"])
        tls.serverName = self.string(fields["server_name"])
        if let value = self.bool(fields["insecure_skip_verify"]) { tls.insecureSkipVerify = value }
        switch (fields["cert_file"], fields["key_file"]) {
        case (.some, nil):
            self.report("\(field.path): cert_file and key_file go together; key_file is missing", at: field.keyMark)
        case (nil, .some):
            self.report("\(field.path): cert_file and key_file go together; cert_file is missing", at: field.keyMark)
        default:
            break
        }
        guard self.diagnostics.count == diagnosticsBefore else { return tls }
        // Parse the PEM files now, so that `tether check config` and a reload catch a bad one
        // rather than the first connect. The agent makes its own context, once per target.
        let problem: TLSOptionsError?
        if let checked = self.checkedTLS[tls] {
            problem = checked
        } else {
            do {
                _ = try tls.makeClientContext()
                problem = nil
            } catch {
                problem = error
            }
            self.checkedTLS[tls] = problem
        }
        if let error = problem {
            let culprit: ConfigurationField? =
                switch error.file {
                case tls.keyFile: fields["key_file"]
                case tls.certFile: fields["cert_file"]
                case tls.caFile: fields["ca_file"]
                default: nil
                }
            self.report("\((culprit ?? field).path): \(error.description)", at: culprit?.mark ?? field.keyMark)
        }
        return tls
    }

    /// Headers the WebSocket handshake sets itself, which a configuration must not replace.
    static let handshakeHeaders: Set<String> = [
        "connection", "upgrade", "sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions",
    ]

    /// Upgrade request headers in file order. Values are never echoed: they hold credentials.
    mutating func headers(_ field: ConfigurationField) -> [(name: String, value: String)] {
        self.headers(field) { lowercased, name in
            if Self.handshakeHeaders.contains(lowercased) {
                return "header '\(name)' is set by the WebSocket handshake itself"
            }
            if lowercased == "sec-websocket-protocol" {
                return "set websocket.subprotocol instead of the Sec-WebSocket-Protocol header"
            }
            return nil
        }
    }

    /// A `headers` mapping in file order: names are HTTP tokens, each once (without case), none
    /// that `refusal` refuses (it returns why, given the name lowercased and as written); values on
    /// one line. Values are never echoed: they hold credentials.
    mutating func headers(
        _ field: ConfigurationField,
        refusing refusal: (_ lowercased: String, _ name: String) -> String?
    ) -> [(name: String, value: String)] {
        guard let entries = self.entries(field.node, path: field.path) else { return [] }
        var headers: [(name: String, value: String)] = []
        var firstLineByName: [String: Int] = [:]
        for entry in entries {
            let lowercased = entry.key.lowercased()
            if entry.key.isEmpty || !entry.key.unicodeScalars.allSatisfy(Self.isTokenCharacter) {
                self.report("\(field.path): invalid header name '\(entry.key)'", at: entry.keyMark)
                continue
            }
            if let reason = refusal(lowercased, entry.key) {
                self.report("\(field.path): \(reason)", at: entry.keyMark)
                continue
            }
            if let firstLine = firstLineByName[lowercased] {
                self.report(
                    "\(field.path): duplicate header '\(entry.key)' (first defined at line \(firstLine))",
                    at: entry.keyMark
                )
                continue
            }
            firstLineByName[lowercased] = entry.keyMark?.line ?? 0
            let value = Self.isNull(entry.node) ? "" : self.string(entry, nonEmpty: false)
            guard let value else { continue }
            if value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) {
                self.report("\(entry.path): a header value must not contain line breaks or NUL", at: entry.mark)
                continue
            }
            headers.append((entry.key, value))
        }
        return headers
    }

    /// RFC 9110 `tchar`: what header names and subprotocol tokens are made of.
    static func isTokenCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCIILetter || scalar.isASCIIDigit || "!#$%&'*+-.^_`|~".unicodeScalars.contains(scalar)
    }
}
