import Foundation

extension PromQLEvaluator {
    func evaluateBinary(_ binary: PromQLBinaryExpression, at time: Int64) throws(PromQLEvaluationError) -> Value {
        let lhs = try evaluateNode(binary.lhs, at: time)
        let rhs = try evaluateNode(binary.rhs, at: time)
        let op = binary.binaryOperator
        switch (lhs, rhs) {
        case (.scalar(let left), .scalar(let right)):
            let (value, keep) = Self.apply(op, left, right)
            return .scalar(binary.returnsBool ? (keep ? 1 : 0) : value)
        case (.vector(let left), .scalar(let right)):
            return .vector(try Self.vectorScalar(op, left, right, swapped: false, returnsBool: binary.returnsBool))
        case (.scalar(let left), .vector(let right)):
            return .vector(try Self.vectorScalar(op, right, left, swapped: true, returnsBool: binary.returnsBool))
        case (.vector(let left), .vector(let right)):
            let matching = binary.matching ?? PromQLVectorMatching(labels: .ignoring([]), cardinality: .oneToOne)
            switch op {
            case .and, .or, .unless: return .vector(Self.setOperation(op, left, right, matching: matching))
            default:
                return .vector(
                    try Self.vectorVector(op, left, right, matching: matching, returnsBool: binary.returnsBool)
                )
            }
        default:
            throw PromQLEvaluationError("binary \(op.rawValue) needs scalars or instant vectors on both sides")
        }
    }

    /// Prometheus' `vectorElemBinop`: the value, and for comparisons whether the element is kept
    /// (a comparison's value is the left-hand side).
    static func apply(_ op: PromQLBinaryOperator, _ lhs: Double, _ rhs: Double) -> (Double, Bool) {
        switch op {
        case .add: (lhs + rhs, true)
        case .subtract: (lhs - rhs, true)
        case .multiply: (lhs * rhs, true)
        case .divide: (lhs / rhs, true)
        case .modulo: (fmod(lhs, rhs), true)
        case .power: (GoMath.pow(lhs, rhs), true)
        case .atan2: (GoMath.atan2(lhs, rhs), true)
        case .equal: (lhs, lhs == rhs)
        case .notEqual: (lhs, lhs != rhs)
        case .greater: (lhs, lhs > rhs)
        case .less: (lhs, lhs < rhs)
        case .greaterOrEqual: (lhs, lhs >= rhs)
        case .lessOrEqual: (lhs, lhs <= rhs)
        case .and, .or, .unless: (.nan, false)
        }
    }

    /// Arithmetic drops the metric name (the result is no longer that metric); filters keep it,
    /// and so does `atan2`, which Prometheus 2.42 leaves out of its list.
    private static func dropsMetricName(_ op: PromQLBinaryOperator) -> Bool {
        switch op {
        case .add, .subtract, .multiply, .divide, .modulo, .power: true
        default: false
        }
    }

    private static func vectorScalar(
        _ op: PromQLBinaryOperator,
        _ samples: [VectorSample],
        _ scalar: Double,
        swapped: Bool,
        returnsBool: Bool
    ) throws(PromQLEvaluationError) -> [VectorSample] {
        var result: [VectorSample] = []
        for sample in samples {
            let (left, right) = swapped ? (scalar, sample.value) : (sample.value, scalar)
            var (value, keep) = apply(op, left, right)
            // `1 < x` keeps x's value, not 1.
            if op.isComparison && swapped { value = right }
            if returnsBool {
                value = keep ? 1 : 0
                keep = true
            }
            guard keep else { continue }
            let labels = dropsMetricName(op) || returnsBool ? sample.labels.droppingMetricName : sample.labels
            result.append(VectorSample(labels: labels, value: value))
        }
        try checkUniqueLabels(result)
        return result
    }

    /// The labels two sides are matched on.
    private static func signature(_ labels: Labels, _ matching: PromQLVectorMatching) -> Labels {
        switch matching.labels {
        case .on(let names): labels.keeping(names)
        case .ignoring(let names): labels.droppingMetricName.removing(names)
        }
    }

    private static func vectorVector(
        _ op: PromQLBinaryOperator,
        _ lhsSamples: [VectorSample],
        _ rhsSamples: [VectorSample],
        matching: PromQLVectorMatching,
        returnsBool: Bool
    ) throws(PromQLEvaluationError) -> [VectorSample] {
        var (lhs, rhs) = (lhsSamples, rhsSamples)
        let oneToMany: Bool
        let include: [String]?
        switch matching.cardinality {
        case .oneToOne: (oneToMany, include) = (false, nil)
        case .groupLeft(let names): (oneToMany, include) = (false, names)
        case .groupRight(let names):
            (oneToMany, include) = (true, names)
            swap(&lhs, &rhs)
        }
        // The "one" side, by signature; a signature twice there is many-to-many.
        var oneSide: [Labels: VectorSample] = [:]
        for sample in rhs {
            let signature = signature(sample.labels, matching)
            if let duplicate = oneSide[signature] {
                let side = oneToMany ? "left" : "right"
                throw PromQLEvaluationError(
                    "found duplicate series for the match group \(signature) on the \(side) hand-side of the operation: [\(sample.labels), \(duplicate.labels)];many-to-many matching not allowed: matching labels must be unique on one side"
                )
            }
            oneSide[signature] = sample
        }
        var matched: [Labels: Set<Labels>] = [:]
        var result: [VectorSample] = []
        for sample in lhs {
            let signature = signature(sample.labels, matching)
            guard let other = oneSide[signature] else { continue }
            let (left, right) = oneToMany ? (other.value, sample.value) : (sample.value, other.value)
            var (value, keep) = apply(op, left, right)
            if returnsBool {
                value = keep ? 1 : 0
                keep = true
            }
            guard keep else { continue }
            var labels = resultLabels(sample.labels, other.labels, op, matching, include: include)
            if returnsBool { labels = labels.droppingMetricName }
            if include == nil {
                if matched[signature] != nil {
                    throw PromQLEvaluationError(
                        "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)"
                    )
                }
                matched[signature] = []
            } else if matched[signature, default: []].insert(labels).inserted == false {
                throw PromQLEvaluationError("multiple matches for labels: grouping labels must ensure unique matches")
            }
            result.append(VectorSample(labels: labels, value: value))
        }
        return result
    }

    /// Prometheus' `resultMetric`: the "many" side's labels, narrowed for one-to-one matching,
    /// with `group_x` labels copied from the "one" side.
    private static func resultLabels(
        _ many: Labels,
        _ one: Labels,
        _ op: PromQLBinaryOperator,
        _ matching: PromQLVectorMatching,
        include: [String]?
    ) -> Labels {
        var labels = dropsMetricName(op) ? many.droppingMetricName : many
        if include == nil {
            switch matching.labels {
            case .on(let names): labels = labels.keeping(names)
            case .ignoring(let names): labels = labels.removing(names)
            }
        }
        for name in include ?? [] { labels.set(name, one[name] ?? "") }
        return labels
    }

    private static func setOperation(
        _ op: PromQLBinaryOperator,
        _ lhs: [VectorSample],
        _ rhs: [VectorSample],
        matching: PromQLVectorMatching
    ) -> [VectorSample] {
        switch op {
        case .and:
            let right = Set(rhs.map { signature($0.labels, matching) })
            return lhs.filter { right.contains(signature($0.labels, matching)) }
        case .unless:
            let right = Set(rhs.map { signature($0.labels, matching) })
            return lhs.filter { !right.contains(signature($0.labels, matching)) }
        default:
            let left = Set(lhs.map { signature($0.labels, matching) })
            return lhs + rhs.filter { !left.contains(signature($0.labels, matching)) }
        }
    }
}
