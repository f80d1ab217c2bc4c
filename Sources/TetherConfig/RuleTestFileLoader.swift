import Foundation
public import TetherRules
import Yams

/// Reads promtool's rule unit-test files (`promtool test rules`, Prometheus 2.42) for
/// `tether test rules`: every problem with its file, line and column, all at once.
///
/// Checked here: the file's shape (unknown keys and wrong types are errors, as promtool's strict
/// YAML decoding makes them), durations, a repeated `group_eval_order` name, a missing `alertname`,
/// and `promql_expr_test` expressions (parsed with tether's PromQL subset). Input series and
/// expected sample labels are left to the test runner, which reports them with
/// ``InputSeries/line``. No `${VAR}` expansion, as in rule files.
public enum RuleTestFileLoader {
    /// Loads a test file.
    ///
    /// - Parameters:
    ///   - path: the file; its `rule_files` resolve against its directory and globs are expanded.
    /// - Throws: ``ConfigurationError`` with every problem found.
    public static func load(file path: String) throws(ConfigurationError) -> RuleTestFile {
        let yaml = try ConfigurationLoader.read(file: path)
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try Self.load(yaml: yaml, file: path, baseDirectory: directory)
    }

    /// Loads a test file from text.
    ///
    /// - Parameters:
    ///   - yaml: the document.
    ///   - file: the name diagnostics and ``RuleTestFile/path`` carry.
    ///   - baseDirectory: where relative `rule_files` resolve; `nil` leaves them relative to the
    ///     working directory.
    /// - Throws: ``ConfigurationError`` with every problem found.
    public static func load(
        yaml: String,
        file: String,
        baseDirectory: String?
    ) throws(ConfigurationError) -> RuleTestFile {
        var decoder = ConfigurationDecoder(file: file, environment: nil, baseDirectory: baseDirectory)
        decoder.sourceLines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        guard let root = try ConfigurationLoader.compose(yaml, reportingTo: &decoder) else {
            return RuleTestFile(
                path: file,
                ruleFiles: [],
                evaluationInterval: PromQLDuration(milliseconds: 60_000),
                groupEvaluationOrder: [],
                tests: []
            )
        }
        guard let testFile = decoder.ruleTestFile(root, path: file) else {
            throw ConfigurationError(diagnostics: ConfigurationLoader.sorted(decoder.diagnostics))
        }
        return testFile
    }
}
