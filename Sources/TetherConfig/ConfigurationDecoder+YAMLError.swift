import Yams

extension ConfigurationDecoder {
    /// A YAML syntax error as one diagnostic. Built from libyaml's problem and context only, never
    /// from `YamlError.description`, which quotes the offending line (and so maybe a secret).
    mutating func report(yamlError error: any Error, yaml: String) {
        guard let error = error as? YamlError else {
            self.report("invalid YAML: \(error)", at: nil)
            return
        }
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let during = context.map { " (\($0.text) at line \($0.mark.line), column \($0.mark.column))" } ?? ""
            self.report("invalid YAML: \(problem)\(during)", at: Position(mark))
        case .reader(let problem, let offset, _, _):
            self.report("invalid YAML: \(problem)", at: offset.map { Self.mark(atUTF8Offset: $0, in: yaml) })
        case .duplicatedKeysInMapping(let duplicates, let context):
            // Yams gives the first occurrence; the mistake is usually the later one, so point there.
            let key = duplicates.first ?? ""
            let first = Position(context.mark)
            let second = Self.nextOccurrence(ofKey: key, after: first, in: yaml)
            var message = "duplicate key '\(key)' in a mapping (first defined at line \(first.line))"
            if duplicates.count > 1 {
                message += "; also duplicated: " + duplicates.dropFirst().map { "'\($0)'" }.joined(separator: ", ")
            }
            self.report(message, at: second ?? first)
        default:
            self.report("invalid YAML: \(error)", at: nil)
        }
    }

    /// The next place `key` is written as a mapping key: in the same column further down (block
    /// style) or further along the same line (flow style).
    static func nextOccurrence(ofKey key: String, after first: Position, in yaml: String) -> Position? {
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        let spellings = [key, "\"\(key)\"", "'\(key)'"]
        func isKey(_ rest: Substring) -> Bool {
            spellings.contains { spelling in
                guard rest.hasPrefix(spelling) else { return false }
                return rest.dropFirst(spelling.count).drop(while: { $0 == " " }).first == ":"
            }
        }
        guard first.line >= 1, first.line <= lines.count else { return nil }
        // Same line, after the first occurrence (flow mappings).
        let firstLine = Array(lines[first.line - 1].unicodeScalars)
        if first.column < firstLine.count {
            for column in (first.column + 1)...firstLine.count {
                let rest = Substring(String(String.UnicodeScalarView(firstLine[(column - 1)...])))
                let before = column >= 2 ? firstLine[column - 2] : " "
                if (before == " " || before == "{" || before == ",") && isKey(rest) {
                    return Position(line: first.line, column: column)
                }
            }
        }
        // Further down, in the same column (block mappings).
        for lineIndex in first.line..<lines.count {
            let scalars = Array(lines[lineIndex].unicodeScalars)
            guard scalars.count >= first.column else { continue }
            let rest = Substring(String(String.UnicodeScalarView(scalars[(first.column - 1)...])))
            if isKey(rest) { return Position(line: lineIndex + 1, column: first.column) }
        }
        return nil
    }

    static func mark(atUTF8Offset offset: Int, in yaml: String) -> Position {
        let prefix = yaml.utf8.prefix(offset)
        let line = prefix.filter { $0 == UInt8(ascii: "\n") }.count + 1
        let lineStart = prefix.lastIndex(of: UInt8(ascii: "\n")).map { prefix.index(after: $0) } ?? prefix.startIndex
        let column = String(decoding: prefix[lineStart...], as: UTF8.self).unicodeScalars.count + 1
        return Position(line: line, column: column)
    }
}
