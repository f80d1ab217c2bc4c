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

/// How long a series store keeps the samples of each metric name, in milliseconds.
public struct SeriesRetention: Sendable, Equatable {
    public var byName: [String: Int64]
    /// For names not in `byName`.
    public var other: Int64

    public init(byName: [String: Int64] = [:], other: Int64) {
        self.byName = byName
        self.other = other
    }

    public subscript(name: String) -> Int64 { byName[name] ?? other }
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
    /// Where a series is, for appending to it again without hashing its labels: the agent
    /// samples the same 400,000 series every evaluation. A series moves when its name's series are
    /// sorted or trimmed; `labels(at:)` tells whether a reference still points at the series.
    public struct Reference: Sendable, Hashable {
        fileprivate let slot: Int
        fileprivate let position: Int
    }

    /// Each name's slot in `series`.
    private var slots: [String: Int] = [:]
    /// The series of each name, by slot.
    private var series: [[SeriesSamples]] = []
    /// Position of every series within its name's array.
    private var positions: [Labels: Int] = [:]
    /// Slots whose arrays gained a series out of label order since they were last sorted.
    private var unsorted: Set<Int> = []
    private var retention: SeriesRetention?
    private var interval: Int64

    /// A store that keeps every sample until `removeSamples(before:)`.
    public init() {
        self.retention = nil
        self.interval = 0
    }

    /// A store that keeps each name's samples for as long as `retention` says, trimmed by
    /// `removeExpiredSamples(at:)`, for samples that come every `interval` milliseconds: a new
    /// series' arrays are allocated once for all the samples it will hold.
    public init(retention: SeriesRetention, interval: Int64) {
        self.retention = retention
        self.interval = max(1, interval)
    }

    /// A reload's new rules need other ranges: samples are kept or trimmed by the new retention from
    /// the next `removeExpiredSamples(at:)` on, so series the old and new rules share keep their history.
    public func setRetention(_ retention: SeriesRetention, interval: Int64) {
        self.retention = retention
        self.interval = max(1, interval)
    }

    /// The series with these labels, created without samples if there is none.
    public func reference(for labels: Labels) -> Reference {
        let name = labels.name ?? ""
        let slot: Int
        if let known = slots[name] {
            slot = known
        } else {
            slot = series.count
            slots[name] = slot
            series.append([])
        }
        if let position = positions[labels] { return Reference(slot: slot, position: position) }
        if let last = series[slot].last, !(last.labels < labels) { unsorted.insert(slot) }
        let position = series[slot].count
        positions[labels] = position
        var new = SeriesSamples(labels: labels)
        if let retention {
            // The samples within the retention, the one about to expire, and the one after the trim.
            let capacity = Int(min(retention[name] / interval, 10_000)) + 2
            new.timestamps.reserveCapacity(capacity)
            new.values.reserveCapacity(capacity)
        }
        series[slot].append(new)
        return Reference(slot: slot, position: position)
    }

    /// The labels of the series `reference` points at, nil if it points nowhere any more.
    public func labels(at reference: Reference) -> Labels? {
        guard reference.slot < series.count, reference.position < series[reference.slot].count else { return nil }
        return series[reference.slot][reference.position].labels
    }

    /// Appends one sample; samples of a series must come in time order (an older or equal
    /// timestamp replaces nothing and is dropped, as Prometheus rejects out-of-order samples).
    public func append(_ labels: Labels, timestamp: Int64, value: Double) {
        append(reference(for: labels), timestamp: timestamp, value: value)
    }

    /// Appends one sample to the series `reference` points at (see `labels(at:)`).
    public func append(_ reference: Reference, timestamp: Int64, value: Double) {
        // In place, through the nested subscripts: a copy here would copy every series of the name.
        if let last = series[reference.slot][reference.position].timestamps.last, last >= timestamp { return }
        series[reference.slot][reference.position].timestamps.append(timestamp)
        series[reference.slot][reference.position].values.append(value)
    }

    /// Sorts the series in `slot` by labels if series were added out of order.
    private func sortIfNeeded(_ slot: Int) {
        guard unsorted.remove(slot) != nil else { return }
        series[slot].sort { $0.labels < $1.labels }
        for (index, one) in series[slot].enumerated() { positions[one.labels] = index }
    }

    /// Forgets samples older than `time`, and series left with none.
    public func removeSamples(before time: Int64) {
        removeSamples { _ in time }
    }

    /// Forgets the samples older than their name's retention allows at `time`, and series left
    /// with none; a store made without a retention keeps everything.
    public func removeExpiredSamples(at time: Int64) {
        guard let retention else { return }
        removeSamples { time - retention[$0] }
    }

    private func removeSamples(before cutoff: (_ name: String) -> Int64) {
        for (name, slot) in slots {
            let time = cutoff(name)
            var emptied = false
            for index in series[slot].indices {
                if series[slot][index].timestamps.isEmpty { emptied = true }
                let first = series[slot][index].firstIndex(atOrAfter: time)
                guard first > 0 else { continue }
                if first == series[slot][index].timestamps.count { emptied = true }
                series[slot][index].timestamps.removeFirst(first)
                series[slot][index].values.removeFirst(first)
            }
            guard emptied else { continue }
            for one in series[slot] where one.timestamps.isEmpty { positions[one.labels] = nil }
            series[slot].removeAll { $0.timestamps.isEmpty }
            for (index, one) in series[slot].enumerated() { positions[one.labels] = index }
        }
    }

    public func series(named name: String?) -> [SeriesSamples] {
        if let name {
            guard let slot = slots[name] else { return [] }
            sortIfNeeded(slot)
            return series[slot]
        }
        return series.flatMap { $0 }.sorted { $0.labels < $1.labels }
    }
}
