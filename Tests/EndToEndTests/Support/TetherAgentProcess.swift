import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `tether run --config FILE` started by a test: the configuration is written into the test's
/// directory with a free loopback port for `server.listen`, and `start` returns once `/-/ready`
/// answers 200.
///
/// A test calls `stop()` in `defer` right after starting it (SIGTERM, SIGKILL after a grace
/// period); `terminate()` is the checked shutdown that returns the exit status. The agent's log
/// (stderr, `--log-level debug`) is kept in the directory and quoted in failure messages.
final class TetherAgentProcess {
    let configURL: URL
    /// The `server.listen` port: `/metrics`, `/-/ready`, `/api/v1/targets`.
    let port: Int
    private let child: ChildProcess

    private init(configURL: URL, port: Int, child: ChildProcess) {
        self.configURL = configURL
        self.port = port
        self.child = child
    }

    /// Writes `configuration` plus a `server:` section (listen on 127.0.0.1 and a free port) to
    /// `<name>.yml`, starts `tether run` and waits until `/-/ready` answers 200.
    /// - Parameters:
    ///   - configuration: YAML without a `server:` section (`global`, `reconnect`, `targets`).
    ///   - arguments: more options for `tether run` (e.g. `--shard 0/3`).
    ///   - timeout: how long tether may take to become ready.
    static func start(
        configuration: String,
        in directory: TestDirectory,
        name: String = "tether-run",
        arguments: [String] = [],
        timeout: Duration = .seconds(60)
    ) async throws -> TetherAgentProcess {
        let binary = try TetherCLI.binary()
        // A free port can be taken by someone else before tether binds it: try another one then.
        for attempt in 1...3 {
            let port = try Ports.freeLoopbackPort()
            let configURL = directory.file("\(name).yml")
            let text = configuration + "\nserver:\n  listen: \"127.0.0.1:\(port)\"\n"
            try text.write(to: configURL, atomically: true, encoding: .utf8)
            let child = try ChildProcess(
                name: name,
                executable: binary,
                arguments: ["run", "--config", configURL.path, "--log-level", "debug"] + arguments,
                directory: directory.url
            )
            let agent = TetherAgentProcess(configURL: configURL, port: port, child: child)
            let deadline = ContinuousClock.now + timeout
            while true {
                // Another test's tether may have been handed the same free port: only a 200 from a
                // socket that this process listens on counts.
                if agent.listensOnItsPort,
                    let ready = try? await LoopbackHTTP.get(port: port, path: "/-/ready", timeout: .seconds(2)),
                    ready.status == 200
                {
                    return agent
                }
                if !child.isRunning {
                    if attempt < 3 && child.stderr.contains("Address already in use") { break }
                    throw E2EError(
                        "tether run exited with \(agent.exitDescription) before it was ready\n\(agent.diagnostics)"
                    )
                }
                if ContinuousClock.now >= deadline {
                    child.stop()
                    throw E2EError("tether run: /-/ready did not answer 200 within \(timeout)\n\(agent.diagnostics)")
                }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        throw E2EError("tether run: no free port for server.listen in 3 attempts")
    }

    var pid: Int32 { child.pid }
    var isRunning: Bool { child.isRunning }
    /// The agent's log so far.
    var log: String { child.stderr }

    /// `GET path` from the agent's HTTP server.
    func get(_ path: String, accept: String? = nil) async throws -> HTTPResponse {
        try await LoopbackHTTP.get(port: port, path: path, headers: accept.map { ["Accept": $0] } ?? [:])
    }

    /// `GET /metrics` (Prometheus text format), parsed; a status other than 200 throws.
    func metrics() async throws -> MetricsExposition {
        let response = try await get("/metrics")
        guard response.status == 200 else { throw E2EError("GET /metrics: \(response)\n\(diagnostics)") }
        return try MetricsExposition(parsing: response.body)
    }

    /// Polls `/metrics` every 50 ms until `condition` holds, and returns that exposition; throws
    /// after `timeout` with `what`, the last exposition's lines of `target` and the agent's log.
    @discardableResult
    func waitForMetrics(
        _ what: String,
        target: String? = nil,
        timeout: Duration,
        _ condition: (MetricsExposition) -> Bool
    ) async throws -> MetricsExposition {
        let started = ContinuousClock.now
        let deadline = started + timeout
        var last: MetricsExposition?
        while true {
            let exposition = try await metrics()
            if condition(exposition) { return exposition }
            last = exposition
            if ContinuousClock.now >= deadline { break }
            if !isRunning {
                throw E2EError("tether run exited (\(exitDescription)) while waiting for \(what)\n\(diagnostics)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        let series = target.map { last?.lines(target: $0) ?? "" } ?? (last?.text ?? "")
        throw E2EError(
            "not within \(timeout): \(what)\n--- last /metrics\(target.map { " of target \($0)" } ?? "") ---\n"
                + "\(series)\n\(diagnostics)"
        )
    }

    /// SIGTERM, then waits for the exit; returns the exit status (throws when tether is still
    /// running after `timeout` or was killed by a signal).
    func terminate(timeout: Duration = .seconds(10)) async throws -> Int32 {
        child.send(SIGTERM)
        guard await child.waitForExit(timeout: timeout) else {
            child.stop()
            throw E2EError("tether run did not exit within \(timeout) of SIGTERM\n\(diagnostics)")
        }
        guard !child.terminatedBySignal, let code = child.exitCode else {
            throw E2EError("tether run ended with \(exitDescription) after SIGTERM\n\(diagnostics)")
        }
        return code
    }

    /// For `defer`: SIGTERM, SIGKILL after a grace period; nothing when it has exited already.
    func stop() { child.stop(grace: .seconds(5)) }

    /// SIGKILL (no graceful shutdown, nothing saved on the way out), then waits for the exit.
    func killAndWait(timeout: Duration = .seconds(5)) async throws {
        child.send(SIGKILL)
        guard await child.waitForExit(timeout: timeout) else {
            throw E2EError("tether run still running \(timeout) after SIGKILL\n\(diagnostics)")
        }
    }

    /// Starts `tether run` again on this one's configuration file and port, once this one has
    /// exited, and waits until `/-/ready` answers 200. The new process logs to `<name>.stderr`, so
    /// the old log is kept; a listen port not yet released is retried until `timeout`.
    func restart(name: String, timeout: Duration = .seconds(60)) async throws -> TetherAgentProcess {
        guard !isRunning else { throw E2EError("restart: tether run (pid \(pid)) is still running") }
        let deadline = ContinuousClock.now + timeout
        while true {
            let child = try ChildProcess(
                name: name,
                executable: try TetherCLI.binary(),
                arguments: ["run", "--config", configURL.path, "--log-level", "debug"],
                directory: configURL.deletingLastPathComponent()
            )
            let agent = TetherAgentProcess(configURL: configURL, port: port, child: child)
            while child.isRunning {
                if agent.listensOnItsPort,
                    let ready = try? await LoopbackHTTP.get(port: port, path: "/-/ready", timeout: .seconds(2)),
                    ready.status == 200
                {
                    return agent
                }
                if ContinuousClock.now >= deadline {
                    child.stop()
                    throw E2EError("restarted tether run: /-/ready not 200 within \(timeout)\n\(agent.diagnostics)")
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            guard child.stderr.contains("Address already in use"), ContinuousClock.now < deadline else {
                throw E2EError(
                    "restarted tether run exited with \(agent.exitDescription) before it was ready\n\(agent.diagnostics)"
                )
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// Whether this process bound `port`: tether logs `listening` with the address once it has.
    /// (Another test's tether may have been handed the same free port, so a 200 alone proves
    /// nothing; reading the log is cheaper on a loaded machine than scanning /proc's socket tables.)
    private var listensOnItsPort: Bool {
        child.stderr.contains("address=127.0.0.1:\(port) [tether] listening")
    }

    private var exitDescription: String {
        guard let code = child.exitCode else { return "no exit yet" }
        return child.terminatedBySignal ? "signal \(code)" : "status \(code)"
    }

    /// The configuration and the end of the agent's log, for failure messages.
    var diagnostics: String {
        "--- \(configURL.lastPathComponent) ---\n\(ChildProcess.read(configURL))\n"
            + "--- tether run log (pid \(child.pid)) ---\n\(ChildProcess.tail(child.stderr, lines: 60))"
    }
}

extension Programs {
    /// `promtool` (Debian package prometheus).
    static func promtool() throws -> URL {
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool") {
            return URL(fileURLWithPath: "/usr/bin/promtool")
        }
        if let url = inPath("promtool") { return url }
        throw E2EError(
            "promtool not found at /usr/bin/promtool or in PATH: install it with `apt-get install prometheus`"
        )
    }
}

extension Peer {
    /// SIGKILL (no chance to close anything cleanly), then waits until the process is gone.
    func killAndWait(timeout: Duration = .seconds(5)) async throws {
        guard isRunning else { return }
        kill(pid, SIGKILL)
        let deadline = ContinuousClock.now + timeout
        while isRunning {
            if ContinuousClock.now >= deadline { throw E2EError("peer \(name) still running after SIGKILL") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
