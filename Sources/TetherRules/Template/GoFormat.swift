#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Go's `fmt` (`Sprint`, `Sprintln`, `Sprintf`) for the values templates see: tether's own port of
/// the verbs, flags and error texts (`%!d(float64=1.5)`, `%!d(MISSING)`, `%!(EXTRA int=2)`) that
/// alert templates use, checked against promtool's output.
enum GoFormat {
    /// `fmt.Sprint`: spaces between operands when neither is a string.
    static func sprint(_ args: [TemplateValue]) -> String {
        var text = ""
        var previousIsString = false
        for (index, arg) in args.enumerated() {
            let isString: Bool
            if case .string = arg { isString = true } else { isString = false }
            if index > 0 && !isString && !previousIsString { text += " " }
            text += format(arg, verb: "v", Flags())
            previousIsString = isString
        }
        return text
    }

    /// `fmt.Sprintln`: always spaces, then a newline.
    static func sprintln(_ args: [TemplateValue]) -> String {
        args.map { format($0, verb: "v", Flags()) }.joined(separator: " ") + "\n"
    }

    struct Flags {
        var plus = false
        var minus = false
        var sharp = false
        var space = false
        var zero = false
        var width: Int?
        var precision: Int?
    }

    /// `fmt.Sprintf`.
    static func sprintf(_ format: String, _ args: [TemplateValue]) -> String {
        let chars = Array(format.unicodeScalars)
        var output = ""
        var index = 0
        var argNumber = 0
        var reordered = false
        let end = chars.count

        func parseNumber(_ start: Int) -> (Int?, Int) {
            var cursor = start
            var value = 0
            while cursor < end,
                let digit = chars[cursor].properties.numericType == nil ? nil : digitValue(chars[cursor])
            {
                value = value * 10 + digit
                cursor += 1
                if value > 1_000_000 { return (nil, cursor) }
            }
            return cursor == start ? (nil, start) : (value, cursor)
        }
        // `[n]` argument indexes; returns whether one was present and valid.
        func argumentIndex(_ start: Int) -> (index: Int, found: Bool, ok: Bool) {
            guard start < end, chars[start] == "[" else { return (start, false, true) }
            reordered = true
            var cursor = start + 1
            while cursor < end, chars[cursor] != "]" { cursor += 1 }
            guard cursor < end else { return (start + 1, true, false) }
            let (number, after) = parseNumber(start + 1)
            guard let number, after == cursor, number >= 1, number <= args.count else {
                return (cursor + 1, true, false)
            }
            argNumber = number - 1
            return (cursor + 1, true, true)
        }
        func intArgument() -> Int? {
            guard argNumber < args.count else { return nil }
            defer { argNumber += 1 }
            switch args[argNumber] {
            case .int(let value): return value
            case .byte(let value): return Int(value)
            default: return nil
            }
        }

        while index < end {
            let literalStart = index
            while index < end, chars[index] != "%" { index += 1 }
            output.unicodeScalars.append(contentsOf: chars[literalStart..<index])
            if index >= end { break }
            index += 1
            var flags = Flags()
            flagLoop: while index < end {
                switch chars[index] {
                case "#": flags.sharp = true
                case "0": flags.zero = !flags.minus
                case "+": flags.plus = true
                case "-":
                    flags.minus = true
                    flags.zero = false
                case " ": flags.space = true
                default: break flagLoop
                }
                index += 1
            }
            var goodArgument = true
            var (next, afterIndex, ok) = argumentIndex(index)
            index = next
            if !ok { goodArgument = false }
            if index < end, chars[index] == "*" {
                index += 1
                if let width = intArgument() {
                    flags.width = width < 0 ? -width : width
                    if width < 0 {
                        flags.minus = true
                        flags.zero = false
                    }
                } else {
                    output += "%!(BADWIDTH)"
                }
                afterIndex = false
            } else {
                let (width, after) = parseNumber(index)
                flags.width = width
                index = after
                if afterIndex && width != nil { goodArgument = false }
            }
            if index + 1 < end, chars[index] == "." {
                index += 1
                if afterIndex { goodArgument = false }
                (next, afterIndex, ok) = argumentIndex(index)
                index = next
                if !ok { goodArgument = false }
                if index < end, chars[index] == "*" {
                    index += 1
                    if let precision = intArgument(), precision >= 0 {
                        flags.precision = precision
                    } else {
                        output += "%!(BADPREC)"
                    }
                    afterIndex = false
                } else {
                    let (precision, after) = parseNumber(index)
                    flags.precision = precision ?? 0
                    index = after
                }
            }
            if !afterIndex {
                (next, afterIndex, ok) = argumentIndex(index)
                index = next
                if !ok { goodArgument = false }
            }
            guard index < end else {
                output += "%!(NOVERB)"
                break
            }
            let verb = Character(chars[index])
            index += 1
            if verb == "%" {
                output += "%"
            } else if !goodArgument {
                output += "%!\(verb)(BADINDEX)"
            } else if argNumber >= args.count {
                output += "%!\(verb)(MISSING)"
            } else {
                output += Self.format(args[argNumber], verb: verb, flags)
                argNumber += 1
            }
        }
        if !reordered && argNumber < args.count {
            output += "%!(EXTRA "
            output += args[argNumber...].map { arg in
                if case .missing = arg { return "<nil>" }
                return arg.typeName + "=" + Self.format(arg, verb: "v", Flags())
            }.joined(separator: ", ")
            output += ")"
        }
        return output
    }

    private static func digitValue(_ scalar: Unicode.Scalar) -> Int? {
        scalar.value >= 48 && scalar.value <= 57 ? Int(scalar.value - 48) : nil
    }

    /// One operand under one verb (`printArg`).
    static func format(_ value: TemplateValue, verb: Character, _ flags: Flags) -> String {
        if verb == "T" { return pad(value.typeName, flags) }
        switch value {
        case .missing:
            return verb == "v" ? pad("<nil>", flags) : "%!\(verb)(<nil>)"
        case .bool(let bool):
            guard verb == "t" || verb == "v" else { return badVerb(value, verb) }
            return pad(bool ? "true" : "false", flags)
        case .int(let int):
            return formatInteger(negative: int < 0, magnitude: int.magnitude, value: value, verb: verb, flags)
        case .byte(let byte):
            return formatInteger(negative: false, magnitude: UInt(byte), value: value, verb: verb, flags)
        case .float(let float):
            return formatFloat(float, value: value, verb: verb, flags)
        case .string(let string):
            return formatString(string, value: value, verb: verb, flags)
        case .time(let time):
            guard "vsxXq".contains(verb) else {
                // Not a Stringer verb: fmt prints the pointer to the struct {wall ext loc}.
                let ext = time.seconds + 62_135_596_800
                let wall = format(.int(Int(time.nanoseconds)), verb: verb, flags)
                return "&{\(wall) \(format(.int(Int(ext)), verb: verb, flags)) \(format(.int(0), verb: verb, flags))}"
            }
            return formatString(time.description, value: value, verb: verb, flags)
        case .map(let map):
            let entries = map.goSortedKeys.map { key in
                format(.string(key), verb: verb, flags) + ":" + format(.string(map[key] ?? ""), verb: verb, flags)
            }
            return "map[" + entries.joined(separator: " ") + "]"
        case .data(let data):
            let fields = [
                format(.map(data.labels), verb: verb, flags),
                format(.map(data.externalLabels), verb: verb, flags),
                format(.string(data.externalURL), verb: verb, flags),
                format(.float(data.value), verb: verb, flags),
            ]
            return "{" + fields.joined(separator: " ") + "}"
        }
    }

    private static func badVerb(_ value: TemplateValue, _ verb: Character) -> String {
        "%!\(verb)(\(value.typeName)=\(format(value, verb: "v", Flags())))"
    }

    /// Pads to the width in runes; zeros on the left when asked for (Go pads strings with zeros too).
    static func pad(_ text: String, _ flags: Flags) -> String {
        guard let width = flags.width else { return text }
        let count = text.unicodeScalars.count
        guard width > count else { return text }
        let padding = String(repeating: flags.zero ? "0" : " ", count: width - count)
        if flags.minus { return text + String(repeating: " ", count: width - count) }
        return padding + text
    }

    private static func formatInteger(
        negative: Bool,
        magnitude: UInt,
        value: TemplateValue,
        verb: Character,
        _ flags: Flags
    ) -> String {
        var flags = flags
        let base: UInt
        switch verb {
        case "v", "d": base = 10
        case "b": base = 2
        case "o", "O": base = 8
        case "x", "X": base = 16
        case "c":
            let scalar = Unicode.Scalar(UInt32(truncatingIfNeeded: magnitude)) ?? "\u{FFFD}"
            return pad(negative ? "\u{FFFD}" : String(Character(scalar)), flags)
        case "q":
            let scalar = Unicode.Scalar(UInt32(truncatingIfNeeded: magnitude)) ?? "\u{FFFD}"
            return pad(quoteRune(negative ? "\u{FFFD}" : scalar, asciiOnly: flags.plus), flags)
        case "U":
            var hex = String(magnitude, radix: 16, uppercase: true)
            while hex.count < 4 { hex = "0" + hex }
            return pad("U+" + hex, flags)
        default:
            return badVerb(value, verb)
        }
        var digits = String(magnitude, radix: Int(base), uppercase: verb == "X")
        var precision = 0
        if let explicit = flags.precision {
            precision = explicit
            if explicit == 0 && magnitude == 0 {
                flags.zero = false
                return pad("", flags)
            }
        } else if flags.zero, let width = flags.width {
            precision = width
            if negative || flags.plus || flags.space { precision -= 1 }
        }
        while digits.count < precision { digits = "0" + digits }
        if flags.sharp {
            switch base {
            case 2: digits = "0b" + digits
            case 8: if !digits.hasPrefix("0") { digits = "0" + digits }
            case 16: digits = (verb == "X" ? "0X" : "0x") + digits
            default: break
            }
        }
        if verb == "O" { digits = "0o" + digits }
        if negative {
            digits = "-" + digits
        } else if flags.plus {
            digits = "+" + digits
        } else if flags.space {
            digits = " " + digits
        }
        flags.zero = false
        return pad(digits, flags)
    }

    private static func formatString(_ string: String, value: TemplateValue, verb: Character, _ flags: Flags) -> String
    {
        var string = string
        if let precision = flags.precision, "vsxXq".contains(verb) {
            string = String(String.UnicodeScalarView(string.unicodeScalars.prefix(precision)))
        }
        switch verb {
        case "v" where flags.sharp:
            return pad(quote(string), flags)
        case "v", "s":
            return pad(string, flags)
        case "x", "X":
            let bytes = string.utf8.map { byte -> String in
                let hex = String(byte, radix: 16, uppercase: verb == "X")
                return hex.count == 1 ? "0" + hex : hex
            }
            return pad(bytes.joined(separator: flags.space ? " " : ""), flags)
        case "q":
            if flags.sharp && !string.contains("`") && string.unicodeScalars.allSatisfy({ $0 == "\t" || isPrint($0) }) {
                return pad("`" + string + "`", flags)
            }
            return pad(quote(string, asciiOnly: flags.plus), flags)
        default:
            return badVerb(value, verb)
        }
    }

    private static func formatFloat(_ float: Double, value: TemplateValue, verb: Character, _ flags: Flags) -> String {
        var number: String
        switch verb {
        case "v", "g", "G":
            let goVerb: Character = verb == "G" ? "G" : "g"
            number =
                flags.precision.map { cFormat(float, verb: goVerb, precision: $0) }
                ?? shortest(float, upper: verb == "G")
        case "e", "E", "f", "F":
            number = cFormat(float, verb: verb == "F" ? "f" : verb, precision: flags.precision ?? 6)
        case "x", "X":
            number = hexFloat(float, upper: verb == "X", precision: flags.precision)
        case "b":
            number = binaryFloat(float)
        default:
            return badVerb(value, verb)
        }
        if float.isNaN {
            number = "NaN"
        } else if float.isInfinite {
            number = float < 0 ? "-Inf" : "+Inf"
        }
        // Go keeps a sign slot: "+" unless negative.
        if !number.hasPrefix("-") && !number.hasPrefix("+") { number = "+" + number }
        if flags.space && number.hasPrefix("+") && !flags.plus {
            number = " " + number.dropFirst()
        }
        if float.isNaN || float.isInfinite {
            var noZero = flags
            noZero.zero = false
            if float.isNaN && !flags.space && !flags.plus { number.removeFirst() }
            return pad(number, noZero)
        }
        if flags.plus || !number.hasPrefix("+") {
            if flags.zero, let width = flags.width, width > number.count {
                let sign = number.removeFirst()
                return String(sign) + String(repeating: "0", count: width - number.count - 1) + number
            }
            return pad(number, flags)
        }
        return pad(String(number.dropFirst()), flags)
    }

    /// `strconv.FormatFloat(v, 'g', -1, 64)`: shortest digits, exponent form when exp < -4 or >= 6.
    static func shortest(_ value: Double, upper: Bool = false) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        let (digits, point) = shortestDigits(value.magnitude)
        let sign = value.sign == .minus ? "-" : ""
        let exponent = digits.isEmpty ? 0 : point - 1
        if !digits.isEmpty && (exponent < -4 || exponent >= 6) {
            var text = sign + String(digits.first!)
            if digits.count > 1 { text += "." + String(digits.dropFirst()) }
            return text + exponentText(exponent, upper: upper)
        }
        return sign + fixed(digits, point: point, fraction: max(digits.count - point, 0))
    }

    private static func exponentText(_ exponent: Int, upper: Bool) -> String {
        let magnitude = exponent.magnitude
        return (upper ? "E" : "e") + (exponent < 0 ? "-" : "+") + (magnitude < 10 ? "0" : "") + String(magnitude)
    }

    private static func fixed(_ digits: [Character], point: Int, fraction: Int) -> String {
        var text = ""
        if point <= 0 {
            text = "0"
        } else {
            for index in 0..<point { text.append(index < digits.count ? digits[index] : "0") }
        }
        if fraction > 0 {
            text += "."
            for offset in 0..<fraction {
                let index = point + offset
                text.append(index >= 0 && index < digits.count ? digits[index] : "0")
            }
        }
        return text
    }

    /// The shortest round-tripping decimal digits (no leading or trailing zeros) and the decimal
    /// point position, taken from Swift's own shortest printing (same digits as Go's strconv).
    private static func shortestDigits(_ magnitude: Double) -> ([Character], Int) {
        if magnitude == 0 { return ([], 0) }
        let text = magnitude.description
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        var digits: [Character] = []
        var point = 0
        var seenPoint = false
        for character in mantissa {
            if character == "." {
                seenPoint = true
                continue
            }
            digits.append(character)
            if !seenPoint { point += 1 }
        }
        point += exponent
        while let first = digits.first, first == "0" {
            digits.removeFirst()
            point -= 1
        }
        while let last = digits.last, last == "0" { digits.removeLast() }
        return (digits, point)
    }

    /// `%e`, `%f` and `%g` with a precision: the C library rounds exactly, as Go's strconv does.
    private static func cFormat(_ value: Double, verb: Character, precision: Int) -> String {
        if !value.isFinite { return shortest(value) }
        let format = "%.\(min(precision, 1000))\(verb)"
        var buffer = [CChar](repeating: 0, count: 1400)
        let count = withVaList([value]) { arguments in
            buffer.withUnsafeMutableBufferPointer { pointer in
                vsnprintf(pointer.baseAddress, pointer.count, format, arguments)
            }
        }
        let bytes = buffer.prefix(max(0, min(Int(count), buffer.count - 1))).map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `%x` of a float: `0x1.8p+00` (Go writes at least two exponent digits).
    private static func hexFloat(_ value: Double, upper: Bool, precision: Int?) -> String {
        if !value.isFinite { return shortest(value) }
        let format = precision.map { "%.\($0)a" } ?? "%a"
        var text = cFormatRaw(value, format: format)
        if let p = text.firstIndex(of: "p") {
            let exponent = text[text.index(after: p)...]
            let sign = exponent.first.map(String.init) ?? "+"
            var digits = String(exponent.dropFirst())
            if digits.count < 2 { digits = "0" + digits }
            text = text[..<p] + "p" + sign + digits
        }
        return upper ? text.uppercased() : text
    }

    private static func cFormatRaw(_ value: Double, format: String) -> String {
        var buffer = [CChar](repeating: 0, count: 128)
        let count = withVaList([value]) { arguments in
            buffer.withUnsafeMutableBufferPointer { pointer in
                vsnprintf(pointer.baseAddress, pointer.count, format, arguments)
            }
        }
        let bytes = buffer.prefix(max(0, min(Int(count), buffer.count - 1))).map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `%b` of a float: decimal mantissa, binary exponent (`4503599627370496p-52`).
    private static func binaryFloat(_ value: Double) -> String {
        if !value.isFinite { return shortest(value) }
        let bits = value.bitPattern
        var exponent = Int((bits >> 52) & 0x7FF)
        var mantissa = bits & ((1 << 52) - 1)
        if exponent == 0 {
            exponent = 1
        } else {
            mantissa |= 1 << 52
        }
        exponent -= 1023 + 52
        return (value.sign == .minus ? "-" : "") + "\(mantissa)p" + (exponent >= 0 ? "+" : "") + "\(exponent)"
    }

    /// `strconv.Quote` (or `QuoteToASCII` when `asciiOnly`).
    static func quote(_ string: String, asciiOnly: Bool = false) -> String {
        var text = "\""
        for scalar in string.unicodeScalars {
            text += escape(scalar, quote: "\"", asciiOnly: asciiOnly)
        }
        return text + "\""
    }

    private static func quoteRune(_ scalar: Unicode.Scalar, asciiOnly: Bool) -> String {
        "'" + escape(scalar, quote: "'", asciiOnly: asciiOnly) + "'"
    }

    private static func escape(_ scalar: Unicode.Scalar, quote: Unicode.Scalar, asciiOnly: Bool) -> String {
        if scalar == quote || scalar == "\\" { return "\\" + String(scalar) }
        if asciiOnly ? (scalar.value < 0x80 && isPrint(scalar)) : isPrint(scalar) { return String(scalar) }
        switch scalar {
        case "\u{07}": return "\\a"
        case "\u{08}": return "\\b"
        case "\u{0C}": return "\\f"
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        case "\u{0B}": return "\\v"
        default:
            let value = scalar.value
            func hex(_ width: Int) -> String {
                var digits = String(value, radix: 16)
                while digits.count < width { digits = "0" + digits }
                return digits
            }
            if value < 0x20 || value == 0x7F { return "\\x" + hex(2) }
            if value < 0x10000 { return "\\u" + hex(4) }
            return "\\U" + hex(8)
        }
    }

    /// Go's `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space.
    static func isPrint(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == " " { return true }
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
}
