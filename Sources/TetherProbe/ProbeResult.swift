public import NIOCore
public import TetherHeartbeat

/// The outcome of one heartbeat of a probe.
public struct ProbeHeartbeat: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        case answered(rtt: TimeAmount)
        /// Answered together with a later heartbeat (RFC 6455 §5.5.3); no RTT of its own.
        case coalesced
        case missed
        /// Never sent: the connection failed or closed first.
        case notSent
    }

    public var sequence: UInt64
    public var outcome: Outcome
    /// For a missed heartbeat whose answer came after all.
    public var lateAfter: TimeAmount?
}

/// Health of a probe, in Nagios' terms.
public enum ProbeStatus: String, Sendable, Comparable {
    case ok, warning, critical

    public static func < (lhs: ProbeStatus, rhs: ProbeStatus) -> Bool {
        let order: [ProbeStatus] = [.ok, .warning, .critical]
        return order.firstIndex(of: lhs)! < order.firstIndex(of: rhs)!
    }
}

/// RTT statistics of the answered heartbeats, in the spirit of `ping`'s summary.
public struct RTTStatistics: Sendable, Equatable {
    public var min: TimeAmount
    public var avg: TimeAmount
    public var p50: TimeAmount
    public var p90: TimeAmount
    public var p99: TimeAmount
    public var max: TimeAmount
    /// Standard deviation, as `ping` computes `mdev`: sqrt(mean(x²) − mean(x)²).
    public var mdev: TimeAmount

    /// `nil` when there are no samples. Percentiles are nearest-rank on the exact samples.
    public init?(samples: [TimeAmount]) {
        guard !samples.isEmpty else { return nil }
        let sorted = samples.map(\.nanoseconds).sorted()
        let n = Double(sorted.count)
        let mean = sorted.reduce(0.0) { $0 + Double($1) } / n
        let meanOfSquares = sorted.reduce(0.0) { $0 + Double($1) * Double($1) } / n
        func rank(_ p: Double) -> TimeAmount {
            let index = Swift.max(0, Int((p / 100 * n).rounded(.up)) - 1)
            return .nanoseconds(sorted[Swift.min(index, sorted.count - 1)])
        }
        self.min = .nanoseconds(sorted.first!)
        self.max = .nanoseconds(sorted.last!)
        self.avg = .nanoseconds(Int64(mean.rounded()))
        self.p50 = rank(50)
        self.p90 = rank(90)
        self.p99 = rank(99)
        self.mdev = .nanoseconds(Int64(Swift.max(0, meanOfSquares - mean * mean).squareRoot().rounded()))
    }
}

/// Everything a probe found out.
public struct ProbeResult: Sendable {
    public var target: HeartbeatTarget
    public var remoteAddress: String?
    public var phases: ConnectPhases?
    public var error: ConnectError?
    public var heartbeats: [ProbeHeartbeat] = []
    public var unmatchedAnswers = 0
    public var disconnect: DisconnectReason?
    public var thresholds: ProbeThresholds
    public var elapsed: TimeAmount = .zero

    public init(target: HeartbeatTarget, thresholds: ProbeThresholds) {
        self.target = target
        self.thresholds = thresholds
    }

    public var sent: Int { self.heartbeats.count { $0.outcome != .notSent } }
    public var answered: Int {
        self.heartbeats.count {
            switch $0.outcome {
            case .answered, .coalesced: true
            case .missed, .notSent: false
            }
        }
    }
    /// Missed, plus planned heartbeats that were never sent because the connection failed or closed.
    public var missed: Int { self.heartbeats.count - self.answered }
    public var late: Int { self.heartbeats.count { $0.lateAfter != nil } }
    public var lossRatio: Double {
        self.heartbeats.isEmpty ? (self.error == nil ? 0 : 1) : Double(self.missed) / Double(self.heartbeats.count)
    }
    public var rtt: RTTStatistics? {
        RTTStatistics(
            samples: self.heartbeats.compactMap {
                if case .answered(let rtt) = $0.outcome { rtt } else { nil }
            }
        )
    }

    /// Critical when the connection failed, the loss is above the limit or the average RTT is above
    /// `critRTT`; warning when the average RTT is above `warnRTT`.
    public var status: ProbeStatus {
        if self.error != nil || self.heartbeats.isEmpty { return .critical }
        if self.lossRatio * 100 > self.thresholds.maxLossPercent + 1e-9 { return .critical }
        guard let rtt = self.rtt else { return .critical }
        if let crit = self.thresholds.critRTT, rtt.avg > crit { return .critical }
        if let warn = self.thresholds.warnRTT, rtt.avg > warn { return .warning }
        return .ok
    }
}
