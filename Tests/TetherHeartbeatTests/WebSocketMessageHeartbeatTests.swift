import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

@testable import TetherHeartbeat

/// WebSocket message mode: the aggregator and the heartbeat handler with the message codec, as the
/// connector installs them after the upgrade, in an `EmbeddedChannel` with virtual time.
@Suite struct WebSocketMessageHeartbeatTests {
    let log = EventLog()
    let channel = EmbeddedChannel()

    func start(
        send: String = #"{"type":"ping","seq":{{seq}}}"#,
        expect: HeartbeatExpectation = .bytes(Array(#""type":"pong""#.utf8)),
        maxMessageBytes: Int = 64,
        schedule: HeartbeatSchedule = HeartbeatSchedule(interval: .seconds(1), timeout: .seconds(3))
    ) throws {
        try self.channel.pipeline.syncOperations.addHandler(
            WebSocketMessageAggregator(maxMessageBytes: maxMessageBytes)
        )
        try self.channel.pipeline.syncOperations.addHandler(
            HeartbeatHandler(
                codec: WebSocketMessageCodec(send: send, expect: expect),
                schedule: schedule,
                onEvent: self.log.record
            )
        )
        try self.channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).wait()
    }

    func readFrame() throws -> WebSocketFrame {
        try #require(try self.channel.readOutbound(as: WebSocketFrame.self))
    }

    func text(_ string: String, fin: Bool = true) -> WebSocketFrame {
        WebSocketFrame(fin: fin, opcode: .text, data: ByteBuffer(string: string))
    }

    func continuation(_ string: String, fin: Bool) -> WebSocketFrame {
        WebSocketFrame(fin: fin, opcode: .continuation, data: ByteBuffer(string: string))
    }

    func closeCode(of frame: WebSocketFrame) -> UInt16? {
        guard frame.opcode == .connectionClose else { return nil }
        var data = frame.data
        return data.readInteger()
    }

    @Test func theTemplateBecomesAMaskedTextFrameWithTheSequenceNumber() throws {
        try self.start(send: "{{seq}}:ping:{{seq}}")
        let first = try self.readFrame()
        #expect(first.opcode == .text)
        #expect(first.fin)
        #expect(first.maskKey != nil, "clients mask every frame (RFC 6455 §5.3)")
        #expect(first.data == ByteBuffer(string: "1:ping:1"))
        self.channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(try self.readFrame().data == ByteBuffer(string: "2:ping:2"))
    }

    @Test func aTemplateWithoutPlaceholderIsSentAsIs() throws {
        try self.start(send: #"{"type":"ping"}"#)
        #expect(try self.readFrame().data == ByteBuffer(string: #"{"type":"ping"}"#))
    }

    @Test func theFirstMatchingMessageAnswersAndOthersAreIgnored() throws {
        try self.start()
        _ = try self.readFrame()
        self.channel.embeddedEventLoop.advanceTime(by: .milliseconds(12))
        try self.channel.writeInbound(self.text(#"{"type":"chat","text":"hi"}"#))
        try self.channel.writeInbound(
            WebSocketFrame(fin: true, opcode: .binary, data: ByteBuffer(string: #"{"type":"pong"}"#))
        )
        #expect(self.log.drain() == [.sent(sequence: 1), .answered(sequence: 1, rtt: .milliseconds(12))])
    }

    @Test func answersAreTakenInOrder() throws {
        try self.start()
        _ = try self.readFrame()
        self.channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        _ = try self.readFrame()
        self.channel.embeddedEventLoop.advanceTime(by: .milliseconds(5))
        try self.channel.writeInbound(self.text(#"{"type":"pong"}"#))
        try self.channel.writeInbound(self.text(#"{"type":"pong"}"#))
        #expect(
            self.log.drain() == [
                .sent(sequence: 1), .sent(sequence: 2), .answered(sequence: 1, rtt: .milliseconds(1005)),
                .answered(sequence: 2, rtt: .milliseconds(5)),
            ]
        )
    }

    @Test func regexExpectation() throws {
        try self.start(expect: try HeartbeatExpectation.validate(regex: #""seq":\s*\d+"#))
        _ = try self.readFrame()
        try self.channel.writeInbound(self.text(#"{"seq":"one"}"#))
        try self.channel.writeInbound(self.text(#"{"seq": 1}"#))
        #expect(self.log.drain() == [.sent(sequence: 1), .answered(sequence: 1, rtt: .zero)])
    }

    @Test func aFragmentedMessageIsReassembledAndPingsBetweenFragmentsAreAnswered() throws {
        try self.start()
        _ = try self.readFrame()
        try self.channel.writeInbound(self.text(#"{"type":"#, fin: false))
        try self.channel.writeInbound(WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer(string: "keepalive")))
        let pong = try self.readFrame()
        #expect(pong.opcode == .pong)
        #expect(pong.data == ByteBuffer(string: "keepalive"))
        #expect(self.log.drain() == [.sent(sequence: 1)], "half a message answers nothing")
        try self.channel.writeInbound(self.continuation(#""po"#, fin: false))
        try self.channel.writeInbound(self.continuation(#"ng"}"#, fin: true))
        #expect(self.log.drain() == [.answered(sequence: 1, rtt: .zero)])
    }

    @Test func aFragmentedMessageOverTheLimitClosesWith1009() throws {
        try self.start(maxMessageBytes: 64)
        _ = try self.readFrame()
        try self.channel.writeInbound(self.text(String(repeating: "a", count: 40), fin: false))
        #expect(throws: WebSocketMessageError.self) {
            try self.channel.writeInbound(self.continuation(String(repeating: "b", count: 40), fin: false))
        }
        #expect(self.closeCode(of: try self.readFrame()) == 1009)
        #expect(!self.channel.isActive)
        #expect(
            self.log.events.last
                == .closed(.protocolError("a WebSocket message longer than 64 bytes (closed with 1009)"))
        )
        #expect(DisconnectReason.protocolError("").label == "protocol_error")
    }

    @Test func aContinuationWithoutAMessageClosesWith1002() throws {
        try self.start()
        _ = try self.readFrame()
        #expect(throws: WebSocketMessageError.self) {
            try self.channel.writeInbound(self.continuation("x", fin: true))
        }
        #expect(self.closeCode(of: try self.readFrame()) == 1002)
        #expect(!self.channel.isActive)
        guard case .closed(.protocolError) = self.log.events.last else {
            Issue.record("expected a protocol error, got \(self.log.events)")
            return
        }
    }

    @Test func aNewMessageBeforeTheFragmentedOneEndedClosesWith1002() throws {
        try self.start()
        _ = try self.readFrame()
        try self.channel.writeInbound(self.text("a", fin: false))
        #expect(throws: WebSocketMessageError.self) {
            try self.channel.writeInbound(self.text("b"))
        }
        #expect(self.closeCode(of: try self.readFrame()) == 1002)
        #expect(!self.channel.isActive)
    }

    @Test func peerCloseIsEchoedAsInPingMode() throws {
        try self.start()
        _ = try self.readFrame()
        var data = ByteBuffer()
        data.writeInteger(UInt16(1001))
        try self.channel.writeInbound(WebSocketFrame(fin: true, opcode: .connectionClose, data: data))
        #expect(self.closeCode(of: try self.readFrame()) == 1001)
        #expect(!self.channel.isActive)
        #expect(self.log.events.last == .closed(.closedByPeer(code: 1001, reason: "")))
    }

    @Test func aCloseRequestStartsTheCloseHandshake() throws {
        try self.start()
        _ = try self.readFrame()
        try self.channel.triggerUserOutboundEvent(HeartbeatCloseRequest(code: 1000)).wait()
        #expect(self.closeCode(of: try self.readFrame()) == 1000)
    }

    @Test func templateSplitting() {
        let marker = Array("{{seq}}".utf8)
        #expect(WebSocketMessageCodec.split(Array("a{{seq}}b".utf8), at: marker) == [Array("a".utf8), Array("b".utf8)])
        #expect(WebSocketMessageCodec.split(Array("{{seq}}".utf8), at: marker) == [[], []])
        #expect(WebSocketMessageCodec.split(Array("none".utf8), at: marker) == [Array("none".utf8)])
    }
}
