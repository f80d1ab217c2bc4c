import Foundation

/// A group of rules evaluated in order at one instant, so that a rule sees what the recording
/// rules before it wrote in the same evaluation, as in Prometheus.
public final class RuleGroup {
    public let definition: RuleGroupDefinition
    /// `"<file>;<name>"`, Prometheus' group key.
    public let key: String
    /// Milliseconds between evaluations.
    public let interval: Int64
    public let rules: [Rule]
    public private(set) var lastEvaluation: Int64?
    /// Seconds the last evaluation took.
    public private(set) var evaluationDuration: Double = 0
    /// Rule evaluations so far, and how many of them failed.
    public private(set) var evaluations: UInt64 = 0
    public private(set) var failures: UInt64 = 0
    /// Series each rule wrote last time (recorded series, `ALERTS`): the ones missing this time
    /// get a staleness marker.
    private var previousSeries: [Int: Set<Labels>] = [:]

    public init(_ definition: RuleGroupDefinition, defaultInterval: PromQLDuration) throws(AlertTemplateError) {
        self.definition = definition
        self.key = "\(definition.file);\(definition.name)"
        self.interval = (definition.interval ?? defaultInterval).milliseconds
        self.rules = try definition.rules.map { (rule) throws(AlertTemplateError) in
            switch rule.kind {
            case .alerting: .alerting(try AlertingRule(rule))
            case .recording: .recording(RecordingRule(rule))
            }
        }
    }

    /// Every alerting rule of the group.
    public var alertingRules: [AlertingRule] {
        rules.compactMap { if case .alerting(let rule) = $0 { rule } else { nil } }
    }

    /// Evaluates every rule at `time`, writing recording rules' series into `storage`.
    public func evaluate(
        at time: Int64,
        storage: MemorySeriesStorage,
        context: RuleEvaluationContext,
        cache: EvaluationCache
    ) {
        let started = ContinuousClock.now
        let evaluator = PromQLEvaluator(storage: storage, lookbackDelta: context.lookbackDelta, cache: cache)
        for (index, rule) in rules.enumerated() {
            let ruleStarted = ContinuousClock.now
            let samples: [VectorSample]?
            switch rule {
            case .alerting(let alerting):
                samples = alerting.evaluate(at: time, evaluator: evaluator, context: context, limit: definition.limit)
                alerting.evaluationDuration = Self.seconds(since: ruleStarted)
            case .recording(let recording):
                samples = recording.evaluate(at: time, evaluator: evaluator, limit: definition.limit)
                recording.evaluationDuration = Self.seconds(since: ruleStarted)
            }
            evaluations += 1
            // A failed rule writes nothing, and its series from before are not ended either.
            guard let samples else {
                failures += 1
                continue
            }
            var written = Set<Labels>()
            var names = Set<String>()
            for sample in samples {
                storage.append(sample.labels, timestamp: time, value: sample.value)
                written.insert(sample.labels)
                names.insert(sample.labels.name ?? "")
            }
            for gone in previousSeries[index, default: []].subtracting(written) {
                storage.append(gone, timestamp: time, value: StaleMarker.value)
                names.insert(gone.name ?? "")
            }
            for name in names { cache.written(name) }
            previousSeries[index] = written
        }
        lastEvaluation = time
        evaluationDuration = Self.seconds(since: started)
    }

    private static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
