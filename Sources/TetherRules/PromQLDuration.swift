/// A PromQL duration literal (`5m`, `1h30m`, `250ms`), held in milliseconds as Prometheus does.
public struct PromQLDuration: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Length in milliseconds; negative only for `offset -5m`.
    public var milliseconds: Int64

    public init(milliseconds: Int64) {
        self.milliseconds = milliseconds
    }

    private static let units: [(unit: String, milliseconds: Int64, exactOnly: Bool)] = [
        ("y", 365 * 86_400_000, true), ("w", 7 * 86_400_000, true), ("d", 86_400_000, false),
        ("h", 3_600_000, false), ("m", 60_000, false), ("s", 1000, false), ("ms", 1, false),
    ]

    /// Combines `(value, unit)` pairs, which must come in Prometheus' order (y w d h m s ms), each once.
    init?(components: [(Int64, String)]) {
        var total: Int64 = 0
        var nextUnit = 0
        for (value, unit) in components {
            guard let found = Self.units[nextUnit...].firstIndex(where: { $0.unit == unit }) else { return nil }
            let (product, overflow) = value.multipliedReportingOverflow(by: Self.units[found].milliseconds)
            guard !overflow else { return nil }
            let (sum, sumOverflow) = total.addingReportingOverflow(product)
            guard !sumOverflow else { return nil }
            total = sum
            nextUnit = found + 1
        }
        self.init(milliseconds: total)
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.milliseconds < rhs.milliseconds }

    /// Prometheus' canonical spelling: largest units first, years and weeks only when exact.
    public var description: String {
        if milliseconds == 0 { return "0s" }
        var rest = milliseconds.magnitude
        var text = milliseconds < 0 ? "-" : ""
        for (unit, size, exactOnly) in Self.units {
            let size = UInt64(size)
            if exactOnly && rest % size != 0 { continue }
            let count = rest / size
            if count > 0 {
                text += "\(count)\(unit)"
                rest -= count * size
            }
        }
        return text
    }
}
