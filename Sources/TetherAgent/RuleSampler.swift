public import TetherMetrics
public import TetherRules

/// Takes the samples of tether's own metrics that the rules read, once per evaluation, into the
/// rule engine's series store; a series sampled last time and gone now gets a staleness marker.
///
/// 10,000 targets make 400,000 series per evaluation, in the same order every time. The sampler
/// remembers what it took, in that order, with where each series is in the store: a sample that
/// matches its predecessor goes straight to its series, without building and hashing its labels.
public final class RuleSampler {
    /// The metric names the rules read; nil samples every metric.
    public let names: Set<String>?
    private var taken: [Taken] = []

    /// One series taken last time.
    private struct Taken {
        var name: String
        var labels: [(name: String, value: String)]
        var extra: (name: String, value: String)?
        var series: Labels
        var reference: MemorySeriesStorage.Reference

        func matches(_ sample: CollectedSample) -> Bool {
            name == sample.name && Self.same(labels, sample.labels) && extra?.name == sample.extra?.name
                && extra?.value == sample.extra?.value
        }

        /// A target's samples share one array; other samples are compared label by label.
        private static func same(_ a: [(name: String, value: String)], _ b: [(name: String, value: String)]) -> Bool {
            guard a.count == b.count else { return false }
            if a.withUnsafeBufferPointer({ $0.baseAddress }) == b.withUnsafeBufferPointer({ $0.baseAddress }) {
                return true
            }
            return zip(a, b).allSatisfy { $0.name == $1.name && $0.value == $1.value }
        }
    }

    public init(names: Set<String>?) {
        self.names = names
    }

    /// The metric names the rules read; nil when a selector names none (`{target="x"}`), so
    /// that every metric must be sampled.
    public static func metricNames(_ groups: [RuleGroup]) -> Set<String>? {
        var names = Set<String>()
        var all = false
        for rule in groups.flatMap(\.rules) {
            rule.definition.expression.forEachSelector { selector, _ in
                if let name = selector.selectedName {
                    names.insert(name)
                } else {
                    all = true
                }
            }
        }
        return all ? nil : names
    }

    /// How much history each metric name needs: the longest range (plus offset) the rules
    /// select it with, and one interval more, since every series is sampled at every evaluation.
    /// The 5 minute lookback needs no history of its own here (the newest sample is never older
    /// than an interval; a series that ends gets a staleness marker) except for what slower groups
    /// record, which others read for up to the lookback or that group's interval, whichever is
    /// shorter. A selector without a name (`{target="x"}[10m]`) applies to every name.
    public static func retention(_ groups: [RuleGroup]) -> SeriesRetention {
        let slowest = groups.map(\.interval).max() ?? 0
        let instant = min(PromQLEvaluator.defaultLookbackDelta, slowest)
        var byName: [String: Int64] = [:]
        var other = instant
        for rule in groups.flatMap(\.rules) {
            rule.definition.expression.forEachSelector { selector, range in
                let history = (range?.milliseconds ?? 0) + max(0, selector.offset?.milliseconds ?? 0)
                if let name = selector.selectedName {
                    byName[name] = max(byName[name] ?? instant, history)
                } else {
                    other = max(other, history)
                }
            }
        }
        return SeriesRetention(byName: byName.mapValues { max($0, other) + slowest }, other: other + slowest)
    }

    /// Takes one sample of every metric the rules read.
    public func sample(_ registry: MetricsRegistry, into storage: MemorySeriesStorage, at time: Int64) {
        // What was taken before the first sample that differs: only then can a series have gone.
        var before: [Taken]? = nil
        var count = 0
        registry.collect(names: names) { sample in
            defer { count += 1 }
            if count < taken.count, taken[count].matches(sample) {
                // The series may have moved in the store (sorted, or others trimmed).
                if storage.labels(at: taken[count].reference) != taken[count].series {
                    taken[count].reference = storage.reference(for: taken[count].series)
                }
                storage.append(taken[count].reference, timestamp: time, value: sample.value)
                return
            }
            if before == nil { before = taken }
            var labels = Labels(sample.labels.map { ($0.name, $0.value) })
            if let extra = sample.extra { labels.set(extra.name, extra.value) }
            labels.set(Labels.metricName, sample.name)
            let reference = storage.reference(for: labels)
            storage.append(reference, timestamp: time, value: sample.value)
            let new = Taken(
                name: sample.name,
                labels: sample.labels,
                extra: sample.extra,
                series: labels,
                reference: reference
            )
            if count < taken.count { taken[count] = new } else { taken.append(new) }
        }
        if count < taken.count {
            if before == nil { before = taken }
            taken.removeLast(taken.count - count)
        }
        guard let before else { return }
        let now = Set(taken.map(\.series))
        for gone in Set(before.map(\.series)).subtracting(now) {
            storage.append(gone, timestamp: time, value: StaleMarker.value)
        }
    }
}
