import Foundation
import NIOCore
import Testing

@testable import TetherHeartbeat
@testable import TetherProbe

@Suite struct ProbeResultTests {
    func result(
        _ outcomes: [ProbeHeartbeat.Outcome],
        thresholds: ProbeThresholds = ProbeThresholds()
    ) throws
        -> ProbeResult
    {
        var result = ProbeResult(target: try HeartbeatTarget(url: "ws://127.0.0.1:1"), thresholds: thresholds)
        result.heartbeats = outcomes.enumerated().map { ProbeHeartbeat(sequence: UInt64($0 + 1), outcome: $1) }
        return result
    }

    @Test func statisticsMatchPing() throws {
        let rtts: [TimeAmount] = [1, 2, 3, 4, 10].map { .milliseconds($0) }
        let stats = try #require(RTTStatistics(samples: rtts))
        #expect(stats.min == .milliseconds(1))
        #expect(stats.max == .milliseconds(10))
        #expect(stats.avg == .milliseconds(4))
        #expect(stats.p50 == .milliseconds(3))
        #expect(stats.p90 == .milliseconds(10))
        // mean 4, mean of squares (1+4+9+16+100)/5 = 26, sqrt(26-16) = 3.1623 ms
        #expect(abs(stats.mdev.nanoseconds - 3_162_278) < 2)
        #expect(RTTStatistics(samples: []) == nil)
    }

    @Test func healthFollowsLossAndThresholds() throws {
        let ok = try self.result([.answered(rtt: .milliseconds(5)), .answered(rtt: .milliseconds(7))])
        #expect(ok.status == .ok)
        #expect(ok.statusReason == nil)

        let lossy = try self.result([.answered(rtt: .milliseconds(5)), .missed, .notSent, .coalesced])
        #expect(lossy.sent == 3)
        #expect(lossy.answered == 2)
        #expect(lossy.missed == 2)
        #expect(lossy.lossRatio == 0.5)
        #expect(lossy.status == .critical)
        let tolerated = try self.result(
            [.answered(rtt: .milliseconds(5)), .missed],
            thresholds: ProbeThresholds(maxLossPercent: 50)
        )
        #expect(tolerated.status == .ok)

        let slow = try self.result(
            [.answered(rtt: .milliseconds(20))],
            thresholds: ProbeThresholds(warnRTT: .milliseconds(10), critRTT: .milliseconds(30))
        )
        #expect(slow.status == .warning)
        let slower = try self.result(
            [.answered(rtt: .milliseconds(40))],
            thresholds: ProbeThresholds(warnRTT: .milliseconds(10), critRTT: .milliseconds(30))
        )
        #expect(slower.status == .critical)
    }

    @Test func jsonHasEveryFieldWithNullsNotGaps() throws {
        var result = try self.result([.answered(rtt: .microseconds(150)), .missed])
        result.heartbeats[1].lateAfter = .seconds(3)
        var lines: [String] = []
        let reporter = ProbeJSONReporter(write: { lines.append($0) })
        reporter.finished(result)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(object["status"] as? String == "critical")
        #expect(object["connect"] is NSNull)
        let summary = try #require(object["summary"] as? [String: Any])
        #expect(summary["answered"] as? Int == 1)
        #expect(summary["late"] as? Int == 1)
        let heartbeats = try #require(object["heartbeats"] as? [[String: Any]])
        #expect(heartbeats[0]["rtt_seconds"] as? Double == 0.00015)
        #expect(heartbeats[1]["result"] as? String == "missed")
        #expect(heartbeats[1]["late_after_seconds"] as? Double == 3)
    }

    @Test func nagiosLineHasStatusAndPerfdata() throws {
        let result = try self.result(
            [.answered(rtt: .milliseconds(20))],
            thresholds: ProbeThresholds(warnRTT: .milliseconds(10))
        )
        var lines: [String] = []
        ProbeNagiosReporter(write: { lines.append($0) }).finished(result)
        #expect(lines.count == 1)
        #expect(lines[0].hasPrefix("TETHER WARNING - ws://127.0.0.1:1: 1/1 answered"))
        #expect(lines[0].contains("| rtt=0.020000s;0.010000;;0 loss=0.0%;;0.0;0;100"))
    }
}
