import ArgumentParser
import Foundation
import NIOCore
import TetherHeartbeat
import TetherProbe
import UnixSignals

struct ProbeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Open one connection, heartbeat on it and report every round trip, like ping.",
        discussion: """
            URL schemes: ws:// and wss:// (RFC 6455 ping frames, each pong matched to its ping by \
            payload; with --ws-message, a text message answered by the first message matching \
            --expect), tcp:// and tls:// (send bytes, expect an answer; by default 'PING\\n' and a \
            line containing 'PONG', which 'tether echo' answers), redis:// and rediss:// (RESP PING \
            answered by +PONG, after AUTH with --password-file; default port 6379), mqtt:// and \
            mqtts:// (MQTT 3.1.1 CONNECT, then PINGREQ answered by PINGRESP; default ports 1883 and \
            8883).

            Exit codes: 0 healthy; 1 not healthy (connection failed, loss above --max-loss, average \
            RTT above --crit-rtt); 2 bad usage. With --nagios: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
            """
    )

    @Argument(help: "Target URL: ws://, wss://, tcp://, tls://, redis://, rediss://, mqtt:// or mqtts://.")
    var url: String

    @Option(name: [.customShort("c"), .long], help: "Heartbeats to send; 0 runs until interrupted.")
    var count: Int = 5

    @Option(name: [.customShort("i"), .long], help: "Time between heartbeats.")
    var interval = DurationArgument(.seconds(1))

    @Option(name: [.customShort("W"), .long], help: "An answer later than this is a missed heartbeat.")
    var timeout = DurationArgument(.seconds(2))

    @Option(name: .long, help: "Bound on dns + tcp + tls + upgrade (default: --timeout).")
    var connectTimeout: DurationArgument?

    @Option(name: [.customShort("H"), .long], help: "WebSocket upgrade header 'Name: value'; repeatable.")
    var header: [String] = []

    @Option(name: .long, help: "Sec-WebSocket-Protocol to ask for.")
    var subprotocol: String?

    @Option(name: .long, help: "PEM file of CAs to trust instead of the system store.")
    var caFile: String?

    @Option(name: .long, help: "PEM client certificate for mutual TLS.")
    var certFile: String?

    @Option(name: .long, help: "PEM client key for mutual TLS.")
    var keyFile: String?

    @Option(name: .long, help: "Name for SNI and certificate verification instead of the URL's host.")
    var serverName: String?

    @Flag(name: [.customShort("k"), .long], help: "Do not verify the server's certificate.")
    var insecure = false

    @Option(name: .long, help: "tcp/tls: bytes to send; escapes \\n \\r \\t \\0 \\\\ \\xHH.")
    var send = "PING\\n"

    @Option(
        name: .long,
        help: """
            tcp/tls and ws --ws-message: bytes an answer must contain (escapes allowed). Default: 'PONG' \
            for tcp/tls, any message for --ws-message.
            """
    )
    var expect: String?

    @Flag(name: .long, help: "tcp/tls and ws --ws-message: --expect is a regular expression.")
    var expectRegex = false

    @Option(
        name: .long,
        help: """
            ws/wss: heartbeat with this text message instead of ping frames; {{seq}} becomes the \
            sequence number. The answer is the first message matching --expect, in order.
            """
    )
    var wsMessage: String?

    @Option(name: .long, help: "redis/mqtt: user name (Redis ACL user, MQTT user name).")
    var username: String?

    @Option(
        name: .long,
        help: "redis/mqtt: file holding the password (a trailing newline is dropped); redis sends AUTH."
    )
    var passwordFile: String?

    @Option(name: .long, help: "mqtt: client identifier (default: tether-probe-<pid>).")
    var clientId: String?

    @Option(
        name: .long,
        help: "mqtt: keep alive announced in CONNECT, in seconds; 0 is off (default: 60, or 2 × --interval if longer)."
    )
    var keepAlive: Int?

    @Option(name: .long, help: "tcp/tls: answer framing: line, fixed:N or delimiter:BYTES.")
    var framing = "line"

    @Option(name: .long, help: "Largest frame or answer accepted, in bytes.")
    var maxFrameBytes = 65_536

    @Flag(name: .long, help: "Print one JSON document instead of text.")
    var json = false

    @Flag(name: .long, help: "Print one Nagios plugin line; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.")
    var nagios = false

    @Option(name: .long, help: "Warning when the average RTT is above this.")
    var warnRtt: DurationArgument?

    @Option(name: .long, help: "Critical (unhealthy) when the average RTT is above this.")
    var critRtt: DurationArgument?

    @Option(name: .long, help: "Highest acceptable loss in percent.")
    var maxLoss: Double = 0

    func validate() throws {
        _ = try self.makeOptions()
        if self.json && self.nagios { throw ValidationError("--json and --nagios exclude each other") }
    }

    func makeOptions() throws -> ProbeOptions {
        let target: HeartbeatTarget
        do {
            target = try HeartbeatTarget(url: self.url)
        } catch {
            throw ValidationError(error.description)
        }
        guard self.count >= 0 else { throw ValidationError("--count must be 0 or more") }
        guard self.interval.amount > .zero else { throw ValidationError("--interval must be above 0") }
        guard self.timeout.amount > .zero else { throw ValidationError("--timeout must be above 0") }
        if let connectTimeout, connectTimeout.amount <= .zero {
            throw ValidationError("--connect-timeout must be above 0")
        }
        guard (0...100).contains(self.maxLoss) else { throw ValidationError("--max-loss is a percentage, 0 to 100") }
        guard self.maxFrameBytes >= 128 else { throw ValidationError("--max-frame-bytes must be at least 128") }
        if (self.certFile == nil) != (self.keyFile == nil) {
            throw ValidationError("--cert-file and --key-file go together")
        }
        var headers: [(name: String, value: String)] = []
        for header in self.header {
            guard let colon = header.firstIndex(of: ":"), colon != header.startIndex else {
                throw ValidationError("--header '\(header)' is not 'Name: value'")
            }
            let value = header[header.index(after: colon)...].drop(while: { $0 == " " })
            headers.append((String(header[..<colon]), String(value)))
        }
        guard let framing = HeartbeatFraming(parsing: self.framing) else {
            throw ValidationError("--framing '\(self.framing)' is not line, fixed:N or delimiter:BYTES")
        }
        let send: [UInt8]
        let expect: HeartbeatExpectation
        do {
            send = try ByteEscapes.unescape(self.send)
            let defaultExpect = self.wsMessage == nil ? "PONG" : ""
            let text = self.expect ?? defaultExpect
            expect =
                self.expectRegex
                ? try HeartbeatExpectation.validate(regex: text) : .bytes(try ByteEscapes.unescape(text))
        } catch {
            throw ValidationError("\(error)")
        }
        try self.checkDialectOptions(for: target.dialect)
        let password = try self.passwordFile.map(Self.readPassword(file:))
        var mqtt = MQTTOptions(
            clientID: self.clientId ?? "tether-probe-\(ProcessInfo.processInfo.processIdentifier)",
            username: self.username,
            password: password,
            keepAlive: self.mqttKeepAlive
        )
        if target.dialect == .mqtt {
            do {
                try mqtt.validate()
            } catch {
                throw ValidationError("\(error.description) (--client-id, --username, --password-file)")
            }
        } else {
            mqtt = MQTTOptions()
        }
        let redis =
            target.dialect == .redis ? RedisOptions(username: self.username, password: password) : RedisOptions()
        let websocket = WebSocketOptions(mode: self.wsMessage.map { .message(send: $0, expect: expect) } ?? .ping)
        let connection = HeartbeatConnectionOptions(
            target: target,
            tls: TLSOptions(
                caFile: self.caFile,
                certFile: self.certFile,
                keyFile: self.keyFile,
                serverName: self.serverName,
                insecureSkipVerify: self.insecure
            ),
            headers: headers,
            subprotocol: self.subprotocol,
            connectTimeout: (self.connectTimeout ?? self.timeout).amount,
            maxFrameBytes: self.maxFrameBytes,
            stream: .init(send: send, expect: expect, framing: framing),
            websocket: websocket,
            redis: redis,
            mqtt: mqtt
        )
        return ProbeOptions(
            connection: connection,
            count: self.count == 0 ? nil : self.count,
            interval: self.interval.amount,
            timeout: self.timeout.amount,
            thresholds: ProbeThresholds(
                warnRTT: self.warnRtt?.amount,
                critRTT: self.critRtt?.amount,
                maxLossPercent: self.maxLoss
            )
        )
    }

    /// Options that belong to another dialect are usage errors rather than silently ignored.
    private func checkDialectOptions(for dialect: HeartbeatTarget.Dialect) throws {
        if self.wsMessage != nil, dialect != .websocket {
            throw ValidationError("--ws-message is for ws:// and wss:// targets")
        }
        if dialect != .redis && dialect != .mqtt {
            if self.username != nil { throw ValidationError("--username is for redis:// and mqtt:// targets") }
            if self.passwordFile != nil {
                throw ValidationError("--password-file is for redis:// and mqtt:// targets")
            }
        }
        if dialect != .mqtt {
            if self.clientId != nil { throw ValidationError("--client-id is for mqtt:// targets") }
            if self.keepAlive != nil { throw ValidationError("--keep-alive is for mqtt:// targets") }
        }
        if dialect == .redis, self.username != nil, self.passwordFile == nil {
            throw ValidationError("--username needs --password-file: Redis AUTH takes both")
        }
        if dialect == .mqtt, self.passwordFile != nil, self.username == nil {
            throw ValidationError("--password-file needs --username: MQTT 3.1.1 sends a password only with a user name")
        }
        if let keepAlive {
            guard (0...Int(UInt16.max)).contains(keepAlive) else {
                throw ValidationError("--keep-alive is in seconds, 0 to 65535")
            }
            // The broker drops a client silent for 1.5 × keep alive; a PINGREQ every interval must beat that.
            if keepAlive > 0, TimeAmount.seconds(Int64(keepAlive)) < self.interval.amount {
                throw ValidationError("--keep-alive must be 0 (off) or at least --interval")
            }
        }
    }

    /// `--keep-alive`, else 60 s, or twice the interval when that is longer.
    private var mqttKeepAlive: UInt16 {
        if let keepAlive { return UInt16(clamping: keepAlive) }
        let twice = (self.interval.amount.nanoseconds * 2 + 999_999_999) / 1_000_000_000
        return UInt16(clamping: max(60, twice))
    }

    /// The secret in `--password-file`, without its trailing newline.
    private static func readPassword(file path: String) throws -> Secret {
        do {
            return try Secret.read(file: path)
        } catch .unreadable {
            throw ValidationError("--password-file \(path) cannot be read")
        } catch {
            throw ValidationError("--password-file \(path) is not UTF-8 text")
        }
    }

    func run() async throws {
        let options = try self.makeOptions()
        let json = self.json
        let nagios = self.nagios
        // SIGINT/SIGTERM stop the probe with a close handshake; the statistics are still printed,
        // as ping does.
        let stopper = ProbeStopper()
        let signals = Task {
            for await _ in await UnixSignalsSequence(trapping: .sigint, .sigterm) { stopper.stop() }
        }
        defer { signals.cancel() }
        let result: ProbeResult
        do {
            if json {
                var reporter = ProbeJSONReporter(write: Output.line)
                result = try await ProbeRunner.run(options: options, reporter: &reporter, stopper: stopper)
            } else if nagios {
                var reporter = ProbeNagiosReporter(write: Output.line)
                result = try await ProbeRunner.run(options: options, reporter: &reporter, stopper: stopper)
            } else {
                var reporter = ProbeTextReporter(write: Output.line, writeError: Output.error)
                result = try await ProbeRunner.run(options: options, reporter: &reporter, stopper: stopper)
            }
        } catch {
            if nagios {
                Output.line("TETHER UNKNOWN - \(error)")
                throw ExitCode(3)
            }
            Output.error("tether probe: \(error)")
            throw ExitCode.usage
        }
        if nagios {
            switch result.status {
            case .ok: return
            case .warning: throw ExitCode(1)
            case .critical: throw ExitCode(2)
            }
        }
        if result.status == .critical { throw ExitCode.unhealthy }
    }
}
