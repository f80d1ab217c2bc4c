import NIOCore

extension HeartbeatConnector {
    /// Redis: replies framed by line; `AUTH` first when a password is set (the upgrade phase),
    /// then `PING`s. Without a password there is no upgrade phase.
    static func addRedisHandlers(
        channel: any Channel,
        options: HeartbeatConnectionOptions,
        schedule: HeartbeatSchedule,
        progress: ConnectProgressHandler,
        onEvent: @escaping @Sendable (HeartbeatEvent) -> Void
    ) throws -> ConnectProgressHandler.TransportReadiness {
        let sync = channel.pipeline.syncOperations
        try sync.addHandler(
            ByteToMessageHandler(HeartbeatFramingDecoder(framing: .line, maxFrameBytes: options.maxFrameBytes))
        )
        let install = { (channel: any Channel) throws in
            try channel.pipeline.syncOperations.addHandler(
                HeartbeatHandler(codec: RedisPingCodec(), schedule: schedule, onEvent: onEvent)
            )
        }
        guard let password = options.redis.password else {
            try install(channel)
            return .ready
        }
        let username = options.redis.username
        try sync.addHandler(
            ConnectHandshakeHandler<ByteBuffer>(
                makeRequest: { RedisHandshake.authRequest(username: username, password: password, allocator: $0) },
                judge: { RedisHandshake.judgeAuthReply($0, password: password) },
                progress: progress,
                install: install
            )
        )
        return .upgrading
    }

    /// MQTT 3.1.1: packets framed by their fixed header; `CONNECT` answered by `CONNACK` (the
    /// upgrade phase), then `PINGREQ`s, and `DISCONNECT` before every close from our side.
    static func addMQTTHandlers(
        channel: any Channel,
        options: HeartbeatConnectionOptions,
        schedule: HeartbeatSchedule,
        progress: ConnectProgressHandler,
        onEvent: @escaping @Sendable (HeartbeatEvent) -> Void
    ) throws -> ConnectProgressHandler.TransportReadiness {
        let sync = channel.pipeline.syncOperations
        try sync.addHandler(ByteToMessageHandler(MQTTPacketDecoder(maxPacketBytes: options.maxFrameBytes)))
        let mqtt = options.mqtt
        try sync.addHandler(
            ConnectHandshakeHandler<MQTTPacket>(
                makeRequest: { MQTTHandshake.connectRequest(mqtt, allocator: $0) },
                judge: MQTTHandshake.judgeConnectAck,
                progress: progress,
                install: { channel in
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(MQTTDisconnectHandler())
                    try sync.addHandler(HeartbeatHandler(codec: MQTTPingCodec(), schedule: schedule, onEvent: onEvent))
                }
            )
        )
        return .upgrading
    }
}
