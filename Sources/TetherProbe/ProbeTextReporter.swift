import Foundation
public import NIOCore
public import TetherHeartbeat

/// Prints a probe the way `ping` does: a header, a line per heartbeat as it happens, statistics.
public struct ProbeTextReporter: ProbeReporter {
    private let write: (String) -> Void
    private let writeError: (String) -> Void

    /// - Parameters:
    ///   - write: receives each line for standard output (without newline).
    ///   - writeError: receives each line for standard error.
    public init(write: @escaping (String) -> Void, writeError: @escaping (String) -> Void) {
        self.write = write
        self.writeError = writeError
    }

    public func started(_ options: ProbeOptions) {
        let target = options.connection.target
        self.write(
            "PROBE \(target.url) (\(target.dialect.rawValue), every \(PrometheusDuration.format(options.interval)), "
                + "timeout \(PrometheusDuration.format(options.timeout)))"
        )
    }

    public func connected(address: String, phases: ConnectPhases) {
        let parts = ConnectPhase.allCases.compactMap { phase in
            phases[phase].map { "\(phase.rawValue) \(ProbeResult.milliseconds($0)) ms" }
        }
        self.write(
            "connected to \(address) in \(ProbeResult.milliseconds(phases.total)) ms (\(parts.joined(separator: ", ")))"
        )
    }

    public func heartbeat(_ heartbeat: ProbeHeartbeat, timeout: TimeAmount) {
        let seq = "seq=\(heartbeat.sequence)"
        if let late = heartbeat.lateAfter {
            self.write("\(seq) late answer after \(String(format: "%.3f", ProbeResult.seconds(late))) s")
            return
        }
        switch heartbeat.outcome {
        case .answered(let rtt): self.write("\(seq) rtt=\(ProbeResult.milliseconds(rtt)) ms")
        case .coalesced: self.write("\(seq) answered by a later pong (RFC 6455 §5.5.3)")
        case .missed: self.write("\(seq) missed (no answer within \(PrometheusDuration.format(timeout)))")
        case .notSent: break
        }
    }

    public func finished(_ result: ProbeResult) {
        if let error = result.error { self.writeError("tether probe: \(error)") }
        self.write("--- \(result.target.url) probe statistics ---")
        var counts =
            "\(result.sent) sent, \(result.answered) answered, \(result.missed) missed, "
            + "\(ProbeResult.percent(result.lossRatio * 100)) loss"
        if result.late > 0 { counts += ", \(result.late) late" }
        if result.unmatchedAnswers > 0 { counts += ", \(result.unmatchedAnswers) unmatched answers" }
        counts += ", time \(String(format: "%.2f", ProbeResult.seconds(result.elapsed))) s"
        self.write(counts)
        if let rtt = result.rtt {
            let values = [rtt.min, rtt.avg, rtt.p50, rtt.p90, rtt.p99, rtt.max, rtt.mdev].map(ProbeResult.milliseconds)
            self.write("rtt min/avg/p50/p90/p99/max/mdev = \(values.joined(separator: "/")) ms")
        }
        if let disconnect = result.disconnect {
            switch disconnect {
            case .closedByAgent(nil, _): self.write("closed")
            case .closedByAgent: self.write("closed: \(disconnect)")
            default: self.write("connection ended: \(disconnect)")
            }
        }
        if result.error == nil, let reason = result.statusReason {
            self.write("status: \(result.status.rawValue.uppercased()): \(reason)")
        }
    }
}
