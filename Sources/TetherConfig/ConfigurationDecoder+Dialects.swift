import NIOCore
import TetherHeartbeat
import Yams

extension ConfigurationDecoder {
    static let tcpKeys = ["send", "expect", "expect_regex", "framing"]
    static let websocketKeys = ["mode", "send", "expect", "expect_regex", "subprotocol"]
    static let redisKeys = ["username", "password", "password_file"]
    static let mqttKeys = ["client_id", "username", "password", "password_file", "keep_alive"]

    // MARK: tcp:// and tls://

    mutating func stream(_ field: ConfigurationField, maxFrameBytes: Int) -> HeartbeatConnectionOptions.StreamOptions {
        var stream = HeartbeatConnectionOptions.StreamOptions()
        guard let fields = self.mapping(field.node, path: field.path, keys: Self.tcpKeys) else { return stream }
        if let field = fields["send"], let text = self.text(field, expected: "a string") {
            do {
                let bytes = try ByteEscapes.unescape(text)
                if bytes.isEmpty {
                    self.report("\(field.path): must not be empty", at: field.mark)
                } else {
                    stream.send = bytes
                }
            } catch {
                self.report("\(field.path): \(error.description)", at: field.mark)
            }
        }
        if let expect = self.expectation(fields, escapes: true) { stream.expect = expect }
        if let field = fields["framing"], let text = self.text(field, expected: "a framing") {
            switch HeartbeatFraming(parsing: text) {
            case .fixed(let length) where length > maxFrameBytes:
                self.report(
                    "\(field.path): fixed:\(length) is longer than max_frame_bytes (\(maxFrameBytes))",
                    at: field.mark
                )
            case .some(let framing):
                stream.framing = framing
            case nil:
                self.report("\(field.path): expected line, fixed:N or delimiter:BYTES, got '\(text)'", at: field.mark)
            }
        }
        return stream
    }

    /// `expect` with `expect_regex`: a substring (with byte escapes for tcp) or a regex that compiles.
    /// A missing `expect` with `expect_regex: true` is reported unless `reportMissing` is false
    /// (WebSocket message mode reports a missing `expect` itself).
    mutating func expectation(
        _ fields: [String: ConfigurationField],
        escapes: Bool,
        reportMissing: Bool = true
    ) -> HeartbeatExpectation? {
        let isRegex = self.bool(fields["expect_regex"]) ?? false
        guard let field = fields["expect"] else {
            if isRegex, reportMissing, let flag = fields["expect_regex"] {
                self.report("\(flag.path): needs expect, the regular expression", at: flag.keyMark)
            }
            return nil
        }
        guard let text = self.text(field, expected: "a string") else { return nil }
        if isRegex {
            do {
                return try HeartbeatExpectation.validate(regex: text)
            } catch {
                self.report("\(field.path): invalid regular expression '\(text)': \(error)", at: field.mark)
                return nil
            }
        }
        guard escapes else { return .bytes(Array(text.utf8)) }
        do {
            return .bytes(try ByteEscapes.unescape(text))
        } catch {
            self.report("\(field.path): \(error.description)", at: field.mark)
            return nil
        }
    }

    // MARK: ws:// and wss://

    mutating func websocket(_ field: ConfigurationField) -> (WebSocketOptions, subprotocol: String?) {
        guard let fields = self.mapping(field.node, path: field.path, keys: Self.websocketKeys) else {
            return (WebSocketOptions(), nil)
        }
        var subprotocol: String?
        if let field = fields["subprotocol"], let text = self.string(field) {
            if text.unicodeScalars.allSatisfy(Self.isTokenCharacter) {
                subprotocol = text
            } else {
                self.report("\(field.path): expected a subprotocol name (an HTTP token), got '\(text)'", at: field.mark)
            }
        }
        var isMessage = false
        if let field = fields["mode"], let text = self.text(field, expected: "ping or message") {
            switch text {
            case "ping": isMessage = false
            case "message": isMessage = true
            default:
                self.report("\(field.path): expected ping or message, got '\(text)'", at: field.mark)
                return (WebSocketOptions(), subprotocol)
            }
        }
        guard isMessage else {
            for key in ["send", "expect", "expect_regex"] {
                guard let extra = fields[key] else { continue }
                self.report(
                    "\(extra.path): applies only to mode: message (mode ping sends RFC 6455 ping frames)",
                    at: extra.keyMark
                )
            }
            return (WebSocketOptions(mode: .ping), subprotocol)
        }
        let send = self.string(fields["send"])
        let expect = self.expectation(fields, escapes: false, reportMissing: false)
        for key in ["send", "expect"] where fields[key] == nil {
            self.report("\(field.path): mode message needs '\(key)'", at: fields["mode"]?.keyMark ?? field.keyMark)
        }
        guard let send, let expect else { return (WebSocketOptions(), subprotocol) }
        return (WebSocketOptions(mode: .message(send: send, expect: expect)), subprotocol)
    }

    // MARK: redis:// and rediss://

    mutating func redis(_ field: ConfigurationField) -> RedisOptions {
        var redis = RedisOptions()
        guard let fields = self.mapping(field.node, path: field.path, keys: Self.redisKeys) else { return redis }
        redis.username = self.string(fields["username"])
        redis.password = self.password(fields, in: field)
        if fields["username"] != nil, fields["password"] == nil, fields["password_file"] == nil {
            self.report("\(field.path): username needs password or password_file", at: fields["username"]?.keyMark)
        }
        return redis
    }

    /// `password` or `password_file`, never both.
    mutating func password(_ fields: [String: ConfigurationField], in block: ConfigurationField) -> Secret? {
        if fields["password"] != nil, let file = fields["password_file"] {
            self.report("\(block.path): password and password_file exclude each other; set one", at: file.keyMark)
            return nil
        }
        return self.secret(fields["password"]) ?? self.secretFile(fields["password_file"])
    }

    // MARK: mqtt:// and mqtts://

    /// The Keep Alive announced when none is configured: at least a minute, and never shorter than
    /// the interval, or the broker would drop a healthy connection between two heartbeats.
    static func keepAlive(for interval: TimeAmount) -> UInt16 {
        let seconds = (interval.nanoseconds + 999_999_999) / 1_000_000_000
        return UInt16(clamping: Swift.max(60, seconds))
    }

    mutating func mqtt(_ field: ConfigurationField, defaults: MQTTOptions, interval: TimeAmount) -> MQTTOptions {
        var mqtt = defaults
        guard let fields = self.mapping(field.node, path: field.path, keys: Self.mqttKeys) else { return mqtt }
        if let field = fields["client_id"], let clientID = self.string(field) {
            if clientID.utf8.count > 65_535 {
                self.report("\(field.path): must be at most 65535 bytes", at: field.mark)
            } else {
                mqtt.clientID = clientID
            }
        }
        mqtt.username = self.string(fields["username"])
        mqtt.password = self.password(fields, in: field)
        if fields["username"] == nil, let password = fields["password"] ?? fields["password_file"] {
            self.report(
                "\(field.path): a password needs a username (MQTT 3.1.1 sends a password only with one)",
                at: password.keyMark
            )
        }
        if let field = fields["keep_alive"], let (amount, text) = self.durationAndText(field) {
            let seconds = amount.nanoseconds / 1_000_000_000
            if amount.nanoseconds % 1_000_000_000 != 0 || !(1...65_535).contains(seconds) {
                self.report(
                    "\(field.path): must be whole seconds from 1s to 65535s, got '\(text)'",
                    at: field.mark
                )
            } else if amount < interval {
                self.report(
                    "\(field.path): must not be shorter than the target's interval "
                        + "(\(PrometheusDuration.format(interval))), or the broker drops the connection between heartbeats",
                    at: field.mark
                )
            } else {
                mqtt.keepAlive = UInt16(seconds)
            }
        }
        return mqtt
    }
}
