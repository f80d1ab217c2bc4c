import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

@testable import TetherHeartbeat

/// The heartbeat handler with the WebSocket ping codec, in an `EmbeddedChannel` with virtual time.
@Suite struct WebSocketHeartbeatHandlerTests {
    let log = EventLog()
    let channel = EmbeddedChannel()

    func start(_ schedule: HeartbeatSchedule) throws {
        let handler = HeartbeatHandler(codec: WebSocketPingCodec(), schedule: schedule, onEvent: self.log.record)
        try self.channel.pipeline.syncOperations.addHandler(handler)
        try self.channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).wait()
    }

    func advance(_ amount: TimeAmount) {
        self.channel.embeddedEventLoop.advanceTime(by: amount)
    }

    func readFrame() throws -> WebSocketFrame {
        try #require(try self.channel.readOutbound(as: WebSocketFrame.self))
    }

    /// Outbound frames carry plain `data` and a mask key; `WebSocketFrameEncoder` applies the mask.
    func pong(for ping: WebSocketFrame) -> WebSocketFrame {
        WebSocketFrame(fin: true, opcode: .pong, data: ping.data)
    }

    func closeFrame(_ code: UInt16) -> WebSocketFrame {
        var data = ByteBuffer()
        data.writeInteger(code)
        return WebSocketFrame(fin: true, opcode: .connectionClose, data: data)
    }

    func closeCode(of frame: WebSocketFrame) -> UInt16? {
        guard frame.opcode == .connectionClose else { return nil }
        var data = frame.data
        return data.readInteger()
    }

    @Test func writePingAdvance42msFeedPongGivesExactly42ms() throws {
        try self.start(HeartbeatSchedule(interval: .seconds(1), timeout: .milliseconds(500)))
        let ping = try self.readFrame()
        #expect(ping.opcode == .ping)
        #expect(ping.fin)
        #expect(ping.maskKey != nil, "clients mask every frame (RFC 6455 §5.3)")
        #expect(ping.data.readableBytes <= 125)
        self.advance(.milliseconds(42))
        try self.channel.writeInbound(self.pong(for: ping))
        #expect(self.log.drain() == [.sent(sequence: 1), .answered(sequence: 1, rtt: .milliseconds(42))])
    }

    @Test func heartbeatsFollowTheInterval() throws {
        try self.start(HeartbeatSchedule(interval: .seconds(1), timeout: .milliseconds(500)))
        _ = try self.readFrame()
        self.advance(.milliseconds(999))
        #expect(try self.channel.readOutbound(as: WebSocketFrame.self) == nil)
        self.advance(.milliseconds(1))
        #expect(try self.readFrame().opcode == .ping)
    }

    @Test func pongForAnOlderPingAfterANewerOneWasSentAnswersTheOlderOne() throws {
        try self.start(HeartbeatSchedule(interval: .seconds(1), timeout: .seconds(3)))
        let first = try self.readFrame()
        self.advance(.seconds(1))
        let second = try self.readFrame()
        self.advance(.milliseconds(200))
        try self.channel.writeInbound(self.pong(for: first))
        self.advance(.milliseconds(100))
        try self.channel.writeInbound(self.pong(for: second))
        #expect(
            self.log.drain() == [
                .sent(sequence: 1), .sent(sequence: 2),
                .answered(sequence: 1, rtt: .milliseconds(1200)),
                .answered(sequence: 2, rtt: .milliseconds(300)),
            ]
        )
    }

    @Test func pongForOnlyTheNewestPingCoalescesTheOlderOnes() throws {
        // RFC 6455 §5.5.3: an endpoint MAY answer only the most recently processed ping.
        try self.start(HeartbeatSchedule(interval: .seconds(1), timeout: .seconds(3)))
        _ = try self.readFrame()
        self.advance(.seconds(1))
        let second = try self.readFrame()
        self.advance(.milliseconds(10))
        try self.channel.writeInbound(self.pong(for: second))
        self.advance(.seconds(5))
        let events = self.log.drain()
        #expect(
            Array(events.prefix(4)) == [
                .sent(sequence: 1), .sent(sequence: 2), .coalesced(sequence: 1),
                .answered(sequence: 2, rtt: .milliseconds(10)),
            ]
        )
        #expect(!events.contains(.missed(sequence: 1, consecutive: 1)))
    }

    @Test func lateAndUnsolicitedPongsAreNeverRTTSamples() throws {
        try self.start(HeartbeatSchedule(interval: .seconds(1), timeout: .milliseconds(500)))
        let first = try self.readFrame()
        self.advance(.milliseconds(600))
        try self.channel.writeInbound(self.pong(for: first))
        try self.channel.writeInbound(WebSocketFrame(fin: true, opcode: .pong, data: ByteBuffer(string: "hello")))
        self.advance(.milliseconds(400))
        let second = try self.readFrame()
        self.advance(.milliseconds(5))
        try self.channel.writeInbound(self.pong(for: second))
        #expect(
            self.log.drain() == [
                .sent(sequence: 1), .missed(sequence: 1, consecutive: 1),
                .late(sequence: 1, after: .milliseconds(600)), .unmatched,
                .sent(sequence: 2), .answered(sequence: 2, rtt: .milliseconds(5)),
            ]
        )
    }

    @Test func downAfterMissesClosesWith1001AndABoundedWait() throws {
        try self.start(
            HeartbeatSchedule(
                interval: .seconds(1),
                timeout: .milliseconds(500),
                downAfter: 3,
                closeTimeout: .seconds(1)
            )
        )
        for _ in 0..<3 {
            _ = try self.readFrame()
            self.advance(.seconds(1))
        }
        let close = try self.readFrame()
        #expect(self.closeCode(of: close) == 1001)
        #expect(self.channel.isActive, "waits for the peer's close frame")
        self.advance(.seconds(1))
        #expect(!self.channel.isActive)
        let events = self.log.drain()
        #expect(events.contains(.down(consecutiveMissed: 3)))
        #expect(events.last == .closed(.missedHeartbeats(3)))
        #expect(try self.channel.readOutbound(as: WebSocketFrame.self) == nil, "no heartbeat after down")
    }

    @Test func serverPingIsAnsweredWithAMaskedPongCarryingItsPayload() throws {
        try self.start(HeartbeatSchedule(interval: .seconds(10), timeout: .seconds(1)))
        _ = try self.readFrame()
        try self.channel.writeInbound(WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer(string: "server-ping")))
        let pong = try self.readFrame()
        #expect(pong.opcode == .pong)
        #expect(pong.maskKey != nil)
        #expect(pong.data == ByteBuffer(string: "server-ping"))
    }

    @Test func peerCloseIsEchoedAndReportedWithItsCode() throws {
        try self.start(HeartbeatSchedule(interval: .seconds(1), timeout: .seconds(1)))
        _ = try self.readFrame()
        try self.channel.writeInbound(self.closeFrame(1008))
        #expect(self.closeCode(of: try self.readFrame()) == 1008)
        #expect(!self.channel.isActive)
        #expect(self.log.events.last == .closed(.closedByPeer(code: 1008, reason: "")))
        #expect(DisconnectReason.closedByPeer(code: 1008, reason: "").label == "close_1008")
    }

    @Test func limitEndsWithANormalCloseHandshake() throws {
        try self.start(HeartbeatSchedule(interval: .seconds(1), timeout: .milliseconds(500), limit: 2))
        for _ in 0..<2 {
            let ping = try self.readFrame()
            self.advance(.milliseconds(1))
            try self.channel.writeInbound(self.pong(for: ping))
            self.advance(.milliseconds(999))
        }
        let close = try self.readFrame()
        #expect(self.closeCode(of: close) == 1000)
        try self.channel.writeInbound(self.closeFrame(1000))
        #expect(!self.channel.isActive)
        #expect(self.log.events.last == .closed(.closedByAgent(code: 1000, peerAnswered: true)))
    }

    @Test func closeRequestStopsHeartbeatsAndSendsTheGivenCode() throws {
        try self.start(HeartbeatSchedule(interval: .seconds(1), timeout: .milliseconds(500)))
        _ = try self.readFrame()
        try self.channel.triggerUserOutboundEvent(HeartbeatCloseRequest(code: 1001)).wait()
        #expect(self.closeCode(of: try self.readFrame()) == 1001)
        self.advance(.seconds(5))
        #expect(try self.channel.readOutbound(as: WebSocketFrame.self) == nil)
        #expect(!self.channel.isActive)
        #expect(self.log.events.last == .closed(.closedByAgent(code: 1001, peerAnswered: false)))
    }

    @Test func peerVanishingWithoutCloseIsEOF() throws {
        try self.start(HeartbeatSchedule(interval: .seconds(1), timeout: .milliseconds(500)))
        self.channel.pipeline.fireChannelInactive()
        #expect(self.log.events.last == .closed(.eof))
    }

    @Test func externalPacingSendsOnlyOnTicks() throws {
        try self.start(HeartbeatSchedule(interval: .seconds(1), timeout: .milliseconds(500), pacing: .external))
        self.advance(.seconds(5))
        #expect(try self.channel.readOutbound(as: WebSocketFrame.self) == nil, "no timers of its own")
        try self.channel.triggerUserOutboundEvent(HeartbeatTick.sendHeartbeat).wait()
        let ping = try self.readFrame()
        self.advance(.milliseconds(7))
        try self.channel.writeInbound(self.pong(for: ping))
        try self.channel.triggerUserOutboundEvent(HeartbeatTick.sendHeartbeat).wait()
        _ = try self.readFrame()
        try self.channel.triggerUserOutboundEvent(HeartbeatTick.timeoutElapsed(sequence: 2)).wait()
        #expect(
            self.log.drain() == [
                .sent(sequence: 1), .answered(sequence: 1, rtt: .milliseconds(7)), .sent(sequence: 2),
                .missed(sequence: 2, consecutive: 1),
            ]
        )
    }

    @Test func anAnswerReadAfterTheTimeoutIsLateEvenBeforeTheTimeoutEventArrives() throws {
        // With external pacing the timeout event comes from another loop and may arrive after the
        // answer; the answer is still judged by the time it was read.
        try self.start(HeartbeatSchedule(interval: .seconds(1), timeout: .milliseconds(500), pacing: .external))
        try self.channel.triggerUserOutboundEvent(HeartbeatTick.sendHeartbeat).wait()
        let ping = try self.readFrame()
        self.advance(.milliseconds(501))
        try self.channel.writeInbound(self.pong(for: ping))
        try self.channel.triggerUserOutboundEvent(HeartbeatTick.timeoutElapsed(sequence: 1)).wait()
        #expect(
            self.log.drain() == [
                .sent(sequence: 1), .missed(sequence: 1, consecutive: 1),
                .late(sequence: 1, after: .milliseconds(501)),
            ]
        )
    }
}
