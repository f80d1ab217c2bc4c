import TetherRules
import Yams

/// Prometheus rule files (`groups:`), checked as Prometheus 2.42's `rulefmt` checks them, so that a
/// file tether accepts is one `promtool check rules` accepts, and the other way round (within
/// tether's PromQL subset and template subset).
extension ConfigurationDecoder {
    static let ruleFileKeys = ["groups"]
    /// Prometheus 2.42 knows no `query_offset` or group `labels` (added later); unknown keys are errors.
    static let ruleGroupKeys = ["name", "interval", "limit", "rules"]
    static let ruleKeys = ["record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"]

    /// A whole rule file. `nil` when anything was reported.
    mutating func ruleFile(_ root: Node, path: String) -> RuleFile? {
        guard case .mapping = root else {
            self.report(
                "expected a mapping at the top level with key groups, got \(Self.kind(of: root))",
                at: root.position
            )
            return nil
        }
        guard let fields = self.mapping(root, path: "", keys: Self.ruleFileKeys) else { return nil }
        var groups: [RuleGroupDefinition] = []
        var firstLines: [String: Int] = [:]
        if let field = fields["groups"], let items = self.sequence(field) {
            // A null item is skipped, as Go's yaml.v3 drops it.
            for (index, item) in items.enumerated() where !Self.isNull(item) {
                let group = self.ruleGroup(item, path: "\(field.path)[\(index)]", file: path, firstLines: &firstLines)
                if let group { groups.append(group) }
            }
        }
        return self.diagnostics.isEmpty ? RuleFile(path: path, groups: groups) : nil
    }

    private mutating func ruleGroup(
        _ node: Node,
        path: String,
        file: String,
        firstLines: inout [String: Int]
    ) -> RuleGroupDefinition? {
        guard let fields = self.mapping(node, path: path, keys: Self.ruleGroupKeys) else { return nil }
        var name = ""
        if let field = fields["name"] {
            if let text = self.text(field, expected: "a string") {
                name = text
                if text.isEmpty {
                    self.report("\(field.path): must not be empty", at: field.mark)
                } else if let firstLine = firstLines[text] {
                    self.report(
                        "\(field.path): duplicate group name '\(text)' (first defined at line \(firstLine))",
                        at: field.mark
                    )
                } else {
                    firstLines[text] = field.mark?.line ?? 0
                }
            }
        } else {
            self.report("\(path): missing required key 'name'", at: node.position)
        }
        // `interval: 0` is accepted and means the global interval, as in Prometheus.
        var interval = self.ruleDuration(fields["interval"])
        if interval?.milliseconds == 0 { interval = nil }
        let limit = self.ruleLimit(fields["limit"]) ?? 0
        var rules: [RuleDefinition] = []
        if let field = fields["rules"], let items = self.sequence(field) {
            for (index, item) in items.enumerated() where !Self.isNull(item) {
                if let rule = self.rule(item, path: "\(field.path)[\(index)]") { rules.append(rule) }
            }
        }
        return RuleGroupDefinition(name: name, file: file, interval: interval, limit: limit, rules: rules)
    }

    private mutating func rule(_ node: Node, path: String) -> RuleDefinition? {
        guard let fields = self.mapping(node, path: path, keys: Self.ruleKeys) else { return nil }
        // An empty name counts as absent, as in Prometheus.
        let record = fields["record"].flatMap { self.text($0, expected: "a string") } ?? ""
        let alert = fields["alert"].flatMap { self.text($0, expected: "a string") } ?? ""
        var kind: RuleDefinition.Kind?
        switch (record.isEmpty, alert.isEmpty) {
        case (false, false):
            let later = [fields["record"], fields["alert"]].compactMap { $0?.keyMark }
                .max { ($0.line, $0.column) < ($1.line, $1.column) }
            self.report("\(path): only one of 'record' and 'alert' may be set", at: later ?? node.position)
        case (true, true):
            self.report("\(path): one of 'record' or 'alert' must be set", at: node.position)
        case (false, true):
            kind = .recording(name: record)
            if let field = fields["record"] { self.checkRecordingRuleName(record, field: field) }
        case (true, false):
            kind = .alerting(name: alert)
        }
        let isRecording = !record.isEmpty && alert.isEmpty

        var expression: PromQLExpression?
        var expressionText = ""
        if let field = fields["expr"], let text = self.text(field, expected: "a PromQL expression") {
            expressionText = text
            if text.isEmpty {
                self.report("\(field.path): must not be empty", at: field.mark)
            } else {
                do {
                    expression = try PromQLParser.parse(text)
                } catch {
                    let position = self.position(inScalar: field.node, line: error.line, column: error.column)
                    self.report("\(field.path): \(error.message)", at: position ?? field.mark)
                }
            }
        } else if fields["expr"] == nil {
            self.report("\(path): missing required key 'expr'", at: node.position)
        }

        let forDuration = self.ruleDuration(fields["for"]) ?? PromQLDuration(milliseconds: 0)
        let keepFiringFor = self.ruleDuration(fields["keep_firing_for"]) ?? PromQLDuration(milliseconds: 0)
        if isRecording {
            // Zero is accepted on a recording rule, as Prometheus accepts it.
            for (key, value) in [("for", forDuration), ("keep_firing_for", keepFiringFor)] where value.milliseconds != 0
            {
                self.report("\(path).\(key): only alerting rules have '\(key)'", at: fields[key]?.keyMark)
            }
        }
        let labels = fields["labels"].map { self.ruleLabels($0, templates: !isRecording, annotations: false) } ?? [:]
        let annotations =
            fields["annotations"].map { self.ruleLabels($0, templates: !isRecording, annotations: true) } ?? [:]
        if isRecording, !annotations.isEmpty, let field = fields["annotations"] {
            self.report("\(field.path): only alerting rules have annotations", at: field.keyMark)
        }
        guard let kind, let expression else { return nil }
        return RuleDefinition(
            kind: kind,
            expression: expression,
            expressionText: expressionText,
            forDuration: forDuration,
            keepFiringFor: keepFiringFor,
            labels: labels,
            annotations: annotations,
            line: node.position?.line ?? 0
        )
    }

    private mutating func checkRecordingRuleName(_ name: String, field: ConfigurationField) {
        guard !Self.isMetricName(name) else { return }
        var message =
            "\(field.path): invalid recording rule name '\(name)': metric names match [a-zA-Z_:][a-zA-Z0-9_:]*"
        if name.contains("{") || name.contains("}") { message += " (should the braces be in expr?)" }
        self.report(message, at: field.mark)
    }

    /// A rule's `labels:` or `annotations:`. Names as Prometheus allows them (`__name__` not as a
    /// label); values are any single value; for alerting rules each value must parse as a template.
    private mutating func ruleLabels(
        _ field: ConfigurationField,
        templates: Bool,
        annotations: Bool
    ) -> [String: String] {
        guard let entries = self.entries(field.node, path: field.path) else { return [:] }
        let what = annotations ? "annotation" : "label"
        var values: [String: String] = [:]
        for entry in entries {
            if !Self.isLabelName(entry.key) {
                self.report(
                    "\(field.path): invalid \(what) name '\(entry.key)': \(what) names match [a-zA-Z_][a-zA-Z0-9_]*",
                    at: entry.keyMark
                )
                continue
            }
            if !annotations && entry.key == Labels.metricName {
                self.report(
                    "\(field.path): invalid label name '__name__': a rule cannot set the metric name",
                    at: entry.keyMark
                )
                continue
            }
            var value = ""
            if !Self.isNull(entry.node) {
                guard let text = self.text(entry, expected: "a string") else { continue }
                value = text
            }
            if templates {
                do {
                    _ = try AlertTemplate(parsing: value)
                } catch {
                    let position = self.position(inScalar: entry.node, line: error.line, column: error.column)
                    self.report("\(entry.path): invalid template: \(error.message)", at: position ?? entry.mark)
                    continue
                }
            }
            values[entry.key] = value
        }
        return values
    }

    // MARK: Values as Prometheus reads them

    /// A duration in Prometheus' syntax (`model.ParseDuration`): zero is allowed.
    mutating func ruleDuration(_ field: ConfigurationField?) -> PromQLDuration? {
        guard let field, let text = self.text(field, expected: "a duration like 5m") else { return nil }
        guard let duration = Self.prometheusDuration(text) else {
            let got = text.isEmpty ? "an empty string" : "'\(text)'"
            self.report("\(field.path): expected a duration like 5m, got \(got)", at: field.mark)
            return nil
        }
        return duration
    }

    /// `limit:` is a Go `int` read by yaml.v3: an unquoted number, truncated when it has a fraction.
    private mutating func ruleLimit(_ field: ConfigurationField?) -> Int? {
        guard let field, let text = self.text(field, expected: "an integer") else { return nil }
        if Self.isPlainScalar(field.node) {
            if let value = Int(text) { return value }
            if let value = Self.yamlNumber(text), value.isFinite, abs(value) < 9.0e18 { return Int(value) }
        }
        self.report("\(field.path): expected an integer, got '\(text)'", at: field.mark)
        return nil
    }

    /// Prometheus' `model.ParseDuration` (common v0.39, as in Prometheus 2.42): `0`, or integers with
    /// the units y w d h m s ms, in that order, each at most once.
    static func prometheusDuration(_ text: String) -> PromQLDuration? {
        if text == "0" { return PromQLDuration(milliseconds: 0) }
        let units: [(unit: String, milliseconds: Int64)] = [
            ("y", 365 * 86_400_000), ("w", 7 * 86_400_000), ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000),
            ("s", 1000), ("ms", 1),
        ]
        var rest = Substring(text)
        var total: Int64 = 0
        var next = 0
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let value = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            // "ms" before "m", or "5ms" would read as five minutes and a stray "s".
            let found = rest.hasPrefix("ms") ? units.count - 1 : units.firstIndex { rest.hasPrefix($0.unit) }
            guard let found, found >= next else { return nil }
            rest = rest.dropFirst(units[found].unit.count)
            next = found + 1
            let (product, overflow) = value.multipliedReportingOverflow(by: units[found].milliseconds)
            let (sum, sumOverflow) = total.addingReportingOverflow(product)
            guard !overflow, !sumOverflow else { return nil }
            total = sum
        }
        return PromQLDuration(milliseconds: total)
    }

    /// A number as YAML 1.1 (Go's yaml packages) resolves an unquoted scalar: decimal, `0x`/`0o`/`0b`
    /// and leading-zero octal integers, `_` separators, floats, `.inf` and `.nan`.
    static func yamlNumber(_ text: String) -> Double? {
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        case ".nan", ".NaN", ".NAN": return .nan
        default: break
        }
        let plain = String(text.filter { $0 != "_" })
        var digits = Substring(plain)
        var sign = 1.0
        if let first = digits.first, first == "-" || first == "+" {
            sign = first == "-" ? -1 : 1
            digits = digits.dropFirst()
        }
        for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where digits.hasPrefix(prefix) {
            return Int64(digits.dropFirst(2), radix: radix).map { sign * Double($0) }
        }
        if digits.count > 1, digits.first == "0", digits.allSatisfy({ $0.isASCII && $0.isNumber }) {
            return Int64(digits, radix: 8).map { sign * Double($0) }
        }
        let allowed = Set("0123456789.eE+-")
        guard !digits.isEmpty, digits.first != "-" && digits.first != "+", digits.allSatisfy(allowed.contains),
            digits.contains(where: \.isNumber)
        else { return nil }
        return Double(digits).map { sign * $0 }
    }

    static func isMetricName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCIILetter || first == "_" || first == ":" else {
            return false
        }
        return name.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "_" || $0 == ":" }
    }

    static func isLabelName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCIILetter || first == "_" else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "_" }
    }

    static func isPlainScalar(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node else { return false }
        return scalar.style == .plain || scalar.style == .any
    }

    // MARK: Positions inside values

    /// Where `line:column` of a scalar's text (an expression, a template) is in the file.
    ///
    /// Exact for block scalars (`|`, whose text starts on the next line at the block's indentation)
    /// and for single-line values; for a value folded over several lines, the column on its first line.
    func position(inScalar node: Node, line: Int, column: Int) -> Position? {
        guard case .scalar(let scalar) = node, let start = node.position else { return node.position }
        switch scalar.style {
        case .literal, .folded:
            return Position(line: start.line + line, column: self.blockIndentation(after: start.line) + column)
        case .singleQuoted, .doubleQuoted:
            return line == 1
                ? Position(line: start.line, column: start.column + column)
                : Position(line: start.line + line - 1, column: column)
        case .plain, .any:
            return line == 1
                ? Position(line: start.line, column: start.column + column - 1)
                : Position(line: start.line + line - 1, column: column)
        }
    }

    /// The indentation of a block scalar whose indicator is on `line`: that of its first non-blank line.
    private func blockIndentation(after line: Int) -> Int {
        guard line < self.sourceLines.count else { return 0 }
        for text in self.sourceLines[line...] where !text.allSatisfy({ $0 == " " || $0 == "\r" }) {
            return text.prefix { $0 == " " }.count
        }
        return 0
    }
}
