import TetherMetrics
public import TetherRules

/// What the rule engine shows the outside after an evaluation: a copy, so that the HTTP server
/// reads it without touching the engine's state.
public struct RuleStatus: Sendable {
    public struct Group: Sendable {
        public var name: String
        public var file: String
        /// Seconds.
        public var interval: Double
        public var limit: Int
        /// Milliseconds since the epoch; nil before the first evaluation.
        public var lastEvaluation: Int64?
        /// Seconds.
        public var evaluationTime: Double
        public var evaluations: UInt64
        public var failures: UInt64
        public var rules: [Rule]

        init(_ group: RuleGroup) {
            self.name = group.definition.name
            self.file = group.definition.file
            self.interval = Double(group.interval) / 1000
            self.limit = group.definition.limit
            self.lastEvaluation = group.lastEvaluation
            self.evaluationTime = group.evaluationDuration
            self.evaluations = group.evaluations
            self.failures = group.failures
            self.rules = group.rules.map(Rule.init)
        }

        /// Prometheus' group key, `<file>;<name>`, the `rule_group` label.
        public var key: String { "\(file);\(name)" }
    }

    public struct Rule: Sendable {
        public var definition: RuleDefinition
        public var health: RuleHealth
        public var lastError: String?
        public var lastEvaluation: Int64?
        public var evaluationTime: Double
        /// Pending and firing alerts (alerting rules only), sorted by labels.
        public var alerts: [Alert]

        init(_ rule: TetherRules.Rule) {
            self.definition = rule.definition
            self.health = rule.health
            self.lastError = rule.lastError
            self.lastEvaluation = rule.lastEvaluation
            self.evaluationTime = rule.evaluationDuration
            if case .alerting(let alerting) = rule {
                self.alerts = alerting.activeAlerts
            } else {
                self.alerts = []
            }
        }

        /// The highest state of the rule's alerts: `firing`, `pending` or `inactive`.
        public var state: AlertState {
            if alerts.contains(where: { $0.state == .firing }) { return .firing }
            return alerts.isEmpty ? .inactive : .pending
        }
    }

    public var groups: [Group]

    /// Every pending and firing alert.
    public var alerts: [Alert] { groups.flatMap(\.rules).flatMap(\.alerts) }

    /// `tether_alerts` and the `tether_rule_group_*` families.
    var metricFamilies: [MetricFamilySamples] {
        let alerts = alerts.map { alert in
            var labels = alert.labels
            labels.set("alertstate", alert.state.rawValue)
            return (labels: labels.map { (name: $0.name, value: $0.value) }, value: 1.0)
        }
        func perGroup(_ value: (Group) -> Double) -> [(labels: [(name: String, value: String)], value: Double)] {
            groups.map { (labels: [(name: "rule_group", value: $0.key)], value: value($0)) }
        }
        return [
            MetricFamilySamples(family: MetricNames.alerts, samples: alerts),
            MetricFamilySamples(family: MetricNames.ruleGroupInterval, samples: perGroup(\.interval)),
            MetricFamilySamples(
                family: MetricNames.ruleGroupLastEvaluation,
                samples: perGroup { Double($0.lastEvaluation ?? 0) / 1000 }
            ),
            MetricFamilySamples(family: MetricNames.ruleGroupLastDuration, samples: perGroup(\.evaluationTime)),
            MetricFamilySamples(family: MetricNames.ruleGroupRules, samples: perGroup { Double($0.rules.count) }),
            MetricFamilySamples(family: MetricNames.ruleEvaluations, samples: perGroup { Double($0.evaluations) }),
            MetricFamilySamples(family: MetricNames.ruleEvaluationFailures, samples: perGroup { Double($0.failures) }),
        ]
    }
}
