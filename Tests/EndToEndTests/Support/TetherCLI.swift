import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The `tether` binary under test (docs-internal/cli-contract.md).
enum TetherCLI {
    /// `$TETHER_BIN`, else `tether` next to the running test bundle (`.build/<config>/`).
    static func binary() throws -> URL {
        let fileManager = FileManager.default
        if let explicit = ProcessInfo.processInfo.environment["TETHER_BIN"], !explicit.isEmpty {
            guard fileManager.isExecutableFile(atPath: explicit) else {
                throw E2EError("TETHER_BIN=\(explicit) is not an executable file")
            }
            return URL(fileURLWithPath: explicit)
        }
        var directories: [URL] = []
        if let executable = Bundle.main.executableURL {
            directories.append(executable.deletingLastPathComponent())
        }
        directories.append(Bundle.module.bundleURL.deletingLastPathComponent())
        if let first = CommandLine.arguments.first {
            directories.append(URL(fileURLWithPath: first).deletingLastPathComponent())
        }
        for directory in directories {
            let candidate = directory.appendingPathComponent("tether")
            if fileManager.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw E2EError(
            "tether binary not found (looked in \(directories.map(\.path).joined(separator: ", "))): "
                + "run `swift build` first, or set TETHER_BIN to its path"
        )
    }

    /// Runs `tether probe <arguments>` to completion, killing it after `timeout` (then this throws).
    static func probe(
        _ arguments: [String],
        in directory: TestDirectory,
        timeout: Duration = .seconds(30)
    ) async throws -> ProbeRun {
        let child = try ChildProcess(
            name: "tether-probe-\(UUID().uuidString.prefix(6))",
            executable: try binary(),
            arguments: ["probe"] + arguments,
            directory: directory.url
        )
        guard await child.waitForExit(timeout: timeout) else {
            let elapsed = child.elapsed
            child.send(SIGKILL)
            _ = await child.waitForExit(timeout: .seconds(5))
            throw E2EError(
                "tether probe \(arguments.joined(separator: " ")) did not exit within \(timeout) "
                    + "(killed after \(elapsed))\n--- stdout ---\n\(child.stdout)\n--- stderr ---\n\(child.stderr)"
            )
        }
        return ProbeRun(
            arguments: arguments,
            exitCode: child.exitCode ?? -1,
            killedBySignal: child.terminatedBySignal,
            stdout: child.stdout,
            stderr: child.stderr,
            elapsed: child.elapsed
        )
    }
}

extension Peer {
    /// `tether echo --listen 127.0.0.1:0`; the port comes from its
    /// `tether echo listening on 127.0.0.1:PORT` line.
    static func tetherEcho(in directory: TestDirectory) async throws -> Peer {
        try await start(
            name: "tether-echo",
            executable: try TetherCLI.binary(),
            arguments: ["echo", "--listen", "127.0.0.1:0"],
            port: .announced { stdout in
                for line in stdout.split(separator: "\n") {
                    if let match = line.wholeMatch(of: /tether echo listening on 127\.0\.0\.1:(\d+)/) {
                        return Int(match.1)
                    }
                }
                return nil
            },
            in: directory
        )
    }
}

/// One finished `tether probe` run.
struct ProbeRun: CustomStringConvertible {
    /// `N sent, N answered, N missed, N.N% loss`.
    struct Statistics: Equatable, CustomStringConvertible {
        var sent: Int
        var answered: Int
        var missed: Int
        var lossPercent: String

        var description: String { "\(sent) sent, \(answered) answered, \(missed) missed, \(lossPercent)% loss" }
    }

    let arguments: [String]
    let exitCode: Int32
    let killedBySignal: Bool
    let stdout: String
    let stderr: String
    let elapsed: Duration

    var stdoutLines: [String] { stdout.split(separator: "\n").map(String.init) }

    /// The statistics line of the text output (`N sent, N answered, N missed, N.N% loss`), if
    /// there is exactly one. Anything after `% loss` is tolerated here; `statisticsLine` is the
    /// line as printed, for the test that pins the exact format.
    var statistics: Statistics? {
        let found = stdoutLines.compactMap { Self.parseStatistics($0) }
        return found.count == 1 ? found[0] : nil
    }

    /// The statistics line as printed.
    var statisticsLine: String? {
        stdoutLines.first { Self.parseStatistics($0) != nil }
    }

    private static func parseStatistics(_ line: String) -> Statistics? {
        guard let match = line.wholeMatch(of: /(\d+) sent, (\d+) answered, (\d+) missed, ([0-9.]+)% loss.*/),
            let sent = Int(match.1),
            let answered = Int(match.2),
            let missed = Int(match.3)
        else { return nil }
        return Statistics(sent: sent, answered: answered, missed: missed, lossPercent: String(match.4))
    }

    /// stdout parsed as one JSON object (`--json`).
    func json() throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(stdout.utf8))
        guard let dictionary = object as? [String: Any] else {
            throw E2EError("--json output is not a JSON object:\n\(stdout)")
        }
        return dictionary
    }

    var description: String {
        let status = killedBySignal ? "killed by signal \(exitCode)" : "exit \(exitCode)"
        return """
            tether probe \(arguments.joined(separator: " ")) → \(status) after \(elapsed)
            --- stdout ---
            \(stdout)
            --- stderr ---
            \(stderr)
            """
    }
}
