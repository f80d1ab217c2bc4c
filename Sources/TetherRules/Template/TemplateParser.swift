/// Builds the parse tree from the lexer's tokens with Go's `text/template/parse` grammar (Go
/// 1.19) and its error messages (`function "foo" not defined`, `unexpected {{end}}`,
/// `missing value for if`, …), plus tether's own refusals of what it does not run.
struct TemplateParser {
    /// Go's builtins and Prometheus' template functions that tether implements.
    static let supportedFunctions: Set<String> = [
        "and", "or", "not", "len", "index", "print", "printf", "println", "eq", "ne", "lt", "le", "gt", "ge",
        "urlquery", "html", "js", "humanize", "humanize1024", "humanizeDuration", "humanizePercentage",
        "humanizeTimestamp", "toUpper", "toLower", "title", "match", "reReplaceAll", "stripPort", "stripDomain",
        "safeHtml", "pathPrefix", "externalURL", "parseDuration", "toTime",
    ]

    /// Prometheus functions that query the TSDB: outside what tether evaluates.
    static let queryFunctions: Set<String> = [
        "query", "first", "label", "value", "sortByLabel", "strvalue", "args", "tableLink", "graphLink",
    ]

    private let tokens: [TemplateToken]
    private let text: String
    private var index = 0
    private var variables: [String]
    private var rangeDepth = 0

    init(text: String, predeclared: [String]) {
        self.text = text
        self.tokens = TemplateLexer.tokenize(text)
        self.variables = ["$"] + predeclared
    }

    mutating func parse() throws(AlertTemplateError) -> [TemplateNode] {
        var nodes: [TemplateNode] = []
        while peek().kind != .eof {
            switch try textOrAction() {
            case .node(let node): nodes.append(node)
            case .end(let position): throw error(at: position, "unexpected {{end}}")
            case .else(let position, _): throw error(at: position, "unexpected {{else}}")
            }
        }
        return nodes
    }

    // MARK: - Tokens

    private func peek() -> TemplateToken { tokens[index] }

    private mutating func next() throws(AlertTemplateError) -> TemplateToken {
        let token = tokens[index]
        if token.kind == .error { throw error(at: token.position, token.text) }
        if token.kind != .eof { index += 1 }
        return token
    }

    private mutating func nextNonSpace() throws(AlertTemplateError) -> TemplateToken {
        var token = try next()
        while token.kind == .space { token = try next() }
        return token
    }

    private mutating func peekNonSpace() throws(AlertTemplateError) -> TemplateToken {
        while tokens[index].kind == .space { index += 1 }
        let token = tokens[index]
        if token.kind == .error { throw error(at: token.position, token.text) }
        return token
    }

    private func error(at position: Int, _ message: String) -> AlertTemplateError {
        AlertTemplateError(text: text, byteOffset: position, message: message)
    }

    private func unexpected(_ token: TemplateToken, _ context: String) -> AlertTemplateError {
        if token.kind == .error { return error(at: token.position, token.text) }
        return error(at: token.position, "unexpected \(token.goDescription) in \(context)")
    }

    private mutating func expect(
        _ kind: TemplateToken.Kind,
        _ context: String
    ) throws(AlertTemplateError)
        -> TemplateToken
    {
        let token = try nextNonSpace()
        guard token.kind == kind else { throw unexpected(token, context) }
        return token
    }

    // MARK: - Grammar

    private enum Item {
        case node(TemplateNode)
        case end(position: Int)
        case `else`(position: Int, elseIf: Bool)
    }

    private mutating func textOrAction() throws(AlertTemplateError) -> Item {
        let token = try nextNonSpace()
        switch token.kind {
        case .text:
            return .node(.text(token.text))
        case .leftDelim:
            return try action()
        default:
            throw unexpected(token, "input")
        }
    }

    private mutating func action() throws(AlertTemplateError) -> Item {
        let token = try nextNonSpace()
        switch token.kind {
        case .breakKeyword, .continueKeyword:
            let name = token.kind == .breakKeyword ? "break" : "continue"
            let closing = try nextNonSpace()
            guard closing.kind == .rightDelim else { throw unexpected(closing, "{{\(name)}}") }
            guard rangeDepth > 0 else { throw error(at: token.position, "{{\(name)}} outside {{range}}") }
            return .node(
                token.kind == .breakKeyword
                    ? .breakNode(position: token.position) : .continueNode(position: token.position)
            )
        case .elseKeyword:
            let peeked = try peekNonSpace()
            if peeked.kind == .ifKeyword { return .else(position: peeked.position, elseIf: true) }
            _ = try expect(.rightDelim, "else")
            return .else(position: token.position, elseIf: false)
        case .endKeyword:
            _ = try expect(.rightDelim, "end")
            return .end(position: token.position)
        case .ifKeyword:
            return .node(.ifNode(try control(context: "if", allowElseIf: true)))
        case .withKeyword:
            return .node(.withNode(try control(context: "with", allowElseIf: false)))
        case .rangeKeyword:
            return .node(.rangeNode(try control(context: "range", allowElseIf: false)))
        case .defineKeyword, .templateKeyword, .blockKeyword:
            throw error(
                at: token.position,
                "{{\(token.text)}} is not supported by tether: write the text in the label or annotation itself"
            )
        default:
            index -= 1
            return .node(.action(try pipeline(context: "command", end: .rightDelim)))
        }
    }

    private mutating func control(context: String, allowElseIf: Bool) throws(AlertTemplateError) -> TemplateBranch {
        let savedVariables = variables.count
        defer { variables.removeSubrange(savedVariables...) }
        let pipe = try pipeline(context: context, end: .rightDelim)
        if context == "range" { rangeDepth += 1 }
        let list: [TemplateNode]
        var next: Item
        (list, next) = try itemList()
        if context == "range" { rangeDepth -= 1 }
        var elseList: [TemplateNode]?
        if case .else(_, let elseIf) = next {
            if allowElseIf && elseIf {
                _ = try nextNonSpace()  // the "if"
                elseList = [.ifNode(try control(context: "if", allowElseIf: true))]
            } else {
                let elseBody: [TemplateNode]
                (elseBody, next) = try itemList()
                elseList = elseBody
                switch next {
                case .end: break
                case .else(let position, _): throw error(at: position, "expected end; found {{else}}")
                case .node: break
                }
            }
        }
        return TemplateBranch(pipeline: pipe, list: list, elseList: elseList)
    }

    /// Nodes up to `{{end}}` or `{{else}}`.
    private mutating func itemList() throws(AlertTemplateError) -> ([TemplateNode], Item) {
        var nodes: [TemplateNode] = []
        while try peekNonSpace().kind != .eof {
            let item = try textOrAction()
            switch item {
            case .node(let node): nodes.append(node)
            case .end, .else: return (nodes, item)
            }
        }
        throw error(at: peek().position, "unexpected EOF")
    }

    private mutating func pipeline(
        context: String,
        end: TemplateToken.Kind
    ) throws(AlertTemplateError)
        -> TemplatePipeline
    {
        var pipe = TemplatePipeline(
            position: try peekNonSpace().position,
            isAssign: false,
            declarations: [],
            commands: []
        )
        declarations: while try peekNonSpace().kind == .variable {
            let variableIndex = index
            let variable = try next()
            let following = try peekNonSpace()
            switch following.kind {
            case .declare, .assign:
                pipe.isAssign = following.kind == .assign
                _ = try nextNonSpace()
                pipe.declarations.append(variable.text)
                variables.append(variable.text)
            case .char where following.text == ",":
                _ = try nextNonSpace()
                pipe.declarations.append(variable.text)
                variables.append(variable.text)
                if context == "range" && pipe.declarations.count < 2 {
                    switch try peekNonSpace().kind {
                    case .variable, .rightDelim, .rightParen:
                        continue declarations
                    default:
                        throw error(at: following.position, "range can only initialize variables")
                    }
                }
                throw error(at: following.position, "too many declarations in \(context)")
            default:
                index = variableIndex
            }
            break
        }
        while true {
            let token = try nextNonSpace()
            if token.kind == end {
                try checkPipeline(pipe, context: context, at: token.position)
                return pipe
            }
            switch token.kind {
            case .bool, .charConstant, .complex, .dot, .field, .identifier, .number, .nilKeyword, .rawString,
                .string, .variable, .leftParen:
                index -= 1
                pipe.commands.append(try command())
            default:
                throw unexpected(token, context)
            }
        }
    }

    private func checkPipeline(_ pipe: TemplatePipeline, context: String, at position: Int) throws(AlertTemplateError) {
        guard !pipe.commands.isEmpty else { throw error(at: position, "missing value for \(context)") }
        for (offset, command) in pipe.commands.enumerated().dropFirst() {
            switch command.arguments.first {
            case .bool, .dot, .nilValue, .number, .string:
                throw error(at: command.position, "non executable command in pipeline stage \(offset + 1)")
            default:
                break
            }
        }
    }

    private mutating func command() throws(AlertTemplateError) -> TemplateCommand {
        var command = TemplateCommand(position: try peekNonSpace().position, arguments: [])
        while true {
            _ = try peekNonSpace()
            if let operand = try operand() { command.arguments.append(operand) }
            let token = try next()
            switch token.kind {
            case .space:
                continue
            case .rightDelim, .rightParen:
                index -= 1
            case .pipe:
                break
            default:
                throw unexpected(token, "operand")
            }
            break
        }
        if command.arguments.isEmpty { throw error(at: command.position, "empty command") }
        return command
    }

    private mutating func operand() throws(AlertTemplateError) -> TemplateOperand? {
        guard let term = try term() else { return nil }
        guard peek().kind == .field else { return term }
        let chainPosition = peek().position
        var fields: [String] = []
        while peek().kind == .field { fields.append(String(try next().text.dropFirst())) }
        switch term {
        case .field(_, let names):
            return .field(position: chainPosition, names: names + fields)
        case .variable(_, let name, let existing):
            return .variable(position: chainPosition, name: name, fields: existing + fields)
        case .bool, .string, .number, .nilValue, .dot:
            throw error(at: chainPosition, "unexpected . after term \(GoFormat.quote(term.goDescription))")
        default:
            return .chain(position: chainPosition, base: term, fields: fields)
        }
    }

    private mutating func term() throws(AlertTemplateError) -> TemplateOperand? {
        let token = try nextNonSpace()
        switch token.kind {
        case .identifier:
            if Self.queryFunctions.contains(token.text) {
                throw error(
                    at: token.position,
                    "function \"\(token.text)\" not supported: tether's templates cannot query Prometheus"
                )
            }
            guard Self.supportedFunctions.contains(token.text) else {
                throw error(at: token.position, "function \"\(token.text)\" not defined")
            }
            return .function(position: token.position, name: token.text)
        case .dot:
            return .dot(position: token.position)
        case .nilKeyword:
            return .nilValue(position: token.position)
        case .variable:
            guard variables.contains(token.text) else {
                throw error(at: token.position, "undefined variable \"\(token.text)\"")
            }
            return .variable(position: token.position, name: token.text, fields: [])
        case .field:
            return .field(position: token.position, names: [String(token.text.dropFirst())])
        case .bool:
            return .bool(position: token.position, token.text == "true")
        case .charConstant, .number:
            return .number(position: token.position, try number(token))
        case .complex:
            throw error(at: token.position, "complex constant \(token.text) is not supported by tether")
        case .leftParen:
            return .pipeline(
                position: token.position,
                try pipeline(context: "parenthesized pipeline", end: .rightParen)
            )
        case .string, .rawString:
            guard let value = Self.unquote(token.text) else { throw error(at: token.position, "invalid syntax") }
            return .string(position: token.position, quoted: token.text, value: value)
        default:
            index -= 1
            return nil
        }
    }

    // MARK: - Literals

    private func number(_ token: TemplateToken) throws(AlertTemplateError) -> TemplateNumber {
        let text = token.text
        if token.kind == .charConstant {
            let inner = Array(text.unicodeScalars.dropFirst())
            guard let (scalar, length) = Self.unquoteCharacter(inner[...], quote: "'"),
                length == inner.count - 1, inner.last == "'"
            else {
                throw error(at: token.position, "malformed character constant: \(text)")
            }
            return TemplateNumber(
                text: text,
                int: Int64(scalar.value),
                float: Double(scalar.value),
                isUnsignedOnly: false
            )
        }
        if text.hasSuffix("i") {
            throw error(at: token.position, "complex constant \(text) is not supported by tether")
        }
        if let value = Self.parseGoInteger(text) {
            return TemplateNumber(text: text, int: value, float: Double(value), isUnsignedOnly: false)
        }
        if let unsigned = Self.parseGoUnsigned(text) {
            return TemplateNumber(text: text, int: nil, float: Double(unsigned), isUnsignedOnly: true)
        }
        if let float = Self.parseGoFloatLiteral(text) {
            guard text.contains(where: { ".eEpP".contains($0) }) else {
                throw error(at: token.position, "integer overflow: \(GoFormat.quote(text))")
            }
            var int: Int64?
            if float.isFinite && float.rounded(.towardZero) == float && abs(float) < 9.2e18 { int = Int64(float) }
            return TemplateNumber(text: text, int: int, float: float, isUnsignedOnly: false)
        }
        throw error(at: token.position, "illegal number syntax: \(GoFormat.quote(text))")
    }

    /// `strconv.ParseUint(text, 0, 64)` without the sign.
    private static func parseGoUnsigned(_ text: String) -> UInt64? {
        var body = Substring(text)
        if body.hasPrefix("+") { body = body.dropFirst() }
        guard let (digits, radix) = splitRadix(body) else { return nil }
        return UInt64(digits, radix: radix)
    }

    /// `strconv.ParseInt(text, 0, 64)`: `0x`, `0o`, `0b` and leading-zero octal, `_` separators.
    static func parseGoInteger(_ text: String) -> Int64? {
        var body = Substring(text)
        var negative = false
        if body.hasPrefix("+") || body.hasPrefix("-") {
            negative = body.hasPrefix("-")
            body = body.dropFirst()
        }
        guard let (digits, radix) = splitRadix(body), let magnitude = UInt64(digits, radix: radix) else { return nil }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return Int64(magnitude)
    }

    private static func splitRadix(_ body: Substring) -> (String, Int)? {
        var radix = 10
        var digits = body
        let lower = body.lowercased()
        if lower.hasPrefix("0x") {
            radix = 16
            digits = body.dropFirst(2)
        } else if lower.hasPrefix("0o") {
            radix = 8
            digits = body.dropFirst(2)
        } else if lower.hasPrefix("0b") {
            radix = 2
            digits = body.dropFirst(2)
        } else if body.count > 1 && body.hasPrefix("0") {
            radix = 8
            digits = body.dropFirst()
        }
        // Underscores only between digits (or right after a base prefix), as in Go literals.
        if digits.contains("_") {
            if digits.hasSuffix("_") || digits.contains("__") { return nil }
            if digits.hasPrefix("_") && radix == 10 { return nil }
        }
        let cleaned = digits.filter { $0 != "_" }
        guard !cleaned.isEmpty, !cleaned.hasPrefix("+"), !cleaned.hasPrefix("-") else { return nil }
        return (String(cleaned), radix)
    }

    /// A Go float literal as the lexer passes it (decimal or hex with `p`, `_` between digits).
    private static func parseGoFloatLiteral(_ text: String) -> Double? {
        let cleaned = text.filter { $0 != "_" }
        guard !cleaned.isEmpty, cleaned.allSatisfy({ "0123456789abcdefABCDEFxXpP.+-".contains($0) }) else { return nil }
        let lower = cleaned.lowercased()
        let unsigned = lower.hasPrefix("-") || lower.hasPrefix("+") ? String(lower.dropFirst()) : lower
        if unsigned.hasPrefix("0x") {
            guard unsigned.contains("p") else { return nil }
        } else if unsigned.contains(where: { "abcdfx".contains($0) }) {
            return nil
        }
        guard unsigned.contains(where: \.isNumber), let value = Double(cleaned), value.isFinite else { return nil }
        return value
    }

    /// `strconv.Unquote` for `"…"` and raw `` `…` `` strings.
    static func unquote(_ quoted: String) -> String? {
        let scalars = Array(quoted.unicodeScalars)
        guard scalars.count >= 2, let first = scalars.first, first == scalars.last else { return nil }
        if first == "`" {
            return String(String.UnicodeScalarView(scalars[1..<(scalars.count - 1)].filter { $0 != "\r" }))
        }
        guard first == "\"" else { return nil }
        var bytes: [UInt8] = []
        var rest = scalars[1..<(scalars.count - 1)]
        while let scalar = rest.first {
            if scalar == "\"" { return nil }
            if scalar == "\\" {
                guard let (decoded, length) = unquoteEscape(rest, quote: "\"") else { return nil }
                bytes.append(contentsOf: decoded)
                rest = rest.dropFirst(length)
            } else {
                bytes.append(contentsOf: String(scalar).utf8)
                rest = rest.dropFirst()
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// One character of a quoted literal: the scalar and how many scalars it took.
    static func unquoteCharacter(_ input: ArraySlice<Unicode.Scalar>, quote: Unicode.Scalar) -> (Unicode.Scalar, Int)? {
        guard let first = input.first else { return nil }
        if first == quote { return nil }
        if first != "\\" { return (first, 1) }
        guard let (bytes, length) = unquoteEscape(input, quote: quote) else { return nil }
        let decoded = String(decoding: bytes, as: UTF8.self).unicodeScalars
        guard decoded.count == 1, let scalar = decoded.first else {
            // \xHH and octal escapes above 0x7F are single bytes: their value is the rune.
            if bytes.count == 1 { return (Unicode.Scalar(bytes[0]), length) }
            return nil
        }
        return (scalar, length)
    }

    /// A backslash escape at the start of `input`: its UTF-8 bytes and its length in scalars.
    private static func unquoteEscape(_ input: ArraySlice<Unicode.Scalar>, quote: Unicode.Scalar) -> ([UInt8], Int)? {
        let scalars = Array(input)
        guard scalars.count >= 2, scalars[0] == "\\" else { return nil }
        let escape = scalars[1]
        func hexValue(_ count: Int) -> UInt32? {
            guard scalars.count >= 2 + count else { return nil }
            return UInt32(String(String.UnicodeScalarView(scalars[2..<(2 + count)])), radix: 16)
        }
        switch escape {
        case "a": return ([7], 2)
        case "b": return ([8], 2)
        case "f": return ([12], 2)
        case "n": return ([10], 2)
        case "r": return ([13], 2)
        case "t": return ([9], 2)
        case "v": return ([11], 2)
        case "\\": return ([92], 2)
        case "'", "\"":
            guard escape == quote else { return nil }
            return ([UInt8(escape.value)], 2)
        case "x":
            guard let value = hexValue(2) else { return nil }
            return ([UInt8(value)], 4)
        case "u", "U":
            let count = escape == "u" ? 4 : 8
            guard let value = hexValue(count), let scalar = Unicode.Scalar(value) else { return nil }
            return (Array(String(scalar).utf8), 2 + count)
        case "0"..."7":
            guard scalars.count >= 4,
                let value = UInt32(String(String.UnicodeScalarView(scalars[1..<4])), radix: 8), value <= 255
            else { return nil }
            return ([UInt8(value)], 4)
        default:
            return nil
        }
    }
}

extension AlertTemplateError {
    /// An error at a byte offset of `text`: 1-based line, and column counted in characters.
    init(text: String, byteOffset: Int, message: String, context: String? = nil) {
        var line = 1
        var column = 1
        var offset = 0
        for scalar in text.unicodeScalars {
            if offset >= byteOffset { break }
            offset += UTF8.width(scalar)
            if scalar == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        self.init(line: line, column: column, message: message)
        self.goByteOffset = byteOffset
        self.goContext = context
        self.goLineByteColumn = Self.byteColumn(text, byteOffset)
    }

    private static func byteColumn(_ text: String, _ byteOffset: Int) -> Int {
        let bytes = Array(text.utf8.prefix(byteOffset))
        if let newline = bytes.lastIndex(of: 10) { return byteOffset - newline - 1 }
        return byteOffset
    }
}
