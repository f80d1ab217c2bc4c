/// The type of value an expression produces, as Prometheus names it in its error messages.
public enum PromQLValueType: String, Sendable, Hashable, CustomStringConvertible {
    case scalar
    case instantVector = "instant vector"
    case rangeVector = "range vector"
    case string

    public var description: String { rawValue }
}
