/// One element of an instant vector.
public struct VectorSample: Sendable, Hashable {
    public var labels: Labels
    public var value: Double

    public init(labels: Labels, value: Double) {
        self.labels = labels
        self.value = value
    }
}

/// The result of evaluating an expression at one instant.
public enum PromQLValue: Sendable {
    case scalar(Double)
    case vector([VectorSample])
    case string(String)

    /// The result as rules see it: a scalar becomes one sample without labels, as in Prometheus'
    /// `EngineQueryFunc`.
    public var samples: [VectorSample] {
        switch self {
        case .vector(let samples): samples
        case .scalar(let value): [VectorSample(labels: Labels(), value: value)]
        case .string: []
        }
    }
}

/// Why an expression could not be evaluated (the expression parsed, but the data does not allow
/// it: duplicate series on the "one" side of a match, for example). The messages are Prometheus'.
public struct PromQLEvaluationError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
