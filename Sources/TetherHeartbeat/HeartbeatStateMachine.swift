public import NIOCore

/// How answers are paired with the heartbeats they answer.
public enum HeartbeatMatching: Sendable {
    /// The answer names its heartbeat (a WebSocket pong echoes the ping's payload).
    case bySequence
    /// The answer names its heartbeat and answers only that one: older heartbeats still in flight
    /// are not coalesced but missed at their timeout. For peers that reply to every request once
    /// and in order, where a reply can be a failure (a Redis error reply): the codec numbers the
    /// replies and names only the successful ones.
    case bySequenceExact
    /// The answer names nothing; the peer answers in order on an ordered stream (TCP, MQTT),
    /// so the n-th answer belongs to the n-th heartbeat.
    case inOrder
}

/// The heartbeat bookkeeping of one connection: which heartbeats are in flight, which answer
/// belongs to which heartbeat, what counts as missed and when the connection is dead.
///
/// A value type that is told what happened and when, and answers with what to do, so it can be
/// tested without a channel or a clock. Time is always passed in.
///
/// Invariants:
/// - An answer is an RTT sample only for the heartbeat it answers, and only within `timeout`.
/// - An answer arriving after its heartbeat was declared missed is reported *late*, never as an RTT
///   sample, and it never answers a newer heartbeat.
/// - Memory is bounded: at most `timeout / interval + 1` heartbeats are in flight, and at most
///   ``lateWindow`` missed ones are remembered for late answers.
public struct HeartbeatStateMachine: Sendable {
    /// How many missed heartbeats are remembered so that their late answers are recognised.
    public static let lateWindow = 64

    private struct InFlight: Sendable {
        var sequence: UInt64
        var sentAt: NIODeadline
    }

    public let matching: HeartbeatMatching
    public let downAfter: Int

    private var nextSequence: UInt64 = 1
    private var inFlight: [InFlight] = []
    private var missedAwaitingLate: [InFlight] = []
    public private(set) var consecutiveMissed = 0
    public private(set) var isDown = false

    public init(matching: HeartbeatMatching, downAfter: Int) {
        precondition(downAfter >= 1, "downAfter is validated by the configuration")
        self.matching = matching
        self.downAfter = downAfter
    }

    /// Heartbeats sent and not yet answered or missed.
    public var inFlightCount: Int { self.inFlight.count }

    /// The sequence number the next heartbeat will carry.
    public var upcomingSequence: UInt64 { self.nextSequence }

    /// A heartbeat is written now; returns its sequence number.
    public mutating func heartbeatSent(at now: NIODeadline) -> UInt64 {
        let sequence = self.nextSequence
        self.nextSequence += 1
        self.inFlight.append(InFlight(sequence: sequence, sentAt: now))
        return sequence
    }

    public enum AnswerAction: Sendable, Equatable {
        /// The answer to heartbeat `sequence`, within its timeout. `coalesced` are older heartbeats
        /// still in flight that the peer skipped, as RFC 6455 §5.5.3 allows ("MAY elect to send a
        /// Pong frame for only the most recently processed Ping frame"); they count as answered but
        /// give no RTT sample.
        case answered(sequence: UInt64, rtt: TimeAmount, coalesced: [UInt64])
        /// The answer to a heartbeat already counted as missed.
        case late(sequence: UInt64, after: TimeAmount)
        /// An answer to nothing we sent (an unsolicited pong, a stale or foreign payload).
        case unmatched
    }

    /// An answer arrived at `now`. `sequence` is what the answer names (for ``HeartbeatMatching/bySequence``),
    /// or `nil` for in-order dialects.
    public mutating func answerReceived(sequence: UInt64?, at now: NIODeadline) -> AnswerAction {
        switch self.matching {
        case .inOrder:
            // The oldest outstanding heartbeat is answered first; missed ones are older than any in flight.
            if !self.missedAwaitingLate.isEmpty {
                let missed = self.missedAwaitingLate.removeFirst()
                return .late(sequence: missed.sequence, after: now - missed.sentAt)
            }
            guard !self.inFlight.isEmpty else { return .unmatched }
            let answered = self.inFlight.removeFirst()
            self.answerArrived()
            return .answered(sequence: answered.sequence, rtt: now - answered.sentAt, coalesced: [])

        case .bySequence, .bySequenceExact:
            guard let sequence else { return .unmatched }
            if let index = self.inFlight.firstIndex(where: { $0.sequence == sequence }) {
                let answered = self.inFlight[index]
                var coalesced: [UInt64] = []
                if self.matching == .bySequence {
                    coalesced = self.inFlight[..<index].map(\.sequence)
                    self.inFlight.removeFirst(index + 1)
                } else {
                    self.inFlight.remove(at: index)
                }
                self.answerArrived()
                return .answered(sequence: sequence, rtt: now - answered.sentAt, coalesced: coalesced)
            }
            if let index = self.missedAwaitingLate.firstIndex(where: { $0.sequence == sequence }) {
                let missed = self.missedAwaitingLate.remove(at: index)
                return .late(sequence: sequence, after: now - missed.sentAt)
            }
            return .unmatched
        }
    }

    /// The oldest heartbeat in flight whose timeout has passed at `now`, if any. An answer read in
    /// the same event-loop tick as its timeout, or before a timeout event arrives from elsewhere,
    /// must not count as in time: expire these first.
    public func oldestOverdue(at now: NIODeadline, timeout: TimeAmount) -> UInt64? {
        // In flight in sending order, so the first is the oldest.
        guard let oldest = self.inFlight.first, now - oldest.sentAt >= timeout else { return nil }
        return oldest.sequence
    }

    public enum TimeoutAction: Sendable, Equatable {
        /// The heartbeat was answered (or coalesced) in time; nothing to do.
        case none
        /// The heartbeat is missed. `isNewlyDown` is true exactly once, when the misses in a row
        /// reach `downAfter`.
        case missed(sequence: UInt64, consecutive: Int, isNewlyDown: Bool)
    }

    /// The timeout of heartbeat `sequence` elapsed.
    public mutating func timeoutElapsed(sequence: UInt64) -> TimeoutAction {
        guard let index = self.inFlight.firstIndex(where: { $0.sequence == sequence }) else { return .none }
        let missed = self.inFlight.remove(at: index)
        // Every heartbeat has the same timeout, so older ones time out first and appending keeps
        // the order that in-order matching relies on.
        self.missedAwaitingLate.append(missed)
        if self.missedAwaitingLate.count > Self.lateWindow {
            self.missedAwaitingLate.removeFirst(self.missedAwaitingLate.count - Self.lateWindow)
        }
        self.consecutiveMissed += 1
        let isNewlyDown = !self.isDown && self.consecutiveMissed >= self.downAfter
        if isNewlyDown { self.isDown = true }
        return .missed(sequence: sequence, consecutive: self.consecutiveMissed, isNewlyDown: isNewlyDown)
    }

    private mutating func answerArrived() {
        self.consecutiveMissed = 0
        self.isDown = false
    }
}
