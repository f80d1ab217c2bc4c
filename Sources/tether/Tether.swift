import ArgumentParser
import Foundation

/// The `tether` command. Sub-commands hold the work; this file maps ArgumentParser's exit codes to
/// tether's documented ones (2 for bad usage, where ArgumentParser would use 64).
struct Tether: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "tether",
        abstract: "Long-lived heartbeat connections, measured: WebSocket, TCP, TLS, Redis and MQTT.",
        discussion: "See README.md for every command, option and exit code.",
        version: Tether.version,
        subcommands: [RunCommand.self, ProbeCommand.self, EchoCommand.self, CheckCommand.self, TestCommand.self]
    )
}

@main
enum TetherMain {
    static func main() async {
        raiseOpenFileLimit()
        do {
            var command = try Tether.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = Tether.exitCode(for: error)
            if code == .validationFailure {
                Output.error(Tether.fullMessage(for: error))
                // Nagios reads 3 as UNKNOWN, which is what bad usage is to a monitoring system.
                exit(CommandLine.arguments.contains("--nagios") ? 3 : ExitCode.usage.rawValue)
            }
            Tether.exit(withError: error)
        }
    }

    /// 10,000 connections need more than the usual 1,024 descriptors; take the hard limit.
    private static func raiseOpenFileLimit() {
        var limit = rlimit()
        #if os(Linux)
        let resource = Int32(RLIMIT_NOFILE.rawValue)
        #else
        let resource = RLIMIT_NOFILE
        #endif
        guard getrlimit(resource, &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(resource, &limit)
    }
}

extension ExitCode {
    /// Bad usage, bad URL or bad option value (DESIGN: exit 2).
    static let usage = ExitCode(2)
    static let unhealthy = ExitCode(1)
}

/// Line output with an immediate flush, so pipes (tests, scripts) see each line as it happens.
enum Output {
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
