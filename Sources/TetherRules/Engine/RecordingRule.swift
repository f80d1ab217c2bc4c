/// A recording rule: its result, renamed and relabelled, is written back as new series.
public final class RecordingRule {
    public let definition: RuleDefinition
    public let name: String
    private let labels: Labels
    public private(set) var health: RuleHealth = .unknown
    public private(set) var lastError: String?
    public private(set) var lastEvaluation: Int64?
    public internal(set) var evaluationDuration: Double = 0

    public init(_ definition: RuleDefinition) {
        self.definition = definition
        self.name = definition.name
        self.labels = Labels(definition.labels)
    }

    /// The series to write at `time`, or nil when the evaluation failed.
    func evaluate(at time: Int64, evaluator: PromQLEvaluator, limit: Int) -> [VectorSample]? {
        lastEvaluation = time
        do throws(PromQLEvaluationError) {
            var samples = try evaluator.evaluate(definition.expression, at: time).samples
            for index in samples.indices {
                samples[index].labels.set(Labels.metricName, name)
                for label in labels { samples[index].labels.set(label.name, label.value) }
            }
            if Set(samples.map(\.labels)).count != samples.count {
                throw PromQLEvaluationError("vector contains metrics with the same labelset after applying rule labels")
            }
            if limit > 0 && samples.count > limit {
                throw PromQLEvaluationError("exceeded limit of \(limit) with \(samples.count) series")
            }
            health = .ok
            lastError = nil
            return samples
        } catch {
            health = .err
            lastError = error.message
            return nil
        }
    }
}

/// A rule of a group.
public enum Rule {
    case alerting(AlertingRule)
    case recording(RecordingRule)

    public var definition: RuleDefinition {
        switch self {
        case .alerting(let rule): rule.definition
        case .recording(let rule): rule.definition
        }
    }

    public var health: RuleHealth {
        switch self {
        case .alerting(let rule): rule.health
        case .recording(let rule): rule.health
        }
    }

    public var lastError: String? {
        switch self {
        case .alerting(let rule): rule.lastError
        case .recording(let rule): rule.lastError
        }
    }

    public var lastEvaluation: Int64? {
        switch self {
        case .alerting(let rule): rule.lastEvaluation
        case .recording(let rule): rule.lastEvaluation
        }
    }

    public var evaluationDuration: Double {
        switch self {
        case .alerting(let rule): rule.evaluationDuration
        case .recording(let rule): rule.evaluationDuration
        }
    }
}
