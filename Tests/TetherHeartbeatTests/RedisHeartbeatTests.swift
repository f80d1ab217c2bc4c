import NIOCore
import NIOEmbedded
import Testing

@testable import TetherHeartbeat

/// Redis through the connector's pipeline in an `EmbeddedChannel`: optional AUTH as the upgrade
/// phase, then RESP PING answered by +PONG.
@Suite struct RedisHeartbeatTests {
    let log = EventLog()
    let channel = EmbeddedChannel()
    let connecting: ConnectingChannel

    static let ping = "*1\r\n$4\r\nPING\r\n"

    init() {
        self.connecting = ConnectingChannel(self.channel)
    }

    func start(_ redis: RedisOptions = RedisOptions(), schedule: HeartbeatSchedule? = nil) throws {
        try self.connecting.start(
            HeartbeatConnectionOptions(target: try HeartbeatTarget(url: "redis://127.0.0.1"), redis: redis),
            schedule: schedule ?? HeartbeatSchedule(interval: .seconds(1), timeout: .milliseconds(500)),
            onEvent: self.log.record
        )
    }

    func readString() throws -> String {
        String(buffer: try #require(try self.channel.readOutbound(as: ByteBuffer.self)))
    }

    @Test func withoutAPasswordPingGoesOutAtOnceAndThereIsNoUpgradePhase() throws {
        try self.start()
        #expect(try self.readString() == Self.ping)
        #expect(try self.connecting.phases().upgrade == nil)
        self.channel.embeddedEventLoop.advanceTime(by: .microseconds(420))
        try self.channel.writeInbound(ByteBuffer(string: "+PO"))
        try self.channel.writeInbound(ByteBuffer(string: "NG\r\n"))
        #expect(self.log.drain() == [.sent(sequence: 1), .answered(sequence: 1, rtt: .microseconds(420))])
    }

    @Test func authWithPasswordIsARespArrayAndOKStartsThePings() throws {
        try self.start(RedisOptions(password: Secret("hunter2")))
        #expect(try self.readString() == "*2\r\n$4\r\nAUTH\r\n$7\r\nhunter2\r\n")
        #expect(try self.channel.readOutbound(as: ByteBuffer.self) == nil, "no PING before +OK")
        self.channel.embeddedEventLoop.advanceTime(by: .milliseconds(2))
        try self.channel.writeInbound(ByteBuffer(string: "+OK\r\n"))
        #expect(try self.connecting.phases().upgrade == .milliseconds(2))
        #expect(try self.readString() == Self.ping)
    }

    @Test func authWithUserNameAndPassword() throws {
        try self.start(RedisOptions(username: "tether", password: Secret("p w")))
        #expect(try self.readString() == "*3\r\n$4\r\nAUTH\r\n$6\r\ntether\r\n$3\r\np w\r\n")
    }

    @Test func aRefusedAuthQuotesRedisButNeverThePassword() throws {
        try self.start(RedisOptions(username: "tether", password: Secret("hunter2")))
        _ = try self.readString()
        try self.channel.writeInbound(
            ByteBuffer(string: "-WRONGPASS invalid username-password pair or user is disabled.\r\n")
        )
        let error = try self.connecting.failure()
        #expect(error.code == .upgradeRefused)
        #expect(error.phase == .upgrade)
        #expect(
            error.message == "Redis refused AUTH: \"WRONGPASS invalid username-password pair or user is disabled.\""
        )
        #expect(!self.channel.isActive)
        #expect(try self.channel.readOutbound(as: ByteBuffer.self) == nil, "no PING after a refusal")
    }

    @Test func aServerEchoingThePasswordIsStillNotQuoted() {
        let verdict = RedisHandshake.judgeAuthReply(
            ByteBuffer(string: "-ERR unknown password 'hunter2'"),
            password: Secret("hunter2")
        )
        #expect(verdict == .refused("Redis refused AUTH: \"ERR unknown password '<secret>'\""))
    }

    @Test func somethingElseThanRedisIsNamed() {
        let verdict = RedisHandshake.judgeAuthReply(
            ByteBuffer(string: "HTTP/1.1 400 Bad Request"),
            password: Secret("x")
        )
        #expect(
            verdict
                == .refused("unexpected answer to Redis AUTH: \"HTTP/1.1 400 Bad Request\" (is this a Redis server?)")
        )
    }

    @Test func anErrorReplyToPingIsAMissAndTheNextPongAnswersTheNextPing() throws {
        // Timeout longer than the interval: the failed PING is still in flight when the next one is
        // answered, and must not be counted as answered with it.
        try self.start(schedule: HeartbeatSchedule(interval: .seconds(1), timeout: .seconds(3)))
        try self.channel.writeInbound(ByteBuffer(string: "-LOADING Redis is loading the dataset in memory\r\n"))
        self.channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        self.channel.embeddedEventLoop.advanceTime(by: .milliseconds(4))
        try self.channel.writeInbound(ByteBuffer(string: "+PONG\r\n"))
        self.channel.embeddedEventLoop.advanceTime(by: .milliseconds(1995))
        #expect(
            self.log.drain() == [
                .sent(sequence: 1), .sent(sequence: 2), .answered(sequence: 2, rtt: .milliseconds(4)),
                .sent(sequence: 3),
            ]
        )
        self.channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(self.log.drain().contains(.missed(sequence: 1, consecutive: 1)))
    }

    @Test func anErrorReplyAfterTheTimeoutDoesNotShiftLaterAnswers() throws {
        // Timeout shorter than the interval: with plain in-order matching, the next +PONG would be
        // taken as the late answer to the failed PING, and every PING after it would be missed.
        try self.start(schedule: HeartbeatSchedule(interval: .seconds(1), timeout: .milliseconds(500)))
        try self.channel.writeInbound(ByteBuffer(string: "-BUSY Redis is busy running a script\r\n"))
        self.channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        self.channel.embeddedEventLoop.advanceTime(by: .milliseconds(3))
        try self.channel.writeInbound(ByteBuffer(string: "+PONG\r\n"))
        self.channel.embeddedEventLoop.advanceTime(by: .milliseconds(997))
        self.channel.embeddedEventLoop.advanceTime(by: .milliseconds(2))
        try self.channel.writeInbound(ByteBuffer(string: "+PONG\r\n"))
        #expect(
            self.log.drain() == [
                .sent(sequence: 1), .missed(sequence: 1, consecutive: 1),
                .sent(sequence: 2), .answered(sequence: 2, rtt: .milliseconds(3)),
                .sent(sequence: 3), .answered(sequence: 3, rtt: .milliseconds(2)),
            ]
        )
    }

    @Test func aPongToNothingIsUnmatched() throws {
        try self.start()
        try self.channel.writeInbound(ByteBuffer(string: "+PONG\r\n+PONG\r\n"))
        #expect(self.log.drain() == [.sent(sequence: 1), .answered(sequence: 1, rtt: .zero), .unmatched])
    }

    @Test func anEndlessLineIsAProtocolError() throws {
        try self.start()
        #expect(throws: HeartbeatFramingError.self) {
            try self.channel.writeInbound(ByteBuffer(repeating: UInt8(ascii: "x"), count: 70_000))
        }
        #expect(!self.channel.isActive)
        guard case .closed(.protocolError) = self.log.events.last else {
            Issue.record("expected a protocol error, got \(self.log.events)")
            return
        }
    }

    @Test func closingSendsNothingAndReportsAnAgentClose() throws {
        try self.start()
        _ = try self.readString()
        try self.channel.triggerUserOutboundEvent(HeartbeatCloseRequest()).wait()
        #expect(try self.channel.readOutbound(as: ByteBuffer.self) == nil)
        #expect(!self.channel.isActive)
        #expect(self.log.events.last == .closed(.closedByAgent(code: nil, peerAnswered: false)))
    }
}

@Suite struct ExactSequenceMatchingTests {
    @Test func anAnswerNeverStandsInForOlderHeartbeats() {
        var machine = HeartbeatStateMachine(matching: .bySequenceExact, downAfter: 3)
        let start = NIODeadline.uptimeNanoseconds(0)
        _ = machine.heartbeatSent(at: start)
        _ = machine.heartbeatSent(at: start + .seconds(1))
        #expect(
            machine.answerReceived(sequence: 2, at: start + .milliseconds(1003))
                == .answered(sequence: 2, rtt: .milliseconds(3), coalesced: [])
        )
        #expect(machine.inFlightCount == 1)
        #expect(machine.timeoutElapsed(sequence: 1) == .missed(sequence: 1, consecutive: 1, isNewlyDown: false))
        #expect(machine.answerReceived(sequence: nil, at: start + .seconds(2)) == .unmatched)
    }
}
