/// An alerting rule and its alerts, moved through inactive → pending → firing → resolved exactly
/// as Prometheus 2.42's `AlertingRule.Eval` does, `keep_firing_for` included.
public final class AlertingRule {
    public let definition: RuleDefinition
    public let name: String
    private let labelTemplates: [(name: String, template: AlertTemplate)]
    private let annotationTemplates: [(name: String, template: AlertTemplate)]

    /// Alerts by label set: pending, firing, and resolved ones kept for `resolvedRetention`.
    public private(set) var active: [Labels: Alert] = [:]
    public private(set) var health: RuleHealth = .unknown
    public private(set) var lastError: String?
    public private(set) var lastEvaluation: Int64?
    /// Seconds the last evaluation took.
    public internal(set) var evaluationDuration: Double = 0

    /// How long a resolved alert is kept, so that notifications can report it resolved (Prometheus: 15m).
    public static let resolvedRetention: Int64 = 15 * 60 * 1000

    public init(_ definition: RuleDefinition) throws(AlertTemplateError) {
        self.definition = definition
        self.name = definition.name
        self.labelTemplates = try definition.labels.sorted { $0.key < $1.key }.map {
            (label) throws(AlertTemplateError) in
            (label.key, try AlertTemplate(parsing: label.value, alertName: definition.name))
        }
        self.annotationTemplates = try definition.annotations.sorted { $0.key < $1.key }.map {
            (annotation) throws(AlertTemplateError) in
            (annotation.key, try AlertTemplate(parsing: annotation.value, alertName: definition.name))
        }
    }

    private var holdDuration: Int64 { definition.forDuration.milliseconds }
    private var keepFiringFor: Int64 { definition.keepFiringFor.milliseconds }

    /// Pending and firing alerts, sorted by labels.
    public var activeAlerts: [Alert] {
        active.values.filter { $0.state != .inactive }.sorted { $0.labels < $1.labels }
    }

    /// Firing alerts, and resolved ones while they are kept (with `resolvedAt`), sorted by labels:
    /// what receivers hear of.
    public var notifiableAlerts: [Alert] {
        active.values.filter { $0.state == .firing || ($0.state == .inactive && $0.resolvedAt != nil) }
            .sorted { $0.labels < $1.labels }
    }

    /// Evaluates the rule at `time` and moves its alerts along. A failed evaluation leaves the
    /// alerts as they were and is reported through `health` and `lastError`.
    ///
    /// - Returns: the `ALERTS` and `ALERTS_FOR_STATE` series of the pending and firing alerts, as
    ///   Prometheus writes them; nil when the evaluation failed.
    func evaluate(
        at time: Int64,
        evaluator: PromQLEvaluator,
        context: RuleEvaluationContext,
        limit: Int
    ) -> [VectorSample]? {
        lastEvaluation = time
        do throws(PromQLEvaluationError) {
            let result = try evaluator.evaluate(definition.expression, at: time).samples
            try update(with: result, at: time, context: context, limit: limit)
            health = .ok
            lastError = nil
        } catch {
            health = .err
            lastError = error.message
            return nil
        }
        var series: [VectorSample] = []
        for alert in active.values where alert.state != .inactive {
            var labels = alert.labels
            labels.set(Labels.metricName, "ALERTS")
            labels.set("alertstate", alert.state.rawValue)
            series.append(VectorSample(labels: labels, value: 1))
            labels = alert.labels
            labels.set(Labels.metricName, "ALERTS_FOR_STATE")
            series.append(VectorSample(labels: labels, value: Double(alert.activeAt / 1000)))
        }
        return series
    }

    private func update(
        with result: [VectorSample],
        at time: Int64,
        context: RuleEvaluationContext,
        limit: Int
    ) throws(PromQLEvaluationError) {
        var current: [Labels: Alert] = [:]
        for sample in result {
            let data = AlertTemplateData(
                labels: sample.labels.dictionary,
                externalLabels: context.externalLabels,
                externalURL: context.externalURL,
                value: sample.value
            )
            var labels = sample.labels.droppingMetricName
            for (name, template) in labelTemplates { labels.set(name, template.renderOrError(data)) }
            labels.set("alertname", name)
            var annotations = Labels()
            for (name, template) in annotationTemplates { annotations.set(name, template.renderOrError(data)) }
            if current[labels] != nil {
                throw PromQLEvaluationError(
                    "vector contains metrics with the same labelset after applying alert labels"
                )
            }
            current[labels] = Alert(
                labels: labels,
                annotations: annotations,
                state: .pending,
                value: sample.value,
                activeAt: time
            )
        }
        for (labels, alert) in current {
            if var existing = active[labels], existing.state != .inactive {
                existing.value = alert.value
                existing.annotations = alert.annotations
                active[labels] = existing
            } else {
                active[labels] = alert
            }
        }
        var activeCount = 0
        for (labels, var alert) in active {
            if current[labels] == nil {
                var keepFiring = false
                if alert.state == .firing && keepFiringFor > 0 {
                    let since = alert.keepFiringSince ?? time
                    alert.keepFiringSince = since
                    keepFiring = time - since < keepFiringFor
                }
                if alert.state == .pending
                    || (alert.resolvedAt.map { time - $0 > Self.resolvedRetention } ?? false)
                {
                    active[labels] = nil
                    continue
                }
                if alert.state != .inactive && !keepFiring {
                    alert.state = .inactive
                    alert.resolvedAt = time
                }
                active[labels] = alert
                if !keepFiring { continue }
            } else {
                alert.keepFiringSince = nil
            }
            activeCount += 1
            if alert.state == .pending && time - alert.activeAt >= holdDuration {
                alert.state = .firing
                alert.firedAt = time
            }
            active[labels] = alert
        }
        if limit > 0 && activeCount > limit {
            active = [:]
            throw PromQLEvaluationError("exceeded limit of \(limit) with \(activeCount) alerts")
        }
    }

    /// Puts back alerts saved before a restart (see `RuleGroup.restore`).
    public func restore(_ alerts: [Alert]) {
        for alert in alerts { active[alert.labels] = alert }
    }
}
