import ArgumentParser
import Foundation
import Logging
import TetherConfig

#if canImport(Glibc)
import Glibc
#endif

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the agent: hold a heartbeat connection to every target and serve /metrics.",
        discussion: """
            SIGHUP or POST /-/reload reloads the configuration file: it is checked first and a broken \
            one is rejected (the running one stays); unchanged targets keep their connections. The \
            files of target_files are read again every 5 seconds.

            Exit codes: 0 after a clean shutdown (SIGTERM or SIGINT: every connection is closed with \
            a close handshake first); 1 when the agent fails at run time (e.g. the listen address is \
            taken); 2 when the configuration is invalid or the usage is wrong.
            """
    )

    @Option(name: .long, help: "Configuration file (YAML).")
    var config = "tether.yml"

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Monitor only this agent's part of the targets: shard i of n, 0-based (0 ≤ i < n).",
            valueName: "i/n"
        )
    )
    var shard: String?

    func validate() throws {
        if let shard = self.shard {
            do throws(ShardError) {
                _ = try Shard(parsing: shard)
            } catch {
                throw ValidationError("--shard \(error)")
            }
        }
        guard Logger.Level(rawValue: self.logLevel) != nil else {
            throw ValidationError(
                "--log-level '\(self.logLevel)' is not trace, debug, info, notice, warning, error or critical"
            )
        }
    }

    func run() async throws {
        #if os(Linux)
        // Every scrape of a large fleet builds a buffer of tens of MB. glibc raises its mmap
        // threshold to the size of each large block freed, after which such buffers come from the
        // heap and stay resident; a fixed threshold keeps them mmapped and returned to the system.
        let mmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD in malloc.h
        _ = glibcMallopt(mmapThreshold, 1 << 20)
        #endif
        let configuration: TetherConfiguration
        do {
            configuration = try ConfigurationLoader.load(file: self.config)
        } catch {
            Output.error(error.description)
            throw ExitCode.usage
        }
        let level = Logger.Level(rawValue: self.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "tether")
        let shard = try self.shard.map { text throws(ShardError) in try Shard(parsing: text) }
        try await AgentRuntime(
            configurationFile: self.config,
            configuration: configuration,
            shard: shard,
            logger: logger
        )
        .run()
    }
}

#if os(Linux)
/// glibc's `mallopt` (declared in malloc.h, which the Glibc module does not export).
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
