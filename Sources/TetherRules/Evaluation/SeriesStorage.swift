/// Prometheus' staleness marker: a NaN with one particular bit pattern, written when a series
/// ends (a target removed, a series gone from a scrape), so that it disappears at once instead of
/// 5 minutes (the lookback) later.
public enum StaleMarker {
    public static let bitPattern: UInt64 = 0x7ff0_0000_0000_0002
    public static let value = Double(bitPattern: bitPattern)

    public static func isStale(_ value: Double) -> Bool { value.bitPattern == bitPattern }
}

/// One series and its samples, oldest first; `timestamps` in milliseconds.
public struct SeriesSamples: Sendable {
    public var labels: Labels
    public var timestamps: [Int64]
    public var values: [Double]

    public init(labels: Labels, timestamps: [Int64] = [], values: [Double] = []) {
        self.labels = labels
        self.timestamps = timestamps
        self.values = values
    }

    /// Index of the last sample at or before `time`, if any.
    func lastIndex(atOrBefore time: Int64) -> Int? {
        var low = 0
        var high = timestamps.count
        while low < high {
            let middle = (low + high) / 2
            if timestamps[middle] <= time { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? nil : low - 1
    }

    /// Index of the first sample at or after `time` (`timestamps.count` when none).
    func firstIndex(atOrAfter time: Int64) -> Int {
        var low = 0
        var high = timestamps.count
        while low < high {
            let middle = (low + high) / 2
            if timestamps[middle] < time { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

/// Where the evaluator reads series from.
public protocol SeriesStorage {
    /// Every series named `name`, or every series when `name` is nil, sorted by labels.
    func series(named name: String?) -> [SeriesSamples]
}

/// Series held in memory: the samples the agent takes of its own metrics for the rules, and the
/// input series of rule unit tests.
///
/// Series are kept per metric name, sorted by labels as Prometheus returns them (which decides, for
/// example, which of two equal values `topk` keeps). A class: rules append to it while they are
/// evaluated, and a copy of thousands of series per rule would be wasted.
public final class MemorySeriesStorage: SeriesStorage {
    private var byName: [String: [SeriesSamples]] = [:]
    /// Position of every series within its name's array.
    private var positions: [Labels: Int] = [:]

    public init() {}

    /// Appends one sample; samples of a series must come in time order (an older or equal
    /// timestamp replaces nothing and is dropped, as Prometheus rejects out-of-order samples).
    public func append(_ labels: Labels, timestamp: Int64, value: Double) {
        let name = labels.name ?? ""
        if let position = positions[labels] {
            if let last = byName[name]![position].timestamps.last, last >= timestamp { return }
            byName[name]![position].timestamps.append(timestamp)
            byName[name]![position].values.append(value)
            return
        }
        var series = byName[name, default: []]
        let insertAt = series.firstIndex { labels < $0.labels } ?? series.endIndex
        series.insert(SeriesSamples(labels: labels, timestamps: [timestamp], values: [value]), at: insertAt)
        for index in insertAt..<series.endIndex { positions[series[index].labels] = index }
        byName[name] = series
    }

    /// The labels of every series whose last sample is not a staleness marker.
    public var liveSeries: [Labels] {
        byName.values.flatMap { $0 }.filter { !StaleMarker.isStale($0.values.last ?? StaleMarker.value) }.map(
            \.labels
        )
    }

    /// Forgets samples older than `time`, and series left with none.
    public func removeSamples(before time: Int64) {
        for (name, series) in byName {
            var kept: [SeriesSamples] = []
            kept.reserveCapacity(series.count)
            var changed = false
            for var one in series {
                let first = one.firstIndex(atOrAfter: time)
                if first == one.timestamps.count {
                    changed = true
                    continue
                }
                if first > 0 {
                    one.timestamps.removeFirst(first)
                    one.values.removeFirst(first)
                }
                kept.append(one)
            }
            if kept.isEmpty {
                byName[name] = nil
            } else {
                byName[name] = kept
            }
            if changed {
                for series in series { positions[series.labels] = nil }
                for (index, one) in kept.enumerated() { positions[one.labels] = index }
            }
        }
    }

    public func series(named name: String?) -> [SeriesSamples] {
        if let name { return byName[name] ?? [] }
        return byName.values.flatMap { $0 }.sorted { $0.labels < $1.labels }
    }
}
