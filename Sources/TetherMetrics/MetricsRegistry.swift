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
        /// Families other parts of tether compute, by who computes them.
        var computedFamilies: [ComputedFamilies: [MetricFamilySamples]] = [:]
    }

    private let state = NIOLockedValueBox(State())
    public let version: String
    /// `--shard i/n` of this agent, a label of `tether_build_info`; `nil` without `--shard`.
    public let shard: String?

    /// - Parameters:
    ///   - version: tether's version, the `version` label of `tether_build_info`.
    ///   - shard: this agent's `--shard` (`i/n`), the `shard` label of `tether_build_info`.
    public init(version: String, shard: String? = nil) {
        self.version = version
        self.shard = shard
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

    // MARK: Computed families

    /// Who computes a set of families outside the registry.
    public enum ComputedFamilies: Int, Sendable, CaseIterable, Comparable {
        /// `tether_alerts`, `tether_rule_*`.
        case rules
        /// `tether_notification*`.
        case notifications
        /// `tether_target_file_*`.
        case discovery

        public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// Replaces the families `source` computes; they are rendered after the agent's own, in the
    /// order of ``ComputedFamilies``.
    public func setFamilies(_ families: [MetricFamilySamples], from source: ComputedFamilies) {
        self.state.withLockedValue { $0.computedFamilies[source] = families }
    }

    /// Every sample of the metrics named in `names` (as exposed: `tether_target_up`,
    /// `tether_heartbeat_rtt_seconds_bucket`, …): what the rule engine samples at each evaluation.
    /// Families no rule names are not visited; nil visits all.
    public func collect(names: Set<String>?, _ body: (CollectedSample) -> Void) {
        let targets = self.targets
        for section in TargetMetrics.Section.allCases
        where names.map({ TargetMetrics.sampleNames(section).contains(where: $0.contains) }) ?? true {
            for target in targets { target.collect(section, body) }
        }
        for (name, labels, value) in self.agentSamples(targetCount: targets.count)
        where names?.contains(name) ?? true {
            body(CollectedSample(name: name, labels: labels, value: value))
        }
        // What the rules and the notifier computed last (rules can alert on failing notifications).
        let computed = self.state.withLockedValue { $0.computedFamilies }
        for source in ComputedFamilies.allCases {
            for family in computed[source] ?? [] {
                for sample in family.samples {
                    let name = family.family.name + sample.suffix
                    guard names?.contains(name) ?? true else { continue }
                    body(CollectedSample(name: name, labels: sample.labels, value: sample.value))
                }
            }
        }
    }

    /// `tether_build_info`'s labels: the version, and the shard when there is one.
    private var buildInfoLabels: [(name: String, value: String)] {
        [("version", self.version)] + (self.shard.map { [("shard", $0)] } ?? [])
    }

    /// The agent's own samples, outside the per-target families.
    private func agentSamples(targetCount: Int) -> [(String, [(name: String, value: String)], Double)] {
        let (reloadOK, reloadTime) = self.state.withLockedValue {
            ($0.configReloadSuccessful, $0.configReloadTimestamp)
        }
        var samples: [(String, [(name: String, value: String)], Double)] = [
            (MetricNames.buildInfo.name, self.buildInfoLabels, 1),
            (MetricNames.targets.name, [], Double(targetCount)),
            (MetricNames.configReloadSuccessful.name, [], reloadOK ? 1 : 0),
            (MetricNames.configReloadTimestamp.name, [], reloadTime ?? 0),
        ]
        for (family, value) in ProcessMetrics.read()?.values ?? [] { samples.append((family.name, [], value)) }
        return samples
    }

    // MARK: Exposition

    /// Renders every metric in `format`, families grouped as the formats require.
    public func render(format: ExpositionFormat) -> [UInt8] {
        let (targets, reloadOK, reloadTime) = self.state.withLockedValue {
            ($0.targets, $0.configReloadSuccessful, $0.configReloadTimestamp)
        }
        // Family by family, each target writing straight into the one output buffer under its own
        // lock: no per-target snapshot copies, no intermediate buffers (families must not interleave).
        var out = ExpositionWriter(format: format, capacity: 65_536 + targets.count * 3_072)
        for section in TargetMetrics.Section.allCases {
            out.header(section.family)
            for target in targets { target.render(section, into: &out) }
        }

        out.header(MetricNames.buildInfo)
        var info: [UInt8] = []
        for (name, value) in self.buildInfoLabels {
            if !info.isEmpty { info.append(UInt8(ascii: ",")) }
            ExpositionWriter.appendLabel(name: name, value: value, to: &info)
        }
        out.sample(MetricNames.buildInfo.name, labels: info, 1)
        out.header(MetricNames.targets)
        out.sample(MetricNames.targets.name, Double(targets.count))
        out.header(MetricNames.configReloadSuccessful)
        out.sample(MetricNames.configReloadSuccessful.name, reloadOK ? 1 : 0)
        out.header(MetricNames.configReloadTimestamp)
        out.sample(MetricNames.configReloadTimestamp.name, reloadTime ?? 0)

        let computed = self.state.withLockedValue { $0.computedFamilies }
        for source in ComputedFamilies.allCases {
            for extra in computed[source] ?? [] {
                out.header(extra.family)
                for sample in extra.samples {
                    var labels: [UInt8] = []
                    for (index, label) in sample.labels.enumerated() {
                        if index > 0 { labels.append(UInt8(ascii: ",")) }
                        ExpositionWriter.appendLabel(name: label.name, value: label.value, to: &labels)
                    }
                    out.sample(extra.family.name + sample.suffix, labels: labels, sample.value)
                }
            }
        }

        if let process = ProcessMetrics.read() {
            for (family, value) in process.values {
                out.header(family)
                out.sample(family.name, value)
            }
        }
        out.end()
        return out.bytes
    }
}

/// A family another part of tether computes (the rule engine, the notifier), with its samples.
public struct MetricFamilySamples: Sendable {
    public struct Sample: Sendable {
        /// After the family's name: a histogram's `_bucket`, `_sum` or `_count`, else empty.
        public var suffix: String
        public var labels: [(name: String, value: String)]
        public var value: Double

        public init(suffix: String = "", labels: [(name: String, value: String)], value: Double) {
            self.suffix = suffix
            self.labels = labels
            self.value = value
        }
    }

    public var family: MetricNames.Family
    public var samples: [Sample]

    public init(family: MetricNames.Family, samples: [Sample]) {
        self.family = family
        self.samples = samples
    }

    public init(family: MetricNames.Family, samples: [(labels: [(name: String, value: String)], value: Double)]) {
        self.init(family: family, samples: samples.map { Sample(labels: $0.labels, value: $0.value) })
    }

    /// A histogram family: for each series, cumulative counts for `upperBounds` (without +Inf),
    /// then the `+Inf` bucket, `_sum` and `_count`.
    public static func histogram(
        _ family: MetricNames.Family,
        upperBounds: [Double],
        series: [(labels: [(name: String, value: String)], counts: [UInt64], sum: Double, count: UInt64)]
    ) -> Self {
        var samples: [Sample] = []
        for one in series {
            for (bound, cumulative) in zip(upperBounds, one.counts) {
                samples.append(
                    Sample(
                        suffix: "_bucket",
                        labels: one.labels + [("le", bound.description)],
                        value: Double(cumulative)
                    )
                )
            }
            samples.append(Sample(suffix: "_bucket", labels: one.labels + [("le", "+Inf")], value: Double(one.count)))
            samples.append(Sample(suffix: "_sum", labels: one.labels, value: one.sum))
            samples.append(Sample(suffix: "_count", labels: one.labels, value: Double(one.count)))
        }
        return Self(family: family, samples: samples)
    }
}

/// One sample of tether's own metrics as the rule engine takes it.
public struct CollectedSample {
    public let name: String
    /// For per-target series, the target's labels: the same array for all of its samples.
    public let labels: [(name: String, value: String)]
    /// The one label some families add to the target's (`le`, `state`, `result`, …).
    public let extra: (name: String, value: String)?
    public let value: Double

    init(
        name: String,
        labels: [(name: String, value: String)],
        extra: (name: String, value: String)? = nil,
        value: Double
    ) {
        self.name = name
        self.labels = labels
        self.extra = extra
        self.value = value
    }
}
