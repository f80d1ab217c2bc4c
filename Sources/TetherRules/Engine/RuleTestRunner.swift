import Foundation

/// Runs promtool's rule unit tests (`promtool test rules`) the way Prometheus 2.42's
/// `cmd/promtool/unittest.go` does, so that a test file passes in tether exactly when it passes in
/// promtool:
///
/// - input series are sampled every `interval` from time 0;
/// - every group is evaluated at 0, `evaluation_interval`, 2 × `evaluation_interval`, … up to the
///   latest `eval_time` (a group's own `interval` is ignored, as promtool does);
/// - an `alert_rule_test` is checked against the firing alerts of the last evaluation at or before
///   its `eval_time`; a `promql_expr_test` is queried after every evaluation has run;
/// - values are compared exactly.
public struct RuleTestRunner {
    public let file: RuleTestFile
    /// The rule files the test file names, already loaded.
    public let ruleFiles: [RuleFile]

    public init(file: RuleTestFile, ruleFiles: [RuleFile]) {
        self.file = file
        self.ruleFiles = ruleFiles
    }

    /// The failures of every test group, in promtool's words; empty when all pass.
    public func run() -> [String] {
        file.tests.flatMap(run)
    }

    private func run(_ test: RuleTestGroup) -> [String] {
        let namePrefix = test.name.isEmpty ? "" : "    name: \(test.name),\n"
        let evaluationInterval = file.evaluationInterval.milliseconds
        let sampleInterval = (test.interval ?? file.evaluationInterval).milliseconds
        let context = RuleEvaluationContext(externalLabels: test.externalLabels, externalURL: test.externalURL)

        // Rules.
        var groups: [RuleGroup] = []
        for definition in ruleFiles.flatMap(\.groups) {
            do {
                groups.append(try RuleGroup(definition, defaultInterval: file.evaluationInterval))
            } catch {
                return ["\(namePrefix)    \(definition.file): group \(definition.name): \(error)"]
            }
        }
        if !file.groupEvaluationOrder.isEmpty {
            let order = Dictionary(
                file.groupEvaluationOrder.enumerated().map { ($0.element, $0.offset) },
                uniquingKeysWith: { first, _ in first }
            )
            if let missing = groups.first(where: { order[$0.definition.name] == nil }) {
                return ["\(namePrefix)    group \"\(missing.definition.name)\" is not in group_eval_order"]
            }
            groups.sort { order[$0.definition.name]! < order[$1.definition.name]! }
        }

        // Input series.
        let storage = MemorySeriesStorage()
        for input in test.inputSeries {
            do throws(PromQLEvaluationError) {
                let labels = try Self.seriesLabels(input.series)
                for (index, value) in try SeriesNotation.values(input.values).enumerated() {
                    guard let value else { continue }
                    storage.append(labels, timestamp: Int64(index) * sampleInterval, value: value)
                }
            } catch {
                return ["\(namePrefix)    input series \(input.series) (line \(input.line)): \(error)"]
            }
        }

        // Evaluations, checking alerts on the way.
        var failures: [String] = []
        let alertTimes = Set(test.alertRuleTests.map(\.evalTime.milliseconds)).sorted()
        let end =
            (test.alertRuleTests.map(\.evalTime.milliseconds) + test.promqlExpressionTests.map(\.evalTime.milliseconds))
            .max() ?? 0
        let cache = EvaluationCache()
        var nextAlertTime = 0
        var time: Int64 = 0
        while time <= end {
            for group in groups {
                group.evaluate(at: time, storage: storage, context: context, cache: cache)
                for rule in group.rules {
                    if let error = rule.lastError {
                        failures.append(
                            "    rule: \(rule.definition.name), time: \(Self.duration(time)), err: \(error)"
                        )
                    }
                }
            }
            while nextAlertTime < alertTimes.count, alertTimes[nextAlertTime] >= time,
                alertTimes[nextAlertTime] < time + evaluationInterval
            {
                let evalTime = alertTimes[nextAlertTime]
                for alertTest in test.alertRuleTests where alertTest.evalTime.milliseconds == evalTime {
                    if let failure = check(alertTest, groups: groups) { failures.append(namePrefix + failure) }
                }
                nextAlertTime += 1
            }
            time += evaluationInterval
        }

        // Expressions, over everything the evaluations wrote.
        cache.removeResults()
        for expressionTest in test.promqlExpressionTests {
            if let failure = check(expressionTest, storage: storage, cache: cache) {
                failures.append(namePrefix + failure)
            }
        }
        return failures
    }

    private func check(_ test: AlertRuleTest, groups: [RuleGroup]) -> String? {
        var got: [(labels: Labels, annotations: Labels)] = []
        for rule in groups.flatMap(\.alertingRules) where rule.name == test.alertname {
            got += rule.activeAlerts.filter { $0.state == .firing }.map { ($0.labels, $0.annotations) }
        }
        var expected: [(labels: Labels, annotations: Labels)] = test.expectedAlerts.map {
            var labels = Labels($0.labels)
            labels.set("alertname", test.alertname)
            return (labels, Labels($0.annotations))
        }
        let order: ((labels: Labels, annotations: Labels), (labels: Labels, annotations: Labels)) -> Bool = {
            $0.labels != $1.labels ? $0.labels < $1.labels : $0.annotations < $1.annotations
        }
        got.sort(by: order)
        expected.sort(by: order)
        if got.map(\.labels) == expected.map(\.labels) && got.map(\.annotations) == expected.map(\.annotations) {
            return nil
        }
        return
            "    alertname: \(test.alertname), time: \(test.evalTime), \n        exp:\(Self.describe(expected)), \n        got:\(Self.describe(got))"
    }

    private func check(_ test: PromQLExpressionTest, storage: MemorySeriesStorage, cache: EvaluationCache) -> String? {
        let prefix = "    expr: \(PromQLExpression.quote(test.expression)), time: \(test.evalTime)"
        do {
            let expression = try PromQLParser.parse(test.expression)
            let evaluator = PromQLEvaluator(storage: storage, cache: cache)
            var got = try evaluator.evaluate(expression, at: test.evalTime.milliseconds).samples
            var expected: [VectorSample] = []
            for sample in test.expectedSamples {
                do {
                    expected.append(VectorSample(labels: try Self.seriesLabels(sample.labels), value: sample.value))
                } catch {
                    return "\(prefix), err: labels \(PromQLExpression.quote(sample.labels)): \(error)"
                }
            }
            got.sort { $0.labels < $1.labels }
            expected.sort { $0.labels < $1.labels }
            // Exactly, as promtool's reflect.DeepEqual: NaN never equals NaN there either.
            let same =
                got.count == expected.count
                && zip(got, expected).allSatisfy { $0.labels == $1.labels && $0.value == $1.value }
            if same { return nil }
            return "\(prefix),\n        exp: \(Self.describe(expected))\n        got: \(Self.describe(got))"
        } catch {
            return "\(prefix), err: \(error)"
        }
    }

    /// The labels of `up{job="a"}` (or `{}`): a selector of equality matchers only.
    static func seriesLabels(_ text: String) throws(PromQLEvaluationError) -> Labels {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || trimmed == "{}" { return Labels() }
        let expression: PromQLExpression
        do {
            expression = try PromQLParser.parse(trimmed)
        } catch {
            throw PromQLEvaluationError("\(error)")
        }
        guard case .vectorSelector(let selector) = expression, selector.offset == nil,
            selector.matchers.allSatisfy({ $0.matchOperator == .equal })
        else {
            throw PromQLEvaluationError("\(PromQLExpression.quote(text)) is not a series (name{label=\"value\", …})")
        }
        var labels = Labels()
        if let name = selector.metricName { labels.set(Labels.metricName, name) }
        for matcher in selector.matchers { labels.set(matcher.name, matcher.value) }
        return labels
    }

    /// Go's `time.Duration` spelling of a test time (`10m0s`), as promtool prints it.
    static func duration(_ milliseconds: Int64) -> String {
        if milliseconds == 0 { return "0s" }
        var rest = milliseconds
        var text = ""
        if rest >= 3_600_000 {
            text += "\(rest / 3_600_000)h"
            rest %= 3_600_000
        }
        if !text.isEmpty || rest >= 60_000 {
            text += "\(rest / 60_000)m"
            rest %= 60_000
        }
        let seconds = Double(rest) / 1000
        text += seconds == seconds.rounded() ? "\(Int(seconds))s" : "\(seconds)s"
        return text
    }

    private static func describe(_ alerts: [(labels: Labels, annotations: Labels)]) -> String {
        if alerts.isEmpty { return "[]" }
        var text = "[\n"
        for (index, alert) in alerts.enumerated() {
            text += "            \(index):\n"
            text += "              Labels:\(alert.labels)\n"
            text += "              Annotations:\(alert.annotations)\n"
        }
        return text + "            ]"
    }

    private static func describe(_ samples: [VectorSample]) -> String {
        "[" + samples.map { "\($0.labels) \(RuleValueFormat.go($0.value))" }.joined(separator: ", ") + "]"
    }
}

/// Go's `%v` for a float64 in messages: shortest form, `+Inf`, `NaN`.
enum RuleValueFormat {
    static func go(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        if value == value.rounded(), Swift.abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
