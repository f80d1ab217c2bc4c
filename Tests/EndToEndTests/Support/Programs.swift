import Foundation
import Synchronization

/// The real programs the tests talk to (DESIGN.md §10). A missing one is a test failure, never a
/// skip: `.ci/run` installs all of them from Debian's packages.
enum Programs {
    static let installHint =
        "install the peers with `apt-get install python3-websockets nginx-light openssl redis-server mosquitto "
        + "prometheus` "
        + "(what .ci/run does)"

    /// Debian's interpreter, which sees Debian's python3-websockets (a pyenv `python3` first in
    /// PATH does not).
    static func python() async throws -> URL {
        try await checkPython()
    }

    static func nginx() throws -> URL {
        let url = URL(fileURLWithPath: "/usr/sbin/nginx")
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw E2EError("nginx not found at /usr/sbin/nginx: \(installHint)")
        }
        return url
    }

    static func openssl() throws -> URL {
        guard let url = inPath("openssl") else {
            throw E2EError("openssl not found in PATH: \(installHint)")
        }
        return url
    }

    /// A file under the test target's `Fixtures` resource directory.
    static func fixture(_ name: String) throws -> URL {
        guard let directory = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            throw E2EError("the EndToEndTests resource bundle has no Fixtures directory")
        }
        let url = directory.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw E2EError("fixture \(name) missing in \(directory.path)")
        }
        return url
    }

    static func inPath(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    /// Whether `/usr/bin/python3 -c 'import websockets'` succeeded once already in this process.
    private static let pythonChecked = Mutex(false)

    private static func checkPython() async throws -> URL {
        let url = URL(fileURLWithPath: "/usr/bin/python3")
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw E2EError("Debian's /usr/bin/python3 not found: \(installHint)")
        }
        if pythonChecked.withLock({ $0 }) { return url }
        let directory = try TestDirectory("python-check")
        defer { directory.remove() }
        let check = try ChildProcess(
            name: "python-check",
            executable: url,
            arguments: ["-c", "import websockets; print(websockets.__version__)"],
            directory: directory.url
        )
        guard await check.waitForExit(timeout: .seconds(30)) else {
            check.stop()
            throw E2EError("/usr/bin/python3 -c 'import websockets' did not finish within 30s")
        }
        guard check.exitCode == 0 else {
            throw E2EError(
                "/usr/bin/python3 cannot import websockets (\(installHint)):\n\(check.stderr)"
            )
        }
        pythonChecked.withLock { $0 = true }
        return url
    }
}
