import NIOCore
import NIOEmbedded
import Testing

@testable import TetherHeartbeat

/// MQTT 3.1.1 through the connector's pipeline in an `EmbeddedChannel`: CONNECT / CONNACK as the
/// upgrade phase, then PINGREQ / PINGRESP, DISCONNECT on close.
@Suite struct MQTTHeartbeatTests {
    let log = EventLog()
    let channel = EmbeddedChannel()
    let connecting: ConnectingChannel

    init() {
        self.connecting = ConnectingChannel(self.channel)
    }

    func start(_ mqtt: MQTTOptions, schedule: HeartbeatSchedule? = nil) throws {
        try self.connecting.start(
            HeartbeatConnectionOptions(target: try HeartbeatTarget(url: "mqtt://127.0.0.1"), mqtt: mqtt),
            schedule: schedule ?? HeartbeatSchedule(interval: .seconds(1), timeout: .milliseconds(500)),
            onEvent: self.log.record
        )
    }

    func readBytes() throws -> [UInt8] {
        Array(try #require(try self.channel.readOutbound(as: ByteBuffer.self)).readableBytesView)
    }

    static let connAckAccepted: [UInt8] = [0x20, 0x02, 0x00, 0x00]

    @Test func connectPacketWithUserAndPasswordIsByteExact() throws {
        try self.start(MQTTOptions(clientID: "tp-1", username: "u", password: Secret("pw"), keepAlive: 30))
        let expected: [UInt8] =
            [0x10, 23]  // CONNECT, remaining length 23
            + [0x00, 0x04] + Array("MQTT".utf8) + [0x04]  // protocol name, level 4
            + [0xC2]  // user name, password, clean session
            + [0x00, 30]  // keep alive
            + [0x00, 0x04] + Array("tp-1".utf8)
            + [0x00, 0x01] + Array("u".utf8)
            + [0x00, 0x02] + Array("pw".utf8)
        #expect(try self.readBytes() == expected)
    }

    @Test func connectPacketWithoutCredentialsIsByteExact() throws {
        try self.start(MQTTOptions(clientID: "tether", keepAlive: 60))
        let expected: [UInt8] =
            [0x10, 18, 0x00, 0x04] + Array("MQTT".utf8) + [0x04, 0x02, 0x00, 60, 0x00, 0x06] + Array("tether".utf8)
        #expect(try self.readBytes() == expected)
    }

    @Test func connAckAcceptedEndsTheUpgradeAndStartsPingRequests() throws {
        try self.start(MQTTOptions(clientID: "tether"))
        _ = try self.readBytes()
        self.channel.embeddedEventLoop.advanceTime(by: .milliseconds(3))
        try self.channel.writeInbound(ByteBuffer(bytes: Self.connAckAccepted))
        let phases = try self.connecting.phases()
        #expect(phases.upgrade == .milliseconds(3))
        #expect(phases.tcp == .zero)
        #expect(try self.readBytes() == [0xC0, 0x00], "PINGREQ in the same tick as the CONNACK")
        self.channel.embeddedEventLoop.advanceTime(by: .microseconds(700))
        try self.channel.writeInbound(ByteBuffer(bytes: [0xD0, 0x00]))
        #expect(self.log.drain() == [.sent(sequence: 1), .answered(sequence: 1, rtt: .microseconds(700))])
    }

    @Test func aPingResponseInTheSameReadAsTheConnAckIsNotLost() throws {
        try self.start(MQTTOptions(clientID: "tether"))
        _ = try self.readBytes()
        // PINGREQ goes out while the CONNACK is handled; the PINGRESP behind it in the same read answers it.
        try self.channel.writeInbound(ByteBuffer(bytes: Self.connAckAccepted + [0xD0, 0x00]))
        #expect(self.log.drain() == [.sent(sequence: 1), .answered(sequence: 1, rtt: .zero)])
    }

    @Test func pingResponsesAnswerInOrderAndOtherPacketsAreIgnored() throws {
        try self.start(
            MQTTOptions(clientID: "tether"),
            schedule: HeartbeatSchedule(interval: .seconds(1), timeout: .seconds(3))
        )
        _ = try self.readBytes()
        try self.channel.writeInbound(ByteBuffer(bytes: Self.connAckAccepted))
        self.channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        self.channel.embeddedEventLoop.advanceTime(by: .milliseconds(5))
        // A PUBLISH (QoS 0, topic "t", payload "x") answers nothing.
        try self.channel.writeInbound(ByteBuffer(bytes: [0x30, 0x04, 0x00, 0x01, 0x74, 0x78]))
        try self.channel.writeInbound(ByteBuffer(bytes: [0xD0, 0x00, 0xD0, 0x00]))
        #expect(
            self.log.drain() == [
                .sent(sequence: 1), .sent(sequence: 2), .answered(sequence: 1, rtt: .milliseconds(1005)),
                .answered(sequence: 2, rtt: .milliseconds(5)),
            ]
        )
    }

    @Test func connAckWithReturnCode5IsRefusedWithItsMeaning() throws {
        try self.start(MQTTOptions(clientID: "tether", username: "u", password: Secret("hunter2")))
        _ = try self.readBytes()
        try self.channel.writeInbound(ByteBuffer(bytes: [0x20, 0x02, 0x00, 0x05]))
        let error = try self.connecting.failure()
        #expect(error.code == .upgradeRefused)
        #expect(error.phase == .upgrade)
        #expect(error.message == "MQTT broker refused CONNECT: return code 5 (not authorized)")
        #expect(!error.message.contains("hunter2"))
        #expect(!self.channel.isActive)
        #expect(try self.channel.readOutbound(as: ByteBuffer.self) == nil, "no PINGREQ, no DISCONNECT")
    }

    @Test(arguments: [
        (UInt8(1), "unacceptable protocol version"), (2, "identifier rejected"), (3, "server unavailable"),
        (4, "bad user name or password"), (5, "not authorized"), (6, "reserved return code"),
    ])
    func returnCodesAreNamed(code: UInt8, meaning: String) {
        #expect(MQTTHandshake.meaning(ofReturnCode: code) == meaning)
    }

    @Test func anotherPacketThanConnAckRefusesTheHandshake() throws {
        try self.start(MQTTOptions(clientID: "tether"))
        _ = try self.readBytes()
        try self.channel.writeInbound(ByteBuffer(bytes: [0xD0, 0x00]))
        let error = try self.connecting.failure()
        #expect(error.message.hasPrefix("the broker answered CONNECT with MQTT packet type 13, not CONNACK"))
    }

    @Test func closeSendsDisconnectThenClosesAndReportsAnAgentClose() throws {
        try self.start(MQTTOptions(clientID: "tether"))
        _ = try self.readBytes()
        try self.channel.writeInbound(ByteBuffer(bytes: Self.connAckAccepted))
        _ = try self.readBytes()
        try self.channel.writeInbound(ByteBuffer(bytes: [0xD0, 0x00]))
        try self.channel.triggerUserOutboundEvent(HeartbeatCloseRequest(code: 1001)).wait()
        #expect(try self.readBytes() == [0xE0, 0x00])
        #expect(!self.channel.isActive, "no close handshake to wait for: the broker just closes")
        #expect(self.log.events.last == .closed(.closedByAgent(code: nil, peerAnswered: false)))
        #expect(DisconnectReason.closedByAgent(code: nil, peerAnswered: false).label == "agent")
    }

    @Test func downAfterMissesAlsoSendsDisconnect() throws {
        try self.start(
            MQTTOptions(clientID: "tether"),
            schedule: HeartbeatSchedule(interval: .seconds(1), timeout: .milliseconds(500), downAfter: 2)
        )
        _ = try self.readBytes()
        try self.channel.writeInbound(ByteBuffer(bytes: Self.connAckAccepted))
        self.channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(try self.readBytes() == [0xC0, 0x00])
        #expect(try self.readBytes() == [0xC0, 0x00])
        #expect(try self.readBytes() == [0xE0, 0x00])
        #expect(self.log.events.last == .closed(.missedHeartbeats(2)))
    }

    @Test func brokerClosingTheSocketIsEOF() throws {
        try self.start(MQTTOptions(clientID: "tether"))
        _ = try self.readBytes()
        try self.channel.writeInbound(ByteBuffer(bytes: Self.connAckAccepted))
        self.channel.pipeline.fireChannelInactive()
        #expect(self.log.events.last == .closed(.eof))
    }

    @Test func aMalformedPingResponseIsAProtocolError() throws {
        try self.start(MQTTOptions(clientID: "tether"))
        _ = try self.readBytes()
        try self.channel.writeInbound(ByteBuffer(bytes: Self.connAckAccepted + [0xD0, 0x01, 0x00]))
        #expect(!self.channel.isActive)
        #expect(self.log.events.last == .closed(.protocolError("malformed PINGRESP: flags 0, remaining length 1")))
    }

    @Test func aPasswordWithoutAUserNameIsRejectedBeforeDialling() {
        #expect(throws: DialectOptionsError.self) {
            try MQTTOptions(clientID: "x", password: Secret("pw")).validate()
        }
        #expect(throws: Never.self) { try MQTTOptions(clientID: "x", username: "u", password: Secret("pw")).validate() }
    }

    @Test func remainingLengthEncoding() {
        for (length, expected) in [(0, [UInt8(0x00)]), (127, [0x7F]), (128, [0x80, 0x01]), (16_383, [0xFF, 0x7F])] {
            var buffer = ByteBuffer()
            MQTTHandshake.writeRemainingLength(length, into: &buffer)
            #expect(Array(buffer.readableBytesView) == expected, "\(length)")
        }
    }
}
