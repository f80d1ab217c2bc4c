import NIOCore
import NIOTestUtils
import Testing

@testable import TetherHeartbeat

@Suite struct HeartbeatFramingDecoderTests {
    @Test func lineFramingThroughTheVerifier() throws {
        try ByteToMessageDecoderVerifier.verifyDecoder(
            stringInputOutputPairs: [
                ("PONG\n", [ByteBuffer(string: "PONG")]),
                ("PONG\r\n", [ByteBuffer(string: "PONG")]),
                ("a\nb\n", [ByteBuffer(string: "a"), ByteBuffer(string: "b")]),
                ("\n", [ByteBuffer()]),
            ],
            decoderFactory: { HeartbeatFramingDecoder(framing: .line, maxFrameBytes: 64) }
        )
    }

    @Test func fixedFramingThroughTheVerifier() throws {
        try ByteToMessageDecoderVerifier.verifyDecoder(
            stringInputOutputPairs: [
                ("+PONG\r\n", [ByteBuffer(string: "+PONG\r\n")]),
                ("abcdefghijklmn", [ByteBuffer(string: "abcdefg"), ByteBuffer(string: "hijklmn")]),
            ],
            decoderFactory: { HeartbeatFramingDecoder(framing: .fixed(7), maxFrameBytes: 64) }
        )
    }

    @Test func delimiterFramingThroughTheVerifier() throws {
        try ByteToMessageDecoderVerifier.verifyDecoder(
            stringInputOutputPairs: [
                ("pong\r\n\r\n", [ByteBuffer(string: "pong")]),
                ("a\r\n\r\nb\r\n\r\n", [ByteBuffer(string: "a"), ByteBuffer(string: "b")]),
            ],
            decoderFactory: { HeartbeatFramingDecoder(framing: .delimiter(Array("\r\n\r\n".utf8)), maxFrameBytes: 64) }
        )
    }

    @Test(arguments: [
        ("line", HeartbeatFraming.line), ("fixed:4", .fixed(4)), ("delimiter:\\x00", .delimiter([0])),
    ])
    func parsesFramingNames(text: String, framing: HeartbeatFraming) {
        #expect(HeartbeatFraming(parsing: text) == framing)
    }

    @Test(arguments: ["", "fixed:0", "fixed:x", "delimiter:", "lines"])
    func rejectsBadFramingNames(text: String) {
        #expect(HeartbeatFraming(parsing: text) == nil)
    }
}
