import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A real peer program (python3-websockets server, nginx, `tether echo`, …) listening on loopback.
///
/// `start` returns only once the peer's TCP port accepts connections (polled, bounded); a test
/// calls `stop()` in `defer` right after starting it, so the peer is stopped whether the test
/// passes, fails or throws.
final class Peer {
    /// How `start` learns the port to wait for.
    enum Port {
        /// The test chose the port (see `Ports.freeLoopbackPort()`) and passed it to the peer.
        case fixed(Int)
        /// The peer picks its own port and prints it; the closure finds it in stdout so far.
        case announced((String) -> Int?)
    }

    let name: String
    let port: Int
    private let child: ChildProcess
    private let extraLogs: [URL]

    private init(name: String, port: Int, child: ChildProcess, extraLogs: [URL]) {
        self.name = name
        self.port = port
        self.child = child
        self.extraLogs = extraLogs
    }

    /// Starts a peer and waits until 127.0.0.1:port accepts TCP connections.
    /// - Parameters:
    ///   - extraLogs: log files of the peer's own (nginx's error.log) shown when it fails.
    ///   - timeout: how long the peer may take to accept connections.
    static func start(
        name: String,
        executable: URL,
        arguments: [String],
        environment: [String: String] = [:],
        port: Port,
        in directory: TestDirectory,
        extraLogs: [URL] = [],
        timeout: Duration = .seconds(10)
    ) async throws -> Peer {
        let child = try ChildProcess(
            name: name,
            executable: executable,
            arguments: arguments,
            environment: environment,
            directory: directory.url
        )
        let deadline = ContinuousClock.now + timeout
        while true {
            let knownPort: Int? =
                switch port {
                case .fixed(let number): number
                case .announced(let parse): parse(child.stdout)
                }
            if let knownPort, Ports.acceptsConnections(port: knownPort) {
                return Peer(name: name, port: knownPort, child: child, extraLogs: extraLogs)
            }
            if !child.isRunning {
                let status = child.exitCode.map(String.init) ?? "?"
                let how = child.terminatedBySignal ? "was killed by signal \(status)" : "exited with status \(status)"
                throw E2EError(
                    "peer \(name) \(how) before accepting connections\n"
                        + report(child, extraLogs: extraLogs, arguments: [executable.path] + arguments)
                )
            }
            if ContinuousClock.now >= deadline {
                child.stop()
                let target = knownPort.map { "127.0.0.1:\($0)" } ?? "its announced port (none announced yet)"
                throw E2EError(
                    "peer \(name) did not accept connections on \(target) within \(timeout)\n"
                        + report(child, extraLogs: extraLogs, arguments: [executable.path] + arguments)
                )
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    var pid: Int32 { child.pid }

    /// What the peer printed so far (mosquitto logs to stderr).
    var stdout: String { child.stdout }
    var stderr: String { child.stderr }
    var isRunning: Bool { child.isRunning }

    /// SIGSTOP: the process stalls while the kernel still completes TCP handshakes on its port
    /// (the stalled-event-loop case tether exists to catch).
    func suspend() { child.send(SIGSTOP) }

    /// SIGCONT after `suspend()`.
    func resume() { child.send(SIGCONT) }

    /// SIGCONT + SIGTERM, SIGKILL after a grace period.
    func stop() { child.stop() }

    /// The peer's stdout, stderr and own logs, for failure messages.
    var diagnostics: String { Self.report(child, extraLogs: extraLogs, arguments: nil) }

    private static func report(_ child: ChildProcess, extraLogs: [URL], arguments: [String]?) -> String {
        var text = ""
        if let arguments { text += "command: \(arguments.joined(separator: " "))\n" }
        text += "--- \(child.name) stdout ---\n\(ChildProcess.tail(child.stdout))\n"
        text += "--- \(child.name) stderr ---\n\(ChildProcess.tail(child.stderr))\n"
        for log in extraLogs {
            text += "--- \(log.lastPathComponent) ---\n\(ChildProcess.tail(ChildProcess.read(log)))\n"
        }
        return text
    }
}

extension Peer {
    /// Polls `GET /-/ready` until it answers 200, as Prometheus and Alertmanager do once their
    /// configuration is loaded (listening is not ready); stops the peer and throws, with
    /// `diagnostics`, if it exits or `timeout` passes first.
    func waitForReady(name: String, within timeout: Duration, diagnostics: () -> String) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let ready = try? await LoopbackHTTP.get(port: port, path: "/-/ready", timeout: .seconds(2)),
                ready.status == 200
            {
                return
            }
            if !isRunning || ContinuousClock.now >= deadline {
                stop()
                throw E2EError("\(name): /-/ready did not answer 200 within \(timeout)\n\(diagnostics())")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
