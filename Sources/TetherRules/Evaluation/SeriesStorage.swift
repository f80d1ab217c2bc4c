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
///
/// A new series is appended at the end of its name's array, and the array is sorted when it is next
/// read: the agent's first sample adds hundreds of thousands of series (20 histogram buckets for
/// each of 10,000 targets), and a sorted insert of each one, which shifts and renumbers the
/// series after it, made that first sample quadratic (minutes for 10,000 targets).
public final class MemorySeriesStorage: SeriesStorage {
    private var byName: [String: [SeriesSamples]] = [:]
    /// Position of every series within its name's array.
    private var positions: [Labels: Int] = [:]
    /// Names whose arrays gained a series out of label order since they were last sorted.
    private var unsorted: Set<String> = []

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
        // In place (`default:` modifies the stored array): a copy here would copy every series of the name.
        if let last = byName[name]?.last, !(last.labels < labels) { unsorted.insert(name) }
        positions[labels] = byName[name]?.count ?? 0
        byName[name, default: []].append(SeriesSamples(labels: labels, timestamps: [timestamp], values: [value]))
    }

    /// Sorts the series of `name` by labels if series were added out of order.
    private func sortIfNeeded(_ name: String) {
        guard unsorted.remove(name) != nil, var series = byName.removeValue(forKey: name) else { return }
        series.sort { $0.labels < $1.labels }
        for (index, one) in series.enumerated() { positions[one.labels] = index }
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
        for name in Array(byName.keys) {
            // Taken out of the dictionary so that the arrays are uniquely referenced and trimmed in
            // place; most rounds nothing is old enough and nothing is written.
            var series = byName.removeValue(forKey: name)!
            var emptied = false
            for index in series.indices {
                let first = series[index].firstIndex(atOrAfter: time)
                guard first > 0 else { continue }
                if first == series[index].timestamps.count { emptied = true }
                series[index].timestamps.removeFirst(first)
                series[index].values.removeFirst(first)
            }
            if emptied {
                for one in series where one.timestamps.isEmpty { positions[one.labels] = nil }
                series.removeAll { $0.timestamps.isEmpty }
                for (index, one) in series.enumerated() { positions[one.labels] = index }
            }
            if series.isEmpty {
                unsorted.remove(name)
            } else {
                byName[name] = series
            }
        }
    }

    public func series(named name: String?) -> [SeriesSamples] {
        if let name {
            sortIfNeeded(name)
            return byName[name] ?? []
        }
        return byName.values.flatMap { $0 }.sorted { $0.labels < $1.labels }
    }
}
