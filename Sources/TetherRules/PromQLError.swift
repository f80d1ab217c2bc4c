/// Why an expression is not valid PromQL, or not in tether's subset, and where.
///
/// The position is relative to the expression itself (1-based line and column), so the rule loader
/// can add the file and the line of the `expr:` key in front of it.
public struct PromQLError: Error, Sendable, Hashable, CustomStringConvertible {
    /// 1-based line within the expression.
    public let line: Int
    /// 1-based column within the line, counted in Unicode scalars.
    public let column: Int
    /// What is wrong, and what was expected instead.
    public let message: String

    public init(line: Int, column: Int, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    init(_ position: PromQLPosition, _ message: String) {
        self.init(line: position.line, column: position.column, message: message)
    }

    public var description: String { "\(line):\(column): \(message)" }
}
