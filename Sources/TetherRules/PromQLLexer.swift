/// A position in the expression text, 1-based line and column (in Unicode scalars).
struct PromQLPosition: Sendable, Hashable {
    var line: Int
    var column: Int
}

/// One lexical token of a PromQL expression.
enum PromQLTokenKind: Sendable, Hashable {
    case identifier(String)
    case number(Double)
    case string(String)
    case duration(PromQLDuration)
    case leftParen
    case rightParen
    case leftBrace
    case rightBrace
    case leftBracket
    case rightBracket
    case comma
    case colon
    case at
    case assign
    case equal
    case notEqual
    case regexMatch
    case regexNoMatch
    case greater
    case greaterOrEqual
    case less
    case lessOrEqual
    case plus
    case minus
    case multiply
    case divide
    case modulo
    case power
    case end

    /// How the token is named in error messages ("unexpected …").
    var displayName: String {
        switch self {
        case .identifier(let name):
            PromQLLexer.keywords.contains(name.lowercased()) ? "keyword '\(name)'" : "identifier '\(name)'"
        case .number(let value): "number \(PromQLExpression.format(number: value))"
        case .string(let value): "string \(PromQLExpression.quote(value))"
        case .duration(let value): "duration \(value)"
        case .leftParen: "'('"
        case .rightParen: "')'"
        case .leftBrace: "'{'"
        case .rightBrace: "'}'"
        case .leftBracket: "'['"
        case .rightBracket: "']'"
        case .comma: "','"
        case .colon: "':'"
        case .at: "'@'"
        case .assign: "'='"
        case .equal: "'=='"
        case .notEqual: "'!='"
        case .regexMatch: "'=~'"
        case .regexNoMatch: "'!~'"
        case .greater: "'>'"
        case .greaterOrEqual: "'>='"
        case .less: "'<'"
        case .lessOrEqual: "'<='"
        case .plus: "'+'"
        case .minus: "'-'"
        case .multiply: "'*'"
        case .divide: "'/'"
        case .modulo: "'%'"
        case .power: "'^'"
        case .end: "end of input"
        }
    }
}

struct PromQLToken: Sendable, Hashable {
    var kind: PromQLTokenKind
    var position: PromQLPosition
}

/// Splits an expression into tokens, as Prometheus' lexer does for the subset.
///
/// Words are returned as identifiers whatever they are: whether `on` is a keyword or a label name
/// depends on where it stands, which only the parser knows (`sum by (on) (x)` is valid PromQL).
struct PromQLLexer {
    static let keywords: Set<String> = [
        "and", "or", "unless", "atan2", "by", "without", "on", "ignoring", "group_left", "group_right", "bool",
        "offset", "sum", "avg", "min", "max", "count", "quantile", "topk", "bottomk", "group", "stddev",
        "stdvar", "count_values",
    ]

    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var line = 1
    private var column = 1
    /// Inside `[...]` a colon separates a subquery's range and step instead of being part of a name.
    private var bracketDepth = 0

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
    }

    static func tokenize(_ text: String) throws(PromQLError) -> [PromQLToken] {
        var lexer = PromQLLexer(text)
        var tokens: [PromQLToken] = []
        while true {
            let token = try lexer.next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        index + offset < scalars.count ? scalars[index + offset] : nil
    }

    private mutating func advance() {
        if scalars[index] == "\n" {
            line += 1
            column = 1
        } else {
            column += 1
        }
        index += 1
    }

    private static func isDigit(_ scalar: Unicode.Scalar?) -> Bool {
        guard let scalar else { return false }
        return ("0"..."9").contains(scalar)
    }

    private static func isLetter(_ scalar: Unicode.Scalar?) -> Bool {
        guard let scalar else { return false }
        return ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || scalar == "_"
    }

    private static func isAlphanumeric(_ scalar: Unicode.Scalar?) -> Bool {
        isLetter(scalar) || isDigit(scalar)
    }

    private func isWordStart(_ scalar: Unicode.Scalar?) -> Bool {
        Self.isLetter(scalar) || (scalar == ":" && bracketDepth == 0)
    }

    private func isWord(_ scalar: Unicode.Scalar?) -> Bool {
        isWordStart(scalar) || Self.isDigit(scalar)
    }

    private mutating func skipSpaceAndComments() {
        while let scalar = peek() {
            if scalar == "#" {
                while let next = peek(), next != "\n" { advance() }
            } else if scalar.properties.isWhitespace {
                advance()
            } else {
                return
            }
        }
    }

    mutating func next() throws(PromQLError) -> PromQLToken {
        skipSpaceAndComments()
        let position = PromQLPosition(line: line, column: column)
        guard let scalar = peek() else { return PromQLToken(kind: .end, position: position) }
        if Self.isDigit(scalar) || (scalar == "." && Self.isDigit(peek(1))) {
            return PromQLToken(kind: try numberOrDuration(at: position), position: position)
        }
        if isWordStart(scalar) {
            var word = ""
            while isWord(peek()) {
                word.unicodeScalars.append(peek()!)
                advance()
            }
            switch word.lowercased() {
            case "inf": return PromQLToken(kind: .number(.infinity), position: position)
            case "nan": return PromQLToken(kind: .number(.nan), position: position)
            default: return PromQLToken(kind: .identifier(word), position: position)
            }
        }
        if scalar == "\"" || scalar == "'" || scalar == "`" {
            return PromQLToken(kind: .string(try string(at: position)), position: position)
        }
        let pairs: [(String, PromQLTokenKind)] = [
            ("==", .equal), ("!=", .notEqual), ("=~", .regexMatch), ("!~", .regexNoMatch), (">=", .greaterOrEqual),
            ("<=", .lessOrEqual), ("=", .assign), (">", .greater), ("<", .less), ("+", .plus), ("-", .minus),
            ("*", .multiply), ("/", .divide), ("%", .modulo), ("^", .power), ("(", .leftParen), (")", .rightParen),
            ("{", .leftBrace), ("}", .rightBrace), ("[", .leftBracket), ("]", .rightBracket), (",", .comma),
            (":", .colon), ("@", .at),
        ]
        for (text, kind) in pairs where matches(text) {
            for _ in text.unicodeScalars { advance() }
            if kind == .leftBracket { bracketDepth += 1 }
            if kind == .rightBracket { bracketDepth = max(0, bracketDepth - 1) }
            return PromQLToken(kind: kind, position: position)
        }
        throw PromQLError(position, "unexpected character '\(scalar)'")
    }

    private func matches(_ text: String) -> Bool {
        for (offset, scalar) in text.unicodeScalars.enumerated() where peek(offset) != scalar {
            return false
        }
        return true
    }

    /// A duration when the digits are followed by units (`1h30m`), otherwise a number (`1.5e3`).
    private mutating func numberOrDuration(at position: PromQLPosition) throws(PromQLError) -> PromQLTokenKind {
        var offset = 0
        var components: [(Int64, String)] = []
        while Self.isDigit(peek(offset)) {
            var digits = ""
            while let scalar = peek(offset), Self.isDigit(scalar) {
                digits.unicodeScalars.append(scalar)
                offset += 1
            }
            let unit: String
            if peek(offset) == "m" && peek(offset + 1) == "s" {
                unit = "ms"
            } else if let scalar = peek(offset), "smhdwy".unicodeScalars.contains(scalar) {
                unit = String(scalar)
            } else {
                components = []
                break
            }
            offset += unit.unicodeScalars.count
            guard let value = Int64(digits) else {
                throw PromQLError(position, "duration component '\(digits)\(unit)' is too large")
            }
            components.append((value, unit))
        }
        if !components.isEmpty && !Self.isAlphanumeric(peek(offset)) && peek(offset) != "." {
            let text = String(String.UnicodeScalarView(scalars[index..<index + offset]))
            for _ in 0..<offset { advance() }
            guard let duration = PromQLDuration(components: components) else {
                throw PromQLError(position, "invalid duration '\(text)': units must be in the order y w d h m s ms")
            }
            return .duration(duration)
        }
        var text = ""
        func take(_ lexer: inout PromQLLexer) {
            text.unicodeScalars.append(lexer.peek()!)
            lexer.advance()
        }
        while Self.isDigit(peek()) { take(&self) }
        if peek() == "." {
            take(&self)
            while Self.isDigit(peek()) { take(&self) }
        }
        if peek() == "e" || peek() == "E",
            Self.isDigit(peek(1)) || ((peek(1) == "+" || peek(1) == "-") && Self.isDigit(peek(2)))
        {
            take(&self)
            take(&self)
            while Self.isDigit(peek()) { take(&self) }
        }
        guard !Self.isAlphanumeric(peek()) && peek() != ".", let value = Double(text) else {
            while Self.isAlphanumeric(peek()) || peek() == "." { take(&self) }
            throw PromQLError(position, "bad number or duration syntax '\(text)'")
        }
        return .number(value)
    }

    private mutating func string(at position: PromQLPosition) throws(PromQLError) -> String {
        let quote = peek()!
        advance()
        var value = ""
        while true {
            guard let scalar = peek(), quote == "`" || scalar != "\n" else {
                throw PromQLError(position, "unterminated quoted string")
            }
            advance()
            if scalar == quote { return value }
            if scalar != "\\" || quote == "`" {
                value.unicodeScalars.append(scalar)
                continue
            }
            guard let escaped = peek() else { throw PromQLError(position, "unterminated quoted string") }
            let escapePosition = PromQLPosition(line: line, column: column - 1)
            advance()
            switch escaped {
            case "n": value += "\n"
            case "t": value += "\t"
            case "r": value += "\r"
            case "a": value += "\u{07}"
            case "b": value += "\u{08}"
            case "f": value += "\u{0C}"
            case "v": value += "\u{0B}"
            case "\\", "\"", "'":
                guard escaped == quote || escaped == "\\" else {
                    throw PromQLError(escapePosition, "unknown escape sequence '\\\(escaped)'")
                }
                value.unicodeScalars.append(escaped)
            case "x", "u", "U":
                let count = escaped == "x" ? 2 : escaped == "u" ? 4 : 8
                var hex = ""
                for _ in 0..<count {
                    guard let digit = peek(), digit.properties.isASCIIHexDigit else {
                        throw PromQLError(escapePosition, "invalid escape sequence '\\\(escaped)\(hex)'")
                    }
                    hex.unicodeScalars.append(digit)
                    advance()
                }
                guard let code = UInt32(hex, radix: 16), let decoded = Unicode.Scalar(code) else {
                    throw PromQLError(escapePosition, "invalid escape sequence '\\\(escaped)\(hex)'")
                }
                value.unicodeScalars.append(decoded)
            case "0"..."7":
                // Go's three-digit octal escape, `\101` for "A".
                var octal = String(escaped)
                for _ in 0..<2 {
                    guard let digit = peek(), ("0"..."7").contains(digit) else {
                        throw PromQLError(escapePosition, "invalid escape sequence '\\\(octal)'")
                    }
                    octal.unicodeScalars.append(digit)
                    advance()
                }
                guard let code = UInt32(octal, radix: 8), code <= 0xFF, let decoded = Unicode.Scalar(code) else {
                    throw PromQLError(escapePosition, "invalid escape sequence '\\\(octal)'")
                }
                value.unicodeScalars.append(decoded)
            default:
                throw PromQLError(escapePosition, "unknown escape sequence '\\\(escaped)'")
            }
        }
    }
}
