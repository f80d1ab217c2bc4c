import Foundation
import Testing
import TetherConfig
import TetherRules

@Suite struct RuleTestFileLoaderTests {
    @Test("a promtool test file loads with promtool's defaults")
    func goodFile() throws {
        let directory = "\(Fixtures.directory)/rules"
        let file = try RuleTestFileLoader.load(file: "\(directory)/good-tether-test.yml")
        // The glob that matches nothing is left out, as promtool does (with a warning).
        #expect(file.ruleFiles == ["\(directory)/good-tether.yml"])
        #expect(file.evaluationInterval == PromQLDuration(milliseconds: 30_000))
        #expect(file.groupEvaluationOrder == ["tether-agent", "tether-targets"])
        #expect(file.tests.count == 2)

        let first = file.tests[0]
        #expect(first.name == "target down")
        #expect(first.interval == PromQLDuration(milliseconds: 15_000))
        #expect(first.externalLabels == ["agent": "test"])
        #expect(first.externalURL == "http://tether.example:9779")
        #expect(first.inputSeries.map(\.series) == ["tether_target_up{target=\"orders\"}", "tether_build_info"])
        #expect(first.inputSeries.map(\.values) == ["1 1 0x10", "1+0x20"])
        #expect(first.inputSeries.map(\.line) == [13, 15])
        #expect(first.alertRuleTests.map(\.evalTime) == [60_000, 180_000].map { PromQLDuration(milliseconds: $0) })
        #expect(first.alertRuleTests[0].expectedAlerts.isEmpty)
        let alert = try #require(first.alertRuleTests[1].expectedAlerts.first)
        #expect(alert.labels == ["severity": "critical", "target": "orders"])
        #expect(alert.annotations["description"] == "No heartbeat from orders answered for a minute\n(value 0).\n")
        #expect(first.promqlExpressionTests[0].expression == "tether_target_up")
        #expect(first.promqlExpressionTests[0].expectedSamples[0].labels == "tether_target_up{target=\"orders\"}")
        #expect(first.promqlExpressionTests[0].expectedSamples[0].value == 0)

        let second = file.tests[1]
        #expect(second.name == "")
        #expect(second.interval == nil)
        #expect(second.externalURL == "")
        #expect(second.promqlExpressionTests[0].evalTime == PromQLDuration(milliseconds: 0))
        #expect(second.promqlExpressionTests[0].expectedSamples[0].value == 1)
    }

    @Test("an empty file has promtool's defaults")
    func emptyFile() throws {
        let file = try RuleTestFileLoader.load(yaml: "", file: "t.yml", baseDirectory: nil)
        #expect(file.evaluationInterval == PromQLDuration(milliseconds: 60_000))
        #expect(file.tests.isEmpty)
    }

    @Test(
        "sample values as YAML numbers, as promtool reads them",
        arguments: [
            ("1e3", 1000.0), (".inf", .infinity), ("-.Inf", -.infinity), ("0x10", 16), ("1_000", 1000), ("010", 8),
            ("+5", 5), ("1.", 1), (".5", 0.5),
        ]
    )
    func sampleValues(text: String, value: Double) throws {
        let yaml = "tests:\n- promql_expr_test:\n  - expr: time()\n    exp_samples: [{value: \(text)}]\n"
        let file = try RuleTestFileLoader.load(yaml: yaml, file: "t.yml", baseDirectory: nil)
        #expect(file.tests[0].promqlExpressionTests[0].expectedSamples[0].value == value)
    }

    @Test("every rejection, with its position")
    func badFile() {
        let diagnostics: [String]
        do {
            _ = try RuleTestFileLoader.load(
                yaml: Fixtures.text("rules/bad-test.yml"),
                file: "bad-test.yml",
                baseDirectory: "\(Fixtures.directory)/rules"
            )
            diagnostics = ["loaded"]
        } catch {
            diagnostics = error.diagnostics.map(\.description)
        }
        #expect(
            diagnostics == [
                "bad-test.yml:2:22: evaluation_interval: expected a duration like 5m, got '1.5m'",
                "bad-test.yml:3:26: group_eval_order[2]: group name 'a' repeated in the evaluation order",
                "bad-test.yml:4:1: unknown key 'fuzzy_compare' at the top level; expected one of: rule_files, "
                    + "evaluation_interval, group_eval_order, tests",
                "bad-test.yml:7:5: unknown key 'bogus' in tests[0]; expected one of: interval, input_series, "
                    + "alert_rule_test, promql_expr_test, external_labels, external_url, name",
                "bad-test.yml:11:9: unknown key 'extra' in tests[0].input_series[0]; expected one of: series, values",
                "bad-test.yml:12:9: tests[0].input_series[1]: missing required key 'series'",
                "bad-test.yml:14:9: tests[0].alert_rule_test[0]: missing required key 'alertname'",
                "bad-test.yml:14:20: tests[0].alert_rule_test[0].eval_time: expected a duration like 5m, got '10'",
                "bad-test.yml:18:25: tests[0].alert_rule_test[1].exp_alerts[0].exp_labels: expected a mapping, got a list",
                "bad-test.yml:19:13: unknown key 'exp_severity' in tests[0].alert_rule_test[1].exp_alerts[0]; "
                    + "expected one of: exp_labels, exp_annotations",
                "bad-test.yml:21:21: tests[0].promql_expr_test[0].expr: unexpected end of input, expected ',' or ')'",
                "bad-test.yml:25:20: tests[0].promql_expr_test[0].exp_samples[0].value: expected a number, got '1'",
                "bad-test.yml:26:20: tests[0].promql_expr_test[0].exp_samples[1].value: expected a number, got 'true'",
                "bad-test.yml:27:13: unknown key 'histogram' in tests[0].promql_expr_test[0].exp_samples[2]; "
                    + "expected one of: labels, value",
                "bad-test.yml:28:9: tests[0].promql_expr_test[1]: missing required key 'expr'",
            ]
        )
    }
}
