import ArgumentParser
import Logging
import NIOCore
import ServiceLifecycle
import TetherEcho
import UnixSignals

struct EchoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "echo",
        abstract: "Run the built-in heartbeat responder (WebSocket and TCP on one port).",
        discussion: """
            A connection that starts with 'GET ' is a WebSocket: pings are answered with pongs, \
            messages are echoed, a close is answered. Anything else is a line protocol: 'PING' is \
            answered with 'PONG', other lines are echoed. Prints 'tether echo listening on ADDRESS' \
            for each listener once it is ready; SIGTERM or SIGINT stops it.
            """
    )

    @Option(name: .long, help: "HOST:PORT to listen on; repeatable; port 0 picks a free port.")
    var listen: [String] = ["127.0.0.1:9781"]

    @Option(name: .long, help: "Largest WebSocket frame or line accepted, in bytes.")
    var maxFrameBytes: Int = 65_536

    func validate() throws {
        for address in self.listen where Self.split(address) == nil {
            throw ValidationError("--listen '\(address)' is not HOST:PORT")
        }
        guard self.maxFrameBytes >= 128 else { throw ValidationError("--max-frame-bytes must be at least 128") }
    }

    static func split(_ address: String) -> (host: String, port: Int)? {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        var host = String(address[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }

    func run() async throws {
        var logger = Logger(label: "tether.echo")
        logger.logLevel = .notice
        let echo = EchoService(
            addresses: self.listen.compactMap(Self.split),
            maxFrameBytes: self.maxFrameBytes,
            logger: logger,
            onListening: { address in
                let host = address.ipAddress.map { $0.contains(":") ? "[\($0)]" : $0 } ?? "?"
                Output.line("tether echo listening on \(host):\(address.port ?? 0)")
            }
        )
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: echo)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        do {
            try await group.run()
        } catch {
            Output.error("tether echo: \(error)")
            throw ExitCode.unhealthy
        }
    }
}
