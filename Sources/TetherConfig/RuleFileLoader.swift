public import TetherRules
import Yams

/// Reads Prometheus alerting and recording rule files (DESIGN §5) and checks them as Prometheus
/// 2.42 does (`promtool check rules`), plus tether's own limits: expressions in tether's PromQL
/// subset, templates in its template subset.
///
/// Every problem is reported with its file, line and column, all at once. Unlike tether's own
/// configuration, rule files get no `${VAR}` expansion: `$labels` and `$value` belong to templates,
/// and a file must mean the same to Prometheus and to tether.
public enum RuleFileLoader {
    /// Loads and checks a rule file.
    ///
    /// - Parameters:
    ///   - path: the file; diagnostics and ``RuleFile/path`` carry it as given.
    /// - Throws: ``ConfigurationError`` with every problem found.
    public static func load(file path: String) throws(ConfigurationError) -> RuleFile {
        try Self.load(yaml: ConfigurationLoader.read(file: path), file: path)
    }

    /// Loads and checks rules from text.
    ///
    /// An empty document is a file without groups, as Prometheus reads it.
    ///
    /// - Parameters:
    ///   - yaml: the document.
    ///   - file: the name diagnostics and ``RuleFile/path`` carry.
    /// - Throws: ``ConfigurationError`` with every problem found.
    public static func load(yaml: String, file: String) throws(ConfigurationError) -> RuleFile {
        var decoder = ConfigurationDecoder(file: file, environment: nil, baseDirectory: nil)
        decoder.sourceLines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        guard let root = try ConfigurationLoader.compose(yaml, reportingTo: &decoder) else {
            return RuleFile(path: file, groups: [])
        }
        guard let ruleFile = decoder.ruleFile(root, path: file) else {
            throw ConfigurationError(diagnostics: ConfigurationLoader.sorted(decoder.diagnostics))
        }
        return ruleFile
    }
}

extension RuleFile {
    /// How many rules the file holds, as `promtool check rules` counts them.
    public var ruleCount: Int { self.groups.reduce(0) { $0 + $1.rules.count } }
}
