import NIOCore
import Testing

@testable import TetherHeartbeat

@Suite struct PrometheusDurationTests {
    @Test(arguments: [
        ("250ms", TimeAmount.milliseconds(250)), ("5s", .seconds(5)), ("1m30s", .seconds(90)),
        ("1h", .hours(1)), ("10us", .microseconds(10)), ("1d", .hours(24)), ("0", .zero),
        ("1s500ms", .milliseconds(1500)),
    ])
    func parses(text: String, amount: TimeAmount) {
        #expect(PrometheusDuration.parse(text) == amount)
    }

    @Test(arguments: ["", "5", "5x", "s", "1s1m", "1.5s", "-1s", "1ss", "99999999999999999999s"])
    func rejects(text: String) {
        #expect(PrometheusDuration.parse(text) == nil)
    }

    @Test func formatsLikePrometheus() {
        #expect(PrometheusDuration.format(.seconds(90)) == "1m30s")
        #expect(PrometheusDuration.format(.milliseconds(250)) == "250ms")
        #expect(PrometheusDuration.format(.zero) == "0s")
    }
}

@Suite struct HeartbeatTargetTests {
    @Test func parsesWebSocketURLs() throws {
        let target = try HeartbeatTarget(url: "wss://chat.internal/ws?room=1")
        #expect(target.dialect == .websocket)
        #expect(target.usesTLS)
        #expect(target.host == "chat.internal")
        #expect(target.port == 443)
        #expect(target.requestTarget == "/ws?room=1")
        let plain = try HeartbeatTarget(url: "ws://[::1]:8080")
        #expect(plain.host == "::1")
        #expect(plain.authority == "[::1]:8080")
        #expect(plain.requestTarget == "/")
    }

    @Test func parsesTCPURLs() throws {
        let target = try HeartbeatTarget(url: "tls://orders:7000")
        #expect(target.dialect == .tcp)
        #expect(target.usesTLS)
        #expect(target.port == 7000)
    }

    @Test(arguments: [
        ("http://x:1", "unsupported scheme 'http'"), ("tcp://x", "needs a port"), ("ws://:80", "missing host"),
        ("tcp://x:70000", "from 1 to 65535"), ("tcp://x:1/path", "takes no path"), ("orders:7000", "expected scheme"),
        ("ws://user:pw@x:1", "credentials"),
    ])
    func rejectsBadURLs(url: String, reason: String) {
        #expect {
            try HeartbeatTarget(url: url)
        } throws: { error in
            "\(error)".contains(reason)
        }
    }
}

@Suite struct ByteEscapesTests {
    @Test func roundTrips() throws {
        let bytes = try ByteEscapes.unescape("PING\\r\\n\\x00\\xff\\\\")
        #expect(bytes == [80, 73, 78, 71, 13, 10, 0, 255, 92])
        #expect(try ByteEscapes.unescape(ByteEscapes.escape(bytes)) == bytes)
    }

    @Test(arguments: ["\\", "\\q", "\\x1", "\\xzz"])
    func rejects(text: String) {
        #expect(throws: ByteEscapes.Error.self) { try ByteEscapes.unescape(text) }
    }
}
