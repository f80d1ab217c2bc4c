/// Everything wrong with a configuration file, each problem with its position, like promtool.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// One problem at one place in a file.
    public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
        public var file: String
        /// 1-based; 0 when the problem is the file as a whole (it cannot be read).
        public var line: Int
        /// 1-based, counted in Unicode scalars as libyaml does; 0 with `line` 0.
        public var column: Int
        /// What is wrong and what was expected; never a secret's value.
        public var message: String

        public init(file: String, line: Int, column: Int, message: String) {
            self.file = file
            self.line = line
            self.column = column
            self.message = message
        }

        /// `file:line:column: message`, or `file: message` for the file as a whole.
        public var description: String {
            self.line == 0
                ? "\(self.file): \(self.message)" : "\(self.file):\(self.line):\(self.column): \(self.message)"
        }
    }

    /// In file order (line, then column).
    public var diagnostics: [Diagnostic]

    public init(diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics
    }

    /// One diagnostic per line.
    public var description: String {
        self.diagnostics.map(\.description).joined(separator: "\n")
    }
}
