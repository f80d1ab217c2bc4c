import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `tether test rules` must agree with `promtool test rules` on promtool's own rule unit-test
/// files (DESIGN.md §5, issue 4).
///
/// Every `*.test.yml` in `Fixtures/rules-conformance/` runs through both tools. The file's name
/// says what promtool does with it: `<topic>.test.yml` passes (exit 0), `<topic>.fail.test.yml`
/// fails (exit 1). That is checked first, so a fixture that stopped meaning what it says is caught
/// on its own; then tether's exit code must equal promtool's. The folder's README lists what each
/// file covers. A missing promtool is a failure, never a skip.
@Suite("tether test rules agrees with promtool test rules", .timeLimit(.minutes(2)))
struct RulesConformanceTests {
    /// The fixture folder inside the test target's resources.
    static let folder = "rules-conformance"

    /// The unit-test files by name, sorted; empty when the folder is missing, which
    /// `enoughFiles()` reports.
    static let files: [String] = (try? testFiles()) ?? []

    @Test("the conformance suite has at least 40 unit-test files, pass and fail")
    func enoughFiles() throws {
        let files = try Self.testFiles()
        #expect(files.count >= 40, "only \(files.count) unit-test files in \(Self.folder): \(files)")
        #expect(files.contains { $0.hasSuffix(".fail.test.yml") }, "no file written to fail: \(files)")
        #expect(files.contains { !$0.hasSuffix(".fail.test.yml") }, "no file written to pass: \(files)")
    }

    @Test("promtool and tether give the same verdict", arguments: files)
    func sameVerdict(file: String) async throws {
        let fixtures = try Programs.fixture(Self.folder)
        let dir = try TestDirectory("rules-conformance")
        defer { dir.remove() }
        let expectedPromtoolExit: Int32 = file.hasSuffix(".fail.test.yml") ? 1 : 0

        let promtool = try await Self.testRules(
            executable: try Programs.promtool(),
            arguments: ["test", "rules", file],
            in: fixtures,
            logs: dir,
            name: "promtool"
        )
        let tether = try await Self.testRules(
            executable: try TetherCLI.binary(),
            arguments: ["test", "rules", file],
            in: fixtures,
            logs: dir,
            name: "tether"
        )

        let both = "\(promtool)\n\(tether)"
        #expect(
            promtool.exitCode == expectedPromtoolExit,
            "\(file) should make promtool exit \(expectedPromtoolExit) (its name says so)\n\(both)"
        )
        #expect(tether.exitCode == promtool.exitCode, "\(file): tether and promtool disagree\n\(both)")
    }

    /// The `*.test.yml` files of the fixture folder, sorted by name.
    static func testFiles() throws -> [String] {
        let fixtures = try Programs.fixture(folder)
        return try FileManager.default.contentsOfDirectory(atPath: fixtures.path)
            .filter { $0.hasSuffix(".test.yml") }
            .sorted()
    }

    /// Runs `<executable> <arguments>` to completion with `directory` as its working directory
    /// (through `env -C`, as `ChildProcess` spawns in the test's own), so that both tools see the
    /// same relative file name; stdout and stderr go to files in `logs`.
    private static func testRules(
        executable: URL,
        arguments: [String],
        in directory: URL,
        logs: TestDirectory,
        name: String,
        timeout: Duration = .seconds(60)
    ) async throws -> RulesTestRun {
        guard let env = Programs.inPath("env") else {
            throw E2EError("env not found in PATH (coreutils)")
        }
        let child = try ChildProcess(
            name: name,
            executable: env,
            arguments: ["-C", directory.path, executable.path] + arguments,
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
        return RulesTestRun(
            command: command,
            exitCode: child.terminatedBySignal ? -1 : child.exitCode ?? -1,
            stdout: child.stdout,
            stderr: child.stderr
        )
    }
}

/// One finished `… test rules <file>` run.
private struct RulesTestRun: CustomStringConvertible {
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
