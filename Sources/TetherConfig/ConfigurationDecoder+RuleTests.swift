import Foundation
import TetherRules
import Yams

/// promtool's rule unit-test files (`promtool test rules`, Prometheus 2.42), read as strictly as
/// promtool reads them (yaml.v2 `UnmarshalStrict`: unknown keys and wrong types are errors).
extension ConfigurationDecoder {
    static let ruleTestFileKeys = ["rule_files", "evaluation_interval", "group_eval_order", "tests"]
    static let ruleTestGroupKeys = [
        "interval", "input_series", "alert_rule_test", "promql_expr_test", "external_labels", "external_url", "name",
    ]
    static let inputSeriesKeys = ["series", "values"]
    static let alertRuleTestKeys = ["eval_time", "alertname", "exp_alerts"]
    static let expectedAlertKeys = ["exp_labels", "exp_annotations"]
    static let promQLExpressionTestKeys = ["expr", "eval_time", "exp_samples"]
    static let expectedSampleKeys = ["labels", "value"]

    /// A whole test file. `nil` when anything was reported.
    mutating func ruleTestFile(_ root: Node, path: String) -> RuleTestFile? {
        guard case .mapping = root else {
            self.report(
                "expected a mapping at the top level with keys \(Self.ruleTestFileKeys.joined(separator: ", ")), got "
                    + Self.kind(of: root),
                at: root.position
            )
            return nil
        }
        guard let fields = self.mapping(root, path: "", keys: Self.ruleTestFileKeys) else { return nil }
        var ruleFiles: [String] = []
        for (entry, pattern) in self.strings(fields["rule_files"]) {
            // As promtool: relative to the test file's directory; a pattern matching nothing is left
            // out (promtool only warns).
            guard !pattern.isEmpty else { continue }
            guard let matches = Self.matchingFiles(self.resolve(pattern)) else {
                self.report("\(entry.path): invalid rule file pattern '\(pattern)'", at: entry.mark)
                continue
            }
            ruleFiles += matches
        }
        var evaluationInterval = self.ruleDuration(fields["evaluation_interval"]) ?? PromQLDuration(milliseconds: 0)
        if evaluationInterval.milliseconds == 0 { evaluationInterval = PromQLDuration(milliseconds: 60_000) }
        var order: [String] = []
        for (entry, name) in self.strings(fields["group_eval_order"]) {
            if order.contains(name) {
                self.report("\(entry.path): group name '\(name)' repeated in the evaluation order", at: entry.mark)
            } else {
                order.append(name)
            }
        }
        var tests: [RuleTestGroup] = []
        for (entry, node) in self.items(fields["tests"]) {
            if let test = self.ruleTestGroup(node, path: entry.path) { tests.append(test) }
        }
        guard self.diagnostics.isEmpty else { return nil }
        return RuleTestFile(
            path: path,
            ruleFiles: ruleFiles,
            evaluationInterval: evaluationInterval,
            groupEvaluationOrder: order,
            tests: tests
        )
    }

    private mutating func ruleTestGroup(_ node: Node, path: String) -> RuleTestGroup? {
        guard let fields = self.mapping(node, path: path, keys: Self.ruleTestGroupKeys) else { return nil }
        var interval = self.ruleDuration(fields["interval"])
        if interval?.milliseconds == 0 { interval = nil }
        var inputSeries: [InputSeries] = []
        for (entry, item) in self.items(fields["input_series"]) {
            guard let series = self.mapping(item, path: entry.path, keys: Self.inputSeriesKeys) else { continue }
            guard let seriesField = series["series"] else {
                self.report("\(entry.path): missing required key 'series'", at: item.position)
                continue
            }
            guard let text = self.string(seriesField) else { continue }
            let values = series["values"].flatMap { self.string($0, nonEmpty: false) } ?? ""
            inputSeries.append(InputSeries(series: text, values: values, line: item.position?.line ?? 0))
        }
        var alertTests: [AlertRuleTest] = []
        for (entry, item) in self.items(fields["alert_rule_test"]) {
            guard let test = self.mapping(item, path: entry.path, keys: Self.alertRuleTestKeys) else { continue }
            let evalTime = self.ruleDuration(test["eval_time"]) ?? PromQLDuration(milliseconds: 0)
            // promtool fails the test group without it.
            guard let alertname = test["alertname"].flatMap({ self.string($0) }) else {
                if test["alertname"] == nil {
                    self.report("\(entry.path): missing required key 'alertname'", at: item.position)
                }
                continue
            }
            var expected: [ExpectedAlert] = []
            for (alertEntry, alertNode) in self.items(test["exp_alerts"]) {
                let keys = Self.expectedAlertKeys
                guard let alert = self.mapping(alertNode, path: alertEntry.path, keys: keys) else { continue }
                expected.append(
                    ExpectedAlert(
                        labels: self.stringMap(alert["exp_labels"]),
                        annotations: self.stringMap(alert["exp_annotations"])
                    )
                )
            }
            alertTests.append(AlertRuleTest(evalTime: evalTime, alertname: alertname, expectedAlerts: expected))
        }
        var expressionTests: [PromQLExpressionTest] = []
        for (entry, item) in self.items(fields["promql_expr_test"]) {
            let keys = Self.promQLExpressionTestKeys
            guard let test = self.mapping(item, path: entry.path, keys: keys) else { continue }
            let evalTime = self.ruleDuration(test["eval_time"]) ?? PromQLDuration(milliseconds: 0)
            guard let exprField = test["expr"] else {
                self.report("\(entry.path): missing required key 'expr'", at: item.position)
                continue
            }
            let expression = self.string(exprField)
            if let expression {
                do {
                    _ = try PromQLParser.parse(expression)
                } catch {
                    let position = self.position(inScalar: exprField.node, line: error.line, column: error.column)
                    self.report("\(exprField.path): \(error.message)", at: position ?? exprField.mark)
                }
            }
            var samples: [ExpectedSample] = []
            for (sampleEntry, sampleNode) in self.items(test["exp_samples"]) {
                let keys = Self.expectedSampleKeys
                guard let sample = self.mapping(sampleNode, path: sampleEntry.path, keys: keys) else { continue }
                let labels = sample["labels"].flatMap { self.string($0, nonEmpty: false) } ?? ""
                guard let value = self.sampleValue(sample["value"]) else { continue }
                samples.append(ExpectedSample(labels: labels, value: value))
            }
            if let expression {
                expressionTests.append(
                    PromQLExpressionTest(expression: expression, evalTime: evalTime, expectedSamples: samples)
                )
            }
        }
        // promtool takes external labels as they are: no check of their names.
        let externalLabels = self.stringMap(fields["external_labels"])
        let externalURL = fields["external_url"].flatMap { self.string($0, nonEmpty: false) } ?? ""
        let name = fields["name"].flatMap { self.string($0, nonEmpty: false) } ?? ""
        return RuleTestGroup(
            name: name,
            interval: interval,
            inputSeries: inputSeries,
            alertRuleTests: alertTests,
            promqlExpressionTests: expressionTests,
            externalLabels: externalLabels,
            externalURL: externalURL
        )
    }

    // MARK: Shapes

    /// The items of a list, each with a field naming it (`tests[2]`).
    private mutating func items(_ field: ConfigurationField?) -> [(ConfigurationField, Node)] {
        guard let field, let nodes = self.sequence(field) else { return [] }
        return nodes.enumerated().map { index, node in
            (ConfigurationField(path: "\(field.path)[\(index)]", key: field.key, keyMark: nil, node: node), node)
        }
    }

    /// A list of strings; items that are not single values are reported and left out.
    private mutating func strings(_ field: ConfigurationField?) -> [(ConfigurationField, String)] {
        self.items(field).compactMap { entry, _ in self.string(entry, nonEmpty: false).map { (entry, $0) } }
    }

    /// A mapping of strings to strings, as Go decodes `map[string]string`: null values are "".
    private mutating func stringMap(_ field: ConfigurationField?) -> [String: String] {
        guard let field, let entries = self.entries(field.node, path: field.path) else { return [:] }
        var values: [String: String] = [:]
        for entry in entries {
            if Self.isNull(entry.node) {
                values[entry.key] = ""
            } else if let value = self.string(entry, nonEmpty: false) {
                values[entry.key] = value
            }
        }
        return values
    }

    /// `value:` is a Go `float64` read by yaml.v2: an unquoted YAML number; absent is 0.
    private mutating func sampleValue(_ field: ConfigurationField?) -> Double? {
        guard let field else { return 0 }
        guard let text = self.text(field, expected: "a number") else { return nil }
        guard Self.isPlainScalar(field.node), let value = Self.yamlNumber(text) else {
            self.report("\(field.path): expected a number, got '\(text)'", at: field.mark)
            return nil
        }
        return value
    }
}
