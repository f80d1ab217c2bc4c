/// WebSocket heartbeats: RFC 6455 pings (the default) or application messages.
public struct WebSocketOptions: Sendable, Hashable {
    public enum Mode: Sendable, Hashable {
        /// Ping control frames, pongs matched by payload.
        case ping
        /// A text message from `send` (`{{seq}}` is replaced by the sequence number); the answer is
        /// the first message that matches `expect`. Answers are taken in order.
        case message(send: String, expect: HeartbeatExpectation)
    }

    public var mode: Mode

    public init(mode: Mode = .ping) {
        self.mode = mode
    }
}

/// Redis heartbeats: RESP `PING` answered by `+PONG`, after `AUTH` when a password is set.
public struct RedisOptions: Sendable, Hashable {
    /// ACL user name (Redis 6+); `nil` sends `AUTH password`.
    public var username: String?
    public var password: Secret?

    public init(username: String? = nil, password: Secret? = nil) {
        self.username = username
        self.password = password
    }
}

/// MQTT 3.1.1 heartbeats: `CONNECT` once, then `PINGREQ` answered by `PINGRESP`.
public struct MQTTOptions: Sendable, Hashable {
    public var clientID: String
    public var username: String?
    public var password: Secret?
    /// Keep Alive announced in CONNECT. The broker drops a client silent for 1.5 × this, so it must
    /// be longer than the heartbeat interval; tether sends PINGREQ every interval anyway.
    public var keepAlive: UInt16

    public init(clientID: String = "tether", username: String? = nil, password: Secret? = nil, keepAlive: UInt16 = 60) {
        self.clientID = clientID
        self.username = username
        self.password = password
        self.keepAlive = keepAlive
    }
}
