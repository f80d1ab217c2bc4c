import NIOCore
import Testing

@testable import TetherHeartbeat

@Suite struct HeartbeatStateMachineTests {
    let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)

    @Test func answerBySequenceGivesTheRTTOfThatHeartbeat() {
        var machine = HeartbeatStateMachine(matching: .bySequence, downAfter: 3)
        let first = machine.heartbeatSent(at: self.t0)
        let second = machine.heartbeatSent(at: self.t0 + .milliseconds(100))
        #expect(
            machine.answerReceived(sequence: first, at: self.t0 + .milliseconds(150))
                == .answered(sequence: first, rtt: .milliseconds(150), coalesced: [])
        )
        #expect(
            machine.answerReceived(sequence: second, at: self.t0 + .milliseconds(160))
                == .answered(sequence: second, rtt: .milliseconds(60), coalesced: [])
        )
        #expect(machine.inFlightCount == 0)
    }

    @Test func answerToANewerHeartbeatCoalescesOlderOnes() {
        var machine = HeartbeatStateMachine(matching: .bySequence, downAfter: 3)
        let first = machine.heartbeatSent(at: self.t0)
        let second = machine.heartbeatSent(at: self.t0 + .milliseconds(100))
        #expect(
            machine.answerReceived(sequence: second, at: self.t0 + .milliseconds(130))
                == .answered(sequence: second, rtt: .milliseconds(30), coalesced: [first])
        )
        #expect(machine.timeoutElapsed(sequence: first) == .none)
    }

    @Test func answerAfterTimeoutIsLateNeverAnRTT() {
        var machine = HeartbeatStateMachine(matching: .bySequence, downAfter: 3)
        let first = machine.heartbeatSent(at: self.t0)
        #expect(machine.timeoutElapsed(sequence: first) == .missed(sequence: first, consecutive: 1, isNewlyDown: false))
        let second = machine.heartbeatSent(at: self.t0 + .seconds(1))
        #expect(
            machine.answerReceived(sequence: first, at: self.t0 + .milliseconds(1100))
                == .late(sequence: first, after: .milliseconds(1100))
        )
        #expect(machine.inFlightCount == 1)
        #expect(machine.consecutiveMissed == 1, "a late answer does not undo the miss")
        #expect(
            machine.answerReceived(sequence: second, at: self.t0 + .milliseconds(1200))
                == .answered(sequence: second, rtt: .milliseconds(200), coalesced: [])
        )
        #expect(machine.consecutiveMissed == 0)
    }

    @Test func unknownOrRepeatedAnswersAreUnmatched() {
        var machine = HeartbeatStateMachine(matching: .bySequence, downAfter: 3)
        #expect(machine.answerReceived(sequence: nil, at: self.t0) == .unmatched)
        let first = machine.heartbeatSent(at: self.t0)
        #expect(machine.answerReceived(sequence: 99, at: self.t0) == .unmatched)
        _ = machine.answerReceived(sequence: first, at: self.t0)
        #expect(machine.answerReceived(sequence: first, at: self.t0) == .unmatched)
    }

    @Test func inOrderAnswersGoToTheOldestHeartbeatAndLateOnesKeepTheOrder() {
        var machine = HeartbeatStateMachine(matching: .inOrder, downAfter: 3)
        let first = machine.heartbeatSent(at: self.t0)
        _ = machine.timeoutElapsed(sequence: first)
        let second = machine.heartbeatSent(at: self.t0 + .seconds(1))
        // The answer to the missed heartbeat comes first on an ordered stream.
        #expect(
            machine.answerReceived(sequence: nil, at: self.t0 + .milliseconds(1010))
                == .late(sequence: first, after: .milliseconds(1010))
        )
        #expect(
            machine.answerReceived(sequence: nil, at: self.t0 + .milliseconds(1020))
                == .answered(sequence: second, rtt: .milliseconds(20), coalesced: [])
        )
        #expect(machine.answerReceived(sequence: nil, at: self.t0 + .seconds(2)) == .unmatched)
    }

    @Test func downAfterConsecutiveMissesIsReportedOnce() {
        var machine = HeartbeatStateMachine(matching: .inOrder, downAfter: 2)
        var actions: [HeartbeatStateMachine.TimeoutAction] = []
        for i in 0..<3 {
            let sequence = machine.heartbeatSent(at: self.t0 + .seconds(Int64(i)))
            actions.append(machine.timeoutElapsed(sequence: sequence))
        }
        #expect(
            actions == [
                .missed(sequence: 1, consecutive: 1, isNewlyDown: false),
                .missed(sequence: 2, consecutive: 2, isNewlyDown: true),
                .missed(sequence: 3, consecutive: 3, isNewlyDown: false),
            ]
        )
        #expect(machine.isDown)
    }

    @Test func rememberedMissesAreBounded() {
        var machine = HeartbeatStateMachine(matching: .bySequence, downAfter: 1)
        for i in 0..<(HeartbeatStateMachine.lateWindow * 3) {
            let sequence = machine.heartbeatSent(at: self.t0 + .seconds(Int64(i)))
            _ = machine.timeoutElapsed(sequence: sequence)
        }
        #expect(machine.answerReceived(sequence: 1, at: self.t0 + .seconds(1000)) == .unmatched)
        let recent = UInt64(HeartbeatStateMachine.lateWindow * 3)
        #expect(machine.answerReceived(sequence: recent, at: self.t0 + .seconds(1000)) != .unmatched)
    }
}
