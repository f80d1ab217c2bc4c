import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The alert rules shipped in `alert-rules/` (issue 6) stay valid: promtool and tether both
/// accept the rule files and pass their unit tests, every alert has a unit test, a runbook
/// section its `runbook_url` links to and a row in the README, and the files tether loads
/// (`alert-rules/*.yml`) use nothing only Prometheus has.
///
/// The tools run in the repository root on relative paths, so their output names the files as a
/// developer would type them. A missing promtool is a failure, never a skip.
@Suite("Shipped alert rules", .timeLimit(.minutes(2)))
struct AlertRulesShippedTests {
    /// The repository root, three levels above this file.
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Rule files tether loads with `rule_files: [alert-rules/*.yml]`.
    static let tetherRuleFolder = "alert-rules"
    /// Rule files for Prometheus only (they alert on `up`); outside the `*.yml` glob above.
    static let prometheusRuleFolder = "alert-rules/prometheus"
    static let testFolder = "alert-rules/tests"
    static let runbook = "alert-rules/RUNBOOK.md"
    static let runbookURL = "https://github.com/tether-dev/tether/blob/main/alert-rules/RUNBOOK.md#"

    @Test("promtool check rules accepts every rule file")
    func promtoolChecks() async throws {
        let files = try Self.ruleFiles()
        let run = try await Self.run(try Programs.promtool(), ["check", "rules"] + files, name: "promtool-check")
        #expect(run.exitCode == 0, "\(run)")
    }

    @Test("tether check rules accepts every rule file")
    func tetherChecks() async throws {
        let files = try Self.ruleFiles()
        let run = try await Self.run(try TetherCLI.binary(), ["check", "rules"] + files, name: "tether-check")
        #expect(run.exitCode == 0, "\(run)")
    }

    @Test("promtool test rules passes every unit-test file")
    func promtoolTests() async throws {
        let files = try Self.files(in: Self.testFolder)
        try #require(!files.isEmpty, "no unit-test files in \(Self.testFolder)")
        let run = try await Self.run(try Programs.promtool(), ["test", "rules"] + files, name: "promtool-test")
        #expect(run.exitCode == 0, "\(run)")
    }

    @Test("tether test rules passes every unit-test file")
    func tetherTests() async throws {
        let files = try Self.files(in: Self.testFolder)
        try #require(!files.isEmpty, "no unit-test files in \(Self.testFolder)")
        let run = try await Self.run(try TetherCLI.binary(), ["test", "rules"] + files, name: "tether-test")
        #expect(run.exitCode == 0, "\(run)")
    }

    @Test("every alert has a unit test, a runbook section, its runbook_url and a README row")
    func everyAlertDocumentedAndTested() throws {
        let rules = try Self.ruleFiles().map { try Self.read($0) }.joined(separator: "\n")
        let alerts = Self.captures(of: /(?m)^\s*-\s*alert:\s*(\S+)\s*$/, in: rules)
        try #require(alerts.count >= 10, "only \(alerts.count) alerts in the rule files: \(alerts)")

        let tests = try Self.files(in: Self.testFolder).map { try Self.read($0) }.joined(separator: "\n")
        let tested = Set(Self.captures(of: /(?m)^\s*alertname:\s*(\S+)\s*$/, in: tests))
        let headings = Set(Self.captures(of: /(?m)^## (\S+)\s*$/, in: try Self.read(Self.runbook)))
        let links = Self.captures(of: /(?m)^\s*runbook_url:\s*(\S+)\s*$/, in: rules)
        let readme = try Self.read("README.md")

        for alert in alerts {
            #expect(tested.contains(alert), "\(alert) has no alert_rule_test in \(Self.testFolder)")
            #expect(headings.contains(alert), "\(alert) has no `## \(alert)` section in \(Self.runbook)")
            #expect(links.contains(Self.runbookURL + alert.lowercased()), "\(alert) does not link its runbook")
            #expect(readme.contains("| `\(alert)` |"), "\(alert) is missing from the README's table")
        }
        #expect(links.count == alerts.count, "every alert needs exactly one runbook_url: \(links)")
        #expect(Set(alerts).count == alerts.count, "alert names repeat: \(alerts)")
    }

    @Test("the rule files tether loads use neither `up` nor `job`")
    func tetherFilesArePrometheusIndependent() throws {
        for file in try Self.files(in: Self.tetherRuleFolder) {
            let text = try Self.read(file)
            #expect(text.firstMatch(of: /\bup\s*[{(]|\bup\s*==|\bjob\s*=/) == nil, "\(file) names `up` or `job`")
        }
    }

    /// The rule files, tether's first: `alert-rules/*.yml`, then `alert-rules/prometheus/*.yml`.
    static func ruleFiles() throws -> [String] {
        let files = try files(in: tetherRuleFolder) + files(in: prometheusRuleFolder)
        try #require(!files.isEmpty, "no rule files in \(tetherRuleFolder)")
        return files
    }

    /// `<folder>/*.yml` relative to the repository root, sorted.
    static func files(in folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: repository.appendingPathComponent(folder).path)
            .filter { $0.hasSuffix(".yml") }
            .sorted()
            .map { "\(folder)/\($0)" }
    }

    static func read(_ path: String) throws -> String {
        try String(contentsOf: repository.appendingPathComponent(path), encoding: .utf8)
    }

    static func captures(of regex: Regex<(Substring, Substring)>, in text: String) -> [String] {
        text.matches(of: regex).map { String($0.output.1) }
    }

    /// Runs `<executable> <arguments>` to completion in the repository root (through `env -C`, as
    /// `ChildProcess` spawns in the test's own directory); output goes to a temporary directory.
    static func run(
        _ executable: URL,
        _ arguments: [String],
        name: String,
        timeout: Duration = .seconds(60)
    ) async throws -> ShippedRulesRun {
        guard let env = Programs.inPath("env") else {
            throw E2EError("env not found in PATH (coreutils)")
        }
        let logs = try TestDirectory("alert-rules-\(name)")
        defer { logs.remove() }
        let child = try ChildProcess(
            name: name,
            executable: env,
            arguments: ["-C", repository.path, executable.path] + arguments,
            directory: logs.url
        )
        let command = ([executable.lastPathComponent] + arguments).joined(separator: " ")
        guard await child.waitForExit(timeout: timeout) else {
            child.send(SIGKILL)
            _ = await child.waitForExit(timeout: .seconds(5))
            throw E2EError(
                "\(command) did not exit within \(timeout)\n--- stdout ---\n\(child.stdout)\n--- stderr ---\n\(child.stderr)"
            )
        }
        return ShippedRulesRun(
            command: command,
            exitCode: child.terminatedBySignal ? -1 : child.exitCode ?? -1,
            stdout: child.stdout,
            stderr: child.stderr
        )
    }
}

/// One finished `promtool|tether check|test rules …` run over the shipped rules.
struct ShippedRulesRun: CustomStringConvertible {
    let command: String
    /// The exit status; -1 when killed by a signal.
    let exitCode: Int32
    let stdout: String
    let stderr: String

    var description: String {
        """
        \(command) → exit \(exitCode)
        --- stdout ---
        \(stdout)
        --- stderr ---
        \(stderr)
        """
    }
}
