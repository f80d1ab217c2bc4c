/// Parses tether's PromQL subset (DESIGN §5) into a typed ``PromQLExpression``.
///
/// Written by hand rather than taken from a library: no maintained Swift package parses PromQL,
/// and the subset is part of tether's contract (anything outside it is rejected at load time).
///
/// A recursive-descent parser with precedence climbing for binary operators, following Prometheus'
/// grammar (`generated_parser.y`) and its type checks (`checkAST`), so an expression is accepted
/// exactly when Prometheus accepts it and it stays within the subset of DESIGN §5. Everything else
/// is rejected with the position and what was expected, or with the name of the unsupported construct.
public struct PromQLParser {
    private let tokens: [PromQLToken]
    private var index = 0

    private init(tokens: [PromQLToken]) {
        self.tokens = tokens
    }

    /// Parses and type-checks one expression.
    ///
    /// - Parameters:
    ///   - text: the expression, as written in a rule's `expr:`; `#` starts a comment to the end of the line.
    /// - Returns: the expression tree.
    /// - Throws: ``PromQLError`` with the line and column within `text`.
    public static func parse(_ text: String) throws(PromQLError) -> PromQLExpression {
        var parser = PromQLParser(tokens: try PromQLLexer.tokenize(text))
        let parsed = try parser.expression(minimumPrecedence: 1)
        guard parser.current.kind == .end else {
            throw parser.unexpected(expected: "binary operator or end of input")
        }
        return parsed.expression
    }
}

/// An expression with the position it starts at, for errors found after it was parsed.
private struct Parsed {
    var expression: PromQLExpression
    var position: PromQLPosition
}

extension PromQLParser {
    private var current: PromQLToken { tokens[index] }

    private var next: PromQLToken { tokens[min(index + 1, tokens.count - 1)] }

    private mutating func advance() {
        if index < tokens.count - 1 { index += 1 }
    }

    private func unexpected(expected: String) -> PromQLError {
        PromQLError(current.position, "unexpected \(current.kind.displayName), expected \(expected)")
    }

    private mutating func expect(_ kind: PromQLTokenKind, _ expected: String) throws(PromQLError) {
        guard current.kind == kind else { throw unexpected(expected: expected) }
        advance()
    }

    /// The word of an identifier token, as written.
    private func word(of token: PromQLToken) -> String? {
        guard case .identifier(let word) = token.kind else { return nil }
        return word
    }

    private func isKeyword(_ keyword: String) -> Bool {
        word(of: current)?.lowercased() == keyword
    }

    // MARK: Binary operators

    private func binaryOperator() -> PromQLBinaryOperator? {
        switch current.kind {
        case .plus: .add
        case .minus: .subtract
        case .multiply: .multiply
        case .divide: .divide
        case .modulo: .modulo
        case .power: .power
        case .equal: .equal
        case .notEqual: .notEqual
        case .greater: .greater
        case .less: .less
        case .greaterOrEqual: .greaterOrEqual
        case .lessOrEqual: .lessOrEqual
        case .identifier(let word):
            switch word.lowercased() {
            case "and": .and
            case "or": .or
            case "unless": .unless
            case "atan2": .atan2
            default: nil
            }
        default: nil
        }
    }

    private mutating func expression(minimumPrecedence: Int) throws(PromQLError) -> Parsed {
        var lhs = try unary()
        while let binaryOperator = binaryOperator(), binaryOperator.precedence >= minimumPrecedence {
            let operatorPosition = current.position
            advance()
            var returnsBool = false
            if isKeyword("bool") {
                returnsBool = true
                advance()
            }
            let matching = try vectorMatching()
            let rhs = try expression(
                minimumPrecedence: binaryOperator.precedence + (binaryOperator.isRightAssociative ? 0 : 1)
            )
            let binary = PromQLBinaryExpression(
                binaryOperator: binaryOperator,
                lhs: lhs.expression,
                rhs: rhs.expression,
                returnsBool: returnsBool,
                matching: matching
            )
            try Self.check(binary, at: operatorPosition)
            lhs = Parsed(expression: .binary(binary), position: lhs.position)
        }
        return lhs
    }

    private mutating func vectorMatching() throws(PromQLError) -> PromQLVectorMatching? {
        let labels: PromQLVectorMatching.Labels
        if isKeyword("on") {
            advance()
            labels = .on(try labelList())
        } else if isKeyword("ignoring") {
            advance()
            labels = .ignoring(try labelList())
        } else {
            return nil
        }
        var matching = PromQLVectorMatching(labels: labels)
        if isKeyword("group_left") || isKeyword("group_right") {
            let left = isKeyword("group_left")
            advance()
            let names = current.kind == .leftParen ? try labelList() : []
            matching.cardinality = left ? .groupLeft(names) : .groupRight(names)
        }
        return matching
    }

    /// Prometheus' checks on a binary expression (`checkAST`), with its messages.
    private static func check(_ binary: PromQLBinaryExpression, at position: PromQLPosition) throws(PromQLError) {
        let name = binary.binaryOperator.rawValue
        let types = [binary.lhs.type, binary.rhs.type]
        guard types.allSatisfy({ $0 == .scalar || $0 == .instantVector }) else {
            throw PromQLError(position, "binary expression must contain only scalar and instant vector types")
        }
        if binary.returnsBool && !binary.binaryOperator.isComparison {
            throw PromQLError(position, "bool modifier can only be used on comparison operators")
        }
        let hasScalar = types.contains(.scalar)
        if binary.binaryOperator.isComparison && types == [.scalar, .scalar] && !binary.returnsBool {
            throw PromQLError(position, "comparisons between scalars must use bool modifier")
        }
        if binary.binaryOperator.isSetOperator && hasScalar {
            throw PromQLError(position, "set operator '\(name)' not allowed in binary scalar expression")
        }
        guard let matching = binary.matching else { return }
        if hasScalar {
            throw PromQLError(position, "vector matching only allowed between instant vectors")
        }
        let groupLabels: [String]
        switch matching.cardinality {
        case .oneToOne: return
        case .groupLeft(let names), .groupRight(let names): groupLabels = names
        }
        if binary.binaryOperator.isSetOperator {
            throw PromQLError(position, "no grouping allowed for '\(name)' operation")
        }
        if case .on(let onLabels) = matching.labels, let both = groupLabels.first(where: onLabels.contains) {
            throw PromQLError(position, "label '\(both)' must not occur in on and group clause at once")
        }
    }

    // MARK: Unary and postfix

    private mutating func unary() throws(PromQLError) -> Parsed {
        guard current.kind == .minus || current.kind == .plus else { return try postfix() }
        let negate = current.kind == .minus
        let position = current.position
        advance()
        // Unary minus binds like `*`: only `^` binds tighter, so `-a ^ b` is `-(a ^ b)`.
        let operand = try expression(minimumPrecedence: PromQLBinaryOperator.power.precedence)
        guard operand.expression.type == .scalar || operand.expression.type == .instantVector else {
            throw PromQLError(
                position,
                "unary expression only allowed on expressions of type scalar or instant vector"
            )
        }
        guard negate else { return Parsed(expression: operand.expression, position: position) }
        if case .number(let value) = operand.expression {
            return Parsed(expression: .number(-value), position: position)
        }
        return Parsed(expression: .negation(operand.expression), position: position)
    }

    private mutating func postfix() throws(PromQLError) -> Parsed {
        var parsed = try primary()
        while true {
            if current.kind == .leftBracket {
                parsed.expression = try range(after: parsed.expression)
            } else if isKeyword("offset") {
                parsed.expression = try offset(after: parsed.expression)
            } else if current.kind == .at {
                throw PromQLError(current.position, "the @ modifier is not supported by tether")
            } else {
                return parsed
            }
        }
    }

    private mutating func range(after expression: PromQLExpression) throws(PromQLError) -> PromQLExpression {
        let position = current.position
        advance()
        if current.kind == .colon {
            throw PromQLError(position, "subqueries are not supported by tether")
        }
        guard case .duration(let range) = current.kind else {
            throw unexpected(expected: "duration (such as 5m)")
        }
        advance()
        if current.kind == .colon {
            throw PromQLError(position, "subqueries are not supported by tether")
        }
        try expect(.rightBracket, "']'")
        guard case .vectorSelector(let selector) = expression else {
            throw PromQLError(position, "ranges only allowed for vector selectors")
        }
        if selector.offset != nil {
            throw PromQLError(position, "no offset modifiers allowed before range")
        }
        if range.milliseconds == 0 {
            throw PromQLError(position, "range must be greater than 0")
        }
        return .rangeSelector(selector, range: range)
    }

    private mutating func offset(after expression: PromQLExpression) throws(PromQLError) -> PromQLExpression {
        let position = current.position
        advance()
        let negative = current.kind == .minus
        if negative { advance() }
        guard case .duration(var offset) = current.kind else {
            throw unexpected(expected: "duration (such as 5m)")
        }
        advance()
        if negative { offset.milliseconds.negate() }
        switch expression {
        case .vectorSelector(var selector):
            guard selector.offset == nil else { throw PromQLError(position, "offset may not be set multiple times") }
            selector.offset = offset
            return .vectorSelector(selector)
        case .rangeSelector(var selector, let range):
            guard selector.offset == nil else { throw PromQLError(position, "offset may not be set multiple times") }
            selector.offset = offset
            return .rangeSelector(selector, range: range)
        default:
            throw PromQLError(
                position,
                "offset modifier must be preceded by an instant vector selector or range vector selector"
            )
        }
    }

    // MARK: Primary expressions

    private mutating func primary() throws(PromQLError) -> Parsed {
        let position = current.position
        switch current.kind {
        case .number(let value):
            advance()
            return Parsed(expression: .number(value), position: position)
        case .string(let value):
            advance()
            return Parsed(expression: .string(value), position: position)
        case .leftParen:
            advance()
            let inner = try expression(minimumPrecedence: 1)
            try expect(.rightParen, "')'")
            return Parsed(expression: .parentheses(inner.expression), position: position)
        case .leftBrace:
            return Parsed(expression: .vectorSelector(try selector(metricName: nil)), position: position)
        case .identifier(let word):
            let lowercased = word.lowercased()
            if let aggregationOperator = PromQLAggregationOperator(rawValue: lowercased) {
                return Parsed(expression: .aggregation(try aggregation(aggregationOperator)), position: position)
            }
            if PromQLAggregationOperator.unsupported.contains(lowercased) {
                throw PromQLError(position, "aggregation '\(lowercased)' is not supported by tether")
            }
            if PromQLLexer.keywords.contains(lowercased) {
                throw unexpected(expected: "expression")
            }
            if next.kind == .leftParen {
                return Parsed(expression: try call(word), position: position)
            }
            advance()
            return Parsed(expression: .vectorSelector(try selector(metricName: word)), position: position)
        default:
            throw unexpected(expected: "expression")
        }
    }

    /// Comma-separated expressions up to `)`, a trailing comma allowed as in Prometheus.
    private mutating func arguments() throws(PromQLError) -> [Parsed] {
        try expect(.leftParen, "'('")
        var arguments: [Parsed] = []
        while current.kind != .rightParen {
            arguments.append(try expression(minimumPrecedence: 1))
            guard current.kind == .comma else { break }
            advance()
        }
        try expect(.rightParen, arguments.isEmpty ? "expression or ')'" : "',' or ')'")
        return arguments
    }

    private mutating func call(_ name: String) throws(PromQLError) -> PromQLExpression {
        let position = current.position
        guard let function = PromQLFunction(rawValue: name) else {
            if PromQLFunction.prometheusFunctions.contains(name) {
                throw PromQLError(position, "function '\(name)' is not supported by tether")
            }
            throw PromQLError(position, "unknown function '\(name)'")
        }
        advance()
        let arguments = try arguments()
        let expected = function.argumentTypes
        guard arguments.count == expected.count else {
            throw PromQLError(
                position,
                "expected \(expected.count) argument(s) in call to '\(name)', got \(arguments.count)"
            )
        }
        for (argument, type) in zip(arguments, expected) where argument.expression.type != type {
            throw PromQLError(
                argument.position,
                "expected type \(type) in call to function '\(name)', got \(argument.expression.type)"
            )
        }
        return .call(function, arguments: arguments.map(\.expression))
    }

    private mutating func aggregation(
        _ aggregationOperator: PromQLAggregationOperator
    ) throws(PromQLError) -> PromQLAggregation {
        let position = current.position
        advance()
        var grouping = try optionalGrouping()
        guard current.kind == .leftParen else {
            throw unexpected(expected: grouping == nil ? "'(', by or without" : "'('")
        }
        let arguments = try arguments()
        if grouping == nil {
            grouping = try optionalGrouping()
        }
        let expected = aggregationOperator.takesParameter ? 2 : 1
        guard arguments.count == expected else {
            throw PromQLError(
                position,
                "wrong number of arguments for aggregate expression provided, expected \(expected), "
                    + "got \(arguments.count)"
            )
        }
        let expression = arguments[expected - 1]
        guard expression.expression.type == .instantVector else {
            throw PromQLError(
                expression.position,
                "expected type instant vector in aggregation expression, got \(expression.expression.type)"
            )
        }
        var parameter: PromQLExpression?
        if aggregationOperator.takesParameter {
            let argument = arguments[0]
            guard argument.expression.type == .scalar else {
                throw PromQLError(
                    argument.position,
                    "expected type scalar in aggregation parameter, got \(argument.expression.type)"
                )
            }
            parameter = argument.expression
        }
        return PromQLAggregation(
            aggregationOperator: aggregationOperator,
            parameter: parameter,
            expression: expression.expression,
            grouping: grouping
        )
    }

    private mutating func optionalGrouping() throws(PromQLError) -> PromQLGrouping? {
        if isKeyword("by") {
            advance()
            return .by(try labelList())
        }
        if isKeyword("without") {
            advance()
            return .without(try labelList())
        }
        return nil
    }

    /// `(label, label)`: keywords are label names here, as in Prometheus.
    private mutating func labelList() throws(PromQLError) -> [String] {
        try expect(.leftParen, "'(' before label names")
        var names: [String] = []
        while current.kind != .rightParen {
            names.append(try labelName())
            guard current.kind == .comma else { break }
            advance()
        }
        try expect(.rightParen, names.isEmpty ? "label name or ')'" : "',' or ')'")
        return names
    }

    private mutating func labelName() throws(PromQLError) -> String {
        guard let name = word(of: current) else { throw unexpected(expected: "label name") }
        if name.contains(":") {
            throw PromQLError(current.position, "invalid label name '\(name)'")
        }
        advance()
        return name
    }

    // MARK: Selectors

    private mutating func selector(metricName: String?) throws(PromQLError) -> PromQLVectorSelector {
        let position = metricName == nil ? current.position : tokens[index - 1].position
        var matchers: [PromQLLabelMatcher] = []
        if current.kind == .leftBrace {
            advance()
            while current.kind != .rightBrace {
                matchers.append(try matcher())
                guard current.kind == .comma else { break }
                advance()
            }
            try expect(.rightBrace, matchers.isEmpty ? "label name or '}'" : "',' or '}'")
        }
        if let metricName, let named = matchers.first(where: { $0.name == "__name__" }) {
            throw PromQLError(
                position,
                "metric name must not be set twice: '\(metricName)' or '\(named.value)'"
            )
        }
        if metricName == nil && matchers.allSatisfy(Self.matchesEmpty) {
            throw PromQLError(position, "vector selector must contain at least one non-empty matcher")
        }
        return PromQLVectorSelector(metricName: metricName, matchers: matchers)
    }

    private mutating func matcher() throws(PromQLError) -> PromQLLabelMatcher {
        let name = try labelName()
        let matchOperator: PromQLMatchOperator
        switch current.kind {
        case .assign: matchOperator = .equal
        case .notEqual: matchOperator = .notEqual
        case .regexMatch: matchOperator = .regexMatch
        case .regexNoMatch: matchOperator = .regexNoMatch
        default: throw unexpected(expected: "label matching operator (=, !=, =~ or !~)")
        }
        advance()
        guard case .string(let value) = current.kind else { throw unexpected(expected: "string") }
        if matchOperator == .regexMatch || matchOperator == .regexNoMatch {
            do {
                _ = try Self.anchoredRegex(value)
            } catch {
                throw PromQLError(current.position, "invalid regular expression '\(value)'")
            }
        }
        advance()
        return PromQLLabelMatcher(name: name, matchOperator: matchOperator, value: value)
    }

    /// Prometheus anchors label regexes at both ends.
    static func anchoredRegex(_ pattern: String) throws -> Regex<AnyRegexOutput> {
        try Regex("^(?:" + pattern + ")$")
    }

    private static func matchesEmpty(_ matcher: PromQLLabelMatcher) -> Bool {
        switch matcher.matchOperator {
        case .equal: matcher.value.isEmpty
        case .notEqual: !matcher.value.isEmpty
        case .regexMatch: (try? anchoredRegex(matcher.value).wholeMatch(in: "")) != nil
        case .regexNoMatch: (try? anchoredRegex(matcher.value).wholeMatch(in: "")) == nil
        }
    }
}
