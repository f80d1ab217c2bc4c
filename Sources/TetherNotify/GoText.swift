/// Go's text formatting where notifications must match Alertmanager and Prometheus byte for byte: label sets in
/// group keys, `regexp.QuoteMeta` on receiver names, and `time.Time` in JSON.
enum GoText {
    /// `model.LabelSet.String()` of current prometheus/common: names in byte order, each as `name="value"` with
    /// the value quoted by `strconv.Quote`, joined by ", ", in braces.
    ///
    /// Alertmanager up to 0.27 (prometheus/common before v0.53) sorted the formatted `name="value"` strings instead
    /// of the names, which puts `a0="…"` before `a="…"`; the two agree unless a label name is another's prefix
    /// followed by a character below `=`. Sorting by name is what current releases do.
    static func labelSet(_ labels: [String: String]) -> String {
        let pairs = labels.keys.sorted(by: goLess).map { "\($0)=\(self.quote(labels[$0, default: ""]))" }
        return "{" + pairs.joined(separator: ", ") + "}"
    }

    /// Go's `strconv.Quote`: double quotes; `\"` and `\\`; `\a \b \f \n \r \t \v`; other control characters as
    /// `\xHH`; other non-printable characters as `\uHHHH` or `\UHHHHHHHH`; printable ones (`strconv.IsPrint`) as
    /// they are.
    static func quote(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\u{07}": result += "\\a"
            case "\u{08}": result += "\\b"
            case "\u{0C}": result += "\\f"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\u{0B}": result += "\\v"
            default:
                if self.isPrint(scalar) {
                    result.unicodeScalars.append(scalar)
                } else if scalar.value < 0x20 || scalar.value == 0x7f {
                    result += "\\x" + self.hex(scalar.value, digits: 2)
                } else if scalar.value < 0x10000 {
                    result += "\\u" + self.hex(scalar.value, digits: 4)
                } else {
                    result += "\\U" + self.hex(scalar.value, digits: 8)
                }
            }
        }
        return result + "\""
    }

    /// Go's `strconv.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space; in Latin-1 that is
    /// U+0020–U+007E and U+00A1–U+00FF except the soft hyphen.
    static func isPrint(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value <= 0xff {
            return (0x20...0x7e).contains(value) || ((0xa1...0xff).contains(value) && value != 0xad)
        }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .nonspacingMark, .spacingMark, .enclosingMark,
            .decimalNumber, .letterNumber, .otherNumber,
            .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation,
            .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
            return true
        default:
            return false
        }
    }

    /// Go's `regexp.QuoteMeta`, which Alertmanager applies to the receiver name in template data and so in the
    /// webhook payload (`team.ops` is sent as `team\.ops`).
    static func quoteMeta(_ text: String) -> String {
        var result = ""
        for character in text {
            if "\\.+*?()|[]{}^$".contains(character) { result.append("\\") }
            result.append(character)
        }
        return result
    }

    /// A time as Go's `time.Time` marshals to JSON in UTC: RFC 3339 with up to nine fractional digits, trailing
    /// zeros dropped (`2026-11-22T05:40:00.123Z`, `2026-11-22T05:40:00Z`); nil is Go's zero time,
    /// `0001-01-01T00:00:00Z`.
    ///
    /// Times arrive as `Double` seconds, exact to about a quarter of a microsecond at present-day epochs, so they
    /// are rounded to the microsecond: a time the rule engine took in milliseconds comes out as those milliseconds,
    /// not as float noise in the last digits.
    static func jsonTime(_ seconds: Double?) -> String {
        guard let seconds else { return "0001-01-01T00:00:00Z" }
        let micros = Int64((seconds * 1_000_000).rounded())
        let (whole, fraction) = self.split(micros, by: 1_000_000)
        var text = self.dateTime(whole)
        if fraction != 0 {
            var digits = self.decimal(fraction, digits: 6)
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        return text + "Z"
    }

    /// A time as go-openapi's `strfmt.DateTime` marshals it (`RFC3339Millis`, what Prometheus posts to
    /// Alertmanager's API v2): always three fractional digits, `2026-11-22T05:40:00.000Z`.
    static func millisecondTime(_ seconds: Double) -> String {
        let millis = Int64((seconds * 1000).rounded())
        let (whole, fraction) = self.split(millis, by: 1000)
        return self.dateTime(whole) + "." + self.decimal(fraction, digits: 3) + "Z"
    }

    /// `YYYY-MM-DDThh:mm:ss` in UTC for whole seconds since the epoch (proleptic Gregorian calendar, the civil-from-
    /// days algorithm of Howard Hinnant's date library).
    private static func dateTime(_ seconds: Int64) -> String {
        let (days, secondOfDay) = self.split(seconds, by: 86_400)
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return self.decimal(year, digits: 4) + "-" + self.decimal(month, digits: 2) + "-"
            + self.decimal(day, digits: 2) + "T" + self.decimal(secondOfDay / 3600, digits: 2) + ":"
            + self.decimal(secondOfDay / 60 % 60, digits: 2) + ":" + self.decimal(secondOfDay % 60, digits: 2)
    }

    /// Floor division with a non-negative remainder, so times before 1970 format too.
    private static func split(_ value: Int64, by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        var quotient = value / divisor
        var remainder = value % divisor
        if remainder < 0 {
            quotient -= 1
            remainder += divisor
        }
        return (quotient, remainder)
    }

    private static func decimal(_ value: Int64, digits: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }

    private static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
