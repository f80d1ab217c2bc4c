extension PromQLEvaluator {
    private struct Group {
        var labels: Labels
        var value: Double
        var mean: Double
        var count: Double
        var values: [Double]
        var kept: [VectorSample]
    }

    /// `sum`, `avg`, `min`, `max`, `count`, `quantile`, `topk`, `bottomk`, as Prometheus 2.42's
    /// `aggregation`: groups in the order they are first seen, NaN handled as Go compares it.
    func aggregate(_ aggregation: PromQLAggregation, at time: Int64) throws(PromQLEvaluationError) -> [VectorSample] {
        let samples = try vector(aggregation.expression, at: time)
        let op = aggregation.aggregationOperator
        let parameter = try aggregation.parameter.map { (expression) throws(PromQLEvaluationError) in
            try scalar(expression, at: time)
        }
        var k = 0
        if op == .topk || op == .bottomk {
            let parameter = parameter ?? .nan
            guard parameter >= -9.223_372_036_854_775e18, parameter <= 9.223_372_036_854_775e18 else {
                throw PromQLEvaluationError("Scalar value \(parameter) overflows int64")
            }
            k = Int(parameter)
            if k < 1 { return [] }
        }
        var order: [Labels] = []
        var groups: [Labels: Group] = [:]
        for sample in samples {
            let key: Labels
            switch aggregation.grouping {
            case .by(let names): key = sample.labels.keeping(names)
            case .without(let names): key = sample.labels.droppingMetricName.removing(names)
            case nil: key = Labels()
            }
            guard var group = groups[key] else {
                order.append(key)
                groups[key] = Group(
                    labels: key,
                    value: sample.value,
                    mean: sample.value,
                    count: 1,
                    values: [sample.value],
                    kept: [sample]
                )
                continue
            }
            let value = sample.value
            group.count += 1
            switch op {
            case .sum: group.value += value
            case .avg:
                if group.mean.isInfinite {
                    if value.isInfinite && (group.mean > 0) == (value > 0) { break }
                    if !value.isInfinite && !value.isNaN { break }
                }
                group.mean += value / group.count - group.mean / group.count
            case .max: if group.value < value || group.value.isNaN { group.value = value }
            case .min: if group.value > value || group.value.isNaN { group.value = value }
            case .count: break
            case .quantile: group.values.append(value)
            case .topk, .bottomk:
                if group.kept.count < k {
                    group.kept.append(sample)
                } else if let replace = Self.replaceIndex(group.kept, with: value, top: op == .topk) {
                    group.kept[replace] = sample
                }
            }
            groups[key] = group
        }
        var result: [VectorSample] = []
        for key in order {
            let group = groups[key]!
            switch op {
            case .sum, .min, .max: result.append(VectorSample(labels: key, value: group.value))
            case .avg: result.append(VectorSample(labels: key, value: group.mean))
            case .count: result.append(VectorSample(labels: key, value: group.count))
            case .quantile:
                result.append(VectorSample(labels: key, value: Self.quantile(parameter ?? .nan, group.values)))
            case .topk:
                result += group.kept.sorted { Self.isLess($1.value, $0.value) }
            case .bottomk:
                result += group.kept.sorted { Self.isLess($0.value, $1.value) }
            }
        }
        return result
    }

    /// Prometheus orders values with NaN below every number for `topk` and above for `bottomk`.
    private static func isLess(_ a: Double, _ b: Double) -> Bool {
        if a.isNaN && !b.isNaN { return true }
        return a < b
    }

    /// Which kept sample a new value evicts, as Prometheus' heap does: the smallest kept value
    /// for `topk` when the new one is greater (or it is NaN), the largest for `bottomk`.
    private static func replaceIndex(_ kept: [VectorSample], with value: Double, top: Bool) -> Int? {
        guard var worst = kept.indices.first else { return nil }
        for index in kept.indices.dropFirst() {
            let candidate = kept[index].value
            let current = kept[worst].value
            if top ? isLess(candidate, current) : isGreater(candidate, current) { worst = index }
        }
        let current = kept[worst].value
        if top {
            return current < value || (current.isNaN && !value.isNaN) ? worst : nil
        }
        return current > value || (current.isNaN && !value.isNaN) ? worst : nil
    }

    private static func isGreater(_ a: Double, _ b: Double) -> Bool {
        if a.isNaN && !b.isNaN { return true }
        return a > b
    }
}
