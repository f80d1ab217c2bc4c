import Foundation

extension PromQLEvaluator {
    func call(
        _ function: PromQLFunction,
        _ arguments: [PromQLExpression],
        at time: Int64
    ) throws(PromQLEvaluationError) -> Value {
        switch function {
        case .time:
            return .scalar(Double(time) / 1000)
        case .abs:
            return .vector(
                try vector(arguments[0], at: time).map {
                    .init(labels: $0.labels.droppingMetricName, value: Swift.abs($0.value))
                }
            )
        case .clampMin, .clampMax, .clamp:
            let samples = try vector(arguments[0], at: time)
            let bounds = try arguments.dropFirst().map { (argument) throws(PromQLEvaluationError) in
                try scalar(argument, at: time)
            }
            var low = -Double.infinity
            var high = Double.infinity
            switch function {
            case .clampMin: low = bounds[0]
            case .clampMax: high = bounds[0]
            default:
                (low, high) = (bounds[0], bounds[1])
                // Prometheus returns nothing when the bounds are the wrong way round.
                if high < low { return .vector([]) }
            }
            return .vector(
                samples.map {
                    .init(labels: $0.labels.droppingMetricName, value: Self.goMax(low, Self.goMin(high, $0.value)))
                }
            )
        case .absent:
            if try !vector(arguments[0], at: time).isEmpty { return .vector([]) }
            return .vector([VectorSample(labels: Self.absentLabels(arguments[0]), value: 1)])
        case .absentOverTime:
            if try !matrix(arguments[0], at: time).isEmpty { return .vector([]) }
            return .vector([VectorSample(labels: Self.absentLabels(arguments[0]), value: 1)])
        case .histogramQuantile:
            let quantile = try scalar(arguments[0], at: time)
            return .vector(try histogramQuantile(quantile, try vector(arguments[1], at: time)))
        case .quantileOverTime:
            let quantile = try scalar(arguments[0], at: time)
            return .vector(
                try matrix(arguments[1], at: time).map {
                    VectorSample(labels: $0.labels.droppingMetricName, value: Self.quantile(quantile, Array($0.values)))
                }
            )
        default:
            let series = try matrix(arguments[0], at: time)
            let selector = Self.rangeSelector(arguments[0])
            var result: [VectorSample] = []
            for one in series {
                guard let value = rangeFunction(function, one, selector: selector, at: time) else { continue }
                let labels = function == .lastOverTime ? one.labels : one.labels.droppingMetricName
                result.append(VectorSample(labels: labels, value: value))
            }
            // Series of one name stay distinct without it; others may not (`{job="a"}` selects
            // `up` and `scrape_duration_seconds`, whose rates have the same labels).
            if !Self.selectsOneName(arguments[0]) { try Self.checkUniqueLabels(result) }
            return .vector(result)
        }
    }

    /// The value of a function over one series' range; nil drops the series from the result.
    private func rangeFunction(
        _ function: PromQLFunction,
        _ series: RangeSeries,
        selector: (range: Int64, offset: Int64),
        at time: Int64
    ) -> Double? {
        let values = series.values
        switch function {
        case .rate, .increase, .delta:
            return extrapolatedRate(
                series,
                rangeStart: time - selector.range - selector.offset,
                rangeEnd: time - selector.offset,
                isCounter: function != .delta,
                isRate: function == .rate,
                range: selector.range
            )
        case .irate:
            guard values.count >= 2 else { return nil }
            let last = values[values.endIndex - 1]
            let previous = values[values.endIndex - 2]
            let interval =
                series.timestamps[series.timestamps.endIndex - 1] - series.timestamps[series.timestamps.endIndex - 2]
            if interval == 0 { return nil }
            let change = last < previous ? last : last - previous
            return change / (Double(interval) / 1000)
        case .changes:
            var changes = 0
            for (previous, current) in zip(values, values.dropFirst())
            where current != previous && !(current.isNaN && previous.isNaN) {
                changes += 1
            }
            return Double(changes)
        case .resets:
            var resets = 0
            for (previous, current) in zip(values, values.dropFirst()) where current < previous { resets += 1 }
            return Double(resets)
        case .avgOverTime:
            // Prometheus 2.42's incremental mean, Inf cases included, so that results agree to the bit.
            var mean = 0.0
            var count = 0.0
            for value in values {
                count += 1
                if mean.isInfinite {
                    if value.isInfinite && (mean > 0) == (value > 0) { continue }
                    if !value.isInfinite && !value.isNaN { continue }
                }
                mean += value / count - mean / count
            }
            return mean
        case .sumOverTime: return values.reduce(0, +)
        case .countOverTime: return Double(values.count)
        case .lastOverTime: return values.last
        case .presentOverTime: return 1
        case .minOverTime:
            var minimum = values[values.startIndex]
            for value in values where value < minimum || minimum.isNaN { minimum = value }
            return minimum
        case .maxOverTime:
            var maximum = values[values.startIndex]
            for value in values where value > maximum || maximum.isNaN { maximum = value }
            return maximum
        default:
            return nil
        }
    }

    /// `rate`, `increase` and `delta`, extrapolated to the range's ends as Prometheus 2.42's
    /// `extrapolatedRate` does.
    private func extrapolatedRate(
        _ series: RangeSeries,
        rangeStart: Int64,
        rangeEnd: Int64,
        isCounter: Bool,
        isRate: Bool,
        range: Int64
    ) -> Double? {
        let values = series.values
        guard values.count >= 2, let firstValue = values.first, let lastValue = values.last,
            let firstTime = series.timestamps.first, let lastTime = series.timestamps.last
        else {
            return nil
        }
        var result = lastValue - firstValue
        if isCounter {
            var previous = 0.0
            for value in values {
                if value < previous { result += previous }
                previous = value
            }
        }
        var durationToStart = Double(firstTime - rangeStart) / 1000
        let durationToEnd = Double(rangeEnd - lastTime) / 1000
        let sampledInterval = Double(lastTime - firstTime) / 1000
        let averageDurationBetweenSamples = sampledInterval / Double(values.count - 1)

        if isCounter && result > 0 && firstValue >= 0 {
            // A counter cannot go below zero: do not extrapolate further back than where it was 0.
            let durationToZero = sampledInterval * (firstValue / result)
            if durationToZero < durationToStart { durationToStart = durationToZero }
        }
        let threshold = averageDurationBetweenSamples * 1.1
        var extrapolateToInterval = sampledInterval
        extrapolateToInterval += durationToStart < threshold ? durationToStart : averageDurationBetweenSamples / 2
        extrapolateToInterval += durationToEnd < threshold ? durationToEnd : averageDurationBetweenSamples / 2
        // One factor, then one multiplication, in Go's order: results agree to the last bit.
        var factor = extrapolateToInterval / sampledInterval
        if isRate { factor /= Double(range) / 1000 }
        return result * factor
    }

    /// Whether a function's range-vector argument selects series of one metric name only.
    private static func selectsOneName(_ argument: PromQLExpression) -> Bool {
        switch argument {
        case .rangeSelector(let selector, _): selector.selectedName != nil
        case .parentheses(let inner): selectsOneName(inner)
        default: false
        }
    }

    /// The range and offset of a function's range-vector argument, in milliseconds.
    private static func rangeSelector(_ argument: PromQLExpression) -> (range: Int64, offset: Int64) {
        switch argument {
        case .rangeSelector(let selector, let range): (range.milliseconds, selector.offset?.milliseconds ?? 0)
        case .parentheses(let inner): rangeSelector(inner)
        default: (0, 0)
        }
    }

    /// The labels `absent` gives its one sample: the selector's equality matchers, unless a
    /// label is matched more than once or otherwise (Prometheus' `createLabelsForAbsentFunction`).
    static func absentLabels(_ argument: PromQLExpression) -> Labels {
        let selector: PromQLVectorSelector
        switch argument {
        case .vectorSelector(let one), .rangeSelector(let one, _): selector = one
        default: return Labels()
        }
        var labels = Labels()
        var dropped: [String] = []
        for matcher in selector.matchers where matcher.name != Labels.metricName {
            if matcher.matchOperator == .equal && labels[matcher.name] == nil {
                labels.set(matcher.name, matcher.value)
            } else {
                dropped.append(matcher.name)
            }
        }
        return labels.removing(dropped)
    }

    // MARK: Quantiles

    /// Prometheus' `quantile`: linear interpolation between the closest ranks; NaN sorts first.
    static func quantile(_ quantile: Double, _ values: [Double]) -> Double {
        if values.isEmpty { return .nan }
        if quantile < 0 { return -.infinity }
        if quantile > 1 { return .infinity }
        let sorted = values.sorted { ($0.isNaN && !$1.isNaN) || $0 < $1 }
        let count = Double(sorted.count)
        let rank = quantile * (count - 1)
        let lower = Swift.max(0, rank.rounded(.down))
        let upper = Swift.min(count - 1, lower + 1)
        let weight = rank - rank.rounded(.down)
        return sorted[Int(lower)] * (1 - weight) + sorted[Int(upper)] * weight
    }

    private struct Bucket {
        var upperBound: Double
        var count: Double
    }

    /// `histogram_quantile` over classic buckets grouped by their labels without `le`.
    func histogramQuantile(
        _ quantile: Double,
        _ samples: [VectorSample]
    ) throws(PromQLEvaluationError) -> [VectorSample] {
        var groups: [[Bucket]] = []
        var order: [Labels] = []
        var index: [Labels: Int] = [:]
        // Buckets repeat the same few bounds for every series: each spelling is parsed once.
        var bounds: [String: Double?] = [:]
        let dropped = [Labels.metricName, "le"]
        for sample in samples {
            guard let text = sample.labels["le"] else { continue }
            let upperBound: Double?
            if let known = bounds[text] {
                upperBound = known
            } else {
                upperBound = Self.parseGoFloat(text)
                bounds[text] = upperBound
            }
            // A series without a parseable `le` is not a bucket: Prometheus skips it.
            guard let upperBound else { continue }
            let key = sample.labels.removing(dropped)
            let bucket = Bucket(upperBound: upperBound, count: sample.value)
            if let position = index[key] {
                groups[position].append(bucket)
            } else {
                index[key] = groups.count
                order.append(key)
                groups.append([bucket])
            }
        }
        return zip(order, groups).map { VectorSample(labels: $0, value: Self.bucketQuantile(quantile, $1)) }
    }

    private static func bucketQuantile(_ quantile: Double, _ unsorted: [Bucket]) -> Double {
        if quantile < 0 { return -.infinity }
        if quantile > 1 { return .infinity }
        var buckets = unsorted.sorted { $0.upperBound < $1.upperBound }
        guard let last = buckets.last, last.upperBound == .infinity else { return .nan }
        // Equal upper bounds (the same bucket spelled `1` and `1.0`) are added together.
        var coalesced: [Bucket] = []
        for bucket in buckets {
            if let previous = coalesced.last, previous.upperBound == bucket.upperBound {
                coalesced[coalesced.count - 1].count += bucket.count
            } else {
                coalesced.append(bucket)
            }
        }
        buckets = coalesced
        // Counts must not decrease with the bound; a scrape between increments can make them.
        var maximum = -Double.infinity
        for index in buckets.indices {
            if buckets[index].count > maximum {
                maximum = buckets[index].count
            } else if buckets[index].count < maximum {
                buckets[index].count = maximum
            }
        }
        guard buckets.count >= 2 else { return .nan }
        let observations = buckets[buckets.count - 1].count
        if observations == 0 { return .nan }
        var rank = quantile * observations
        let found = buckets[..<(buckets.count - 1)].firstIndex { $0.count >= rank } ?? (buckets.count - 1)
        if found == buckets.count - 1 { return buckets[buckets.count - 2].upperBound }
        if found == 0 && buckets[0].upperBound <= 0 { return buckets[0].upperBound }
        var bucketStart = 0.0
        let bucketEnd = buckets[found].upperBound
        var count = buckets[found].count
        if found > 0 {
            bucketStart = buckets[found - 1].upperBound
            count -= buckets[found - 1].count
            rank -= buckets[found - 1].count
        }
        return bucketStart + (bucketEnd - bucketStart) * (rank / count)
    }

    // MARK: Go's float semantics

    /// Go's `strconv.ParseFloat` for the spellings bucket bounds use (`0.5`, `1e3`, `+Inf`).
    static func parseGoFloat(_ text: String) -> Double? {
        switch text.lowercased() {
        case "+inf", "inf", "+infinity", "infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        case "nan": return .nan
        default: return Double(text)
        }
    }

    /// Go's `math.Max`: NaN wins, +Inf beats everything.
    static func goMax(_ x: Double, _ y: Double) -> Double {
        if x == .infinity || y == .infinity { return .infinity }
        if x.isNaN || y.isNaN { return .nan }
        if x == 0 && y == 0 { return x.sign == .minus ? y : x }
        return x > y ? x : y
    }

    /// Go's `math.Min`: NaN wins, −Inf beats everything.
    static func goMin(_ x: Double, _ y: Double) -> Double {
        if x == -.infinity || y == -.infinity { return -.infinity }
        if x.isNaN || y.isNaN { return .nan }
        if x == 0 && y == 0 { return x.sign == .minus ? x : y }
        return x < y ? x : y
    }
}
