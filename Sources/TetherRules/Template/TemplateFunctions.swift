/// Go's template builtins and Prometheus' alert template functions (Prometheus 2.42
/// `template/template.go`), ported by hand for tether with Go's results and error texts.
enum TemplateFunctions {
    struct Signature {
        var parameters: [TemplateEvaluator.ParameterType]
        var isVariadic = false
        var variadic: TemplateEvaluator.ParameterType = .any
    }

    static let signatures: [String: Signature] = {
        let any = TemplateEvaluator.ParameterType.any
        let string = TemplateEvaluator.ParameterType.string
        var table: [String: Signature] = [
            "and": Signature(parameters: [any], isVariadic: true),
            "or": Signature(parameters: [any], isVariadic: true),
            "not": Signature(parameters: [any]),
            "len": Signature(parameters: [any]),
            "index": Signature(parameters: [any], isVariadic: true),
            "print": Signature(parameters: [], isVariadic: true),
            "println": Signature(parameters: [], isVariadic: true),
            "printf": Signature(parameters: [string], isVariadic: true),
            "urlquery": Signature(parameters: [], isVariadic: true),
            "html": Signature(parameters: [], isVariadic: true),
            "js": Signature(parameters: [], isVariadic: true),
            "eq": Signature(parameters: [any], isVariadic: true),
            "match": Signature(parameters: [string, string]),
            "reReplaceAll": Signature(parameters: [string, string, string]),
            "pathPrefix": Signature(parameters: []),
            "externalURL": Signature(parameters: []),
        ]
        for name in ["ne", "lt", "le", "gt", "ge"] { table[name] = Signature(parameters: [any, any]) }
        for name in [
            "humanize", "humanize1024", "humanizeDuration", "humanizePercentage", "humanizeTimestamp", "toTime",
        ] {
            table[name] = Signature(parameters: [any])
        }
        for name in ["toUpper", "toLower", "title", "stripPort", "stripDomain", "safeHtml", "parseDuration"] {
            table[name] = Signature(parameters: [string])
        }
        return table
    }()

    static func call(
        _ name: String,
        _ args: [TemplateValue],
        data: AlertTemplateData
    ) throws(TemplateFunctionError)
        -> TemplateValue
    {
        func string(_ index: Int) -> String {
            if case .string(let value) = args[index] { return value }
            return ""
        }
        switch name {
        case "not": return .bool(!args[0].isTrue)
        case "len": return try length(args[0])
        case "index": return try index(args[0], Array(args.dropFirst()))
        case "print": return .string(GoFormat.sprint(args))
        case "println": return .string(GoFormat.sprintln(args))
        case "printf": return .string(GoFormat.sprintf(string(0), Array(args.dropFirst())))
        case "urlquery": return .string(queryEscape(escaperArgument(args)))
        case "html": return .string(htmlEscape(escaperArgument(args)))
        case "js": return .string(jsEscape(escaperArgument(args)))
        case "eq": return .bool(try TemplateComparison.eq(args[0], Array(args.dropFirst())))
        case "ne": return .bool(!(try TemplateComparison.eq(args[0], [args[1]])))
        case "lt": return .bool(try TemplateComparison.lt(args[0], args[1]))
        case "le": return .bool(try TemplateComparison.le(args[0], args[1]))
        case "gt": return .bool(!(try TemplateComparison.le(args[0], args[1])))
        case "ge": return .bool(!(try TemplateComparison.lt(args[0], args[1])))
        case "humanize": return .string(Humanize.humanize(try toFloat(args[0])))
        case "humanize1024": return .string(Humanize.humanize1024(try toFloat(args[0])))
        case "humanizeDuration": return .string(Humanize.duration(try toFloat(args[0])))
        case "humanizePercentage": return .string(Humanize.percentage(try toFloat(args[0])))
        case "humanizeTimestamp":
            let value = try toFloat(args[0])
            if !value.isFinite { return .string(GoFormat.sprintf("%.4g", [.float(value)])) }
            return .string(try Humanize.time(fromSeconds: value).description)
        case "toTime":
            let value = try toFloat(args[0])
            guard value.isFinite else { throw TemplateFunctionError(message: "value is NaN or Inf") }
            return .time(try Humanize.time(fromSeconds: value))
        case "toUpper": return .string(mapScalars(string(0)) { $0.properties.uppercaseMapping })
        case "toLower": return .string(mapScalars(string(0)) { $0.properties.lowercaseMapping })
        case "title": return .string(title(string(0)))
        case "match":
            let regex = try TemplateRegex(pattern: string(0), compilePrefix: "")
            return .bool(regex.matches(string(1)))
        case "reReplaceAll":
            let regex = try TemplateRegex(pattern: string(0), compilePrefix: "regexp: Compile(`\(string(0))`): ")
            return .string(regex.replaceAll(in: string(2), with: string(1)))
        case "stripPort": return .string(HostPort.split(string(0)).map(\.host) ?? string(0))
        case "stripDomain": return .string(HostPort.stripDomain(string(0)))
        case "safeHtml": return .string(string(0))
        case "pathPrefix": return .string(urlPath(data.externalURL))
        case "externalURL": return .string(data.externalURL)
        case "parseDuration": return .float(try parseDuration(string(0)))
        default: throw TemplateFunctionError(message: "function \(GoFormat.quote(name)) not defined")
        }
    }

    // MARK: - Builtins

    private static func length(_ value: TemplateValue) throws(TemplateFunctionError) -> TemplateValue {
        switch value {
        case .string(let string): return .int(string.utf8.count)
        case .map(let map): return .int(map.count)
        default: throw TemplateFunctionError(message: "len of type \(value.typeName)")
        }
    }

    private static func index(
        _ item: TemplateValue,
        _ indexes: [TemplateValue]
    ) throws(TemplateFunctionError)
        -> TemplateValue
    {
        if case .missing = item { throw TemplateFunctionError(message: "index of untyped nil") }
        var item = item
        for index in indexes {
            switch item {
            case .string(let string):
                let position: Int
                switch index {
                case .int(let value): position = value
                case .byte(let value): position = Int(value)
                case .missing: throw TemplateFunctionError(message: "cannot index slice/array with nil")
                default: throw TemplateFunctionError(message: "cannot index slice/array with type \(index.typeName)")
                }
                let bytes = Array(string.utf8)
                guard position >= 0, position <= bytes.count else {
                    throw TemplateFunctionError(message: "index out of range: \(position)")
                }
                guard position < bytes.count else {
                    throw TemplateFunctionError(message: "reflect: string index out of range")
                }
                item = .byte(bytes[position])
            case .map(let map):
                switch index {
                case .string(let key): item = .string(map[key] ?? "")
                case .missing: throw TemplateFunctionError(message: "value is nil; should be of type string")
                default: throw TemplateFunctionError(message: "value has type \(index.typeName); should be string")
                }
            default:
                throw TemplateFunctionError(message: "can't index item of type \(item.typeName)")
            }
        }
        return item
    }

    /// `html`, `js` and `urlquery` take one string as is, anything else through `fmt.Sprint`.
    private static func escaperArgument(_ args: [TemplateValue]) -> String {
        if args.count == 1, case .string(let value) = args[0] { return value }
        return GoFormat.sprint(args)
    }

    static func htmlEscape(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "&#34;"
            case "'": result += "&#39;"
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\u{0}": result += "\u{FFFD}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    static func jsEscape(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case "'": result += "\\'"
            case "\"": result += "\\\""
            case "<": result += "\\u003C"
            case ">": result += "\\u003E"
            case "&": result += "\\u0026"
            case "=": result += "\\u003D"
            default:
                if scalar.value < 0x20 || (scalar.value >= 0x80 && !GoFormat.isPrint(scalar)) {
                    var hex = String(scalar.value, radix: 16, uppercase: true)
                    while hex.count < 4 { hex = "0" + hex }
                    result += "\\u" + hex
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result
    }

    /// `url.QueryEscape`.
    static func queryEscape(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                result += "+"
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                result += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return result
    }

    // MARK: - Prometheus functions

    /// Prometheus' `convertToFloat`: float64, int, or a string through `strconv.ParseFloat`.
    static func toFloat(_ value: TemplateValue) throws(TemplateFunctionError) -> Double {
        switch value {
        case .float(let float): return float
        case .int(let int): return Double(int)
        case .string(let string): return try parseFloat(string)
        default: throw TemplateFunctionError(message: "can't convert \(value.typeName) to float")
        }
    }

    /// `strconv.ParseFloat(s, 64)`, with its error texts.
    static func parseFloat(_ text: String) throws(TemplateFunctionError) -> Double {
        let prefix = "strconv.ParseFloat: parsing \(GoFormat.quote(text)): "
        var body = Substring(text)
        var negative = false
        if body.hasPrefix("+") || body.hasPrefix("-") {
            negative = body.hasPrefix("-")
            body = body.dropFirst()
        }
        let lower = body.lowercased()
        if lower == "inf" || lower == "infinity" { return negative ? -.infinity : .infinity }
        if lower == "nan" && text.count == 3 { return .nan }
        var valid = false
        if lower.hasPrefix("0x") {
            valid = lower.contains("p") && lower.dropFirst(2).allSatisfy { "0123456789abcdef.p+-_".contains($0) }
        } else {
            var digits = 0
            var index = lower.startIndex
            while index < lower.endIndex, lower[index].isASCII, lower[index].isNumber {
                digits += 1
                index = lower.index(after: index)
            }
            if index < lower.endIndex, lower[index] == "." {
                index = lower.index(after: index)
                while index < lower.endIndex, lower[index].isASCII, lower[index].isNumber {
                    digits += 1
                    index = lower.index(after: index)
                }
            }
            valid = digits > 0
            if valid, index < lower.endIndex, lower[index] == "e" {
                index = lower.index(after: index)
                if index < lower.endIndex, lower[index] == "+" || lower[index] == "-" {
                    index = lower.index(after: index)
                }
                var exponentDigits = 0
                while index < lower.endIndex, lower[index].isASCII, lower[index].isNumber {
                    exponentDigits += 1
                    index = lower.index(after: index)
                }
                valid = exponentDigits > 0
            }
            valid = valid && index == lower.endIndex
        }
        guard valid, let value = Double(String(body).filter { $0 != "_" }) else {
            throw TemplateFunctionError(message: prefix + "invalid syntax")
        }
        if value.isInfinite { throw TemplateFunctionError(message: prefix + "value out of range") }
        return negative ? -value : value
    }

    /// Go's per-rune case mapping (`unicode.ToUpper`): simple mappings only, so "ß" stays.
    private static func mapScalars(_ text: String, _ mapping: (Unicode.Scalar) -> String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            result.unicodeScalars.append(simpleMapping(scalar, mapping(scalar)))
        }
        return result
    }

    private static func simpleMapping(_ scalar: Unicode.Scalar, _ full: String) -> Unicode.Scalar {
        let mapped = Array(full.unicodeScalars)
        if mapped.count == 1 { return mapped[0] }
        // A full mapping into a letter plus combining marks ("İ" → "i̇") has that letter as its
        // simple mapping; others ("ß" → "SS") have none.
        if let first = mapped.first, mapped.dropFirst().allSatisfy({ $0.properties.generalCategory == .nonspacingMark })
        {
            return first
        }
        return scalar
    }

    /// `strings.Title`: the first letter of each word in title case.
    private static func title(_ text: String) -> String {
        var previous: Unicode.Scalar = " "
        var result = ""
        for scalar in text.unicodeScalars {
            if isSeparator(previous) {
                result.unicodeScalars.append(simpleMapping(scalar, scalar.properties.titlecaseMapping))
            } else {
                result.unicodeScalars.append(scalar)
            }
            previous = scalar
        }
        return result
    }

    private static func isSeparator(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value <= 0x7F {
            switch scalar {
            case "0"..."9", "a"..."z", "A"..."Z", "_": return false
            default: return true
            }
        }
        if TemplateLexer.isAlphaNumeric(scalar) { return false }
        return scalar.properties.isWhitespace
    }

    /// The path of the external URL (`url.URL.Path`).
    private static func urlPath(_ url: String) -> String {
        var rest = Substring(url)
        if let scheme = rest.firstRange(of: "://") {
            rest = rest[scheme.upperBound...]
            if let slash = rest.firstIndex(of: "/") { rest = rest[slash...] } else { return "" }
        }
        if let end = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<end] }
        return String(rest)
    }

    /// Prometheus' `model.ParseDuration`, in seconds.
    static func parseDuration(_ text: String) throws(TemplateFunctionError) -> Double {
        if text == "0" { return 0 }
        if text.isEmpty { throw TemplateFunctionError(message: "empty duration string") }
        let units: [(String, Int64)] = [
            ("y", 365 * 86_400_000), ("w", 7 * 86_400_000), ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000),
            ("s", 1000), ("ms", 1),
        ]
        let invalid = TemplateFunctionError(message: "not a valid duration string: \(GoFormat.quote(text))")
        var rest = Substring(text)
        var nextUnit = 0
        var total: Int64 = 0
        var overflow = false
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty else { throw invalid }
            rest = rest.dropFirst(digits.count)
            let unitText = rest.hasPrefix("ms") ? "ms" : String(rest.prefix(1))
            guard let found = units[nextUnit...].firstIndex(where: { $0.0 == unitText }) else { throw invalid }
            rest = rest.dropFirst(unitText.count)
            nextUnit = found + 1
            let count = Int64(digits) ?? Int64.max
            let (product, productOverflow) = count.multipliedReportingOverflow(by: units[found].1 * 1_000_000)
            let (sum, sumOverflow) = total.addingReportingOverflow(product)
            if productOverflow || sumOverflow { overflow = true }
            total = sum
        }
        if overflow { throw TemplateFunctionError(message: "duration out of range") }
        return Double(total) / 1e9
    }
}

/// Go's `eq`, `lt`, `le` over basic kinds, with its errors for mixed kinds (`1` vs `1.0`).
enum TemplateComparison {
    private enum Kind {
        case bool, int, uint, float, string, invalid
    }

    private static func kind(_ value: TemplateValue) -> Kind {
        switch value {
        case .bool: .bool
        case .int: .int
        case .byte: .uint
        case .float: .float
        case .string: .string
        default: .invalid
        }
    }

    private static func integer(_ value: TemplateValue) -> Int {
        switch value {
        case .int(let int): int
        case .byte(let byte): Int(byte)
        default: 0
        }
    }

    static func eq(_ first: TemplateValue, _ others: [TemplateValue]) throws(TemplateFunctionError) -> Bool {
        guard !others.isEmpty else { throw TemplateFunctionError(message: "missing argument for comparison") }
        let firstKind = kind(first)
        for other in others {
            let otherKind = kind(other)
            var truth = false
            if firstKind != otherKind {
                switch (firstKind, otherKind) {
                case (.int, .uint), (.uint, .int):
                    truth = integer(first) == integer(other)
                default:
                    if case .missing = first {
                    } else if case .missing = other {
                    } else {
                        throw TemplateFunctionError(message: "incompatible types for comparison")
                    }
                }
            } else {
                switch (first, other) {
                case (.bool(let a), .bool(let b)): truth = a == b
                case (.float(let a), .float(let b)): truth = a == b
                case (.string(let a), .string(let b)): truth = a.goEqual(b)
                case (.missing, .missing): truth = true
                case (.map, _):
                    throw TemplateFunctionError(
                        message: "non-comparable type \(GoFormat.sprint([first])): \(first.typeName)"
                    )
                case (_, .map):
                    throw TemplateFunctionError(
                        message: "non-comparable type \(GoFormat.sprint([other])): \(other.typeName)"
                    )
                case (.data, _), (_, .data):
                    throw TemplateFunctionError(
                        message: "non-comparable type \(GoFormat.sprint([other])): \(other.typeName)"
                    )
                case (.time(let a), .time(let b)): truth = a == b
                case (.missing, _), (_, .missing): truth = false
                default: truth = integer(first) == integer(other)
                }
            }
            if truth { return true }
        }
        return false
    }

    static func lt(_ first: TemplateValue, _ second: TemplateValue) throws(TemplateFunctionError) -> Bool {
        let firstKind = kind(first)
        let secondKind = kind(second)
        if firstKind == .invalid || secondKind == .invalid {
            throw TemplateFunctionError(message: "invalid type for comparison")
        }
        if firstKind != secondKind {
            switch (firstKind, secondKind) {
            case (.int, .uint), (.uint, .int): return integer(first) < integer(second)
            default: throw TemplateFunctionError(message: "incompatible types for comparison")
            }
        }
        switch (first, second) {
        case (.float(let a), .float(let b)): return a < b
        case (.string(let a), .string(let b)): return a.goLess(b)
        case (.bool, _): throw TemplateFunctionError(message: "invalid type for comparison")
        default: return integer(first) < integer(second)
        }
    }

    static func le(_ first: TemplateValue, _ second: TemplateValue) throws(TemplateFunctionError) -> Bool {
        if try lt(first, second) { return true }
        return try eq(first, [second])
    }
}
