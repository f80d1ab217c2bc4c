/// A password, token or key: usable by the code that needs it, printed as `<secret>` everywhere
/// else, so it never reaches a log line, an error message or an endpoint.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The secret itself; read it only where it goes on the wire.
    public let value: String

    public init(_ value: String) {
        self.value = value
    }

    public var description: String { "<secret>" }
    public var debugDescription: String { "<secret>" }
}
