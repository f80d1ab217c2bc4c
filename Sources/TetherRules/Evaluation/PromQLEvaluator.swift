/// Evaluates expressions of tether's PromQL subset at one instant, with Prometheus 2.42's
/// semantics: 5 minute lookback closed on both ends, staleness markers, range selectors closed on
/// both ends (Prometheus 3 opens them on the left), rate extrapolation.
///
/// This is tether's own code rather than a library because no Swift package evaluates PromQL; it
/// follows Prometheus' `promql/engine.go` and `functions.go` closely, so that rule files behave
/// as they do in Prometheus (the conformance suite compares both through `promtool test rules`).
public struct PromQLEvaluator {
    public var lookbackDelta: Int64
    let storage: any SeriesStorage
    private let cache: EvaluationCache

    public static let defaultLookbackDelta: Int64 = 5 * 60 * 1000

    /// - Parameter cache: keep one across evaluations over the same kind of series, so that
    ///   regular expressions are compiled and run once per label value, and share it between
    ///   evaluations at the same time; see `EvaluationCache` for when to tell it that series changed.
    public init(
        storage: any SeriesStorage,
        lookbackDelta: Int64 = Self.defaultLookbackDelta,
        cache: EvaluationCache = EvaluationCache()
    ) {
        self.storage = storage
        self.lookbackDelta = lookbackDelta
        self.cache = cache
    }

    /// The value of `expression` at `time` (milliseconds since the epoch).
    public func evaluate(_ expression: PromQLExpression, at time: Int64) throws(PromQLEvaluationError) -> PromQLValue {
        switch try evaluateNode(expression, at: time) {
        case .scalar(let value): .scalar(value)
        case .vector(let samples): .vector(samples)
        case .string(let text): .string(text)
        case .matrix: throw PromQLEvaluationError("a range vector cannot be the result of an expression")
        }
    }

    // MARK: Nodes

    /// A range vector's series: points within the range, staleness markers left out. Slices of
    /// the stored arrays (mind their indices: they do not start at 0).
    struct RangeSeries {
        var labels: Labels
        var timestamps: ArraySlice<Int64>
        var values: ArraySlice<Double>
    }

    enum Value {
        case scalar(Double)
        case vector([VectorSample])
        case matrix([RangeSeries])
        case string(String)
    }

    func evaluateNode(_ expression: PromQLExpression, at time: Int64) throws(PromQLEvaluationError) -> Value {
        switch expression {
        case .number(let value): return .scalar(value)
        case .string(let text): return .string(text)
        case .parentheses(let inner): return try evaluateNode(inner, at: time)
        case .vectorSelector(let selector): return .vector(instant(selector, at: time))
        case .rangeSelector(let selector, let range): return .matrix(self.range(selector, range: range, at: time))
        case .negation(let operand):
            switch try evaluateNode(operand, at: time) {
            case .scalar(let value): return .scalar(-value)
            case .vector(let samples):
                return .vector(samples.map { VectorSample(labels: $0.labels.droppingMetricName, value: -$0.value) })
            default: throw PromQLEvaluationError("unary minus applies to scalars and instant vectors only")
            }
        case .call(let function, let arguments):
            return try cache.result(of: expression, at: time) { () throws(PromQLEvaluationError) in
                try call(function, arguments, at: time)
            }
        case .aggregation(let aggregation):
            return try cache.result(of: expression, at: time) { () throws(PromQLEvaluationError) in
                .vector(try aggregate(aggregation, at: time))
            }
        case .binary(let binary):
            return try evaluateBinary(binary, at: time)
        }
    }

    func scalar(_ expression: PromQLExpression, at time: Int64) throws(PromQLEvaluationError) -> Double {
        guard case .scalar(let value) = try evaluateNode(expression, at: time) else {
            throw PromQLEvaluationError("expected a scalar: \(expression)")
        }
        return value
    }

    func vector(_ expression: PromQLExpression, at time: Int64) throws(PromQLEvaluationError) -> [VectorSample] {
        guard case .vector(let samples) = try evaluateNode(expression, at: time) else {
            throw PromQLEvaluationError("expected an instant vector: \(expression)")
        }
        return samples
    }

    func matrix(_ expression: PromQLExpression, at time: Int64) throws(PromQLEvaluationError) -> [RangeSeries] {
        guard case .matrix(let series) = try evaluateNode(expression, at: time) else {
            throw PromQLEvaluationError("expected a range vector: \(expression)")
        }
        return series
    }

    // MARK: Selectors

    /// The series the selector's name and matchers select.
    func select(_ selector: PromQLVectorSelector) -> [SeriesSamples] {
        let name = selector.selectedName
        // The name picked the series already; most selectors have no other matcher, and then
        // the store's array is returned as it is, not copied by a filter.
        let matchers = selector.matchers.filter {
            !($0.name == Labels.metricName && $0.matchOperator == .equal && $0.value == name)
        }
        let series = storage.series(named: name)
        if matchers.isEmpty { return series }
        return series.filter { series in
            matchers.allSatisfy { cache.matches($0, series.labels[$0.name] ?? "") }
        }
    }

    /// The newest sample of each series within the lookback before `time − offset`, unless it is a
    /// staleness marker.
    func instant(_ selector: PromQLVectorSelector, at time: Int64) -> [VectorSample] {
        let reference = time - (selector.offset?.milliseconds ?? 0)
        var samples: [VectorSample] = []
        for series in select(selector) {
            guard let index = series.lastIndex(atOrBefore: reference),
                series.timestamps[index] >= reference - lookbackDelta,
                !StaleMarker.isStale(series.values[index])
            else { continue }
            samples.append(VectorSample(labels: series.labels, value: series.values[index]))
        }
        return samples
    }

    /// Every sample of each series in `[time − offset − range, time − offset]`.
    func range(_ selector: PromQLVectorSelector, range: PromQLDuration, at time: Int64) -> [RangeSeries] {
        let end = time - (selector.offset?.milliseconds ?? 0)
        let start = end - range.milliseconds
        var result: [RangeSeries] = []
        for series in select(selector) {
            let first = series.firstIndex(atOrAfter: start)
            guard let last = series.lastIndex(atOrBefore: end), first <= last else { continue }
            var timestamps = series.timestamps[first...last]
            var values = series.values[first...last]
            if values.contains(where: StaleMarker.isStale) {
                let kept = zip(timestamps, values).filter { !StaleMarker.isStale($0.1) }
                timestamps = ArraySlice(kept.map(\.0))
                values = ArraySlice(kept.map(\.1))
            }
            if values.isEmpty { continue }
            result.append(RangeSeries(labels: series.labels, timestamps: timestamps, values: values))
        }
        return result
    }

    /// Prometheus refuses results in which two elements have the same labels.
    static func checkUniqueLabels(_ samples: [VectorSample]) throws(PromQLEvaluationError) {
        guard samples.count > 1 else { return }
        var seen = Set<Labels>()
        for sample in samples where !seen.insert(sample.labels).inserted {
            throw PromQLEvaluationError("vector cannot contain metrics with the same labelset")
        }
    }
}

/// What evaluations at the same instant, and over the same kind of series, can share.
///
/// - Regular expressions, compiled once, and each one's answer for every label value it has seen:
///   target names repeat every evaluation, and Swift's `Regex` is slow to run.
/// - The results of function calls and aggregations at the current evaluation time: the p50, p90
///   and p99 of one histogram all rate the same 200,000 buckets of 10,000 targets, and many rules
///   take `rate()` of the same counter. A result is dropped as soon as a rule writes a series of a
///   name it read (recording rules, `ALERTS`), and all of them when the time changes or
///   `removeResults()` is called (new samples).
public final class EvaluationCache {
    /// Answers kept per pattern: far more than the label values of 10,000 targets.
    static let maximumAnswers = 200_000

    public init() {}

    private var regexes: [String: Regex<AnyRegexOutput>] = [:]
    private var answers: [String: [String: Bool]] = [:]

    private struct Result {
        var value: PromQLEvaluator.Value
        /// The metric names the expression reads; nil when a selector names none.
        var names: Set<String>?
    }
    private var time: Int64?
    private var results: [PromQLExpression: Result] = [:]

    func matches(_ matcher: PromQLLabelMatcher, _ value: String) -> Bool {
        switch matcher.matchOperator {
        case .equal: return value == matcher.value
        case .notEqual: return value != matcher.value
        case .regexMatch: return regexMatches(matcher.value, value)
        case .regexNoMatch: return !regexMatches(matcher.value, value)
        }
    }

    private func regexMatches(_ pattern: String, _ value: String) -> Bool {
        if let known = answers[pattern]?[value] { return known }
        let regex: Regex<AnyRegexOutput>
        if let compiled = regexes[pattern] {
            regex = compiled
        } else {
            // The parser compiled this pattern already; failing here cannot happen for a parsed one.
            guard let compiled = try? PromQLParser.anchoredRegex(pattern) else { return false }
            regexes[pattern] = compiled
            regex = compiled
        }
        let answer = (try? regex.wholeMatch(in: value)) != nil
        // Bounded: label values that never repeat (an ever-changing label) must not grow it forever.
        if answers[pattern, default: [:]].count >= Self.maximumAnswers { answers[pattern] = [:] }
        answers[pattern, default: [:]][value] = answer
        return answer
    }

    /// The value of `expression` at `time`, computed by `compute` unless it is known.
    func result(
        of expression: PromQLExpression,
        at time: Int64,
        _ compute: () throws(PromQLEvaluationError) -> PromQLEvaluator.Value
    ) throws(PromQLEvaluationError) -> PromQLEvaluator.Value {
        if time != self.time {
            results.removeAll()
            self.time = time
        }
        if let known = results[expression] { return known.value }
        let value = try compute()
        var names: Set<String>? = []
        expression.forEachSelector { selector, _ in
            if let name = selector.selectedName { names?.insert(name) } else { names = nil }
        }
        results[expression] = Result(value: value, names: names)
        return value
    }

    /// Forgets the results that read series named `name`: a rule has just written some.
    public func written(_ name: String) {
        results = results.filter { $0.value.names.map { !$0.contains(name) } ?? false }
    }

    /// Forgets every result: the series changed.
    public func removeResults() {
        results.removeAll()
    }
}
