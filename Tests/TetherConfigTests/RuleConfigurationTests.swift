import Foundation
import Testing
import TetherConfig
import TetherRules

/// `rule_files`, `alerting.state_dir` and `global.external_url` in tether.yml.
@Suite struct RuleConfigurationTests {
    @Test("rule_files: globs and paths from the config file's directory, loaded and checked")
    func ruleFilesLoad() throws {
        let directory = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: "\(directory.path)/rules", withIntermediateDirectories: true)
        let rules = "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n"
        directory.write("rules/b.yml", rules)
        directory.write("rules/a.yml", rules.replacingOccurrences(of: "name: g", with: "name: h"))
        directory.write("one.yml", "groups: []\n")
        let config = directory.write(
            "tether.yml",
            "rule_files: ['rules/*.yml', one.yml, 'rules/a.yml', 'none/*.yml']\nalerting: {state_dir: state}\n"
                + "global: {external_url: 'https://tether.example/sub/'}\n"
        )
        let configuration = try ConfigurationLoader.load(file: config, environment: [:])
        #expect(
            configuration.ruleFiles.map(\.path) == [
                "\(directory.path)/rules/a.yml", "\(directory.path)/rules/b.yml", "\(directory.path)/one.yml",
            ]
        )
        #expect(configuration.ruleFiles.map { $0.groups.map(\.name) } == [["h"], ["g"], []])
        #expect(configuration.stateDirectory == "\(directory.path)/state")
        #expect(configuration.global.externalURL == "https://tether.example/sub")
        #expect(configuration.externalURL(hostname: "ignored") == "https://tether.example/sub")
    }

    @Test("rule errors are reported by check config, after the config file's own, in the rule file's name")
    func ruleErrorsAreConfigErrors() {
        let directory = TemporaryDirectory()
        directory.write("bad.yml", "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up ==\n")
        let diagnostics = Fixtures.diagnostics(
            yaml: "rule_files: [bad.yml, missing.yml, 'a/*/b.yml']\nglobal: {external_url: 'ftp://x', intervall: 1s}\n",
            baseDirectory: directory.path
        )
        #expect(
            diagnostics == [
                "test.yml:1:23: rule_files[1]: cannot read '\(directory.path)/missing.yml': no such file",
                "test.yml:1:36: rule_files[2]: invalid rule file path 'a/*/b.yml': '*' is allowed in the last path "
                    + "element only",
                "test.yml:2:24: global.external_url: expected an absolute http:// or https:// URL, got 'ftp://x'",
                "test.yml:2:35: unknown key 'intervall' in global; expected one of: interval, timeout, down_after, "
                    + "interval_when_failing, connect_timeout, close_timeout, max_concurrent_connects, "
                    + "max_frame_bytes, evaluation_interval, external_labels, external_url",
                "\(directory.path)/bad.yml:5:16: groups[0].rules[0].expr: unexpected end of input, expected expression",
            ]
        )
    }

    @Test("$ in rule files is left alone even when the config expands ${VAR}")
    func noExpansionInRuleFiles() throws {
        let directory = TemporaryDirectory()
        directory.write(
            "r.yml",
            "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    annotations: {s: '${X} {{ $value }}'}\n"
        )
        let config = directory.write("tether.yml", "rule_files: [r.yml]\nalerting:\n  state_dir: ${DIR}\n")
        let configuration = try ConfigurationLoader.load(file: config, environment: ["DIR": "/var/lib/tether"])
        #expect(configuration.ruleFiles[0].groups[0].rules[0].annotations == ["s": "${X} {{ $value }}"])
        #expect(configuration.stateDirectory == "/var/lib/tether")
    }
}
