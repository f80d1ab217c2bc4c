public import NIOCore

/// Durations as Prometheus writes them: `250ms`, `5s`, `1m30s`, `1h`, `10us`.
///
/// Prometheus' own grammar (`model.ParseDuration`) accepts the units y w d h m s ms, in that
/// order, each at most once. tether adds `us`/`µs` because heartbeat RTTs live in microseconds and
/// benchmarks want sub-millisecond intervals.
public enum PrometheusDuration {
    private static let units: [(suffix: String, nanoseconds: Int64)] = [
        ("y", 365 * 86_400 * 1_000_000_000),
        ("w", 7 * 86_400 * 1_000_000_000),
        ("d", 86_400 * 1_000_000_000),
        ("h", 3_600 * 1_000_000_000),
        ("m", 60 * 1_000_000_000),
        ("s", 1_000_000_000),
        ("ms", 1_000_000),
        ("us", 1_000),
        ("µs", 1_000),
    ]

    /// Parses `text`, returning `nil` when it is not a duration.
    public static func parse(_ text: String) -> TimeAmount? {
        if text == "0" { return .zero }
        var rest = Substring(text)
        var total: Int64 = 0
        var lastUnitIndex = -1
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix(while: { $0.isASCII && $0.isNumber })
            guard !digits.isEmpty, let value = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            // Longest matching suffix first, so "ms" is not read as "m" followed by garbage.
            guard
                let (index, unit) = units.enumerated()
                    .filter({ rest.hasPrefix($0.element.suffix) })
                    .max(by: { $0.element.suffix.count < $1.element.suffix.count })
            else { return nil }
            let canonicalIndex = unit.suffix == "µs" ? index - 1 : index
            guard canonicalIndex > lastUnitIndex else { return nil }
            lastUnitIndex = canonicalIndex
            rest = rest.dropFirst(unit.suffix.count)
            let (product, overflow) = value.multipliedReportingOverflow(by: unit.nanoseconds)
            guard !overflow else { return nil }
            let (sum, overflow2) = total.addingReportingOverflow(product)
            guard !overflow2 else { return nil }
            total = sum
        }
        return .nanoseconds(total)
    }

    /// Formats `amount` the way Prometheus prints durations (`1m30s`, `250ms`, `0s`).
    public static func format(_ amount: TimeAmount) -> String {
        var ns = amount.nanoseconds
        if ns == 0 { return "0s" }
        var out = ns < 0 ? "-" : ""
        ns = abs(ns)
        for (suffix, size) in units where suffix != "µs" && suffix != "y" && suffix != "w" {
            if ns >= size {
                out += "\(ns / size)\(suffix)"
                ns %= size
            }
        }
        if ns > 0 { out += "\(ns)ns" }
        return out
    }
}
