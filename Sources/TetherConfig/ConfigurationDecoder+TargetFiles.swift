// Public: `load(file:)` defaults its environment to `ProcessInfo.processInfo.environment`.
public import Foundation
import TetherHeartbeat
import Yams

/// `target_files:` — file discovery in Prometheus' file_sd shape. The patterns are checked when the
/// configuration loads; the files themselves are read by the agent, again whenever they change
/// (``TargetFileLoader``), so a broken one never stops the agent.
extension ConfigurationDecoder {
    /// One entry of a target file: file_sd's `targets` and `labels`, and any option a target in
    /// tether.yml takes except its name and URL.
    static let targetFileEntryKeys =
        ["targets", "labels"] + targetKeys.filter { !["name", "url", "labels"].contains($0) }

    /// The patterns, resolved against the config file's directory. A pattern that matches nothing
    /// yet is fine: files may come later.
    mutating func targetFilePatterns(_ field: ConfigurationField) -> [String] {
        guard let items = self.sequence(field) else { return [] }
        return items.enumerated().compactMap { index, item in
            let entry = ConfigurationField(path: "\(field.path)[\(index)]", key: field.key, keyMark: nil, node: item)
            guard let pattern = self.pattern(entry, of: "target file") else { return nil }
            if pattern.contains(where: { "*?[".contains($0) }), Self.matchingFiles(self.resolve(pattern)) == nil {
                self.report("\(entry.path): invalid target file pattern '\(pattern)'", at: entry.mark)
                return nil
            }
            return self.resolve(pattern)
        }
    }

    /// A target file's targets: a list of `{targets: [url, …], labels: {…}, <options>}`. Each URL
    /// is a target named by the URL itself, as file_sd's address becomes Prometheus' `instance`.
    mutating func discoveredTargets(_ root: Node, global: GlobalConfiguration) -> [TargetConfiguration] {
        guard case .sequence(let sequence) = root else {
            self.report(
                "expected a list of entries with keys targets and labels, got \(Self.kind(of: root))",
                at: root.position
            )
            return []
        }
        var targets: [TargetConfiguration] = []
        var firstLineByName: [String: Int] = [:]
        for (index, item) in sequence.enumerated() {
            let path = "[\(index)]"
            guard let fields = self.mapping(item, path: path, keys: Self.targetFileEntryKeys) else { continue }
            guard let list = fields["targets"] else {
                self.report("\(path): missing required key 'targets'", at: item.position)
                continue
            }
            for (position, node) in (self.sequence(list) ?? []).enumerated() {
                let field = ConfigurationField(
                    path: "\(list.path)[\(position)]",
                    key: "targets",
                    keyMark: nil,
                    node: node
                )
                guard let url = self.string(field) else { continue }
                if let firstLine = firstLineByName[url] {
                    self.report(
                        "\(field.path): duplicate target '\(url)' (first listed at line \(firstLine))",
                        at: field.mark
                    )
                    continue
                }
                firstLineByName[url] = field.mark?.line ?? 0
                let heartbeatTarget: HeartbeatTarget
                do {
                    heartbeatTarget = try HeartbeatTarget(url: url)
                } catch {
                    self.report("\(field.path): \(error.description)", at: field.mark)
                    continue
                }
                let before = self.diagnostics.count
                if let target = self.target(fields, name: url, heartbeatTarget: heartbeatTarget, global: global) {
                    targets.append(target)
                }
                // Wrong options are wrong for every URL of the entry: said once.
                if self.diagnostics.count > before { break }
            }
        }
        return targets
    }
}

/// Reads the files of `target_files:` for the agent, which reads them again whenever they change.
public enum TargetFileLoader {
    /// The files the patterns match now, sorted within each pattern, each file once.
    public static func files(matching patterns: [String]) -> [String] {
        var seen: Set<String> = []
        return patterns.flatMap { pattern -> [String] in
            if pattern.contains(where: { "*?[".contains($0) }) {
                return ConfigurationDecoder.matchingFiles(pattern) ?? []
            }
            return FileManager.default.fileExists(atPath: pattern) ? [pattern] : []
        }
        .filter { seen.insert($0).inserted }
    }

    /// The targets of one file, JSON or YAML (JSON is read as the YAML it also is).
    ///
    /// - Parameters:
    ///   - global: the defaults every target starts from (`global:` of tether.yml).
    ///   - environment: values for `${VAR}` references.
    /// - Throws: ``ConfigurationError`` with every problem found, each at its file:line:column.
    public static func load(
        file path: String,
        global: GlobalConfiguration,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) -> [TargetConfiguration] {
        let text = try ConfigurationLoader.read(file: path)
        return try Self.load(text: text, file: path, global: global, environment: environment)
    }

    /// The targets of a target file's text; `file` names it in diagnostics and is the base of
    /// relative paths in it.
    public static func load(
        text: String,
        file path: String,
        global: GlobalConfiguration,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) -> [TargetConfiguration] {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var decoder = ConfigurationDecoder(file: path, environment: environment, baseDirectory: directory)
        // An empty file is an empty list, as file_sd reads it: the usual state between deploys.
        guard let root = try ConfigurationLoader.compose(text, reportingTo: &decoder) else { return [] }
        let targets = decoder.discoveredTargets(root, global: global)
        guard decoder.diagnostics.isEmpty else {
            throw ConfigurationError(diagnostics: ConfigurationLoader.sorted(decoder.diagnostics))
        }
        return targets
    }
}
