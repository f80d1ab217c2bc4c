import ArgumentParser
import TetherConfig
import TetherRules

/// `tether test rules <files…>`: promtool's rule unit tests, run by tether's own rule engine.
struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run rule unit tests; exit 0 when all pass, 1 when any fails.",
        subcommands: [Rules.self]
    )

    /// `tether test` alone names nothing to test: bad usage (exit 2).
    func run() throws {
        throw ValidationError("name what to test: rules")
    }

    struct Rules: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rules",
            abstract: "Run promtool rule unit-test files, as 'promtool test rules' does.",
            discussion: """
                The files are promtool's format (rule_files, evaluation_interval, group_eval_order, \
                tests with interval, input_series, alert_rule_test, promql_expr_test, external_labels, \
                external_url), and tether evaluates the rules with its own engine, as 'tether run' \
                does. Output follows promtool: 'Unit Testing:  FILE' then '  SUCCESS' or '  FAILED:' \
                and what differed.

                Exit codes: 0 every test passes; 1 a test fails or a file does not load; 2 bad usage.
                """
        )

        @Argument(help: "Rule unit-test files.")
        var files: [String]

        func validate() throws {
            guard !self.files.isEmpty else { throw ValidationError("name at least one test file") }
        }

        func run() throws {
            var failed = false
            for file in self.files {
                Output.line("Unit Testing:  \(file)")
                let failures = Self.test(file)
                if failures.isEmpty {
                    Output.line("  SUCCESS")
                } else {
                    failed = true
                    Output.error("  FAILED:")
                    for failure in failures {
                        Output.error(failure)
                        Output.line("")
                    }
                }
                Output.line("")
            }
            if failed { throw ExitCode(1) }
        }

        /// The failures of one test file, load errors included.
        static func test(_ file: String) -> [String] {
            do {
                let tests = try RuleTestFileLoader.load(file: file)
                var ruleFiles: [RuleFile] = []
                for path in tests.ruleFiles { ruleFiles.append(try RuleFileLoader.load(file: path)) }
                return RuleTestRunner(file: tests, ruleFiles: ruleFiles).run()
            } catch {
                return error.diagnostics.map { "    \($0)" }
            }
        }
    }
}
