import Foundation

/// Debian's Prometheus (package prometheus) on a free loopback port, scraping the tethers under
/// test every second and evaluating rule files every second, with its configuration and TSDB in
/// the test directory; queried through its HTTP API (`/api/v1/query`, `/api/v1/rules`).
///
/// A test calls `stop()` in `defer` right after `start`.
final class PrometheusPeer {
    let name: String
    let configFile: URL
    private let peer: Peer

    private init(name: String, configFile: URL, peer: Peer) {
        self.name = name
        self.configFile = configFile
        self.peer = peer
    }

    /// Starts Prometheus and returns once `GET /-/ready` answers 200 (configuration and rule
    /// files loaded, TSDB open).
    ///
    /// `scrape_interval`, `scrape_timeout` and `evaluation_interval` are 1 s, so that a few seconds
    /// of scrapes fill `rate()` windows.
    /// - Parameters:
    ///   - scrapeJobs: job name → the loopback ports of that job's targets (`/metrics` over HTTP).
    ///   - ruleFiles: rule files (or globs) for `rule_files:`, absolute paths.
    ///   - name: the stem of its files in `directory`.
    ///   - timeout: how long it may take to become ready.
    static func start(
        in directory: TestDirectory,
        scrapeJobs: KeyValuePairs<String, [Int]>,
        ruleFiles: [URL] = [],
        name: String = "prometheus",
        timeout: Duration = .seconds(20)
    ) async throws -> PrometheusPeer {
        let prometheus = try Programs.prometheus()
        var config = """
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s

            """
        if !ruleFiles.isEmpty {
            config += "rule_files:\n" + ruleFiles.map { "  - \"\($0.path)\"\n" }.joined()
        }
        config += "scrape_configs:\n"
        for (job, ports) in scrapeJobs {
            let targets = ports.map { "\"127.0.0.1:\($0)\"" }.joined(separator: ", ")
            config += "  - job_name: \"\(job)\"\n    static_configs:\n      - targets: [\(targets)]\n"
        }
        let configFile = directory.file("\(name).yml")
        try config.write(to: configFile, atomically: true, encoding: .utf8)
        let storage = directory.file("\(name)-data")
        try FileManager.default.createDirectory(at: storage, withIntermediateDirectories: true)
        let port = try Ports.freeLoopbackPort()
        let peer = try await Peer.start(
            name: name,
            executable: prometheus,
            arguments: [
                "--config.file=\(configFile.path)",
                "--storage.tsdb.path=\(storage.path)",
                "--web.listen-address=127.0.0.1:\(port)",
                "--web.external-url=http://127.0.0.1:\(port)",
                "--log.level=info",
            ],
            port: .fixed(port),
            in: directory,
            extraLogs: [configFile],
            timeout: timeout
        )
        let started = PrometheusPeer(name: name, configFile: configFile, peer: peer)
        // Listening is not ready: /-/ready answers 200 once the TSDB is open and the configuration
        // (rule files included) is loaded.
        try await peer.waitForReady(name: name, within: timeout) { started.diagnostics }
        return started
    }

    var port: Int { peer.port }

    /// `http://127.0.0.1:PORT`.
    var url: String { "http://127.0.0.1:\(port)" }

    var isRunning: Bool { peer.isRunning }

    /// SIGTERM, SIGKILL after a grace period.
    func stop() { peer.stop() }

    /// An instant query at the current time: `GET /api/v1/query?query=EXPR`. An answer that is not
    /// Prometheus' JSON envelope throws; a query Prometheus rejects is returned with its error.
    func query(_ expression: String, timeout: Duration = .seconds(10)) async throws -> PrometheusQueryResult {
        let path = "/api/v1/query?query=" + Self.percentEncoded(expression)
        let response = try await LoopbackHTTP.get(port: port, path: path, timeout: timeout)
        return try PrometheusQueryResult(expression: expression, response: response)
    }

    /// Polls `query(expression)` every 200 ms until `condition` holds, and returns that result;
    /// throws after `timeout` with `what`, the last result and Prometheus' log.
    @discardableResult
    func waitForQuery(
        _ expression: String,
        _ what: String,
        timeout: Duration,
        _ condition: (PrometheusQueryResult) -> Bool
    ) async throws -> PrometheusQueryResult {
        let deadline = ContinuousClock.now + timeout
        var last: PrometheusQueryResult?
        while true {
            let result = try await query(expression)
            if condition(result) { return result }
            last = result
            if ContinuousClock.now >= deadline { break }
            if !isRunning { throw E2EError("\(name) exited while waiting for \(what)\n\(diagnostics)") }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw E2EError(
            "not within \(timeout): \(what)\n--- last answer to \(expression) ---\n"
                + "\(last.map(\.description) ?? "none")\n\(diagnostics)"
        )
    }

    /// `GET /api/v1/rules`: every rule group Prometheus loaded, with each rule's health.
    func ruleGroups() async throws -> [PrometheusRuleGroup] {
        try await PrometheusRuleGroup.fetch(port: port, from: name)
    }

    /// `GET /api/v1/targets?state=active`: each scrape target's job, health and last error.
    func scrapeTargets() async throws -> String {
        let response = try await LoopbackHTTP.get(port: port, path: "/api/v1/targets?state=active")
        guard response.status == 200 else { throw E2EError("GET /api/v1/targets: \(response)") }
        return response.body
    }

    /// The configuration and the end of Prometheus' log, for failure messages.
    var diagnostics: String { peer.diagnostics }

    /// Percent-encodes a query parameter's value: everything but RFC 3986's unreserved characters
    /// (`+` would be a space, `&`, `=`, `#` would end or split the parameter).
    static func percentEncoded(_ value: String) -> String {
        var unreserved = CharacterSet(charactersIn: "-._~")
        unreserved.formUnion(CharacterSet(charactersIn: "a"..."z"))
        unreserved.formUnion(CharacterSet(charactersIn: "A"..."Z"))
        unreserved.formUnion(CharacterSet(charactersIn: "0"..."9"))
        return value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? value
    }
}

/// One answer of `/api/v1/query`: `{"status":"success","data":{"resultType":…,"result":…}}`, or
/// `{"status":"error","errorType":…,"error":…}` with a 4xx or 5xx status.
struct PrometheusQueryResult: CustomStringConvertible {
    let expression: String
    /// `success` or `error`.
    let status: String
    /// The error Prometheus gave (`errorType: error`); nil on success.
    let error: String?
    /// `vector`, `matrix`, `scalar` or `string`.
    let resultType: String?
    /// One per series of a vector or matrix; one value for a scalar or string.
    let values: [Double]
    let body: String

    init(expression: String, response: HTTPResponse) throws {
        self.expression = expression
        body = response.body
        guard let object = try? JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any],
            let status = object["status"] as? String
        else {
            throw E2EError("query \(expression): not Prometheus' JSON envelope:\n\(response)")
        }
        self.status = status
        if status != "success" {
            error =
                "\(object["errorType"] as? String ?? "?"): \(object["error"] as? String ?? "HTTP \(response.status)")"
            resultType = nil
            values = []
            return
        }
        error = nil
        let data = object["data"] as? [String: Any]
        resultType = data?["resultType"] as? String
        switch data?["result"] {
        case let series as [[String: Any]]:
            // A vector's sample is "value": [t, "v"]; a matrix's samples are "values": [[t, "v"], …].
            values = series.map { entry in
                let sample = (entry["value"] as? [Any]) ?? (entry["values"] as? [[Any]])?.last
                return (sample?.last as? String).flatMap(Double.init) ?? .nan
            }
        case let sample as [Any]:
            values = [(sample.last as? String).flatMap(Double.init) ?? .nan]
        default:
            values = []
        }
    }

    var isSuccess: Bool { status == "success" }

    /// Series (or the one scalar) in the answer: 0 is "no data" in Grafana.
    var count: Int { values.count }

    var description: String {
        if let error { return "error \(error)" }
        return "\(resultType ?? "?") of \(count): \(ChildProcess.tail(body, lines: 5).prefix(600))"
    }
}

/// One group of `GET /api/v1/rules`, as Prometheus (and tether) show it. Only what the health
/// checks need: recording rules have no `labels` when they add none, so those are not decoded.
struct PrometheusRuleGroup: Decodable {
    struct Rule: Decodable {
        let name: String
        let query: String
        /// `alerting` or `recording`.
        let type: String
        /// `ok`, `err`, or `unknown` before the rule's first evaluation.
        let health: String
        let lastError: String?
        /// RFC 3339; Go's zero time (`0001-01-01T00:00:00Z`) before the first evaluation.
        let lastEvaluation: String?

        var evaluated: Bool { !(lastEvaluation ?? "0001").hasPrefix("0001") }
    }

    let name: String
    let file: String
    let interval: Double
    let rules: [Rule]

    /// `GET /api/v1/rules` from the server on `port`; `from` names it in messages.
    static func fetch(port: Int, from server: String) async throws -> [PrometheusRuleGroup] {
        struct Envelope: Decodable {
            struct Payload: Decodable { let groups: [PrometheusRuleGroup] }
            let status: String
            let data: Payload
        }
        let response = try await LoopbackHTTP.get(port: port, path: "/api/v1/rules")
        guard response.status == 200 else { throw E2EError("\(server): GET /api/v1/rules: \(response)") }
        do {
            return try JSONDecoder().decode(Envelope.self, from: Data(response.body.utf8)).data.groups
        } catch {
            throw E2EError("\(server): GET /api/v1/rules: unexpected body (\(error)):\n\(response.body)")
        }
    }
}

extension Programs {
    /// Debian's Prometheus (package prometheus), or upstream's `prometheus` in PATH.
    static func prometheus() throws -> URL {
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/prometheus") {
            return URL(fileURLWithPath: "/usr/bin/prometheus")
        }
        if let url = inPath("prometheus") { return url }
        throw E2EError(
            "Prometheus not found at /usr/bin/prometheus or in PATH: "
                + "install it with `apt-get install prometheus` (what .ci/run does)"
        )
    }
}
