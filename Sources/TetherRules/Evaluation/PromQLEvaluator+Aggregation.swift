extension PromQLEvaluator {
    private struct Group {
        var labels: Labels
        var value: Double
        var mean: Double
        var count: Double
        /// `quantile`'s values; empty for the other operators.
        var values: [Double]
        /// `topk`'s and `bottomk`'s samples; empty for the other operators.
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
        var groups: [Group] = []
        // Grouping by target makes a group of nearly every sample: no rehashing as they come.
        var index: [Labels: Int] = [:]
        index.reserveCapacity(samples.count)
        let key: (Labels) -> Labels
        switch aggregation.grouping {
        case .by(let names): key = { $0.keeping(names) }
        case .without(let names):
            let dropped = names + [Labels.metricName]
            key = { $0.removing(dropped) }
        case nil: key = { _ in Labels() }
        }
        for sample in samples {
            let key = key(sample.labels)
            guard let position = index[key] else {
                index[key] = groups.count
                groups.append(
                    Group(
                        labels: key,
                        value: sample.value,
                        mean: sample.value,
                        count: 1,
                        values: op == .quantile ? [sample.value] : [],
                        kept: op == .topk || op == .bottomk ? [sample] : []
                    )
                )
                continue
            }
            // In place: a copy of the group would copy its arrays on every append.
            let value = sample.value
            groups[position].count += 1
            switch op {
            case .sum: groups[position].value += value
            case .avg:
                let group = groups[position]
                if group.mean.isInfinite {
                    if value.isInfinite && (group.mean > 0) == (value > 0) { break }
                    if !value.isInfinite && !value.isNaN { break }
                }
                groups[position].mean += value / group.count - group.mean / group.count
            case .max:
                if groups[position].value < value || groups[position].value.isNaN { groups[position].value = value }
            case .min:
                if groups[position].value > value || groups[position].value.isNaN { groups[position].value = value }
            case .count: break
            case .quantile: groups[position].values.append(value)
            case .topk, .bottomk:
                if groups[position].kept.count < k {
                    groups[position].kept.append(sample)
                } else if let replace = Self.replaceIndex(groups[position].kept, with: value, top: op == .topk) {
                    groups[position].kept[replace] = sample
                }
            }
        }
        var result: [VectorSample] = []
        result.reserveCapacity(groups.count)
        for group in groups {
            switch op {
            case .sum, .min, .max: result.append(VectorSample(labels: group.labels, value: group.value))
            case .avg: result.append(VectorSample(labels: group.labels, value: group.mean))
            case .count: result.append(VectorSample(labels: group.labels, value: group.count))
            case .quantile:
                result.append(VectorSample(labels: group.labels, value: Self.quantile(parameter ?? .nan, group.values)))
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
