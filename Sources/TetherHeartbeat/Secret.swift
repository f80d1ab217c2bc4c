import Foundation

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

extension Secret {
    /// Why a secret file cannot be used.
    public enum FileError: Error, Sendable, Equatable {
        case unreadable
        case notUTF8
    }

    /// Reads a `*_file` secret: the file's text without its trailing newlines (as written by
    /// `echo` or an editor, and as Kubernetes mounts it). One reader for config and CLI alike.
    public static func read(file path: String) throws(FileError) -> Secret {
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable }
        guard var text = String(data: data, encoding: .utf8) else { throw .notUTF8 }
        // "\r\n" is one Character in Swift, and a newline like "\n".
        while text.last?.isNewline == true { text.removeLast() }
        return Secret(text)
    }
}
