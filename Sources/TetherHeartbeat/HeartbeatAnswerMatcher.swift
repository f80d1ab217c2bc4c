import NIOCore

/// Tells whether a received frame is the expected answer: it contains the expected bytes, or its
/// text matches the regular expression. Shared by the dialects that take an expectation (tcp/tls,
/// WebSocket message mode).
struct HeartbeatAnswerMatcher {
    let expectation: HeartbeatExpectation
    // Regex is not Sendable; the matcher is made where it is used, on the connection's event loop.
    private let regex: Regex<AnyRegexOutput>?

    init(_ expectation: HeartbeatExpectation) {
        self.expectation = expectation
        if case .regex(let pattern) = expectation {
            // Patterns are validated with the configuration (`HeartbeatExpectation.validate(regex:)`);
            // one that still does not compile matches nothing, so every heartbeat is missed.
            self.regex = try? Regex(pattern)
        } else {
            self.regex = nil
        }
    }

    func matches(_ frame: ByteBuffer) -> Bool {
        switch self.expectation {
        case .bytes(let expected):
            return expected.isEmpty || frame.readableBytesView.firstRange(of: expected) != nil
        case .regex:
            guard let regex = self.regex else { return false }
            let text = String(decoding: frame.readableBytesView, as: UTF8.self)
            return (try? regex.firstMatch(in: text)) != nil
        }
    }
}
