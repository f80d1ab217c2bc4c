/// A promtool rule unit-test file (`promtool test rules`), as loaded.
public struct RuleTestFile: Sendable {
    /// The path the file was read from, as given.
    public var path: String
    /// `rule_files:`, resolved against the test file's directory (globs expanded).
    public var ruleFiles: [String]
    /// `evaluation_interval:`, 1m when absent.
    public var evaluationInterval: PromQLDuration
    /// `group_eval_order:`: group names in the order to evaluate them.
    public var groupEvaluationOrder: [String]
    public var tests: [RuleTestGroup]

    public init(
        path: String,
        ruleFiles: [String],
        evaluationInterval: PromQLDuration,
        groupEvaluationOrder: [String],
        tests: [RuleTestGroup]
    ) {
        self.path = path
        self.ruleFiles = ruleFiles
        self.evaluationInterval = evaluationInterval
        self.groupEvaluationOrder = groupEvaluationOrder
        self.tests = tests
    }
}

/// One entry of `tests:`.
public struct RuleTestGroup: Sendable {
    /// `name:`, empty when absent.
    public var name: String
    /// `interval:` between input samples; nil means the file's evaluation interval.
    public var interval: PromQLDuration?
    public var inputSeries: [InputSeries]
    public var alertRuleTests: [AlertRuleTest]
    public var promqlExpressionTests: [PromQLExpressionTest]
    public var externalLabels: [String: String]
    public var externalURL: String

    public init(
        name: String,
        interval: PromQLDuration?,
        inputSeries: [InputSeries],
        alertRuleTests: [AlertRuleTest],
        promqlExpressionTests: [PromQLExpressionTest],
        externalLabels: [String: String],
        externalURL: String
    ) {
        self.name = name
        self.interval = interval
        self.inputSeries = inputSeries
        self.alertRuleTests = alertRuleTests
        self.promqlExpressionTests = promqlExpressionTests
        self.externalLabels = externalLabels
        self.externalURL = externalURL
    }
}

/// `input_series:` entry: a series in PromQL notation and its values in expanding notation.
public struct InputSeries: Sendable {
    /// `series:`, e.g. `up{job="api"}`.
    public var series: String
    /// `values:`, e.g. `0+1x10 _ stale 5`.
    public var values: String
    /// 1-based line of the entry in the test file, for messages.
    public var line: Int

    public init(series: String, values: String, line: Int) {
        self.series = series
        self.values = values
        self.line = line
    }
}

/// `alert_rule_test:` entry.
public struct AlertRuleTest: Sendable {
    public var evalTime: PromQLDuration
    public var alertname: String
    public var expectedAlerts: [ExpectedAlert]

    public init(evalTime: PromQLDuration, alertname: String, expectedAlerts: [ExpectedAlert]) {
        self.evalTime = evalTime
        self.alertname = alertname
        self.expectedAlerts = expectedAlerts
    }
}

/// `exp_alerts:` entry.
public struct ExpectedAlert: Sendable {
    public var labels: [String: String]
    public var annotations: [String: String]

    public init(labels: [String: String], annotations: [String: String]) {
        self.labels = labels
        self.annotations = annotations
    }
}

/// `promql_expr_test:` entry.
public struct PromQLExpressionTest: Sendable {
    public var expression: String
    public var evalTime: PromQLDuration
    public var expectedSamples: [ExpectedSample]

    public init(expression: String, evalTime: PromQLDuration, expectedSamples: [ExpectedSample]) {
        self.expression = expression
        self.evalTime = evalTime
        self.expectedSamples = expectedSamples
    }
}

/// `exp_samples:` entry: the series in PromQL notation (`up{job="a"}`, or `{}`) and its value.
public struct ExpectedSample: Sendable {
    public var labels: String
    public var value: Double

    public init(labels: String, value: Double) {
        self.labels = labels
        self.value = value
    }
}
