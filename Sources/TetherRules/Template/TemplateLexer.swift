/// One token of a Go template, with its byte offset in the template text.
struct TemplateToken {
    enum Kind: Equatable {
        case text, leftDelim, rightDelim, space, declare, assign, pipe, leftParen, rightParen
        case string, rawString, charConstant, number, complex, bool, field, variable, identifier, char
        case dot, nilKeyword, ifKeyword, elseKeyword, endKeyword, rangeKeyword, withKeyword
        case defineKeyword, templateKeyword, blockKeyword, breakKeyword, continueKeyword
        case eof, error
    }

    var kind: Kind
    /// Byte offset of the token in the template.
    var position: Int
    /// The token's text (the message for `.error`).
    var text: String

    /// How Go's parser names a token in "unexpected … in …" messages.
    var goDescription: String {
        switch kind {
        case .eof: return "EOF"
        case .error: return text
        case .dot, .nilKeyword, .ifKeyword, .elseKeyword, .endKeyword, .rangeKeyword, .withKeyword,
            .defineKeyword, .templateKeyword, .blockKeyword, .breakKeyword, .continueKeyword:
            return "<\(text)>"
        default:
            let scalars = text.unicodeScalars
            if scalars.count > 10 {
                return GoFormat.quote(String(String.UnicodeScalarView(scalars.prefix(10)))) + "..."
            }
            return GoFormat.quote(text)
        }
    }
}

/// Splits a template into tokens as Go's `text/template/parse` lexer does (Go 1.19): text,
/// `{{`/`}}` with the `{{- ` and ` -}}` trim markers, comments, and the tokens inside actions. A
/// lexical error ends the stream with an `.error` token, which the parser reports when it gets
/// there, so errors come out in the same order as Go's.
struct TemplateLexer {
    private let scalars: [Unicode.Scalar]
    /// Byte offset of each scalar (and of the end).
    private let offsets: [Int]
    private var position = 0
    private var start = 0
    private var parenDepth = 0
    /// Where the current action's `{{` is: unclosed actions are reported there.
    private var actionStart = 0
    private(set) var tokens: [TemplateToken] = []

    private static let keywords: [String: TemplateToken.Kind] = [
        ".": .dot, "nil": .nilKeyword, "if": .ifKeyword, "else": .elseKeyword, "end": .endKeyword,
        "range": .rangeKeyword, "with": .withKeyword, "define": .defineKeyword,
        "template": .templateKeyword, "block": .blockKeyword, "break": .breakKeyword,
        "continue": .continueKeyword,
    ]

    init(text: String) {
        scalars = Array(text.unicodeScalars)
        var offsets: [Int] = []
        offsets.reserveCapacity(scalars.count + 1)
        var offset = 0
        for scalar in scalars {
            offsets.append(offset)
            offset += UTF8.width(scalar)
        }
        offsets.append(offset)
        self.offsets = offsets
    }

    static func tokenize(_ text: String) -> [TemplateToken] {
        var lexer = TemplateLexer(text: text)
        lexer.run()
        return lexer.tokens
    }

    private mutating func run() {
        while true {
            guard lexText() else { return }
            guard lexAction() else { return }
        }
    }

    // MARK: - Helpers

    private func scalar(at index: Int) -> Unicode.Scalar? {
        index < scalars.count ? scalars[index] : nil
    }

    private func hasPrefix(_ prefix: String, at index: Int) -> Bool {
        var cursor = index
        for scalar in prefix.unicodeScalars {
            guard cursor < scalars.count, scalars[cursor] == scalar else { return false }
            cursor += 1
        }
        return true
    }

    private static func isSpace(_ scalar: Unicode.Scalar?) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\r" || scalar == "\n"
    }

    static func isAlphaNumeric(_ scalar: Unicode.Scalar?) -> Bool {
        guard let scalar else { return false }
        if scalar == "_" { return true }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .decimalNumber:
            return true
        default:
            return false
        }
    }

    /// `{{- ` : a minus and a space right after the left delimiter.
    private func hasLeftTrimMarker(at index: Int) -> Bool {
        scalar(at: index) == "-" && Self.isSpace(scalar(at: index + 1))
    }

    /// ` -}}` at `index`.
    private func atRightDelimiter(_ index: Int) -> (delimiter: Bool, trim: Bool) {
        if Self.isSpace(scalar(at: index)) && scalar(at: index + 1) == "-" && hasPrefix("}}", at: index + 2) {
            return (true, true)
        }
        return (hasPrefix("}}", at: index), false)
    }

    private func text(_ range: Range<Int>) -> String {
        String(String.UnicodeScalarView(scalars[range]))
    }

    private mutating func emit(_ kind: TemplateToken.Kind) {
        tokens.append(TemplateToken(kind: kind, position: offsets[start], text: text(start..<position)))
        start = position
    }

    private mutating func fail(_ message: String) -> Bool {
        tokens.append(TemplateToken(kind: .error, position: offsets[start], text: message))
        return false
    }

    // MARK: - States

    /// Text up to the next `{{`; false at the end of input (after emitting EOF).
    private mutating func lexText() -> Bool {
        var cursor = position
        while cursor < scalars.count && !hasPrefix("{{", at: cursor) { cursor += 1 }
        guard cursor < scalars.count else {
            position = scalars.count
            if position > start { emit(.text) }
            tokens.append(TemplateToken(kind: .eof, position: offsets[position], text: ""))
            return false
        }
        var textEnd = cursor
        if hasLeftTrimMarker(at: cursor + 2) {
            while textEnd > start && Self.isSpace(scalars[textEnd - 1]) { textEnd -= 1 }
        }
        if textEnd > start {
            tokens.append(TemplateToken(kind: .text, position: offsets[start], text: text(start..<textEnd)))
        }
        position = cursor
        start = cursor
        return true
    }

    /// From `{{` to the matching `}}` (or a comment); false after a lexical error.
    private mutating func lexAction() -> Bool {
        actionStart = position
        position += 2
        let trim = hasLeftTrimMarker(at: position)
        let afterMarker = trim ? 2 : 0
        if hasPrefix("/*", at: position + afterMarker) {
            position += afterMarker
            start = position
            return lexComment()
        }
        emit(.leftDelim)
        position += afterMarker
        start = position
        parenDepth = 0
        while true {
            let (delimiter, _) = atRightDelimiter(position)
            if delimiter {
                guard parenDepth == 0 else { return fail("unclosed left paren") }
                lexRightDelimiter()
                return true
            }
            guard let scalar = scalar(at: position) else {
                start = actionStart
                return fail("unclosed action")
            }
            position += 1
            switch scalar {
            case _ where Self.isSpace(scalar):
                position -= 1
                if lexSpace() {
                    lexRightDelimiter()
                    return true
                }
            case "=":
                emit(.assign)
            case ":":
                guard self.scalar(at: position) == "=" else { return fail("expected :=") }
                position += 1
                emit(.declare)
            case "|":
                emit(.pipe)
            case "\"":
                guard lexQuote() else { return false }
            case "`":
                guard lexRawQuote() else { return false }
            case "$":
                guard lexVariable() else { return false }
            case "'":
                guard lexChar() else { return false }
            case ".":
                if let next = self.scalar(at: position), !("0"..."9").contains(next) {
                    guard lexFieldOrVariable(.field) else { return false }
                } else if self.scalar(at: position) == nil {
                    guard lexFieldOrVariable(.field) else { return false }
                } else {
                    position -= 1
                    guard lexNumber() else { return false }
                }
            case "+", "-", "0"..."9":
                position -= 1
                guard lexNumber() else { return false }
            case _ where Self.isAlphaNumeric(scalar):
                position -= 1
                guard lexIdentifier() else { return false }
            case "(":
                emit(.leftParen)
                parenDepth += 1
            case ")":
                emit(.rightParen)
                parenDepth -= 1
                if parenDepth < 0 { return fail("unexpected right paren U+0029 ')'") }
            case _ where scalar.value < 0x80 && GoFormat.isPrint(scalar):
                emit(.char)
            default:
                return fail("unrecognized character in action: \(Self.unicodeName(scalar))")
            }
        }
    }

    /// Go's `%#U`: `U+0040 '@'`.
    private static func unicodeName(_ scalar: Unicode.Scalar) -> String {
        var hex = String(scalar.value, radix: 16, uppercase: true)
        while hex.count < 4 { hex = "0" + hex }
        return GoFormat.isPrint(scalar) ? "U+\(hex) '\(scalar)'" : "U+\(hex)"
    }

    private mutating func lexRightDelimiter() {
        let (_, trim) = atRightDelimiter(position)
        if trim {
            position += 2
            start = position
        }
        position += 2
        emit(.rightDelim)
        if trim {
            while Self.isSpace(scalar(at: position)) { position += 1 }
            start = position
        }
    }

    /// A run of spaces; true when it ends at a ` -}}` that the single space belongs to.
    private mutating func lexSpace() -> Bool {
        var count = 0
        while Self.isSpace(scalar(at: position)) {
            position += 1
            count += 1
        }
        if atRightDelimiter(position - 1) == (true, true) {
            position -= 1
            if count == 1 {
                start = position
                return true
            }
        }
        emit(.space)
        return false
    }

    private mutating func lexComment() -> Bool {
        position += 2
        var cursor = position
        while cursor < scalars.count && !hasPrefix("*/", at: cursor) { cursor += 1 }
        guard cursor < scalars.count else { return fail("unclosed comment") }
        position = cursor + 2
        let (delimiter, trim) = atRightDelimiter(position)
        guard delimiter else { return fail("comment ends before closing delimiter") }
        position += trim ? 4 : 2
        if trim {
            while Self.isSpace(scalar(at: position)) { position += 1 }
        }
        start = position
        return true
    }

    private mutating func lexQuote() -> Bool {
        while true {
            guard let scalar = scalar(at: position), scalar != "\n" else {
                return fail("unterminated quoted string")
            }
            position += 1
            if scalar == "\\" {
                guard let escaped = self.scalar(at: position), escaped != "\n" else {
                    return fail("unterminated quoted string")
                }
                position += 1
            } else if scalar == "\"" {
                break
            }
        }
        emit(.string)
        return true
    }

    private mutating func lexRawQuote() -> Bool {
        while true {
            guard let scalar = scalar(at: position) else { return fail("unterminated raw quoted string") }
            position += 1
            if scalar == "`" { break }
        }
        emit(.rawString)
        return true
    }

    private mutating func lexChar() -> Bool {
        while true {
            guard let scalar = scalar(at: position), scalar != "\n" else {
                return fail("unterminated character constant")
            }
            position += 1
            if scalar == "\\" {
                guard let escaped = self.scalar(at: position), escaped != "\n" else {
                    return fail("unterminated character constant")
                }
                position += 1
            } else if scalar == "'" {
                break
            }
        }
        emit(.charConstant)
        return true
    }

    /// After an identifier: a space, the end, `.`, `,`, `|`, `:`, `(`, `)` or the right delimiter.
    private func atTerminator() -> Bool {
        let next = scalar(at: position)
        if next == nil || Self.isSpace(next) { return true }
        switch next {
        case ".", ",", "|", ":", ")", "(": return true
        default: return hasPrefix("}}", at: position)
        }
    }

    private mutating func lexVariable() -> Bool {
        if atTerminator() {
            emit(.variable)
            return true
        }
        return lexFieldOrVariable(.variable)
    }

    private mutating func lexFieldOrVariable(_ kind: TemplateToken.Kind) -> Bool {
        if atTerminator() {
            emit(kind == .variable ? .variable : .dot)
            return true
        }
        while Self.isAlphaNumeric(scalar(at: position)) { position += 1 }
        guard atTerminator() else { return fail("bad character \(Self.unicodeName(scalar(at: position)!))") }
        emit(kind)
        return true
    }

    private mutating func lexIdentifier() -> Bool {
        while Self.isAlphaNumeric(scalar(at: position)) { position += 1 }
        guard atTerminator() else { return fail("bad character \(Self.unicodeName(scalar(at: position)!))") }
        let word = text(start..<position)
        if let keyword = Self.keywords[word] {
            emit(keyword)
        } else if word == "true" || word == "false" {
            emit(.bool)
        } else {
            emit(.identifier)
        }
        return true
    }

    private mutating func accept(_ valid: String) -> Bool {
        if let scalar = scalar(at: position), valid.unicodeScalars.contains(scalar) {
            position += 1
            return true
        }
        return false
    }

    private mutating func acceptRun(_ valid: String) {
        while accept(valid) {}
    }

    private mutating func scanNumber() -> Bool {
        _ = accept("+-")
        var digits = "0123456789_"
        if accept("0") {
            if accept("xX") {
                digits = "0123456789abcdefABCDEF_"
            } else if accept("oO") {
                digits = "01234567_"
            } else if accept("bB") {
                digits = "01_"
            }
        }
        acceptRun(digits)
        if accept(".") { acceptRun(digits) }
        if digits.count == 11 && accept("eE") {
            _ = accept("+-")
            acceptRun("0123456789_")
        }
        if digits.count == 23 && accept("pP") {
            _ = accept("+-")
            acceptRun("0123456789_")
        }
        _ = accept("i")
        if Self.isAlphaNumeric(scalar(at: position)) {
            position += 1
            return false
        }
        return true
    }

    private mutating func lexNumber() -> Bool {
        guard scanNumber() else { return fail("bad number syntax: \(GoFormat.quote(text(start..<position)))") }
        if let sign = scalar(at: position), sign == "+" || sign == "-" {
            guard scanNumber(), scalars[position - 1] == "i" else {
                return fail("bad number syntax: \(GoFormat.quote(text(start..<position)))")
            }
            emit(.complex)
        } else {
            emit(.number)
        }
        return true
    }
}
