import Foundation
import TetherRules

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `rule_files:` in tether.yml: paths and globs relative to the config file's directory, as
/// Prometheus resolves them; every file found is loaded and checked now, so that `tether check
/// config` reports rule errors too.
extension ConfigurationDecoder {
    mutating func ruleFiles(_ field: ConfigurationField) -> [RuleFile] {
        guard let items = self.sequence(field) else { return [] }
        var files: [RuleFile] = []
        var seen: Set<String> = []
        for (index, item) in items.enumerated() {
            let entry = ConfigurationField(path: "\(field.path)[\(index)]", key: field.key, keyMark: nil, node: item)
            guard let pattern = self.pattern(entry, of: "rule file") else { continue }
            let resolved = self.resolve(pattern)
            let paths: [String]
            if pattern.contains(where: { "*?[".contains($0) }) {
                guard let matches = Self.matchingFiles(resolved) else {
                    self.report("\(entry.path): invalid rule file pattern '\(pattern)'", at: entry.mark)
                    continue
                }
                // A glob that matches nothing is not an error (an empty directory of rules), as in Prometheus.
                paths = matches
            } else {
                // A path without wildcards names one file: a typo there is reported, where Prometheus
                // would silently load no rules.
                guard FileManager.default.fileExists(atPath: resolved) else {
                    self.report("\(entry.path): cannot read '\(resolved)': no such file", at: entry.mark)
                    continue
                }
                paths = [resolved]
            }
            for path in paths where seen.insert(path).inserted {
                do {
                    files.append(try RuleFileLoader.load(file: path))
                } catch {
                    self.referencedFileDiagnostics += error.diagnostics
                }
            }
        }
        return files
    }

    /// A path or glob of files: Prometheus' own check (`patRulePath`) allows a '*' only in the last
    /// path element.
    mutating func pattern(_ entry: ConfigurationField, of kind: String) -> String? {
        guard let pattern = self.string(entry) else { return nil }
        if let star = pattern.firstIndex(of: "*"), pattern[star...].contains("/") {
            self.report(
                "\(entry.path): invalid \(kind) path '\(pattern)': '*' is allowed in the last path element only",
                at: entry.mark
            )
            return nil
        }
        return pattern
    }

    /// The files matching a shell pattern, sorted, as Go's `filepath.Glob` finds them; `nil` for a
    /// malformed pattern.
    static func matchingFiles(_ pattern: String) -> [String]? {
        var result = glob_t()
        defer { globfree(&result) }
        let status = glob(pattern, 0, nil, &result)
        if status == GLOB_NOMATCH { return [] }
        guard status == 0 else { return nil }
        return (0..<Int(result.gl_pathc)).compactMap { index in
            result.gl_pathv[index].map { String(cString: $0) }
        }
    }
}
