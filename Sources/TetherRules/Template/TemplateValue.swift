// tether's own hand-written model of the Go values a Prometheus alert template can see. There is
// no Go on the machine and no Swift library for Go templates: everything under Template/ was
// written for tether and checked against `promtool test rules` (Prometheus 2.42).

/// A value during template execution, typed as Go's `reflect.Value` would be for the data and
/// functions Prometheus gives alert templates.
enum TemplateValue {
    /// Go's invalid `reflect.Value`: the untyped `nil` constant.
    case missing
    case bool(Bool)
    case int(Int)
    /// A byte, as `index` returns for a string.
    case byte(UInt8)
    case float(Double)
    case string(String)
    /// `map[string]string`: `.Labels`, `.ExternalLabels`.
    case map([String: String])
    /// The struct Prometheus passes as dot.
    case data(AlertTemplateData)
    /// `*time.Time`, as `toTime` returns it.
    case time(GoTime)

    /// The Go type name, as `%T` and error messages spell it.
    var typeName: String {
        switch self {
        case .missing: "<nil>"
        case .bool: "bool"
        case .int: "int"
        case .byte: "uint8"
        case .float: "float64"
        case .string: "string"
        case .map: "map[string]string"
        case .data:
            "struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value float64 }"
        case .time: "*time.Time"
        }
    }

    /// Go's truth: false, 0, "", an empty map and nil are false.
    var isTrue: Bool {
        switch self {
        case .missing: false
        case .bool(let value): value
        case .int(let value): value != 0
        case .byte(let value): value != 0
        case .float(let value): value != 0
        case .string(let value): !value.isEmpty
        case .map(let value): !value.isEmpty
        case .data, .time: true
        }
    }

    /// How `{{ value }}` prints it (`fmt.Fprint`, with `<no value>` for nil).
    var printed: String {
        if case .missing = self { return "<no value>" }
        return GoFormat.sprint([self])
    }
}

/// A UTC instant with nanoseconds, printed as Go's `time.Time.String()` does.
struct GoTime: Hashable {
    var seconds: Int64
    var nanoseconds: Int64

    init(seconds: Int64, nanoseconds: Int64) {
        // time.Unix normalizes the nanoseconds into [0, 1e9).
        var seconds = seconds
        var nanoseconds = nanoseconds
        if nanoseconds < 0 || nanoseconds >= 1_000_000_000 {
            seconds += nanoseconds / 1_000_000_000
            nanoseconds %= 1_000_000_000
            if nanoseconds < 0 {
                nanoseconds += 1_000_000_000
                seconds -= 1
            }
        }
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    /// `2009-02-13 23:31:30.5 +0000 UTC`: trailing zeros of the fraction dropped.
    var description: String {
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let (year, month, day) = Self.civil(fromDays: days)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        var yearText = String(year.magnitude)
        while yearText.count < 4 { yearText = "0" + yearText }
        if year < 0 { yearText = "-" + yearText }
        var text = "\(yearText)-\(two(month))-\(two(day)) "
        text += "\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))"
        if nanoseconds != 0 {
            var fraction = String(nanoseconds)
            while fraction.count < 9 { fraction = "0" + fraction }
            while fraction.hasSuffix("0") { fraction.removeLast() }
            text += "." + fraction
        }
        return text + " +0000 UTC"
    }

    // Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }
}

extension String {
    /// Go orders and compares strings byte by byte, not by Unicode canonical equivalence.
    func goLess(_ other: String) -> Bool {
        utf8.lexicographicallyPrecedes(other.utf8)
    }

    func goEqual(_ other: String) -> Bool {
        utf8.elementsEqual(other.utf8)
    }
}

extension Dictionary where Key == String {
    /// Keys in Go's sorted order (bytewise), as `range` and `fmt` visit a map.
    var goSortedKeys: [String] {
        keys.sorted { $0.goLess($1) }
    }
}
