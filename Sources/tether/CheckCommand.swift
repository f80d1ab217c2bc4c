import ArgumentParser
import TetherConfig

/// `tether check config|rules <files…>`: validate files without running anything, like promtool.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate configuration or rule files; exit 0 when all are valid, 1 when any is not.",
        subcommands: [Config.self, Rules.self]
    )

    /// `tether check` alone names nothing to check: bad usage (exit 2), not a help request (exit 0).
    func run() throws {
        throw ValidationError("name what to check: config or rules")
    }

    struct Config: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "config",
            abstract: "Check tether configuration files.",
            discussion: """
                Each file is checked completely: every problem is printed to standard error as \
                FILE:LINE:COLUMN: MESSAGE. A valid file prints 'FILE: ok (N targets)' to standard \
                output. ${VAR} references are expanded from the environment and *_file secrets are \
                read, as 'tether run' does, so check with the agent's environment. The rule files \
                named by rule_files are loaded and checked too, and so are the files target_files \
                matches now.

                Exit codes: 0 every file is valid; 1 a file is not; 2 bad usage.
                """
        )

        @Argument(help: "Configuration files to check.")
        var files: [String]

        func validate() throws {
            guard !self.files.isEmpty else { throw ValidationError("name at least one configuration file") }
        }

        func run() throws {
            var failed = false
            for file in self.files {
                do {
                    let configuration = try ConfigurationLoader.load(file: file)
                    var count = configuration.targets.count
                    var valid = true
                    // The target files as they are now; `tether run` reads them again as they change.
                    for targetFile in TargetFileLoader.files(matching: configuration.targetFiles) {
                        do {
                            count += try TargetFileLoader.load(file: targetFile, global: configuration.global).count
                        } catch {
                            valid = false
                            for diagnostic in error.diagnostics { Output.error(diagnostic.description) }
                        }
                    }
                    failed = failed || !valid
                    if valid { Output.line("\(file): ok (\(count) \(count == 1 ? "target" : "targets"))") }
                } catch {
                    failed = true
                    for diagnostic in error.diagnostics { Output.error(diagnostic.description) }
                }
            }
            if failed { throw ExitCode(1) }
        }
    }

    struct Rules: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rules",
            abstract: "Check Prometheus rule files, as 'promtool check rules' does.",
            discussion: """
                Each file is checked as Prometheus 2.42 checks it, and its expressions and templates \
                against the PromQL and template subsets tether evaluates. Output as promtool's: \
                'Checking FILE', then '  SUCCESS: N rules found' on standard output, or '  FAILED:' \
                and every problem as FILE:LINE:COLUMN: MESSAGE on standard error.

                Exit codes: 0 every file is valid; 1 a file is not; 2 bad usage.
                """
        )

        @Argument(help: "Rule files to check.")
        var files: [String]

        func validate() throws {
            guard !self.files.isEmpty else { throw ValidationError("name at least one rule file") }
        }

        func run() throws {
            var failed = false
            for file in self.files {
                Output.line("Checking \(file)")
                do {
                    let ruleFile = try RuleFileLoader.load(file: file)
                    Output.line("  SUCCESS: \(ruleFile.ruleCount) rules found")
                } catch {
                    failed = true
                    Output.error("  FAILED:")
                    for diagnostic in error.diagnostics { Output.error(diagnostic.description) }
                }
                Output.line("")
            }
            if failed { throw ExitCode(1) }
        }
    }
}
