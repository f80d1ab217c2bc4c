import Testing
import TetherRules

/// The tree with every operator application in parentheses, to assert precedence and associativity.
private func structure(_ expression: PromQLExpression) -> String {
    switch expression {
    case .binary(let binary):
        var text = "\(structure(binary.lhs)) \(binary.binaryOperator.rawValue)"
        if binary.returnsBool { text += " bool" }
        if let matching = binary.matching { text += " \(matching)" }
        return "(\(text) \(structure(binary.rhs)))"
    case .negation(let operand): return "(-\(structure(operand)))"
    case .parentheses(let operand): return "[\(structure(operand))]"
    case .call(let function, let arguments):
        return "\(function.name)(\(arguments.map(structure).joined(separator: ", ")))"
    case .aggregation(let aggregation):
        var copy = aggregation
        copy.expression = .string(structure(aggregation.expression))
        return copy.description
    default: return expression.description
    }
}

private func parse(_ text: String) throws -> PromQLExpression {
    try PromQLParser.parse(text)
}

private func error(_ text: String) -> String? {
    do {
        let expression = try PromQLParser.parse(text)
        return "accepted as \(expression)"
    } catch {
        return error.description
    }
}

@Suite struct PromQLParserTests {
    /// Precedence and associativity as Prometheus: `^` (right) > unary minus, `* / % atan2` > `+ -`
    /// > comparisons > `and unless` > `or`.
    @Test(arguments: [
        ("a + b * c", "(a + (b * c))"),
        ("a * b + c", "((a * b) + c)"),
        ("a - b - c", "((a - b) - c)"),
        ("a / b / c", "((a / b) / c)"),
        ("a ^ b ^ c", "(a ^ (b ^ c))"),
        ("-a ^ b", "(-(a ^ b))"),
        ("-a * b", "((-a) * b)"),
        ("-a + b", "((-a) + b)"),
        ("a * -b", "(a * (-b))"),
        ("2 ^ -1", "(2 ^ -1)"),
        ("-1 ^ 2", "(-(1 ^ 2))"),
        ("--a", "(-(-a))"),
        ("+a", "a"),
        ("a % b atan2 c", "((a % b) atan2 c)"),
        ("a + b > c - d", "((a + b) > (c - d))"),
        ("a > b and c < d", "((a > b) and (c < d))"),
        ("a and b or c and d", "((a and b) or (c and d))"),
        ("a or b unless c", "(a or (b unless c))"),
        ("a unless b and c", "((a unless b) and c)"),
        ("a or b or c", "((a or b) or c)"),
        ("(a + b) * c", "([(a + b)] * c)"),
        ("a + b offset 5m", "(a + b offset 5m)"),
        ("-a offset 5m", "(-a offset 5m)"),
        ("a == bool b + 1", "(a == bool (b + 1))"),
        ("a * on(x) group_left(y) b + c", "((a * on(x) group_left(y) b) + c)"),
        ("1 + 2 * 3 ^ 2 ^ 0.5", "(1 + (2 * (3 ^ (2 ^ 0.5))))"),
    ])
    func precedence(input: String, expected: String) throws {
        #expect(structure(try parse(input)) == expected)
    }

    /// Accepted expressions: their canonical form and type; the canonical form parses to itself.
    @Test(
        arguments: [
            // Literals.
            ("1", "1", PromQLValueType.scalar),
            ("1.5", "1.5", .scalar),
            (".5", "0.5", .scalar),
            ("1e3", "1000", .scalar),
            ("1E-3", "0.001", .scalar),
            ("2.5e+2", "250", .scalar),
            ("Inf", "Inf", .scalar),
            ("-inf", "-Inf", .scalar),
            ("NaN", "NaN", .scalar),
            ("-1", "-1", .scalar),
            ("\"a\\\"b\\n\"", "\"a\\\"b\\n\"", .string),
            ("'single \"q\"'", "\"single \\\"q\\\"\"", .string),
            ("`raw \\d`", "\"raw \\\\d\"", .string),
            ("\"\\x41\\u00e9\"", "\"Aé\"", .string),
            ("\"\\101\\t\"", "\"A\\t\"", .string),
            ("+Inf", "Inf", .scalar),
            ("1e16", "1e+16", .scalar),
            // Selectors.
            ("up", "up", .instantVector),
            ("job:up:ratio5m", "job:up:ratio5m", .instantVector),
            ("up{}", "up", .instantVector),
            (
                "up{job=\"a\", l2!=\"x\", l3=~\"re.*\", l4!~'re'}",
                "up{job=\"a\",l2!=\"x\",l3=~\"re.*\",l4!~\"re\"}", .instantVector
            ),
            ("up{job=\"a\",}", "up{job=\"a\"}", .instantVector),
            ("{__name__=\"up\"}", "{__name__=\"up\"}", .instantVector),
            ("{__name__=~\"tether_.+\", job=\"\"}", "{__name__=~\"tether_.+\",job=\"\"}", .instantVector),
            ("{job!=\"\"}", "{job!=\"\"}", .instantVector),
            ("up{on=\"x\", sum=\"y\", offset=\"z\"}", "up{on=\"x\",sum=\"y\",offset=\"z\"}", .instantVector),
            ("rate", "rate", .instantVector),
            ("up offset 5m", "up offset 5m", .instantVector),
            ("up OFFSET -1h30m", "up offset -1h30m", .instantVector),
            ("up[5m]", "up[5m]", .rangeVector),
            ("up[90s]", "up[1m30s]", .rangeVector),
            ("up[250ms]", "up[250ms]", .rangeVector),
            ("up[1h30m]", "up[1h30m]", .rangeVector),
            ("up[7d]", "up[1w]", .rangeVector),
            ("up[1y]", "up[1y]", .rangeVector),
            ("{__name__=\"up\"}[5m] offset 1w", "{__name__=\"up\"}[5m] offset 1w", .rangeVector),
            ("a:b:c offset 0s", "a:b:c offset 0s", .instantVector),
            ("up[1y2w3d]", "up[382d]", .rangeVector),
            ("{job!~\"a|\"}", "{job!~\"a|\"}", .instantVector),
            ("{job=~\".*\", a!=\"\"}", "{job=~\".*\",a!=\"\"}", .instantVector),
            ("up{job=\"a\"}[5m] offset 1h", "up{job=\"a\"}[5m] offset 1h", .rangeVector),
            // Functions.
            ("rate(x[5m])", "rate(x[5m])", .instantVector),
            ("increase(x[1h])", "increase(x[1h])", .instantVector),
            ("delta(x[5m])", "delta(x[5m])", .instantVector),
            ("irate(x[5m])", "irate(x[5m])", .instantVector),
            ("changes(x[5m])", "changes(x[5m])", .instantVector),
            ("resets(x[5m])", "resets(x[5m])", .instantVector),
            ("avg_over_time(x[5m])", "avg_over_time(x[5m])", .instantVector),
            ("min_over_time(x[5m])", "min_over_time(x[5m])", .instantVector),
            ("max_over_time(x[5m])", "max_over_time(x[5m])", .instantVector),
            ("sum_over_time(x[5m])", "sum_over_time(x[5m])", .instantVector),
            ("count_over_time(x[5m])", "count_over_time(x[5m])", .instantVector),
            ("last_over_time(x[5m])", "last_over_time(x[5m])", .instantVector),
            ("present_over_time(x[5m])", "present_over_time(x[5m])", .instantVector),
            ("quantile_over_time(0.9, x[5m])", "quantile_over_time(0.9, x[5m])", .instantVector),
            (
                "histogram_quantile(0.99, sum by (le) (rate(b_bucket[5m])))",
                "histogram_quantile(0.99, sum by (le) (rate(b_bucket[5m])))", .instantVector
            ),
            ("absent(up{job=\"a\"})", "absent(up{job=\"a\"})", .instantVector),
            ("absent_over_time(up[10m])", "absent_over_time(up[10m])", .instantVector),
            ("time()", "time()", .scalar),
            ("time() - 5", "time() - 5", .scalar),
            ("clamp(x, 0, 1)", "clamp(x, 0, 1)", .instantVector),
            ("clamp_min(x, 0)", "clamp_min(x, 0)", .instantVector),
            ("clamp_max(x, time())", "clamp_max(x, time())", .instantVector),
            ("abs(x - 1)", "abs(x - 1)", .instantVector),
            ("rate (x[5m],)", "rate(x[5m])", .instantVector),
            // Aggregations.
            ("sum(x)", "sum(x)", .instantVector),
            ("SUM(x)", "sum(x)", .instantVector),
            ("sum by (job) (x)", "sum by (job) (x)", .instantVector),
            ("sum(x) by (job, instance)", "sum by (job, instance) (x)", .instantVector),
            ("avg without (instance) (x)", "avg without (instance) (x)", .instantVector),
            ("min(x) without (instance,)", "min without (instance) (x)", .instantVector),
            ("max by () (x)", "max by () (x)", .instantVector),
            ("count by (on, sum) (x)", "count by (on, sum) (x)", .instantVector),
            ("quantile(0.9, x)", "quantile(0.9, x)", .instantVector),
            ("quantile by (job) (0.5, x)", "quantile by (job) (0.5, x)", .instantVector),
            ("topk(3, x) by (job)", "topk by (job) (3, x)", .instantVector),
            ("bottomk(time(), x)", "bottomk(time(), x)", .instantVector),
            ("sum(rate(x[5m])) by (job) > 0", "sum by (job) (rate(x[5m])) > 0", .instantVector),
            // Binary operators and matching.
            ("1 + 2", "1 + 2", .scalar),
            ("2 ^ 3 % 4", "2 ^ 3 % 4", .scalar),
            ("1 < bool 2", "1 < bool 2", .scalar),
            ("x > 1", "x > 1", .instantVector),
            ("1 < x", "1 < x", .instantVector),
            ("x >= bool 1", "x >= bool 1", .instantVector),
            ("x == y", "x == y", .instantVector),
            ("x != bool y", "x != bool y", .instantVector),
            ("x <= y", "x <= y", .instantVector),
            ("x and y", "x and y", .instantVector),
            ("x AND on(job) y", "x and on(job) y", .instantVector),
            ("x or ignoring(instance) y", "x or ignoring(instance) y", .instantVector),
            ("x unless on() y", "x unless on() y", .instantVector),
            ("x / on(job) group_left y", "x / on(job) group_left() y", .instantVector),
            ("x / ignoring(a) group_left(b, c) y", "x / ignoring(a) group_left(b, c) y", .instantVector),
            ("x * on(job) group_right(team) y", "x * on(job) group_right(team) y", .instantVector),
            ("x > bool on(job) y", "x > bool on(job) y", .instantVector),
            ("x atan2 y", "x atan2 y", .instantVector),
            ("-(x + 1)", "-(x + 1)", .instantVector),
            ("((x))", "((x))", .instantVector),
            ("(1)", "(1)", .scalar),
            // Comments and line breaks.
            ("sum(x) # total\n  > 0 # and more", "sum(x) > 0", .instantVector),
            ("up\n==\n0", "up == 0", .instantVector),
        ] as [(String, String, PromQLValueType)]
    )
    func accepts(input: String, canonical: String, type: PromQLValueType) throws {
        let expression = try parse(input)
        #expect(expression.description == canonical)
        #expect(expression.type == type)
        let reparsed = try parse(expression.description)
        #expect(reparsed.description == canonical)
        #expect(structure(reparsed) == structure(expression))
    }

    /// Rejections with the exact message: Prometheus' own errors, and constructs outside the subset.
    @Test(arguments: [
        // Outside the subset.
        (
            "label_replace(up, \"a\", \"$1\", \"b\", \"(.*)\")",
            "1:1: function 'label_replace' is not supported by tether"
        ),
        ("sum(predict_linear(x[1h], 60))", "1:5: function 'predict_linear' is not supported by tether"),
        ("nope(x)", "1:1: unknown function 'nope'"),
        ("stddev(x)", "1:1: aggregation 'stddev' is not supported by tether"),
        ("count_values(\"v\", x)", "1:1: aggregation 'count_values' is not supported by tether"),
        ("rate(x[5m])[30m:1m]", "1:12: subqueries are not supported by tether"),
        ("x[5m:]", "1:2: subqueries are not supported by tether"),
        ("x[:1m]", "1:2: subqueries are not supported by tether"),
        ("x @ 1609746000", "1:3: the @ modifier is not supported by tether"),
        ("x[5m] @ end()", "1:7: the @ modifier is not supported by tether"),
        // Selectors.
        ("{}", "1:1: vector selector must contain at least one non-empty matcher"),
        ("{job=\"\"}", "1:1: vector selector must contain at least one non-empty matcher"),
        ("x + {job=~\".*\", a=\"\"}", "1:5: vector selector must contain at least one non-empty matcher"),
        ("{job!~\".+\"}", "1:1: vector selector must contain at least one non-empty matcher"),
        ("up{__name__=\"x\"}", "1:1: metric name must not be set twice: 'up' or 'x'"),
        ("up{job=a}", "1:8: unexpected identifier 'a', expected string"),
        ("up{job==\"a\"}", "1:7: unexpected '==', expected label matching operator (=, !=, =~ or !~)"),
        ("up{job=\"a\"", "1:11: unexpected end of input, expected ',' or '}'"),
        ("up{job=~\"(\"}", "1:9: invalid regular expression '('"),
        ("up{a:b=\"x\"}", "1:4: invalid label name 'a:b'"),
        // Strings, numbers and durations.
        ("up{job=\"abc}", "1:8: unterminated quoted string"),
        ("x +\n  \"abc", "2:3: unterminated quoted string"),
        ("'a\nb'", "1:1: unterminated quoted string"),
        ("\"a\\qb\"", "1:3: unknown escape sequence '\\q'"),
        ("1x", "1:1: bad number or duration syntax '1x'"),
        ("5m", "1:1: unexpected duration 5m, expected expression"),
        ("x[5]", "1:3: unexpected number 5, expected duration (such as 5m)"),
        ("x[5m", "1:5: unexpected end of input, expected ']'"),
        ("x[1m1h]", "1:3: invalid duration '1m1h': units must be in the order y w d h m s ms"),
        ("x[0s]", "1:2: range must be greater than 0"),
        ("x offset 5", "1:10: unexpected number 5, expected duration (such as 5m)"),
        ("x ! y", "1:3: unexpected character '!'"),
        ("\"\\18\"", "1:2: invalid escape sequence '\\1'"),
        ("x =~ y", "1:3: unexpected '=~', expected binary operator or end of input"),
        ("RATE(x[5m])", "1:1: unknown function 'RATE'"),
        ("x[1.5m]", "1:3: bad number or duration syntax '1.5m'"),
        // Ranges and offsets.
        ("(x)[5m]", "1:4: ranges only allowed for vector selectors"),
        ("x offset 5m [5m]", "1:13: no offset modifiers allowed before range"),
        ("x offset 5m offset 1h", "1:13: offset may not be set multiple times"),
        (
            "rate(x[5m]) offset 1h",
            "1:13: offset modifier must be preceded by an instant vector selector or range vector selector"
        ),
        // Function arguments.
        ("rate(x)", "1:6: expected type range vector in call to function 'rate', got instant vector"),
        ("increase(1)", "1:10: expected type range vector in call to function 'increase', got scalar"),
        ("irate(x[5m], 1)", "1:1: expected 1 argument(s) in call to 'irate', got 2"),
        ("delta()", "1:1: expected 1 argument(s) in call to 'delta', got 0"),
        ("changes(x)", "1:9: expected type range vector in call to function 'changes', got instant vector"),
        ("resets(\"x\")", "1:8: expected type range vector in call to function 'resets', got string"),
        (
            "avg_over_time(x)",
            "1:15: expected type range vector in call to function 'avg_over_time', got instant vector"
        ),
        (
            "present_over_time(x)",
            "1:19: expected type range vector in call to function 'present_over_time', got instant vector"
        ),
        ("quantile_over_time(x[5m])", "1:1: expected 2 argument(s) in call to 'quantile_over_time', got 1"),
        (
            "quantile_over_time(x, x[5m])",
            "1:20: expected type scalar in call to function 'quantile_over_time', got instant vector"
        ),
        (
            "histogram_quantile(0.9, x[5m])",
            "1:25: expected type instant vector in call to function 'histogram_quantile', got range vector"
        ),
        ("absent(x[5m])", "1:8: expected type instant vector in call to function 'absent', got range vector"),
        (
            "absent_over_time(x)",
            "1:18: expected type range vector in call to function 'absent_over_time', got instant vector"
        ),
        ("time(x)", "1:1: expected 0 argument(s) in call to 'time', got 1"),
        ("clamp(x, 1)", "1:1: expected 3 argument(s) in call to 'clamp', got 2"),
        ("clamp_min(x, y)", "1:14: expected type scalar in call to function 'clamp_min', got instant vector"),
        ("clamp_max(1, 2)", "1:11: expected type instant vector in call to function 'clamp_max', got scalar"),
        ("abs(1)", "1:5: expected type instant vector in call to function 'abs', got scalar"),
        ("rate(x[5m]", "1:11: unexpected end of input, expected ',' or ')'"),
        ("rate(,)", "1:6: unexpected ',', expected expression"),
        // Aggregations.
        ("sum(1, x)", "1:1: wrong number of arguments for aggregate expression provided, expected 1, got 2"),
        ("topk(x)", "1:1: wrong number of arguments for aggregate expression provided, expected 2, got 1"),
        ("quantile(x, y)", "1:10: expected type scalar in aggregation parameter, got instant vector"),
        ("sum(x[5m])", "1:5: expected type instant vector in aggregation expression, got range vector"),
        ("quantile(x, 0.5)", "1:13: expected type instant vector in aggregation expression, got scalar"),
        ("avg(1)", "1:5: expected type instant vector in aggregation expression, got scalar"),
        ("sum by (a) (x) by (b)", "1:16: unexpected keyword 'by', expected binary operator or end of input"),
        ("sum x", "1:5: unexpected identifier 'x', expected '(', by or without"),
        ("sum by job (x)", "1:8: unexpected identifier 'job', expected '(' before label names"),
        ("sum by (\"job\") (x)", "1:9: unexpected string \"job\", expected label name"),
        ("sum by (job) x", "1:14: unexpected identifier 'x', expected '('"),
        ("count foo (x)", "1:7: unexpected identifier 'foo', expected '(', by or without"),
        // Binary operators.
        ("x[5m] + 1", "1:7: binary expression must contain only scalar and instant vector types"),
        ("1 + \"a\"", "1:3: binary expression must contain only scalar and instant vector types"),
        ("1 > 2", "1:3: comparisons between scalars must use bool modifier"),
        ("x + bool y", "1:3: bool modifier can only be used on comparison operators"),
        ("x and 1", "1:3: set operator 'and' not allowed in binary scalar expression"),
        ("1 or x", "1:3: set operator 'or' not allowed in binary scalar expression"),
        ("x + on(a) 1", "1:3: vector matching only allowed between instant vectors"),
        ("x and on(a) group_left(b) y", "1:3: no grouping allowed for 'and' operation"),
        ("x * on(a) group_left(a) y", "1:3: label 'a' must not occur in on and group clause at once"),
        ("x * group_left(a) y", "1:5: unexpected keyword 'group_left', expected expression"),
        ("-x[5m]", "1:1: unary expression only allowed on expressions of type scalar or instant vector"),
        ("x +", "1:4: unexpected end of input, expected expression"),
        ("x y", "1:3: unexpected identifier 'y', expected binary operator or end of input"),
        ("(x + 1", "1:7: unexpected end of input, expected ')'"),
        ("", "1:1: unexpected end of input, expected expression"),
        ("# only a comment", "1:17: unexpected end of input, expected expression"),
        ("bool", "1:1: unexpected keyword 'bool', expected expression"),
    ])
    func rejects(input: String, message: String) {
        #expect(error(input) == message)
    }

    @Test func errorCarriesPosition() {
        #expect(throws: PromQLError(line: 2, column: 3, message: "unterminated quoted string")) {
            try PromQLParser.parse("x +\n  \"abc")
        }
    }

    @Test func treeShape() throws {
        let expression = try parse("sum by (job) (rate(up{job=\"a\"}[5m] offset -1m)) > bool 0")
        let selector = PromQLVectorSelector(
            metricName: "up",
            matchers: [PromQLLabelMatcher(name: "job", matchOperator: .equal, value: "a")],
            offset: PromQLDuration(milliseconds: -60_000)
        )
        let expected = PromQLExpression.binary(
            PromQLBinaryExpression(
                binaryOperator: .greater,
                lhs: .aggregation(
                    PromQLAggregation(
                        aggregationOperator: .sum,
                        parameter: nil,
                        expression: .call(
                            .rate,
                            arguments: [.rangeSelector(selector, range: PromQLDuration(milliseconds: 300_000))]
                        ),
                        grouping: .by(["job"])
                    )
                ),
                rhs: .number(0),
                returnsBool: true
            )
        )
        #expect(expression == expected)
    }

    /// Every function of the subset is named in DESIGN §5 and accepted with its signature.
    @Test(arguments: PromQLFunction.allCases)
    func everyFunctionAcceptsItsSignature(function: PromQLFunction) throws {
        let arguments = function.argumentTypes.map { type in
            switch type {
            case .scalar: "0.5"
            case .instantVector: "x"
            case .rangeVector: "x[5m]"
            case .string: "\"s\""
            }
        }
        let expression = try parse("\(function.name)(\(arguments.joined(separator: ", ")))")
        #expect(expression.type == function.returnType)
    }
}
