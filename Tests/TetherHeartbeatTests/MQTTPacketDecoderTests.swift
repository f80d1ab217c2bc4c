import NIOCore
import NIOEmbedded
import NIOTestUtils
import Testing

@testable import TetherHeartbeat

@Suite struct MQTTPacketDecoderTests {
    static func bytes(_ values: [UInt8]) -> ByteBuffer { ByteBuffer(bytes: values) }

    @Test func packetsThroughTheVerifier() throws {
        // A 200-byte PUBLISH needs two remaining-length bytes: 200 = 0x48 + 1 × 128 → 0xC8 0x01.
        let publishBody = ByteBuffer(repeating: 0x61, count: 200)
        var publish = ByteBuffer(bytes: [0x30, 0xC8, 0x01])
        publish.writeImmutableBuffer(publishBody)
        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: [
                (Self.bytes([0xD0, 0x00]), [MQTTPacket(type: 13)]),
                (Self.bytes([0x20, 0x02, 0x00, 0x05]), [MQTTPacket(type: 2, body: Self.bytes([0x00, 0x05]))]),
                (
                    Self.bytes([0xD0, 0x00, 0x20, 0x02, 0x01, 0x00]),
                    [MQTTPacket(type: 13), MQTTPacket(type: 2, body: Self.bytes([0x01, 0x00]))]
                ),
                (publish, [MQTTPacket(type: 3, flags: 0, body: publishBody)]),
            ],
            decoderFactory: { MQTTPacketDecoder(maxPacketBytes: 256) }
        )
    }

    @Test func remainingLengthDecodesAllFourBytes() throws {
        let decoder = MQTTPacketDecoder(maxPacketBytes: 268_435_455)
        // 0xFF 0xFF 0xFF 0x7F is the largest remaining length, 268,435,455; the body is not there yet.
        var buffer = Self.bytes([0x30, 0xFF, 0xFF, 0xFF, 0x7F])
        #expect(try decoder.nextPacket(&buffer) == nil)
        #expect(buffer.readerIndex == 0, "nothing is consumed until the whole packet is there")
    }

    @Test func aFifthRemainingLengthByteIsMalformed() {
        let decoder = MQTTPacketDecoder(maxPacketBytes: 1024)
        var buffer = Self.bytes([0x30, 0x80, 0x80, 0x80, 0x80, 0x01])
        #expect(throws: MQTTProtocolError("malformed MQTT packet: remaining length longer than 4 bytes")) {
            try decoder.nextPacket(&buffer)
        }
    }

    @Test func aPacketOverTheLimitFailsBeforeItsBodyArrives() {
        let decoder = MQTTPacketDecoder(maxPacketBytes: 128)
        var buffer = Self.bytes([0x30, 0x81, 0x01])  // 129 bytes announced, none sent
        #expect(throws: MQTTProtocolError("an MQTT packet of 129 bytes, over the limit of 128")) {
            try decoder.nextPacket(&buffer)
        }
    }

    @Test(arguments: [UInt8(0x00), 0xF0])
    func reservedPacketTypesAreMalformed(first: UInt8) {
        let decoder = MQTTPacketDecoder(maxPacketBytes: 128)
        var buffer = Self.bytes([first, 0x00])
        #expect(throws: MQTTProtocolError.self) { try decoder.nextPacket(&buffer) }
    }

    @Test func malformedInputInAPipelineIsAProtocolError() throws {
        let channel = EmbeddedChannel()
        let log = EventLog()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(MQTTPacketDecoder(maxPacketBytes: 128)))
        try channel.pipeline.syncOperations.addHandler(
            HeartbeatHandler(
                codec: MQTTPingCodec(),
                schedule: HeartbeatSchedule(interval: .seconds(1), timeout: .milliseconds(500)),
                onEvent: log.record
            )
        )
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1883)).wait()
        #expect(throws: MQTTProtocolError.self) {
            try channel.writeInbound(Self.bytes([0xD0, 0xFF, 0xFF, 0xFF, 0xFF]))
        }
        #expect(!channel.isActive)
        #expect(
            log.events.last
                == .closed(.protocolError("malformed MQTT packet: remaining length longer than 4 bytes"))
        )
    }
}
