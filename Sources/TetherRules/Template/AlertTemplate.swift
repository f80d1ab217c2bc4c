/// The data a label or annotation template sees, as Prometheus gives it: `$labels` (`.Labels`),
/// `$externalLabels`, `$externalURL` and `$value` (`.Value`).
public struct AlertTemplateData: Sendable {
    public var labels: [String: String]
    public var externalLabels: [String: String]
    public var externalURL: String
    public var value: Double

    public init(labels: [String: String], externalLabels: [String: String], externalURL: String, value: Double) {
        self.labels = labels
        self.externalLabels = externalLabels
        self.externalURL = externalURL
        self.value = value
    }
}

/// Why a template does not parse or could not be rendered, and where (1-based, within the template).
///
/// `message` is Go's own text (`function "foo" not defined`, `error calling gt: incompatible types
/// for comparison`); the column counts characters.
public struct AlertTemplateError: Error, Sendable, Hashable, CustomStringConvertible {
    public let line: Int
    public let column: Int
    public let message: String
    /// Byte offset in the template, as Go counts positions.
    var goByteOffset = 0
    /// Byte column (0-based) on the error's line, as Go prints it.
    var goLineByteColumn = 0
    /// For execution errors, Go's text of the node it happened at (`gt $value 10`).
    var goContext: String?

    public init(line: Int, column: Int, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String { "\(line):\(column): \(message)" }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.line == rhs.line && lhs.column == rhs.column && lhs.message == rhs.message
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(line)
        hasher.combine(column)
        hasher.combine(message)
    }
}

/// A Go `text/template` as Prometheus uses it in labels and annotations of alerting rules: the
/// subset tether renders, parsed once at load time.
///
/// This is tether's own hand-written engine (there is no Go here, and no Swift library runs Go
/// templates), checked against `promtool test rules` of Prometheus 2.42 (Go 1.19 `text/template`,
/// `missingkey=zero`). Like Prometheus, it predefines `$labels`, `$externalLabels`, `$externalURL`
/// and `$value`.
///
/// Supported:
/// - Syntax: text; actions with `{{-`/`-}}` trimming; `{{/* comments */}}`; pipelines with `|`;
///   parenthesized pipelines; variables (`$x := …`, `$x = …`, `$`); field and map chains
///   (`.Labels.job`, `$labels.job`; a missing label is `""`); literals (Go strings with escapes, raw
///   strings, integers, floats, characters, `true`, `false`, `nil`); `if`/`else if`/`else`, `with`/`else`,
///   `range` over maps in sorted key order with `else`, `break` and `continue`.
/// - Go builtins: `and or not len index print printf println eq ne lt le gt ge urlquery html js`, with
///   Go's typing (`gt $value 10` is an error, as in Go: `10` is an `int`; write `10.0`) and
///   `fmt` verbs `%v %s %d %f %e %g %x %X %o %b %c %q %U %t %T %%` with flags, width and precision.
/// - Prometheus: `humanize humanize1024 humanizeDuration humanizePercentage humanizeTimestamp toTime
///   toUpper toLower title match reReplaceAll stripPort stripDomain safeHtml pathPrefix externalURL
///   parseDuration`.
///
/// Not supported (rejected when parsing, naming the construct): `define`, `template` and `block`;
/// complex number constants; the functions that query Prometheus (`query first label value
/// sortByLabel strvalue args tableLink graphLink`). Regular expressions run on Swift's `Regex`, which
/// agrees with Go's RE2 on common syntax but not on every corner (and words its syntax errors
/// differently); methods of `toTime`'s result (`.Unix`, `.Format`) are not available.
public struct AlertTemplate: Sendable {
    public let text: String
    /// The alert's name, which Prometheus puts in its error texts (`__alert_NAME`).
    public let alertName: String
    private let nodes: [TemplateNode]

    private static let predeclared = ["$labels", "$externalLabels", "$externalURL", "$value"]
    /// The length of Prometheus' predefinitions, which shift Go's byte columns on the first line.
    private static let prefixLength = 112

    /// Parses `text`; throws for a syntax error or a function outside the subset.
    /// - Parameters:
    ///   - text: the label or annotation value.
    ///   - alertName: the rule's alert name, used in ``renderOrError(_:)``'s Prometheus-style errors.
    public init(parsing text: String, alertName: String = "") throws(AlertTemplateError) {
        self.text = text
        self.alertName = alertName
        var parser = TemplateParser(text: text, predeclared: Self.predeclared)
        self.nodes = try parser.parse()
    }

    /// The text with every action evaluated against `data`.
    public func render(_ data: AlertTemplateData) throws(AlertTemplateError) -> String {
        let predeclared: [(String, TemplateValue)] = [
            ("$labels", .map(data.labels)), ("$externalLabels", .map(data.externalLabels)),
            ("$externalURL", .string(data.externalURL)), ("$value", .float(data.value)),
        ]
        var evaluator = TemplateEvaluator(data: data, text: text, predeclared: predeclared)
        try evaluator.run(nodes)
        return evaluator.output
    }

    /// What Prometheus stores as the label or annotation: the rendered text, or on an execution
    /// error `<error expanding template: …>` with Go's message, word for word.
    public func renderOrError(_ data: AlertTemplateData) -> String {
        do {
            return try render(data)
        } catch {
            return "<error expanding template: \(prometheusMessage(for: error))>"
        }
    }

    /// Go's and Prometheus' wording of an execution error, as it appears in the expanded value.
    public func prometheusMessage(for error: AlertTemplateError) -> String {
        let name = "__alert_" + alertName
        let column = error.line == 1 ? error.goLineByteColumn + Self.prefixLength : error.goLineByteColumn
        return "error executing template \(name): template: \(name):\(error.line):\(column): "
            + "executing \"\(name)\" at <\(error.goContext ?? "")>: \(error.message)"
    }
}
