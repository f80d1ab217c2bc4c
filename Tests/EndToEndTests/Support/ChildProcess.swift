import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A program started by a test, with stdout and stderr going to files in the test's directory.
///
/// Spawned with `posix_spawn` and reaped with `waitpid` rather than through Foundation's `Process`:
/// the tests spawn many processes concurrently, and a child must never inherit another child's
/// descriptors (a leaked socket keeps a port bound, a leaked exit-notification descriptor delays
/// noticing an exit by however long the other child lives). Every descriptor above stderr is
/// closed in the child. Files rather than pipes: a chatty peer can never block on a full pipe.
/// Linux (glibc 2.34+) only, like the CI that runs these tests.
final class ChildProcess {
    let name: String
    let stdoutURL: URL
    let stderrURL: URL
    let pid: pid_t
    private let startedAt: ContinuousClock.Instant
    private var waitStatus: Int32?
    private var endedAt: ContinuousClock.Instant?

    /// Starts `executable` with `arguments`; stdin is /dev/null, signal dispositions and mask are
    /// reset to the defaults.
    /// - Parameters:
    ///   - name: how messages name this process (also the stem of its log files).
    ///   - environment: added to (or replacing entries of) this process's environment.
    ///   - directory: where `<name>.stdout` and `<name>.stderr` are written.
    init(
        name: String,
        executable: URL,
        arguments: [String],
        environment: [String: String] = [:],
        directory: URL
    ) throws {
        self.name = name
        stdoutURL = directory.appendingPathComponent("\(name).stdout")
        stderrURL = directory.appendingPathComponent("\(name).stderr")

        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { _, new in new }
        let argv = ([executable.path] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv + envp { free(pointer) }
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutURL.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrURL.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        try Self.closeDescriptorsFromThree(&actions)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2] {
            sigaddset(&defaultSignals, signal)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var child: pid_t = 0
        let result = posix_spawn(&child, executable.path, &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw E2EError("\(name): cannot start \(executable.path): \(String(cString: strerror(result)))")
        }
        pid = child
        startedAt = .now
    }

    deinit {
        // Safety net only: tests stop their peers explicitly, with `defer { peer.stop() }`.
        stop()
    }

    var isRunning: Bool {
        reap()
        return waitStatus == nil
    }

    /// Wall time from start to exit (to now while running), to within the 5 ms polling step.
    var elapsed: Duration { (endedAt ?? .now) - startedAt }

    /// The exit status, or the signal number when `terminatedBySignal`; nil while running.
    var exitCode: Int32? {
        reap()
        guard let status = waitStatus else { return nil }
        return status & 0x7f == 0 ? (status >> 8) & 0xff : status & 0x7f
    }

    var terminatedBySignal: Bool {
        reap()
        guard let status = waitStatus else { return false }
        return status & 0x7f != 0
    }

    var stdout: String { Self.read(stdoutURL) }
    var stderr: String { Self.read(stderrURL) }

    /// Sends `signal` unless the process has been reaped (until then its pid cannot be reused).
    func send(_ signal: Int32) {
        guard isRunning else { return }
        kill(pid, signal)
    }

    /// Waits until the process exits, polling; true when it did within `timeout`.
    func waitForExit(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while isRunning {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return true
    }

    /// Stops the process: SIGCONT (a stopped process cannot act on SIGTERM), SIGTERM, and SIGKILL
    /// when it is still there after `grace`. Synchronous so that it can run in `defer`; the peers
    /// exit on SIGTERM within milliseconds, so it blocks only that long.
    func stop(grace: Duration = .seconds(3)) {
        guard isRunning else { return }
        send(SIGCONT)
        send(SIGTERM)
        if waitBlocking(timeout: grace) { return }
        send(SIGKILL)
        _ = waitBlocking(timeout: .seconds(5))
    }

    private func waitBlocking(timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while isRunning {
            if ContinuousClock.now >= deadline { return false }
            usleep(2_000)
        }
        return true
    }

    private func reap() {
        guard waitStatus == nil else { return }
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid {
            waitStatus = status
            endedAt = .now
        } else if result == -1 && errno == ECHILD {
            // Reaped by someone else: it is gone, its status unknown.
            waitStatus = 0x7f
            endedAt = .now
        }
    }

    /// `posix_spawn_file_actions_addclosefrom_np` (glibc 2.34+), which Swift's Glibc module does
    /// not import, looked up at run time.
    private static func closeDescriptorsFromThree(_ actions: inout posix_spawn_file_actions_t) throws {
        typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "posix_spawn_file_actions_addclosefrom_np") else {
            throw E2EError("posix_spawn_file_actions_addclosefrom_np not available (glibc 2.34+ needed)")
        }
        let addCloseFrom = unsafeBitCast(symbol, to: AddCloseFrom.self)
        guard addCloseFrom(&actions, 3) == 0 else {
            throw E2EError("posix_spawn_file_actions_addclosefrom_np failed: errno \(errno)")
        }
    }

    /// The end of a log, for failure messages.
    static func tail(_ text: String, lines: Int = 40) -> String {
        let all = text.split(separator: "\n", omittingEmptySubsequences: false)
        return all.suffix(lines).joined(separator: "\n")
    }

    static func read(_ url: URL) -> String {
        guard let data = FileManager.default.contents(atPath: url.path) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }
}
