/// One alert as notifications see it: Alertmanager's `model.Alert`, with times as seconds since the epoch.
///
/// The rule engine's alerts become these: `startsAt` is when the alert started firing (Prometheus sends
/// `FiredAt`), `endsAt` is nil while it fires and its resolution time once resolved.
public struct NotificationAlert: Sendable, Hashable {
    public var labels: [String: String]
    public var annotations: [String: String]
    /// Seconds since the epoch.
    public var startsAt: Double
    /// Nil while firing; when it resolved once resolved (seconds since the epoch).
    public var endsAt: Double?
    public var generatorURL: String

    public init(
        labels: [String: String],
        annotations: [String: String] = [:],
        startsAt: Double,
        endsAt: Double? = nil,
        generatorURL: String = ""
    ) {
        self.labels = labels
        self.annotations = annotations
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.generatorURL = generatorURL
    }

    /// Alertmanager's fingerprint of the labels (`model.LabelSet.Fingerprint`), as `Fingerprint.String()` prints
    /// it: 16 lowercase hex digits.
    public var fingerprint: String {
        let value = Self.fingerprint(of: self.labels)
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Whether the alert has resolved by `time`: as Go's `Alert.Resolved`, an end time that is not after now.
    ///
    /// - Parameter time: Seconds since the epoch.
    public func isResolved(at time: Double) -> Bool {
        guard let endsAt = self.endsAt else { return false }
        return endsAt <= time
    }

    /// Prometheus common's `labelSetToFingerprint`: FNV-1a 64 over the label names in byte order, each name and
    /// value followed by the separator byte 0xff. The empty set hashes to the offset basis
    /// (`emptyLabelSignature`, what `fnv.New64a().Sum64()` returns).
    static func fingerprint(of labels: [String: String]) -> UInt64 {
        let offsetBasis: UInt64 = 14_695_981_039_346_656_037
        let prime: UInt64 = 1_099_511_628_211
        let separator: UInt8 = 0xff
        var hash = offsetBasis
        for name in labels.keys.sorted(by: goLess) {
            for byte in name.utf8 {
                hash = (hash ^ UInt64(byte)) &* prime
            }
            hash = (hash ^ UInt64(separator)) &* prime
            for byte in labels[name, default: ""].utf8 {
                hash = (hash ^ UInt64(byte)) &* prime
            }
            hash = (hash ^ UInt64(separator)) &* prime
        }
        return hash
    }

    /// The order Alertmanager gives a group's alerts at a flush (`types.AlertSlice.Less`): by the `job` label,
    /// then `instance` (an alert that has the label comes before one that lacks it), then by the whole label set
    /// (`model.LabelSet.Before`).
    static func alertmanagerOrder(_ lhs: NotificationAlert, _ rhs: NotificationAlert) -> Bool {
        for key in ["job", "instance"] {
            switch (lhs.labels[key], rhs.labels[key]) {
            case (nil, nil):
                continue
            case (nil, _):
                return false
            case (_, nil):
                return true
            case (let left?, let right?):
                if left != right { return goLess(left, right) }
            }
        }
        return labelSetBefore(lhs.labels, rhs.labels)
    }

    /// `model.LabelSet.Before`: fewer labels first; with as many, the first differing pair in the sorted union of
    /// names decides (a set lacking the name comes first, else the smaller value).
    static func labelSetBefore(_ lhs: [String: String], _ rhs: [String: String]) -> Bool {
        if lhs.count != rhs.count { return lhs.count < rhs.count }
        for name in Set(lhs.keys).union(rhs.keys).sorted(by: goLess) {
            guard let left = lhs[name] else { return true }
            guard let right = rhs[name] else { return false }
            if left != right { return goLess(left, right) }
        }
        return false
    }
}

/// Go's string `<`: byte-wise over UTF-8. Swift's `<` on `String` compares by Unicode canonical ordering, which can
/// differ for non-ASCII text, and fingerprints and orders must be Go's.
func goLess(_ lhs: String, _ rhs: String) -> Bool {
    lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
}
