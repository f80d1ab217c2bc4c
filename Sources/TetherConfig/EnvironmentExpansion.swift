/// `${VAR}` expansion in configuration values, done before a value is interpreted so that numbers
/// and durations can come from the environment too.
///
/// Only the braced form expands: a lone `$` stays as it is, because regular expressions
/// (`expect: 'PONG$'`) and passwords use it. `$$` is a literal `$`, for the rare `${` that must
/// not expand. There is one pass: a variable's value is never expanded again.
enum EnvironmentExpansion {
    enum Problem: Equatable {
        case unset(name: String)
        case invalidName(String)
        case unterminated
    }

    /// The expanded text, or every problem found in it.
    static func expand(_ text: String, environment: [String: String]) -> Result<String, ExpansionFailure> {
        guard text.contains("$") else { return .success(text) }
        var out = ""
        var problems: [Problem] = []
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            out += rest[..<dollar]
            rest = rest[rest.index(after: dollar)...]
            if rest.first == "$" {
                out += "$"
                rest = rest.dropFirst()
            } else if rest.first == "{" {
                guard let close = rest.firstIndex(of: "}") else {
                    problems.append(.unterminated)
                    rest = rest[rest.endIndex...]
                    break
                }
                let name = String(rest[rest.index(after: rest.startIndex)..<close])
                rest = rest[rest.index(after: close)...]
                if !Self.isValidName(name) {
                    problems.append(.invalidName(name))
                } else if let value = environment[name] {
                    out += value
                } else {
                    problems.append(.unset(name: name))
                }
            } else {
                out += "$"
            }
        }
        out += rest
        return problems.isEmpty ? .success(out) : .failure(ExpansionFailure(problems: problems))
    }

    /// Environment variable names as POSIX shells accept them.
    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCIILetter || first == "_" else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "_" }
    }
}

struct ExpansionFailure: Error {
    var problems: [EnvironmentExpansion.Problem]
}

extension EnvironmentExpansion.Problem {
    var message: String {
        switch self {
        case .unset(let name): "environment variable '\(name)' is not set"
        case .invalidName(let name): "'${\(name)}' is not an environment variable name (write '$$' for a literal '$')"
        case .unterminated: "'${' without a closing '}' (write '$$' for a literal '$')"
        }
    }
}

extension Unicode.Scalar {
    var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
