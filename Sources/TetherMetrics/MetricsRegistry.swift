import Foundation
import NIOConcurrencyHelpers
import NIOCore
import TetherHeartbeat

/// The one source of truth for every metric: the targets' cells and the agent's own values.
/// `/metrics`, the API and (later) the rule engine all read it.
public final class MetricsRegistry: Sendable {
    private struct State {
        var targets: [TargetMetrics] = []
        var configReloadSuccessful = false
        var configReloadTimestamp: Double?
        var ready = false
    }

    private let state = NIOLockedValueBox(State())
    public let version: String

    public init(version: String) {
        self.version = version
    }

    /// The targets, sorted by name.
    public var targets: [TargetMetrics] {
        self.state.withLockedValue { $0.targets }
    }

    /// Replaces the set of targets; cells of targets that stay are kept (their counters go on).
    /// - Returns: the cell of every target, in the order of `targets`.
    @discardableResult
    public func setTargets(_ targets: [(name: String, url: String, labels: [String: String])]) -> [TargetMetrics] {
        self.state.withLockedValue { state in
            var existing: [String: TargetMetrics] = [:]
            for cell in state.targets { existing[cell.name] = cell }
            let cells = targets.map { target in
                if let cell = existing[target.name], cell.url == target.url,
                    cell.labels.map(\.name) == target.labels.keys.sorted(),
                    cell.labels.allSatisfy({ target.labels[$0.name] == $0.value })
                {
                    return cell
                }
                return TargetMetrics(name: target.name, url: target.url, labels: target.labels)
            }
            state.targets = cells.sorted { $0.name < $1.name }
            return cells
        }
    }

    /// True once the agent runs its targets (`/-/ready`).
    public var isReady: Bool {
        get { self.state.withLockedValue { $0.ready } }
    }

    public func markReady() {
        self.state.withLockedValue { $0.ready = true }
    }

    public func configLoaded(successfully: Bool, at time: Double? = nil) {
        let time = time ?? Date().timeIntervalSince1970
        self.state.withLockedValue { state in
            state.configReloadSuccessful = successfully
            if successfully { state.configReloadTimestamp = time }
        }
    }

    // MARK: Exposition

    /// Renders every metric in `format`, families grouped as the formats require.
    public func render(format: ExpositionFormat) -> [UInt8] {
        let (targets, reloadOK, reloadTime) = self.state.withLockedValue {
            ($0.targets, $0.configReloadSuccessful, $0.configReloadTimestamp)
        }
        let snapshots = targets.map { ($0.labelPrefix, $0.snapshot()) }
        var out = ExpositionWriter(format: format, capacity: 4096 + targets.count * 6144)

        func perTarget(_ family: MetricNames.Family, _ value: (TargetSnapshot) -> Double?) {
            out.header(family)
            for (prefix, snapshot) in snapshots {
                if let value = value(snapshot) { out.sample(family.name, prefix: prefix, value) }
            }
        }
        func perTargetLabelled(
            _ family: MetricNames.Family,
            label: String,
            _ values: (TargetSnapshot) -> [(String, Double)]
        ) {
            out.header(family)
            for (prefix, snapshot) in snapshots {
                for (labelValue, value) in values(snapshot) {
                    out.sample(family.name, prefix: prefix, extra: (label, labelValue), value)
                }
            }
        }

        perTarget(MetricNames.targetUp) { $0.up ? 1 : 0 }
        perTargetLabelled(MetricNames.connectionState, label: "state") { snapshot in
            ConnectionState.allCases.map { ($0.rawValue, $0 == snapshot.state ? 1 : 0) }
        }

        let rtt = MetricNames.heartbeatRTT
        out.header(rtt)
        let bounds = MetricNames.rttBuckets.map(\.description) + ["+Inf"]
        for (prefix, snapshot) in snapshots {
            var cumulative: UInt64 = 0
            for (index, bound) in bounds.enumerated() {
                cumulative += snapshot.rttBucketCounts[index]
                out.sample(rtt.name, suffix: "_bucket", prefix: prefix, extra: ("le", bound), Double(cumulative))
            }
            out.sample(rtt.name, suffix: "_sum", prefix: prefix, snapshot.rttSum)
            out.sample(rtt.name, suffix: "_count", prefix: prefix, Double(snapshot.rttCount))
        }

        perTarget(MetricNames.lastRTT) { $0.lastRTT }
        perTarget(MetricNames.heartbeatsSent) { Double($0.sent) }
        perTarget(MetricNames.heartbeatsAnswered) { Double($0.answered) }
        perTarget(MetricNames.heartbeatsMissed) { Double($0.missed) }
        perTarget(MetricNames.heartbeatsLate) { Double($0.late) }
        perTarget(MetricNames.answersUnmatched) { Double($0.unmatched) }
        perTarget(MetricNames.consecutiveMissed) { Double($0.consecutiveMissed) }
        perTarget(MetricNames.lastAnswer) { $0.lastAnswer }
        perTargetLabelled(MetricNames.connects, label: "result") { snapshot in
            snapshot.connects.sorted { $0.key < $1.key }.map { ($0.key, Double($0.value)) }
        }
        perTargetLabelled(MetricNames.connectDuration, label: "phase") { snapshot in
            guard let phases = snapshot.phases else { return [] }
            return ConnectPhase.allCases.compactMap { phase in
                phases[phase].map { (phase.rawValue, Double($0.nanoseconds) / 1e9) }
            }
        }
        perTargetLabelled(MetricNames.disconnects, label: "reason") { snapshot in
            snapshot.disconnects.sorted { $0.key < $1.key }.map { ($0.key, Double($0.value)) }
        }
        perTarget(MetricNames.established) { $0.established ?? 0 }
        perTarget(MetricNames.reconnectBackoff) { $0.backoff }
        perTarget(MetricNames.consecutiveConnectFailures) { Double($0.consecutiveFailures) }
        perTarget(MetricNames.tlsExpiry) { $0.tlsExpiry }

        out.header(MetricNames.buildInfo)
        var info: [UInt8] = []
        ExpositionWriter.appendLabel(name: "version", value: self.version, to: &info)
        out.sample(MetricNames.buildInfo.name, prefix: info, 1)
        out.header(MetricNames.targets)
        out.sample(MetricNames.targets.name, prefix: [], Double(targets.count))
        out.header(MetricNames.configReloadSuccessful)
        out.sample(MetricNames.configReloadSuccessful.name, prefix: [], reloadOK ? 1 : 0)
        out.header(MetricNames.configReloadTimestamp)
        out.sample(MetricNames.configReloadTimestamp.name, prefix: [], reloadTime ?? 0)

        if let process = ProcessMetrics.read() {
            for (family, value) in process.values {
                out.header(family)
                out.sample(family.name, prefix: [], value)
            }
        }
        out.end()
        return out.bytes
    }
}
