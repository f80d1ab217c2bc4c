import NIOCore
import NIOEmbedded
import Testing

@testable import TetherHeartbeat

/// The heartbeat handler with the TCP stream codec behind the framing decoder.
@Suite struct StreamHeartbeatHandlerTests {
    let log = EventLog()
    let channel = EmbeddedChannel()

    func start(expect: HeartbeatExpectation = .bytes(Array("PONG".utf8)), framing: HeartbeatFraming = .line) throws {
        try self.channel.pipeline.syncOperations.addHandler(
            ByteToMessageHandler(HeartbeatFramingDecoder(framing: framing, maxFrameBytes: 64))
        )
        try self.channel.pipeline.syncOperations.addHandler(
            HeartbeatHandler(
                codec: StreamHeartbeatCodec(send: Array("PING\n".utf8), expect: expect),
                schedule: HeartbeatSchedule(interval: .seconds(1), timeout: .milliseconds(500), downAfter: 2),
                onEvent: self.log.record
            )
        )
        try self.channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).wait()
    }

    @Test func sendsPingAndMatchesAPongLine() throws {
        try self.start()
        #expect(try self.channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "PING\n"))
        self.channel.embeddedEventLoop.advanceTime(by: .microseconds(250))
        try self.channel.writeInbound(ByteBuffer(string: "PO"))
        try self.channel.writeInbound(ByteBuffer(string: "NG\r\n"))
        #expect(self.log.drain() == [.sent(sequence: 1), .answered(sequence: 1, rtt: .microseconds(250))])
    }

    @Test func chatterThatDoesNotMatchIsIgnored() throws {
        try self.start()
        try self.channel.writeInbound(ByteBuffer(string: "welcome\nPONG\n"))
        #expect(self.log.drain() == [.sent(sequence: 1), .answered(sequence: 1, rtt: .zero)])
    }

    @Test func regexExpectation() throws {
        try self.start(expect: try HeartbeatExpectation.validate(regex: "^\\+PONG$"))
        try self.channel.writeInbound(ByteBuffer(string: "PONG\n+PONG\n"))
        #expect(self.log.drain() == [.sent(sequence: 1), .answered(sequence: 1, rtt: .zero)])
    }

    @Test func lateAnswerOnAnOrderedStreamBelongsToTheMissedHeartbeat() throws {
        try self.start()
        self.channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        self.channel.embeddedEventLoop.advanceTime(by: .milliseconds(10))
        try self.channel.writeInbound(ByteBuffer(string: "PONG\nPONG\n"))
        #expect(
            self.log.drain() == [
                .sent(sequence: 1), .missed(sequence: 1, consecutive: 1), .sent(sequence: 2),
                .late(sequence: 1, after: .milliseconds(1010)), .answered(sequence: 2, rtt: .milliseconds(10)),
            ]
        )
    }

    @Test func downClosesAtOnceWithoutACloseCode() throws {
        try self.start()
        self.channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(!self.channel.isActive)
        #expect(self.log.events.last == .closed(.missedHeartbeats(2)))
    }

    @Test func anEndlessLineIsAProtocolErrorNotUnboundedMemory() throws {
        try self.start()
        #expect(throws: HeartbeatFramingError.self) {
            try self.channel.writeInbound(ByteBuffer(repeating: UInt8(ascii: "x"), count: 100))
        }
        #expect(!self.channel.isActive)
        guard case .closed(.protocolError) = self.log.events.last else {
            Issue.record("expected a protocol error, got \(self.log.events)")
            return
        }
    }
}
