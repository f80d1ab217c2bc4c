import Foundation
import NIOCore
import TetherHeartbeat

/// Prints one JSON document when the probe is finished. Durations are in seconds, as Prometheus
/// uses base units; a field that does not apply is `null`, never absent.
public struct ProbeJSONReporter: ProbeReporter {
    private let write: (String) -> Void

    public init(write: @escaping (String) -> Void) {
        self.write = write
    }

    public func finished(_ result: ProbeResult) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(Document(result))) ?? Data("{}".utf8)
        self.write(String(decoding: data, as: UTF8.self))
    }

    private struct Document: Encodable {
        let result: ProbeResult
        init(_ result: ProbeResult) { self.result = result }

        enum Key: String, CodingKey {
            case url, dialect, status, healthy, error, connect, heartbeats, summary, close
            case address, seconds, phases
            case seq, result
            case rttSeconds = "rtt_seconds"
            case lateAfterSeconds = "late_after_seconds"
            case sent, answered, missed, late, unmatched
            case lossRatio = "loss_ratio"
            case elapsedSeconds = "elapsed_seconds"
            case min, avg, p50, p90, p99, max, mdev
            case code, reason, description
        }

        func encode(to encoder: any Encoder) throws {
            var root = encoder.container(keyedBy: Key.self)
            let result = self.result
            try root.encode(result.target.url, forKey: .url)
            try root.encode(result.target.dialect.rawValue, forKey: .dialect)
            try root.encode(result.status.rawValue, forKey: .status)
            try root.encode(result.status == .ok, forKey: .healthy)
            try root.encode(result.error?.description, forKey: .error)

            if let phases = result.phases, let address = result.remoteAddress {
                var connect = root.nestedContainer(keyedBy: Key.self, forKey: .connect)
                try connect.encode(address, forKey: .address)
                try connect.encode(ProbeResult.seconds(phases.total), forKey: .seconds)
                var phaseContainer = connect.nestedContainer(keyedBy: PhaseKey.self, forKey: .phases)
                for phase in ConnectPhase.allCases {
                    try phaseContainer.encode(phases[phase].map(ProbeResult.seconds), forKey: PhaseKey(phase))
                }
            } else {
                try root.encodeNil(forKey: .connect)
            }

            var heartbeats = root.nestedUnkeyedContainer(forKey: .heartbeats)
            for heartbeat in result.heartbeats {
                var entry = heartbeats.nestedContainer(keyedBy: Key.self)
                try entry.encode(heartbeat.sequence, forKey: .seq)
                switch heartbeat.outcome {
                case .answered(let rtt):
                    try entry.encode("answered", forKey: .result)
                    try entry.encode(ProbeResult.seconds(rtt), forKey: .rttSeconds)
                case .coalesced: try entry.encode("coalesced", forKey: .result)
                case .missed: try entry.encode("missed", forKey: .result)
                case .notSent: try entry.encode("not_sent", forKey: .result)
                }
                if let late = heartbeat.lateAfter {
                    try entry.encode(ProbeResult.seconds(late), forKey: .lateAfterSeconds)
                }
            }

            var summary = root.nestedContainer(keyedBy: Key.self, forKey: .summary)
            try summary.encode(result.sent, forKey: .sent)
            try summary.encode(result.answered, forKey: .answered)
            try summary.encode(result.missed, forKey: .missed)
            try summary.encode(result.late, forKey: .late)
            try summary.encode(result.unmatchedAnswers, forKey: .unmatched)
            try summary.encode(result.lossRatio, forKey: .lossRatio)
            try summary.encode(ProbeResult.seconds(result.elapsed), forKey: .elapsedSeconds)
            if let rtt = result.rtt {
                var stats = summary.nestedContainer(keyedBy: Key.self, forKey: .rttSeconds)
                for (key, value) in [
                    (Key.min, rtt.min), (.avg, rtt.avg), (.p50, rtt.p50), (.p90, rtt.p90), (.p99, rtt.p99),
                    (.max, rtt.max), (.mdev, rtt.mdev),
                ] {
                    try stats.encode(ProbeResult.seconds(value), forKey: key)
                }
            } else {
                try summary.encodeNil(forKey: .rttSeconds)
            }

            switch result.disconnect {
            case .closedByAgent(let code?, _), .closedByPeer(let code?, _):
                var close = root.nestedContainer(keyedBy: Key.self, forKey: .close)
                try close.encode(code, forKey: .code)
                try close.encode(WebSocketCloseCode.name(code), forKey: .reason)
                try close.encode(result.disconnect?.description, forKey: .description)
            case .some(let other):
                var close = root.nestedContainer(keyedBy: Key.self, forKey: .close)
                try close.encodeNil(forKey: .code)
                try close.encode(other.label, forKey: .reason)
                try close.encode(other.description, forKey: .description)
            case nil:
                try root.encodeNil(forKey: .close)
            }
        }
    }

    private struct PhaseKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ phase: ConnectPhase) { self.stringValue = phase.rawValue }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
