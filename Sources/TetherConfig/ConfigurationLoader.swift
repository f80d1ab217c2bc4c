// Public: `load(file:)` defaults its environment to `ProcessInfo.processInfo.environment`.
public import Foundation
import TetherHeartbeat
import Yams

/// Reads tether's YAML configuration strictly: unknown keys, wrong types and impossible
/// combinations are errors, every one reported with its file, line and column, all at once.
///
/// The document is composed with Yams and walked node by node rather than decoded with `Codable`,
/// because every node carries its position and every key that is not asked for must be seen.
public enum ConfigurationLoader {
    /// Loads a configuration file.
    ///
    /// - Parameters:
    ///   - path: the file; relative `*_file` and TLS paths in it resolve against its directory.
    ///   - environment: values for `${VAR}` references.
    /// - Throws: ``ConfigurationError`` with every problem found.
    public static func load(
        file path: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) -> TetherConfiguration {
        let yaml = try Self.read(file: path)
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try Self.load(yaml: yaml, file: path, environment: environment, baseDirectory: directory)
    }

    /// Loads a configuration from text.
    ///
    /// - Parameters:
    ///   - yaml: the document.
    ///   - file: the name diagnostics carry.
    ///   - environment: values for `${VAR}` references.
    ///   - baseDirectory: where relative `*_file` and TLS paths resolve, as Prometheus resolves them
    ///     against the config file's directory; `nil` leaves them relative to the working directory.
    /// - Throws: ``ConfigurationError`` with every problem found.
    public static func load(
        yaml: String,
        file: String,
        environment: [String: String],
        baseDirectory: String?
    ) throws(ConfigurationError) -> TetherConfiguration {
        var decoder = ConfigurationDecoder(file: file, environment: environment, baseDirectory: baseDirectory)
        guard let root = try Self.compose(yaml, reportingTo: &decoder) else {
            decoder.report(
                "the configuration is empty; expected a mapping with keys "
                    + ConfigurationDecoder.rootKeys.joined(separator: ", "),
                at: nil
            )
            throw ConfigurationError(diagnostics: decoder.diagnostics)
        }
        guard let configuration = decoder.configuration(root) else {
            throw ConfigurationError(
                diagnostics: Self.sorted(decoder.diagnostics) + decoder.referencedFileDiagnostics
            )
        }
        return configuration
    }

    /// The document's root node, or nil for an empty document; a YAML syntax error is thrown as
    /// the decoder's diagnostic, with its position.
    static func compose(
        _ yaml: String,
        reportingTo decoder: inout ConfigurationDecoder
    ) throws(ConfigurationError) -> Node? {
        do {
            guard let root = try Yams.compose(yaml: yaml), !ConfigurationDecoder.isNull(root) else { return nil }
            return root
        } catch {
            decoder.report(yamlError: error, yaml: yaml)
            throw ConfigurationError(diagnostics: decoder.diagnostics)
        }
    }

    /// File order; the order found is kept for one position.
    static func sorted(_ diagnostics: [ConfigurationError.Diagnostic]) -> [ConfigurationError.Diagnostic] {
        diagnostics.enumerated()
            .sorted {
                ($0.element.line, $0.element.column, $0.offset) < ($1.element.line, $1.element.column, $1.offset)
            }
            .map(\.element)
    }

    /// The text of a YAML file, or why it cannot be had, as a diagnostic for the file as a whole.
    static func read(file path: String) throws(ConfigurationError) -> String {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw Self.wholeFileError(path, Self.readProblem(path))
        }
        guard let yaml = String(data: data, encoding: .utf8) else {
            throw Self.wholeFileError(path, "cannot read the file: it is not UTF-8 text")
        }
        return yaml
    }

    private static func wholeFileError(_ path: String, _ message: String) -> ConfigurationError {
        ConfigurationError(diagnostics: [.init(file: path, line: 0, column: 0, message: message)])
    }

    private static func readProblem(_ path: String) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return "cannot read the file: no such file"
        }
        if isDirectory.boolValue { return "cannot read the file: it is a directory" }
        return "cannot read the file: permission denied"
    }
}
