/// `match` and `reReplaceAll`: Go's RE2 functions on Swift's `Regex`, with Go's unanchored
/// matching, its rule for empty matches and its `$1`/`${name}` expansion. The syntax both accept
/// (what alert templates use) behaves the same; RE2-only or Swift-only syntax may not.
struct TemplateRegex {
    private let regex: Regex<AnyRegexOutput>

    init(pattern: String, compilePrefix: String) throws(TemplateFunctionError) {
        do {
            regex = try Regex(pattern).matchingSemantics(.unicodeScalar).asciiOnlyDigits().asciiOnlyWhitespace()
                .asciiOnlyWordCharacters()
        } catch {
            throw TemplateFunctionError(message: compilePrefix + "error parsing regexp: invalid pattern: `\(pattern)`")
        }
    }

    func matches(_ text: String) -> Bool {
        (try? regex.firstMatch(in: text)) != nil
    }

    /// `Regexp.ReplaceAllString`: empty matches right after a match are skipped.
    func replaceAll(in text: String, with template: String) -> String {
        var result = ""
        var last = text.startIndex
        var previousEnd: String.Index?
        for match in text.matches(of: regex) {
            if match.range.isEmpty && match.range.lowerBound == previousEnd { continue }
            result += text[last..<match.range.lowerBound]
            result += expand(template, match, in: text)
            last = match.range.upperBound
            previousEnd = match.range.upperBound
        }
        result += text[last...]
        return result
    }

    private func expand(_ template: String, _ match: Regex<AnyRegexOutput>.Match, in text: String) -> String {
        var result = ""
        var rest = Substring(template)
        while let dollar = rest.firstIndex(of: "$") {
            result += rest[..<dollar]
            rest = rest[rest.index(after: dollar)...]
            if rest.first == "$" {
                result += "$"
                rest = rest.dropFirst()
                continue
            }
            guard let (name, after) = Self.extractName(rest) else {
                result += "$"
                continue
            }
            rest = after
            let output = match.output
            if let number = Self.groupNumber(name) {
                if number < output.count, let range = output[number].range { result += text[range] }
            } else if let group = output.first(where: { $0.name == name }), let range = group.range {
                result += text[range]
            }
        }
        return result + rest
    }

    private static func extractName(_ text: Substring) -> (String, Substring)? {
        var rest = text
        let braced = rest.first == "{"
        if braced { rest = rest.dropFirst() }
        let name = rest.prefix { TemplateLexer.isAlphaNumeric($0.unicodeScalars.first) && $0.unicodeScalars.count == 1 }
        guard !name.isEmpty else { return nil }
        rest = rest.dropFirst(name.count)
        if braced {
            guard rest.first == "}" else { return nil }
            rest = rest.dropFirst()
        }
        return (String(name), rest)
    }

    private static func groupNumber(_ name: String) -> Int? {
        guard name.allSatisfy({ $0.isASCII && $0.isNumber }), name.count < 9 else { return nil }
        if name.count > 1 && name.hasPrefix("0") { return nil }
        return Int(name)
    }
}
