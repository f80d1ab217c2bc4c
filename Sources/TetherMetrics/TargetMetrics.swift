import Foundation
import NIOConcurrencyHelpers
public import NIOCore
public import TetherHeartbeat

/// Everything tether knows about one target right now: the series of DESIGN §4 as plain values,
/// updated on the connection's event loop as events happen and read by the exposition, the API and
/// the rule engine.
///
/// Why not one generic label-set map: 10,000 targets × ~45 series must cost a few KB per target and
/// render in well under 250 ms, so each target keeps fixed fields and a pre-rendered label prefix.
public final class TargetMetrics: Sendable {
    public let name: String
    /// The target URL, for the API and status page.
    public let url: String
    /// The target's own labels, sorted by name (`target` comes first in every series).
    public let labels: [(name: String, value: String)]
    /// `target="…",team="…"`, rendered once.
    let labelPrefix: [UInt8]
    /// `target` and the target's own labels: the labels of every series the rule engine samples.
    let collectLabels: [(name: String, value: String)]
    private let values: NIOLockedValueBox<TargetSnapshot>

    /// How many recent RTTs are kept for the status page and API.
    public static let recentRTTCapacity = 32

    public init(name: String, url: String, labels: [String: String]) {
        self.name = name
        self.url = url
        self.labels = labels.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
        var prefix: [UInt8] = []
        ExpositionWriter.appendLabel(name: "target", value: name, to: &prefix)
        for (labelName, value) in self.labels {
            prefix.append(UInt8(ascii: ","))
            ExpositionWriter.appendLabel(name: labelName, value: value, to: &prefix)
        }
        self.labelPrefix = prefix
        self.collectLabels = [("target", name)] + self.labels
        self.values = NIOLockedValueBox(TargetSnapshot())
    }

    /// A copy of the current values.
    public func snapshot() -> TargetSnapshot {
        self.values.withLockedValue { $0 }
    }

    // MARK: Exposition

    /// The per-target families, in exposition order.
    enum Section: Int, CaseIterable {
        case up, state, rtt, lastRTT, sent, answered, missed, late, unmatched, consecutiveMissed, lastAnswer
        case connects, connectDuration, disconnects, established, backoff, failures, tlsExpiry

        var family: MetricNames.Family {
            switch self {
            case .up: MetricNames.targetUp
            case .state: MetricNames.connectionState
            case .rtt: MetricNames.heartbeatRTT
            case .lastRTT: MetricNames.lastRTT
            case .sent: MetricNames.heartbeatsSent
            case .answered: MetricNames.heartbeatsAnswered
            case .missed: MetricNames.heartbeatsMissed
            case .late: MetricNames.heartbeatsLate
            case .unmatched: MetricNames.answersUnmatched
            case .consecutiveMissed: MetricNames.consecutiveMissed
            case .lastAnswer: MetricNames.lastAnswer
            case .connects: MetricNames.connects
            case .connectDuration: MetricNames.connectDuration
            case .disconnects: MetricNames.disconnects
            case .established: MetricNames.established
            case .backoff: MetricNames.reconnectBackoff
            case .failures: MetricNames.consecutiveConnectFailures
            case .tlsExpiry: MetricNames.tlsExpiry
            }
        }

        static let names: [[UInt8]] = Self.allCases.map { Array($0.family.name.utf8) }
    }

    private static let bucketName = Array("tether_heartbeat_rtt_seconds_bucket".utf8)
    private static let sumName = Array("tether_heartbeat_rtt_seconds_sum".utf8)
    private static let countName = Array("tether_heartbeat_rtt_seconds_count".utf8)
    /// `,le="0.001"` for every bucket, rendered once.
    private static let bucketLabels: [[UInt8]] = (MetricNames.rttBuckets.map(\.description) + ["+Inf"]).map {
        var bytes: [UInt8] = [UInt8(ascii: ",")]
        ExpositionWriter.appendLabel(name: "le", value: $0, to: &bytes)
        return bytes
    }
    private static let stateLabels: [[UInt8]] = ConnectionState.allCases.map {
        var bytes: [UInt8] = [UInt8(ascii: ",")]
        ExpositionWriter.appendLabel(name: "state", value: $0.rawValue, to: &bytes)
        return bytes
    }

    /// One sample of a family, as `visit` hands it out.
    enum Slot {
        /// The family's own name, with no label besides the target's.
        case value
        /// `tether_connection_state{state=…}`: index into `ConnectionState.allCases`.
        case state(Int)
        /// `_bucket{le=…}`: index into the bucket bounds, `+Inf` last.
        case bucket(Int)
        case sum
        case count
        /// One more label: `result`, `phase` or `reason`.
        case labelled(name: String, value: String)
    }

    /// Hands every sample of one family to `emit`. The exposition and the rule engine both read
    /// the values through this one walk.
    private static func visit(_ section: Section, _ values: TargetSnapshot, _ emit: (Slot, Double) -> Void) {
        switch section {
        case .up: emit(.value, values.up ? 1 : 0)
        case .state:
            for (index, state) in ConnectionState.allCases.enumerated() {
                emit(.state(index), state == values.state ? 1 : 0)
            }
        case .rtt:
            var cumulative: UInt64 = 0
            for index in Self.bucketLabels.indices {
                cumulative += values.rttBucketCounts[index]
                emit(.bucket(index), Double(cumulative))
            }
            emit(.sum, values.rttSum)
            emit(.count, Double(values.rttCount))
        case .lastRTT: if let lastRTT = values.lastRTT { emit(.value, lastRTT) }
        case .sent: emit(.value, Double(values.sent))
        case .answered: emit(.value, Double(values.answered))
        case .missed: emit(.value, Double(values.missed))
        case .late: emit(.value, Double(values.late))
        case .unmatched: emit(.value, Double(values.unmatched))
        case .consecutiveMissed: emit(.value, Double(values.consecutiveMissed))
        case .lastAnswer: if let lastAnswer = values.lastAnswer { emit(.value, lastAnswer) }
        case .connects:
            for (result, count) in values.connects.sorted(by: { $0.key < $1.key }) {
                emit(.labelled(name: "result", value: result), Double(count))
            }
        case .connectDuration:
            guard let phases = values.phases else { return }
            for phase in ConnectPhase.allCases {
                if let duration = phases[phase] {
                    emit(.labelled(name: "phase", value: phase.rawValue), Double(duration.nanoseconds) / 1e9)
                }
            }
        case .disconnects:
            for (reason, count) in values.disconnects.sorted(by: { $0.key < $1.key }) {
                emit(.labelled(name: "reason", value: reason), Double(count))
            }
        case .established: emit(.value, values.established ?? 0)
        case .backoff: emit(.value, values.backoff)
        case .failures: emit(.value, Double(values.consecutiveFailures))
        case .tlsExpiry: if let expiry = values.tlsExpiry { emit(.value, expiry) }
        }
    }

    /// Writes this target's samples of one family into `out`, under its lock.
    func render(_ section: Section, into out: inout ExpositionWriter) {
        let prefix = self.labelPrefix
        let name = Section.names[section.rawValue]
        self.values.withLockedValue { values in
            Self.visit(section, values) { slot, value in
                switch slot {
                case .value: out.targetSample(name, prefix: prefix, value)
                case .state(let index): out.targetSample(name, prefix: prefix, extra: Self.stateLabels[index], value)
                case .bucket(let index):
                    out.targetSample(Self.bucketName, prefix: prefix, extra: Self.bucketLabels[index], value)
                case .sum: out.targetSample(Self.sumName, prefix: prefix, value)
                case .count: out.targetSample(Self.countName, prefix: prefix, value)
                case .labelled(let labelName, let labelValue):
                    out.targetSample(name, prefix: prefix, label: (labelName, labelValue), value)
                }
            }
        }
    }

    /// The sample names a family exposes (a histogram's `_bucket`, `_sum` and `_count`).
    static func sampleNames(_ section: Section) -> [String] {
        let name = section.family.name
        return section == .rtt ? [name + "_bucket", name + "_sum", name + "_count"] : [name]
    }

    private static let bucketBounds: [String] = MetricNames.rttBuckets.map(\.description) + ["+Inf"]
    private static let bucketSampleName = MetricNames.heartbeatRTT.name + "_bucket"
    private static let sumSampleName = MetricNames.heartbeatRTT.name + "_sum"
    private static let countSampleName = MetricNames.heartbeatRTT.name + "_count"

    /// Hands this target's samples of one family to `body`, for the rule engine: the same values
    /// the exposition shows. Every sample shares `collectLabels`, so that the rule engine
    /// recognises a target's series from one evaluation to the next without comparing strings.
    func collect(_ section: Section, _ body: (CollectedSample) -> Void) {
        let name = section.family.name
        let labels = self.collectLabels
        let values = self.snapshot()
        Self.visit(section, values) { slot, value in
            switch slot {
            case .value: body(CollectedSample(name: name, labels: labels, value: value))
            case .state(let index):
                body(CollectedSample(name: name, labels: labels, extra: Self.stateLabelPairs[index], value: value))
            case .bucket(let index):
                body(
                    CollectedSample(
                        name: Self.bucketSampleName,
                        labels: labels,
                        extra: ("le", Self.bucketBounds[index]),
                        value: value
                    )
                )
            case .sum: body(CollectedSample(name: Self.sumSampleName, labels: labels, value: value))
            case .count: body(CollectedSample(name: Self.countSampleName, labels: labels, value: value))
            case .labelled(let labelName, let labelValue):
                body(CollectedSample(name: name, labels: labels, extra: (labelName, labelValue), value: value))
            }
        }
    }

    private static let stateLabelPairs: [(name: String, value: String)] = ConnectionState.allCases.map {
        ("state", $0.rawValue)
    }

    // MARK: Recording

    /// Records a heartbeat event; `now` is the wall-clock time in seconds since 1970.
    public func record(_ event: HeartbeatEvent, now: Double? = nil) {
        let now = now ?? Date().timeIntervalSince1970
        self.values.withLockedValue { values in
            // The first heartbeat goes out in the tick the connection becomes ready, possibly
            // before the supervisor hears of it: a heartbeat event itself means connected.
            if values.state == .connecting { values.state = .connected }
            switch event {
            case .sent:
                values.sent += 1
            case .answered(_, let rtt):
                let seconds = Double(rtt.nanoseconds) / 1e9
                values.answered += 1
                values.observe(rtt: seconds)
                values.lastRTT = seconds
                values.lastAnswer = now
                values.consecutiveMissed = 0
                values.consecutiveFailures = 0
                values.up = true
            case .coalesced:
                values.answered += 1
                values.lastAnswer = now
                values.consecutiveMissed = 0
                values.consecutiveFailures = 0
                values.up = true
            case .missed(_, let consecutive):
                values.missed += 1
                values.consecutiveMissed = consecutive
                values.up = false
            case .late:
                values.late += 1
            case .unmatched:
                values.unmatched += 1
            case .down:
                values.up = false
            case .closed(let reason):
                values.disconnects[reason.label, default: 0] += 1
                values.lastDisconnect = reason.description
                values.up = false
                values.established = nil
                values.state = .closing
            }
        }
    }

    public func setState(_ state: ConnectionState) {
        self.values.withLockedValue { values in
            values.state = state
            if state != .connected { values.up = false }
        }
    }

    /// A connection is established and heartbeating.
    public func connected(phases: ConnectPhases, now: Double, certificateExpiry: Double?) {
        self.values.withLockedValue { values in
            if values.state != .closing { values.state = .connected }
            values.connects["success", default: 0] += 1
            values.phases = phases
            values.established = now
            values.backoff = 0
            values.tlsExpiry = certificateExpiry ?? values.tlsExpiry
            values.lastError = nil
        }
    }

    /// A connection attempt failed with `result` (a ``ConnectError/Code`` label) and `message`.
    public func connectFailed(result: String, message: String) {
        self.values.withLockedValue { values in
            values.connects[result, default: 0] += 1
            values.lastError = message
            values.up = false
        }
    }

    /// The next attempt waits `delay`; `failures` attempts in a row have failed.
    public func backingOff(delay: TimeAmount, failures: Int) {
        self.values.withLockedValue { values in
            values.state = .backoff
            values.backoff = Double(delay.nanoseconds) / 1e9
            values.consecutiveFailures = failures
            values.up = false
        }
    }
}

/// The values of one target at one moment.
public struct TargetSnapshot: Sendable {
    public var state: ConnectionState = .idle
    public var up = false
    /// Per-bucket (not cumulative) counts for ``MetricNames/rttBuckets``; the last is +Inf.
    public var rttBucketCounts = [UInt64](repeating: 0, count: MetricNames.rttBuckets.count + 1)
    public var rttSum: Double = 0
    public var rttCount: UInt64 = 0
    public var lastRTT: Double?
    public var sent: UInt64 = 0
    public var answered: UInt64 = 0
    public var missed: UInt64 = 0
    public var late: UInt64 = 0
    public var unmatched: UInt64 = 0
    public var consecutiveMissed = 0
    public var lastAnswer: Double?
    public var connects: [String: UInt64] = [:]
    public var phases: ConnectPhases?
    public var disconnects: [String: UInt64] = [:]
    public var established: Double?
    public var backoff: Double = 0
    public var consecutiveFailures = 0
    public var tlsExpiry: Double?
    public var lastError: String?
    public var lastDisconnect: String?
    /// The last RTTs, oldest first, at most ``TargetMetrics/recentRTTCapacity``.
    public var recentRTT: [Float] = []

    mutating func observe(rtt seconds: Double) {
        let index = MetricNames.rttBuckets.firstIndex { seconds <= $0 } ?? MetricNames.rttBuckets.count
        self.rttBucketCounts[index] += 1
        self.rttSum += seconds
        self.rttCount += 1
        if self.recentRTT.count == TargetMetrics.recentRTTCapacity { self.recentRTT.removeFirst() }
        self.recentRTT.append(Float(seconds))
    }
}
