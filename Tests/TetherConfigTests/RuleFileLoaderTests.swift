import Foundation
import Testing
import TetherConfig
import TetherRules

@Suite struct RuleFileLoaderTests {
    static func diagnostics(_ fixture: String) -> [String] {
        do {
            let file = try RuleFileLoader.load(yaml: Fixtures.text("rules/\(fixture)"), file: fixture)
            return ["loaded with \(file.ruleCount) rules"]
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    static func diagnostics(yaml: String) -> [String] {
        do {
            let file = try RuleFileLoader.load(yaml: yaml, file: "rules.yml")
            return ["loaded with \(file.ruleCount) rules"]
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    @Test("tether's own alert rules load with everything they say")
    func tetherRules() throws {
        let file = try RuleFileLoader.load(file: "\(Fixtures.directory)/rules/good-tether.yml")
        #expect(file.path == "\(Fixtures.directory)/rules/good-tether.yml")
        #expect(file.groups.map(\.name) == ["tether-targets", "tether-agent", "empty"])
        #expect(file.groups.map(\.interval) == [PromQLDuration(milliseconds: 30_000), nil, nil])
        #expect(file.groups.map(\.limit) == [0, 10, 0])
        #expect(file.groups.allSatisfy { $0.file == file.path })
        #expect(file.ruleCount == 5)

        let down = file.groups[0].rules[0]
        #expect(down.kind == .alerting(name: "TetherTargetDown"))
        #expect(down.expressionText == "tether_target_up == 0")
        #expect(down.expression == (try PromQLParser.parse("tether_target_up == 0")))
        #expect(down.forDuration == PromQLDuration(milliseconds: 60_000))
        #expect(down.keepFiringFor == PromQLDuration(milliseconds: 120_000))
        #expect(down.labels == ["severity": "critical"])
        #expect(
            down.annotations == [
                "summary": "{{ $labels.target }} is down",
                "description": "No heartbeat from {{ $labels.target }} answered for a minute\n(value {{ $value }}).\n",
            ]
        )
        #expect(down.line == 6)

        let rtt = file.groups[0].rules[1]
        #expect(rtt.expressionText.hasPrefix("histogram_quantile(0.99,\n  sum by (target, le)"))
        #expect(rtt.annotations["summary"] == "p99 RTT of {{ $labels.target }} is {{ $value | humanizeDuration }}")

        let recording = file.groups[0].rules[2]
        #expect(recording.kind == .recording(name: "target:tether_heartbeats_missed:rate5m"))
        #expect(recording.labels == ["source": "tether"])
        #expect(recording.forDuration == PromQLDuration(milliseconds: 0))
        #expect(file.groups[1].rules[1].forDuration == PromQLDuration(milliseconds: 0))
    }

    @Test("rules in the style of the node-exporter mixin load")
    func mixinRules() throws {
        let file = try RuleFileLoader.load(file: "\(Fixtures.directory)/rules/good-node.yml")
        #expect(file.ruleCount == 7)
        #expect(file.groups[1].rules.map(\.name).first == "instance:node_num_cpu:sum")
        #expect(file.groups[1].rules.last?.kind == .recording(name: "job:up:ratio"))
    }

    @Test(
        "what Prometheus accepts, tether accepts",
        arguments: [
            ("", 0),
            ("groups:\n", 0),
            ("groups: []\n", 0),
            ("groups:\n- name: g\n", 0),
            ("groups:\n- name: g\n  interval: 0\n  limit: 1.5\n  rules:\n  - null\n", 0),
            ("groups:\n- name: 5\n  rules:\n  - alert: 5\n    expr: 5\n    for: 0\n", 1),
            ("groups:\n- name: g\n  rules:\n  - alert: a b\n    expr: up\n    for: 1w2d\n", 1),
            ("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    for: 1d1ms\n    keep_firing_for: 0ms\n", 1),
            (
                "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    labels: {a: ~, b: 1.50, c: yes, __x: y}\n",
                1
            ),
            ("groups:\n- name: g\n  rules:\n  - record: r\n    expr: up\n    for: 0s\n    labels: {__meta: ok}\n", 1),
            ("groups:\n- name: g\n  rules:\n  - record: r\n    expr: up\n  - record: r\n    expr: up\n", 2),
            // No ${VAR} expansion: the text stays as written.
            ("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    labels: {a: '${HOME}'}\n", 1),
        ]
    )
    func accepted(yaml: String, rules: Int) {
        #expect(Self.diagnostics(yaml: yaml) == ["loaded with \(rules) rules"])
    }

    @Test func noEnvironmentExpansion() throws {
        let yaml = "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    labels: {a: '${HOME}'}\n"
        let file = try RuleFileLoader.load(yaml: yaml, file: "rules.yml")
        #expect(file.groups[0].rules[0].labels == ["a": "${HOME}"])
    }

    static let rejections: [FixtureCase] = [
        FixtureCase(
            "bad-structure.yml",
            [
                "bad-structure.yml:3:5: unknown key 'query_offset' in groups[0]; expected one of: name, interval, "
                    + "limit, rules",
                "bad-structure.yml:4:5: unknown key 'labels' in groups[0]; expected one of: name, interval, limit, rules",
                "bad-structure.yml:8:9: unknown key 'summary' in groups[0].rules[0]; expected one of: record, alert, "
                    + "expr, for, keep_firing_for, labels, annotations",
                "bad-structure.yml:9:5: groups[1]: missing required key 'name'",
                "bad-structure.yml:9:15: groups[1].interval: expected a duration like 5m, got '1.5m'",
                "bad-structure.yml:10:12: groups[1].limit: expected an integer, got '2'",
                "bad-structure.yml:11:12: groups[1].rules: expected a list, got a mapping",
                "bad-structure.yml:12:11: groups[2].name: must not be empty",
                "bad-structure.yml:13:11: groups[3].name: duplicate group name 'first' (first defined at line 2)",
                "bad-structure.yml:18:1: unknown key 'rule_files' at the top level; expected one of: groups",
            ]
        ),
        FixtureCase(
            "bad-rules.yml",
            [
                "bad-rules.yml:4:17: groups[0].rules[0].record: invalid recording rule name 'job:up{sum}': metric "
                    + "names match [a-zA-Z_:][a-zA-Z0-9_:]* (should the braces be in expr?)",
                "bad-rules.yml:6:9: groups[0].rules[0].for: only alerting rules have 'for'",
                "bad-rules.yml:8:9: groups[0].rules[0].annotations: only alerting rules have annotations",
                "bad-rules.yml:9:18: groups[0].rules[0].labels: invalid label name '__name__': a rule cannot set "
                    + "the metric name",
                "bad-rules.yml:9:31: groups[0].rules[0].labels: invalid label name '1a': label names match "
                    + "[a-zA-Z_][a-zA-Z0-9_]*",
                "bad-rules.yml:10:9: groups[0].rules[1]: one of 'record' or 'alert' must be set",
                "bad-rules.yml:12:9: groups[0].rules[2]: only one of 'record' and 'alert' may be set",
                "bad-rules.yml:16:14: groups[0].rules[3].for: expected a duration like 5m, got '5'",
                "bad-rules.yml:17:26: groups[0].rules[3].keep_firing_for: expected a duration like 5m, got '-1m'",
                "bad-rules.yml:18:23: groups[0].rules[3].annotations: invalid annotation name 'bad-name': "
                    + "annotation names match [a-zA-Z_][a-zA-Z0-9_]*",
                "bad-rules.yml:19:9: groups[0].rules[4]: one of 'record' or 'alert' must be set",
                "bad-rules.yml:19:9: groups[0].rules[4]: missing required key 'expr'",
            ]
        ),
        FixtureCase(
            "bad-expressions.yml",
            [
                "bad-expressions.yml:5:20: groups[0].rules[0].expr: unexpected end of input, expected expression",
                // At the end of the text: after the closing quote's position, and after the block's last line.
                "bad-expressions.yml:7:22: groups[0].rules[1].expr: unexpected end of input, expected ',' or ')'",
                "bad-expressions.yml:13:11: groups[0].rules[2].expr: unexpected end of input, expected ',' or ')'",
                "bad-expressions.yml:14:15: groups[0].rules[3].expr: must not be empty",
                // promtool accepts it; tether's subset has no label_replace (DESIGN §5).
                "bad-expressions.yml:16:15: groups[0].rules[4].expr: function 'label_replace' is not supported by "
                    + "tether",
                "bad-expressions.yml:18:15: groups[0].rules[5].expr: expected a PromQL expression, got a list",
                // Line 2 of a block scalar, at the block's indentation plus the column in the text.
                "bad-expressions.yml:22:15: groups[0].rules[6].expr: unexpected '*', expected expression",
            ]
        ),
        FixtureCase(
            "bad-templates.yml",
            [
                // At the template's own position: inside the quotes, and on line 2 of the block.
                "bad-templates.yml:6:18: groups[0].rules[0].labels.x: invalid template: unclosed action",
                "bad-templates.yml:10:12: groups[0].rules[0].annotations.a: invalid template: function \"nosuch\" "
                    + "not defined",
            ]
        ),
    ]

    @Test("every rejection, with its position", arguments: Self.rejections)
    func rejected(_ fixture: FixtureCase) {
        #expect(Self.diagnostics(fixture.fixture) == fixture.diagnostics)
    }

    @Test(
        "documents that are not rule files",
        arguments: [
            ("- a\n", ["rules.yml:1:1: expected a mapping at the top level with key groups, got a list"]),
            ("groups: {}\n", ["rules.yml:1:9: groups: expected a list, got a mapping"]),
            (
                "groups:\n- name: g\n  name: h\n",
                ["rules.yml:3:3: duplicate key 'name' in a mapping (first defined at line 2)"]
            ),
            (
                "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    labels: {a: [1]}\n",
                ["rules.yml:6:17: groups[0].rules[0].labels.a: expected a string, got a list"]
            ),
        ]
    )
    func notRuleFiles(yaml: String, expected: [String]) {
        #expect(Self.diagnostics(yaml: yaml) == expected)
    }

    @Test("a file that cannot be read is one diagnostic for the whole file")
    func unreadable() {
        let path = "\(Fixtures.directory)/rules/no-such-file.yml"
        #expect(throws: ConfigurationError.self) { try RuleFileLoader.load(file: path) }
        do {
            _ = try RuleFileLoader.load(file: path)
        } catch {
            #expect(error.diagnostics.map(\.description) == ["\(path): cannot read the file: no such file"])
        }
    }
}
