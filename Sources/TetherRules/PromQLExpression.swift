/// A parsed expression of tether's PromQL subset: the tree the evaluator walks.
///
/// Parentheses are kept as nodes so that ``description`` prints what was written, in canonical
/// spacing; parsing that text again gives the same tree.
public indirect enum PromQLExpression: Sendable, Hashable, CustomStringConvertible {
    case number(Double)
    case string(String)
    case vectorSelector(PromQLVectorSelector)
    case rangeSelector(PromQLVectorSelector, range: PromQLDuration)
    case call(PromQLFunction, arguments: [PromQLExpression])
    case aggregation(PromQLAggregation)
    case binary(PromQLBinaryExpression)
    case negation(PromQLExpression)
    case parentheses(PromQLExpression)

    /// The type of value the expression produces.
    public var type: PromQLValueType {
        switch self {
        case .number: .scalar
        case .string: .string
        case .vectorSelector: .instantVector
        case .rangeSelector: .rangeVector
        case .call(let function, _): function.returnType
        case .aggregation: .instantVector
        case .binary(let binary): binary.type
        case .negation(let operand), .parentheses(let operand): operand.type
        }
    }

    public var description: String {
        switch self {
        case .number(let value): Self.format(number: value)
        case .string(let value): Self.quote(value)
        case .vectorSelector(let selector): selector.description
        case .rangeSelector(let selector, let range):
            selector.selectorDescription + "[\(range)]" + selector.offsetDescription
        case .call(let function, let arguments):
            "\(function.name)(\(arguments.map(\.description).joined(separator: ", ")))"
        case .aggregation(let aggregation): aggregation.description
        case .binary(let binary): binary.description
        case .negation(let operand): "-\(operand)"
        case .parentheses(let operand): "(\(operand))"
        }
    }

    /// Numbers as Prometheus prints them: integers without a fraction, `Inf`, `-Inf`, `NaN`.
    static func format(number value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "Inf" }
        if value == value.rounded(), value.magnitude < 1e15 { return String(Int64(value)) }
        return value.description
    }

    /// A double-quoted string literal that the lexer reads back as `value`.
    static func quote(_ value: String) -> String {
        var text = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\t": text += "\\t"
            case "\r": text += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16)
                    text += "\\x" + (hex.count == 1 ? "0" + hex : hex)
                } else {
                    text.unicodeScalars.append(scalar)
                }
            }
        }
        return text + "\""
    }
}

/// How a label matcher compares.
public enum PromQLMatchOperator: String, Sendable, Hashable, CaseIterable {
    case equal = "="
    case notEqual = "!="
    case regexMatch = "=~"
    case regexNoMatch = "!~"
}

/// One `label="value"` term of a selector.
public struct PromQLLabelMatcher: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var matchOperator: PromQLMatchOperator
    public var value: String

    public init(name: String, matchOperator: PromQLMatchOperator, value: String) {
        self.name = name
        self.matchOperator = matchOperator
        self.value = value
    }

    public var description: String { name + matchOperator.rawValue + PromQLExpression.quote(value) }
}

/// `metric{label="v"} offset 5m`: the metric name (if written before the braces), the matchers and offset.
public struct PromQLVectorSelector: Sendable, Hashable, CustomStringConvertible {
    /// The name written before the braces; `{__name__="x"}` keeps it as a matcher instead.
    public var metricName: String?
    public var matchers: [PromQLLabelMatcher]
    public var offset: PromQLDuration?

    public init(metricName: String?, matchers: [PromQLLabelMatcher], offset: PromQLDuration? = nil) {
        self.metricName = metricName
        self.matchers = matchers
        self.offset = offset
    }

    var selectorDescription: String {
        let braces = matchers.isEmpty ? "" : "{\(matchers.map(\.description).joined(separator: ","))}"
        return (metricName ?? "") + braces
    }

    var offsetDescription: String { offset.map { " offset \($0)" } ?? "" }

    public var description: String { selectorDescription + offsetDescription }

    /// The one metric name the selected series can have: the name before the braces, or a
    /// `__name__="…"` matcher; nil when series of any name can match.
    public var selectedName: String? {
        metricName ?? matchers.first { $0.name == "__name__" && $0.matchOperator == .equal }?.value
    }
}

/// `by (labels)` or `without (labels)` of an aggregation.
public enum PromQLGrouping: Sendable, Hashable {
    case by([String])
    case without([String])
}

/// `sum by (job) (x)`, `topk(5, x)`.
public struct PromQLAggregation: Sendable, Hashable, CustomStringConvertible {
    public var aggregationOperator: PromQLAggregationOperator
    /// The scalar first argument of `quantile`, `topk`, `bottomk`; nil for the others.
    public var parameter: PromQLExpression?
    public var expression: PromQLExpression
    public var grouping: PromQLGrouping?

    public init(
        aggregationOperator: PromQLAggregationOperator,
        parameter: PromQLExpression?,
        expression: PromQLExpression,
        grouping: PromQLGrouping?
    ) {
        self.aggregationOperator = aggregationOperator
        self.parameter = parameter
        self.expression = expression
        self.grouping = grouping
    }

    public var description: String {
        var text = aggregationOperator.rawValue
        switch grouping {
        case .by(let labels): text += " by (\(labels.joined(separator: ", "))) "
        case .without(let labels): text += " without (\(labels.joined(separator: ", "))) "
        case nil: break
        }
        let arguments = [parameter, expression].compactMap { $0?.description }
        return text + "(\(arguments.joined(separator: ", ")))"
    }
}

/// `on (labels)` / `ignoring (labels)` with an optional `group_left` / `group_right`.
public struct PromQLVectorMatching: Sendable, Hashable, CustomStringConvertible {
    /// Which labels identify matching series.
    public enum Labels: Sendable, Hashable {
        case on([String])
        case ignoring([String])
    }

    /// Which side may have many series per match, with the labels copied from the "one" side.
    public enum Cardinality: Sendable, Hashable {
        case oneToOne
        case groupLeft([String])
        case groupRight([String])
    }

    public var labels: Labels
    public var cardinality: Cardinality

    public init(labels: Labels, cardinality: Cardinality = .oneToOne) {
        self.labels = labels
        self.cardinality = cardinality
    }

    public var description: String {
        var text =
            switch labels {
            case .on(let names): "on(\(names.joined(separator: ", ")))"
            case .ignoring(let names): "ignoring(\(names.joined(separator: ", ")))"
            }
        switch cardinality {
        case .oneToOne: break
        case .groupLeft(let names): text += " group_left(\(names.joined(separator: ", ")))"
        case .groupRight(let names): text += " group_right(\(names.joined(separator: ", ")))"
        }
        return text
    }
}

/// `lhs op [bool] [matching] rhs`.
public struct PromQLBinaryExpression: Sendable, Hashable, CustomStringConvertible {
    public var binaryOperator: PromQLBinaryOperator
    public var lhs: PromQLExpression
    public var rhs: PromQLExpression
    /// `bool`: a comparison returns 0 or 1 instead of filtering.
    public var returnsBool: Bool
    public var matching: PromQLVectorMatching?

    public init(
        binaryOperator: PromQLBinaryOperator,
        lhs: PromQLExpression,
        rhs: PromQLExpression,
        returnsBool: Bool = false,
        matching: PromQLVectorMatching? = nil
    ) {
        self.binaryOperator = binaryOperator
        self.lhs = lhs
        self.rhs = rhs
        self.returnsBool = returnsBool
        self.matching = matching
    }

    /// Scalar only when both sides are scalars.
    public var type: PromQLValueType {
        lhs.type == .scalar && rhs.type == .scalar ? .scalar : .instantVector
    }

    public var description: String {
        var text = "\(lhs) \(binaryOperator.rawValue)"
        if returnsBool { text += " bool" }
        if let matching { text += " \(matching)" }
        return text + " \(rhs)"
    }
}

extension PromQLExpression {
    /// Calls `body` with every selector in the expression, and the range of range selectors.
    public func forEachSelector(_ body: (PromQLVectorSelector, PromQLDuration?) -> Void) {
        switch self {
        case .number, .string: break
        case .vectorSelector(let selector): body(selector, nil)
        case .rangeSelector(let selector, let range): body(selector, range)
        case .call(_, let arguments): for argument in arguments { argument.forEachSelector(body) }
        case .aggregation(let aggregation):
            aggregation.parameter?.forEachSelector(body)
            aggregation.expression.forEachSelector(body)
        case .binary(let binary):
            binary.lhs.forEachSelector(body)
            binary.rhs.forEachSelector(body)
        case .negation(let operand), .parentheses(let operand): operand.forEachSelector(body)
        }
    }
}
