/// The functions of tether's subset (DESIGN §5), with their signatures as Prometheus declares them.
public enum PromQLFunction: String, Sendable, Hashable, CaseIterable {
    case abs
    case absent
    case absentOverTime = "absent_over_time"
    case avgOverTime = "avg_over_time"
    case changes
    case clamp
    case clampMax = "clamp_max"
    case clampMin = "clamp_min"
    case countOverTime = "count_over_time"
    case delta
    case histogramQuantile = "histogram_quantile"
    case increase
    case irate
    case lastOverTime = "last_over_time"
    case maxOverTime = "max_over_time"
    case minOverTime = "min_over_time"
    case presentOverTime = "present_over_time"
    case quantileOverTime = "quantile_over_time"
    case rate
    case resets
    case sumOverTime = "sum_over_time"
    case time

    /// The name in PromQL.
    public var name: String { rawValue }

    /// The types of the arguments, in order; every function of the subset has a fixed count.
    public var argumentTypes: [PromQLValueType] {
        switch self {
        case .abs, .absent: [.instantVector]
        case .clamp: [.instantVector, .scalar, .scalar]
        case .clampMax, .clampMin: [.instantVector, .scalar]
        case .histogramQuantile: [.scalar, .instantVector]
        case .quantileOverTime: [.scalar, .rangeVector]
        case .time: []
        case .absentOverTime, .avgOverTime, .changes, .countOverTime, .delta, .increase, .irate, .lastOverTime,
            .maxOverTime, .minOverTime, .presentOverTime, .rate, .resets, .sumOverTime:
            [.rangeVector]
        }
    }

    /// The type of the result.
    public var returnType: PromQLValueType { self == .time ? .scalar : .instantVector }

    /// Every function of Prometheus 2.42, so that one outside the subset is named as unsupported
    /// rather than unknown.
    static let prometheusFunctions: Set<String> = [
        "abs", "absent", "absent_over_time", "acos", "acosh", "asin", "asinh", "atan", "atanh", "avg_over_time",
        "ceil", "changes", "clamp", "clamp_max", "clamp_min", "cos", "cosh", "count_over_time", "days_in_month",
        "day_of_month", "day_of_week", "day_of_year", "deg", "delta", "deriv", "exp", "floor", "histogram_count",
        "histogram_fraction", "histogram_quantile", "histogram_sum", "holt_winters", "hour", "idelta", "increase",
        "irate", "label_replace", "label_join", "last_over_time", "ln", "log10", "log2", "max_over_time",
        "min_over_time", "minute", "month", "pi", "predict_linear", "present_over_time", "quantile_over_time",
        "rad", "rate", "resets", "round", "scalar", "sgn", "sin", "sinh", "sort", "sort_desc", "sqrt",
        "stddev_over_time", "stdvar_over_time", "sum_over_time", "tan", "tanh", "time", "timestamp", "vector",
        "year",
    ]
}

/// The aggregation operators of the subset.
public enum PromQLAggregationOperator: String, Sendable, Hashable, CaseIterable {
    case sum
    case avg
    case min
    case max
    case count
    case quantile
    case topk
    case bottomk

    /// Whether the operator takes a scalar parameter before the vector (`topk(5, x)`).
    public var takesParameter: Bool { self == .quantile || self == .topk || self == .bottomk }

    /// Prometheus' aggregations that tether does not evaluate.
    static let unsupported: Set<String> = ["group", "stddev", "stdvar", "count_values"]
}

/// Binary operators, in Prometheus' precedence classes.
public enum PromQLBinaryOperator: String, Sendable, Hashable, CaseIterable {
    case add = "+"
    case subtract = "-"
    case multiply = "*"
    case divide = "/"
    case modulo = "%"
    case power = "^"
    case atan2
    case equal = "=="
    case notEqual = "!="
    case greater = ">"
    case less = "<"
    case greaterOrEqual = ">="
    case lessOrEqual = "<="
    case and
    case or
    case unless

    /// Higher binds tighter: `or` < `and unless` < comparisons < `+ -` < `* / % atan2` < `^`.
    public var precedence: Int {
        switch self {
        case .or: 1
        case .and, .unless: 2
        case .equal, .notEqual, .greater, .less, .greaterOrEqual, .lessOrEqual: 3
        case .add, .subtract: 4
        case .multiply, .divide, .modulo, .atan2: 5
        case .power: 6
        }
    }

    /// Only `^` groups to the right (`a ^ b ^ c` is `a ^ (b ^ c)`).
    public var isRightAssociative: Bool { self == .power }

    public var isComparison: Bool { precedence == 3 }

    public var isSetOperator: Bool { self == .and || self == .or || self == .unless }
}
