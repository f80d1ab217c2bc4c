import Foundation
import NIOCore
import TetherHeartbeat
import Yams

/// A place in the document: 1-based line, and column in Unicode scalars, as libyaml counts.
struct Position: Equatable {
    var line: Int
    var column: Int

    init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    init(_ mark: Mark) {
        self.init(line: mark.line, column: mark.column)
    }
}

extension Node {
    var position: Position? { self.mark.map(Position.init) }
}

/// One key's value in the document, with what is needed to point at it.
struct ConfigurationField {
    /// Dotted path for messages: `global.interval`, `targets[2].tcp.send`.
    var path: String
    var key: String
    var keyMark: Position?
    var node: Node

    /// Where the value starts; the key when the value has no position.
    var mark: Position? { self.node.position ?? self.keyMark }
}

/// Walks a composed YAML document, collecting every problem instead of stopping at the first, so
/// that `tether check config` reports a whole file at once, as promtool does.
///
/// Values that are wrong are reported and replaced by their defaults, so that checking goes on;
/// a configuration with any diagnostic is never returned.
struct ConfigurationDecoder {
    let file: String
    /// Values for `${VAR}`; `nil` turns expansion off, as in rule and rule test files, where `$labels`
    /// and `$value` belong to templates.
    let environment: [String: String]?
    /// Relative `*_file` and TLS paths resolve against this (the config file's directory).
    let baseDirectory: String?
    private(set) var diagnostics: [ConfigurationError.Diagnostic] = []
    /// TLS settings already parsed, and what was wrong with them: thousands of targets usually
    /// share one CA file, which is then read once per load, not once per target.
    var checkedTLS: [TLSOptions: TLSOptionsError?] = [:]
    /// The document's lines, for positions inside block scalars (rule expressions).
    var sourceLines: [Substring] = []
    /// Problems in other files the document refers to (`rule_files`), each in its own file order,
    /// after the document's own.
    var referencedFileDiagnostics: [ConfigurationError.Diagnostic] = []

    init(file: String, environment: [String: String]?, baseDirectory: String?) {
        self.file = file
        self.environment = environment
        self.baseDirectory = baseDirectory
    }

    mutating func report(_ message: String, at position: Position?) {
        self.diagnostics.append(
            .init(file: self.file, line: position?.line ?? 1, column: position?.column ?? 1, message: message)
        )
    }

    // MARK: Structure

    /// The known keys of a mapping, in document order; unknown keys are reported.
    ///
    /// A key whose value is null (`interval:` with nothing after it) is left out, as if absent, so
    /// that it takes its default, as in Prometheus. `nil` when `node` is not a mapping.
    mutating func mapping(_ node: Node, path: String, keys allowed: [String]) -> [String: ConfigurationField]? {
        guard let mapping = self.entries(node, path: path) else { return nil }
        var fields: [String: ConfigurationField] = [:]
        for field in mapping {
            guard allowed.contains(field.key) else {
                if field.key == "<<" {
                    self.report("merge keys ('<<') are not supported; write the keys out", at: field.keyMark)
                    continue
                }
                let place = path.isEmpty ? "at the top level" : "in \(path)"
                self.report(
                    "unknown key '\(field.key)' \(place); expected one of: \(allowed.joined(separator: ", "))",
                    at: field.keyMark
                )
                continue
            }
            if !Self.isNull(field.node) { fields[field.key] = field }
        }
        return fields
    }

    /// Every entry of a mapping whose keys are data (labels, headers), null values included.
    mutating func entries(_ node: Node, path: String) -> [ConfigurationField]? {
        if Self.isNull(node) { return [] }
        guard case .mapping(let mapping) = node else {
            self.report("\(Self.name(path)): expected a mapping, got \(Self.kind(of: node))", at: node.position)
            return nil
        }
        var fields: [ConfigurationField] = []
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                self.report("\(Self.name(path)): expected a key name, got \(Self.kind(of: key))", at: key.position)
                continue
            }
            let childPath = path.isEmpty ? scalar.string : "\(path).\(scalar.string)"
            fields.append(ConfigurationField(path: childPath, key: scalar.string, keyMark: key.position, node: value))
        }
        return fields
    }

    /// The items of a list; `[]` for null.
    mutating func sequence(_ field: ConfigurationField) -> [Node]? {
        if case .sequence(let sequence) = field.node { return Array(sequence) }
        if Self.isNull(field.node) { return [] }
        self.report("\(field.path): expected a list, got \(Self.kind(of: field.node))", at: field.mark)
        return nil
    }

    static func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// How a node is named in "expected …, got …": never its text, which may be a secret.
    static func kind(of node: Node) -> String {
        switch node {
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .scalar: Self.isNull(node) ? "nothing" : "a single value"
        case .alias: "an alias"
        }
    }

    private static func name(_ path: String) -> String { path.isEmpty ? "the top level" : path }

    // MARK: Scalars

    /// The value's text after `${VAR}` expansion (when the environment is set); `nil` (reported) when
    /// it is not a single value or names an unset variable. Never puts the text in a message.
    mutating func text(_ field: ConfigurationField, expected: String) -> String? {
        guard case .scalar(let scalar) = field.node else {
            self.report("\(field.path): expected \(expected), got \(Self.kind(of: field.node))", at: field.mark)
            return nil
        }
        guard let environment = self.environment else { return scalar.string }
        switch EnvironmentExpansion.expand(scalar.string, environment: environment) {
        case .success(let text):
            return text
        case .failure(let failure):
            for problem in failure.problems { self.report("\(field.path): \(problem.message)", at: field.mark) }
            return nil
        }
    }

    mutating func string(_ field: ConfigurationField?, nonEmpty: Bool = true) -> String? {
        guard let field, let text = self.text(field, expected: "a string") else { return nil }
        if nonEmpty && text.isEmpty {
            self.report("\(field.path): must not be empty", at: field.mark)
            return nil
        }
        return text
    }

    /// A password or token written inline. Its text never reaches a message.
    mutating func secret(_ field: ConfigurationField?) -> Secret? {
        guard let field, let text = self.text(field, expected: "a string") else { return nil }
        return Secret(text)
    }

    /// A duration above zero.
    mutating func duration(_ field: ConfigurationField?) -> TimeAmount? {
        self.durationAndText(field)?.amount
    }

    /// A duration above zero, with the text it was written as, for messages about it.
    mutating func durationAndText(_ field: ConfigurationField?) -> (amount: TimeAmount, text: String)? {
        guard let field, let text = self.text(field, expected: "a duration like 5s") else { return nil }
        guard let amount = PrometheusDuration.parse(text) else {
            self.report("\(field.path): expected a duration like 5s, got '\(text)'", at: field.mark)
            return nil
        }
        guard amount > .zero else {
            self.report("\(field.path): must be greater than 0", at: field.mark)
            return nil
        }
        return (amount, text)
    }

    mutating func integer(_ field: ConfigurationField?, atLeast minimum: Int) -> Int? {
        guard let field, let text = self.text(field, expected: "an integer") else { return nil }
        guard let value = Int(text) else {
            self.report("\(field.path): expected an integer, got '\(text)'", at: field.mark)
            return nil
        }
        guard value >= minimum else {
            self.report("\(field.path): must be at least \(minimum), got \(value)", at: field.mark)
            return nil
        }
        return value
    }

    mutating func number(_ field: ConfigurationField?, atLeast minimum: Double) -> Double? {
        guard let field, let text = self.text(field, expected: "a number") else { return nil }
        guard let value = Double(text), value.isFinite, !text.contains(where: \.isLetter) else {
            self.report("\(field.path): expected a number, got '\(text)'", at: field.mark)
            return nil
        }
        guard value >= minimum else {
            self.report("\(field.path): must be at least \(Self.format(minimum)), got \(text)", at: field.mark)
            return nil
        }
        return value
    }

    mutating func bool(_ field: ConfigurationField?) -> Bool? {
        guard let field, let text = self.text(field, expected: "true or false") else { return nil }
        switch text {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default:
            self.report("\(field.path): expected true or false, got '\(text)'", at: field.mark)
            return nil
        }
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    // MARK: Files

    /// `path` made absolute against the config file's directory, as Prometheus resolves paths.
    func resolve(_ path: String) -> String {
        guard !path.hasPrefix("/"), let baseDirectory, !baseDirectory.isEmpty else { return path }
        return baseDirectory.hasSuffix("/") ? baseDirectory + path : baseDirectory + "/" + path
    }

    /// A file that must exist and be readable now (TLS files are read when the target connects).
    mutating func readablePath(_ field: ConfigurationField?) -> String? {
        guard let field, let path = self.string(field) else { return nil }
        let resolved = self.resolve(path)
        if let problem = Self.problem(reading: resolved) {
            self.report("\(field.path): cannot read '\(resolved)': \(problem)", at: field.mark)
            return nil
        }
        return resolved
    }

    /// A secret read from a file now: the content without its trailing newline.
    mutating func secretFile(_ field: ConfigurationField?) -> Secret? {
        guard let field, let resolved = self.readablePath(field) else { return nil }
        let secret: Secret
        do {
            secret = try Secret.read(file: resolved)
        } catch .unreadable {
            self.report("\(field.path): cannot read '\(resolved)'", at: field.mark)
            return nil
        } catch {
            self.report("\(field.path): '\(resolved)' is not UTF-8 text", at: field.mark)
            return nil
        }
        guard !secret.value.isEmpty else {
            self.report("\(field.path): '\(resolved)' is empty", at: field.mark)
            return nil
        }
        return secret
    }

    private static func problem(reading path: String) -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return "no such file" }
        if isDirectory.boolValue { return "it is a directory" }
        guard FileManager.default.isReadableFile(atPath: path) else { return "permission denied" }
        return nil
    }
}
