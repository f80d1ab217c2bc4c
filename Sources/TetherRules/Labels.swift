/// One label of a series.
public struct Label: Sendable, Hashable, Comparable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        lhs.name != rhs.name ? lhs.name < rhs.name : lhs.value < rhs.value
    }
}

/// A series' label set: sorted by name, no empty values, as Prometheus' `labels.Labels`.
///
/// The metric name is the label `__name__`, as in Prometheus.
public struct Labels: Sendable, Hashable, Comparable, CustomStringConvertible, Sequence {
    /// Sorted by name, each name once, no empty value.
    public private(set) var labels: [Label]

    public static let metricName = "__name__"

    public init() { self.labels = [] }

    /// Labels from a dictionary; empty values are dropped (an empty label is an absent one).
    public init(_ dictionary: [String: String]) {
        self.labels = dictionary.compactMap { $0.value.isEmpty ? nil : Label(name: $0.key, value: $0.value) }.sorted()
    }

    /// Labels from pairs in any order; a later pair for a name wins.
    public init(_ pairs: [(String, String)]) {
        var dictionary: [String: String] = [:]
        for (name, value) in pairs { dictionary[name] = value }
        self.init(dictionary)
    }

    public subscript(name: String) -> String? {
        self.labels.first { $0.name == name }?.value
    }

    public var name: String? { self[Self.metricName] }

    public var dictionary: [String: String] {
        Dictionary(uniqueKeysWithValues: self.labels.map { ($0.name, $0.value) })
    }

    public func makeIterator() -> IndexingIterator<[Label]> { self.labels.makeIterator() }

    public var isEmpty: Bool { self.labels.isEmpty }

    /// Sets (or, with an empty value, removes) one label.
    public mutating func set(_ name: String, _ value: String) {
        if let index = self.labels.firstIndex(where: { $0.name >= name }) {
            if self.labels[index].name == name {
                if value.isEmpty {
                    self.labels.remove(at: index)
                } else {
                    self.labels[index].value = value
                }
            } else if !value.isEmpty {
                self.labels.insert(Label(name: name, value: value), at: index)
            }
        } else if !value.isEmpty {
            self.labels.append(Label(name: name, value: value))
        }
    }

    public mutating func remove(_ name: String) { self.set(name, "") }

    /// These labels without the metric name, as functions and operators return them.
    public var droppingMetricName: Labels {
        guard let index = labels.firstIndex(where: { $0.name == Self.metricName }) else { return self }
        var copy = Labels()
        copy.labels.reserveCapacity(labels.count - 1)
        copy.labels += labels[..<index]
        copy.labels += labels[(index + 1)...]
        return copy
    }

    /// Only the named labels (`on`, `by`).
    ///
    /// The names are searched one by one rather than hashed into a set: grouping lists name a
    /// few labels, and these run for every sample of an aggregation.
    public func keeping(_ names: some Collection<String>) -> Labels {
        var copy = Labels()
        copy.labels.reserveCapacity(Swift.min(names.count, labels.count))
        for label in labels where names.contains(label.name) { copy.labels.append(label) }
        return copy
    }

    /// Without the named labels (`ignoring`, `without`).
    public func removing(_ names: some Collection<String>) -> Labels {
        var copy = Labels()
        copy.labels.reserveCapacity(labels.count)
        for label in labels where !names.contains(label.name) { copy.labels.append(label) }
        return copy
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        for (left, right) in zip(lhs.labels, rhs.labels) where left != right { return left < right }
        return lhs.labels.count < rhs.labels.count
    }

    /// `{a="1", b="2"}`, with the metric name in front when present, as Prometheus prints series.
    public var description: String {
        var text = self.name ?? ""
        let rest = self.labels.filter { $0.name != Self.metricName }
        if rest.isEmpty && !text.isEmpty { return text }
        text += "{"
        text += rest.map { "\($0.name)=\(PromQLExpression.quote($0.value))" }.joined(separator: ", ")
        return text + "}"
    }
}
