import Foundation

/// `Fixtures/webhook_sink.py` (python3, standard library only): a webhook receiver on a free
/// loopback port that writes down every request it receives and answers as the test says.
///
/// The answering mode lives in a file in the test directory that the sink reads for every
/// request, so `setMode(_:)` takes effect at once without a restart, and survives `stop()` and
/// `restart()`. `stop()` ends the process (the port refuses connections: a receiver that is down),
/// `restart()` starts it again on the same port, appending to the same request log.
///
/// A test calls `stop()` in `defer` right after `start`.
final class WebhookSink {
    /// How the sink answers each request.
    enum Mode: Equatable, CustomStringConvertible {
        /// 200.
        case ok
        /// 503: a receiver in trouble, to be retried.
        case fail
        /// 429 with `Retry-After: retryAfter` (seconds).
        case throttle(retryAfter: Int)
        /// No answer at all: the connection stays open until the client gives up and closes it;
        /// other requests are answered meanwhile.
        case hang
        /// 400: a request the receiver will never take, not to be retried.
        case reject

        /// The status the sink answers with; nil for `hang`.
        var status: Int? {
            switch self {
            case .ok: 200
            case .fail: 503
            case .throttle: 429
            case .hang: nil
            case .reject: 400
            }
        }

        /// The mode file's text, and `WebhookRequest.mode`.
        var description: String {
            switch self {
            case .ok: "ok"
            case .fail: "fail"
            case .throttle(let retryAfter): "throttle \(retryAfter)"
            case .hang: "hang"
            case .reject: "reject"
            }
        }
    }

    /// Names the sink's files in the test directory: `<name>.requests.jsonl`, `<name>.mode`, logs.
    let name: String
    /// The loopback port, the same across `restart()`.
    let port: Int
    /// The Standard Webhooks secret (`whsec_…`) the sink verifies signatures with, if any.
    let secret: String?
    /// One JSON line per request received (see the script's docstring).
    let requestLog: URL
    let modeFile: URL
    private let directory: TestDirectory
    private var peer: Peer
    private var starts = 1
    private(set) var mode: Mode

    private init(
        name: String,
        port: Int,
        secret: String?,
        directory: TestDirectory,
        peer: Peer,
        mode: Mode
    ) {
        self.name = name
        self.port = port
        self.secret = secret
        self.directory = directory
        self.peer = peer
        self.mode = mode
        requestLog = Self.requestLog(name: name, in: directory)
        modeFile = Self.modeFile(name: name, in: directory)
    }

    /// Starts the sink on a free loopback port (or `port`) and returns once it accepts connections.
    /// - Parameters:
    ///   - mode: how to answer until `setMode(_:)` says otherwise.
    ///   - secret: verify each request's Standard Webhooks signature with this `whsec_…` secret and
    ///     record the outcome as `WebhookRequest.signatureValid`.
    ///   - name: the stem of the sink's files, for more than one sink in a directory.
    ///   - port: listen here instead of on a free port.
    static func start(
        in directory: TestDirectory,
        mode: Mode = .ok,
        secret: String? = nil,
        name: String = "webhook-sink",
        port: Int? = nil
    ) async throws -> WebhookSink {
        try write(mode, to: modeFile(name: name, in: directory))
        let port = try port ?? Ports.freeLoopbackPort()
        let peer = try await launch(name: name, logName: name, port: port, secret: secret, in: directory)
        return WebhookSink(name: name, port: port, secret: secret, directory: directory, peer: peer, mode: mode)
    }

    /// `http://127.0.0.1:PORT`, no path.
    var url: String { "http://127.0.0.1:\(port)" }

    /// `http://127.0.0.1:PORT` + `path` (which starts with `/`).
    func url(path: String) -> String { url + path }

    var isRunning: Bool { peer.isRunning }

    /// The pid of the sink's current process.
    var pid: Int32 { peer.pid }

    /// Changes how the sink answers, from the next request on (also while it is stopped).
    func setMode(_ mode: Mode) throws {
        try Self.write(mode, to: modeFile)
        self.mode = mode
    }

    /// Ends the process (SIGTERM): connections to the port are refused until `restart()`.
    func stop() { peer.stop() }

    /// Starts the sink again on the same port, once `stop()` ended it; its requests are appended
    /// to the same log (their `pid` tells the processes apart). Retries while the port is still
    /// bound, until `timeout`.
    func restart(timeout: Duration = .seconds(10)) async throws {
        guard !peer.isRunning else { throw E2EError("restart: \(name) (pid \(peer.pid)) is still running") }
        let deadline = ContinuousClock.now + timeout
        while true {
            starts += 1
            do {
                peer = try await Self.launch(
                    name: name,
                    logName: "\(name)-\(starts)",
                    port: port,
                    secret: secret,
                    in: directory
                )
                return
            } catch let error as E2EError where error.description.contains("Address already in use") {
                guard ContinuousClock.now < deadline else { throw error }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// Every request received so far, in the order they arrived.
    func requests() throws -> [WebhookRequest] {
        guard let data = FileManager.default.contents(atPath: requestLog.path) else { return [] }
        var requests: [WebhookRequest] = []
        var hangEnds: [String: Date] = [:]
        // Only whole lines: the sink may be writing the last one right now.
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast()
        for line in lines where !line.isEmpty {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                throw E2EError("\(requestLog.path): not a JSON object: \(String(decoding: line, as: UTF8.self))")
            }
            if let sequence = object["hang_ended"] as? Int, let pid = object["pid"] as? Int,
                let at = object["at"] as? Double
            {
                hangEnds["\(pid) \(sequence)"] = Date(timeIntervalSince1970: at)
            } else {
                requests.append(try WebhookRequest(object, line: String(decoding: line, as: UTF8.self)))
            }
        }
        return requests.map { request in
            var request = request
            request.hangEndedAt = hangEnds["\(request.pid) \(request.sequence)"]
            return request
        }
    }

    /// Polls the request log every 20 ms until at least `count` requests satisfy `condition`, and
    /// returns those; throws after `timeout` with what arrived and the sink's logs.
    @discardableResult
    func waitForRequests(
        count: Int,
        timeout: Duration,
        where condition: (WebhookRequest) -> Bool = { _ in true }
    ) async throws -> [WebhookRequest] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let matching = try requests().filter(condition)
            if matching.count >= count { return matching }
            if ContinuousClock.now >= deadline {
                throw E2EError(
                    "\(name): \(matching.count) of \(count) requests within \(timeout)\n\(diagnostics)"
                )
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The current mode, the last requests and the sink's stdout and stderr, for failure messages.
    var diagnostics: String {
        let log = ChildProcess.read(requestLog)
        return "--- \(name): mode \(mode), port \(port), \(isRunning ? "running" : "stopped") ---\n"
            + "--- \(requestLog.lastPathComponent) ---\n\(ChildProcess.tail(log, lines: 20))\n"
            + peer.diagnostics
    }

    private static func requestLog(name: String, in directory: TestDirectory) -> URL {
        directory.file("\(name).requests.jsonl")
    }

    private static func modeFile(name: String, in directory: TestDirectory) -> URL {
        directory.file("\(name).mode")
    }

    /// Atomically (a rename), so that the sink never reads a half-written mode.
    private static func write(_ mode: Mode, to file: URL) throws {
        try "\(mode)\n".write(to: file, atomically: true, encoding: .utf8)
    }

    private static func launch(
        name: String,
        logName: String,
        port: Int,
        secret: String?,
        in directory: TestDirectory
    ) async throws -> Peer {
        let python = try await Programs.python()
        let script = try Programs.fixture("webhook_sink.py")
        var arguments = [
            script.path, "--port", String(port),
            "--log", requestLog(name: name, in: directory).path,
            "--mode-file", modeFile(name: name, in: directory).path,
        ]
        if let secret { arguments += ["--secret", secret] }
        return try await Peer.start(
            name: logName,
            executable: python,
            arguments: arguments,
            environment: ["PYTHONUNBUFFERED": "1"],
            port: .fixed(port),
            in: directory
        )
    }
}

/// One request the webhook sink received, as its log line recorded it.
struct WebhookRequest: CustomStringConvertible {
    /// 1, 2, … in order of arrival, per sink process.
    let sequence: Int
    /// The sink process that received it (a restarted sink has another).
    let pid: Int32
    let receivedAt: Date
    let method: String
    /// The request target, with the query string.
    let path: String
    /// Every header line, in order, as sent.
    let headerFields: [(name: String, value: String)]
    let body: [UInt8]
    /// The sink's mode when it answered (`ok`, `fail`, `throttle N`, `hang`, `reject`).
    let mode: String
    /// The status the sink answered with; nil when it did not answer (`hang`).
    let status: Int?
    /// Whether the Standard Webhooks signature matched the sink's secret; nil without a secret.
    let signatureValid: Bool?
    /// Why the signature did not match (a header missing, no `v1` entry, the expected value).
    let signatureProblem: String?
    /// For a hung request: when the client gave up and closed the connection (nil while open).
    fileprivate(set) var hangEndedAt: Date?
    /// The log line, for failure messages.
    let line: String

    fileprivate init(_ object: [String: Any], line: String) throws {
        guard let sequence = object["seq"] as? Int,
            let pid = object["pid"] as? Int,
            let receivedAt = object["received_at"] as? Double,
            let method = object["method"] as? String,
            let path = object["path"] as? String,
            let headers = object["headers"] as? [[String]],
            let body = (object["body_base64"] as? String).flatMap({ Data(base64Encoded: $0) }),
            let mode = object["mode"] as? String
        else { throw E2EError("webhook sink: unexpected log line: \(line)") }
        self.sequence = sequence
        self.pid = Int32(pid)
        self.receivedAt = Date(timeIntervalSince1970: receivedAt)
        self.method = method
        self.path = path
        headerFields = headers.compactMap { $0.count == 2 ? (name: $0[0], value: $0[1]) : nil }
        self.body = Array(body)
        self.mode = mode
        status = object["status"] as? Int
        signatureValid = object["signature_valid"] as? Bool
        signatureProblem = object["signature_problem"] as? String
        self.line = line
    }

    /// The first value of header `name` (case-insensitive).
    func header(_ name: String) -> String? { headers(name).first }

    /// Every value of header `name` (case-insensitive), in order.
    func headers(_ name: String) -> [String] {
        headerFields.filter { $0.name.caseInsensitiveCompare(name) == .orderedSame }.map(\.value)
    }

    var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// The body parsed as JSON (`JSONSerialization`); nil when it is not JSON.
    var json: Any? { try? JSONSerialization.jsonObject(with: Data(body), options: .fragmentsAllowed) }

    /// The body decoded as `type`; the error names the request.
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(body))
        } catch {
            throw E2EError("request \(sequence) body is not a \(type): \(error)\n\(bodyText)")
        }
    }

    /// The body as an Alertmanager webhook payload (all its fields required).
    func alertmanagerPayload() throws -> AlertmanagerWebhookPayload {
        try decode(AlertmanagerWebhookPayload.self)
    }

    /// `webhook-timestamp` as a date.
    var webhookTimestamp: Date? {
        header("webhook-timestamp").flatMap(TimeInterval.init).map(Date.init(timeIntervalSince1970:))
    }

    var description: String {
        let answer = status.map(String.init) ?? "no answer"
        return "#\(sequence) (pid \(pid)) \(method) \(path) → \(answer) [\(mode)]: \(line)"
    }
}

/// The Alertmanager webhook payload, version "4" (what Alertmanager's `webhook_configs` send, and
/// tether's webhooks, DESIGN.md §6); every field is required, so a payload missing one fails to
/// decode with its name.
struct AlertmanagerWebhookPayload: Decodable {
    struct Alert: Decodable {
        let status: String
        let labels: [String: String]
        let annotations: [String: String]
        let startsAt: String
        let endsAt: String
        let generatorURL: String
        let fingerprint: String

        var startsDate: Date? { APITimestamp.parse(startsAt) }
        var endsDate: Date? { APITimestamp.parse(endsAt) }
    }

    let version: String
    let groupKey: String
    let truncatedAlerts: Int
    let status: String
    let receiver: String
    let groupLabels: [String: String]
    let commonLabels: [String: String]
    let commonAnnotations: [String: String]
    let externalURL: String
    let alerts: [Alert]
}
