import Foundation

/// Debian's Alertmanager (package prometheus-alertmanager) on a free loopback port, with its
/// configuration and storage in the test directory and clustering off, and `amtool` to look at the
/// alerts it holds.
///
/// What `amtool alert query` can show: an alert is listed from the moment Alertmanager receives
/// it (state `active` at once; `suppressed` when silenced or inhibited) until its `endsAt` passes.
/// A resolved alert (`endsAt` now or in the past) is never listed, by amtool nor by
/// `GET /api/v2/alerts` whatever the filters: Alertmanager keeps it only to notify its receivers.
/// So "firing" is "listed by amtool", and "resolved" is "no longer listed" together with
/// Alertmanager's count of resolved alerts received (`resolvedAlertsReceived()`); with
/// `forwardTo:` Alertmanager also notifies a webhook (a `WebhookSink`) with `status: resolved`,
/// the per-alert proof.
///
/// A test calls `stop()` in `defer` right after `start`.
final class AlertmanagerPeer {
    let name: String
    let configFile: URL
    private let peer: Peer
    private let directory: TestDirectory

    private init(name: String, configFile: URL, peer: Peer, directory: TestDirectory) {
        self.name = name
        self.configFile = configFile
        self.peer = peer
        self.directory = directory
    }

    /// Starts Alertmanager on a free loopback port and returns once `GET /-/ready` answers 200.
    ///
    /// One route, `group_by: ['...']` (every alert its own group), `group_wait` 100 ms,
    /// `group_interval` 1 s, `repeat_interval` 1 h, to one receiver `tether-e2e`.
    /// - Parameters:
    ///   - forwardTo: the receiver's webhook (`send_resolved: true`); without it the receiver
    ///     notifies nobody.
    ///   - name: the stem of its files in `directory`.
    ///   - timeout: how long it may take to become ready.
    static func start(
        in directory: TestDirectory,
        forwardTo webhookURL: String? = nil,
        name: String = "alertmanager",
        timeout: Duration = .seconds(15)
    ) async throws -> AlertmanagerPeer {
        let alertmanager = try Programs.alertmanager()
        _ = try Programs.amtool()
        var receiver = "  - name: tether-e2e\n"
        if let webhookURL {
            receiver += "    webhook_configs:\n      - url: \"\(webhookURL)\"\n        send_resolved: true\n"
        }
        let config = """
            route:
              receiver: tether-e2e
              group_by: ['...']
              group_wait: 100ms
              group_interval: 1s
              repeat_interval: 1h
            receivers:
            \(receiver)
            """
        let configFile = directory.file("\(name).yml")
        try config.write(to: configFile, atomically: true, encoding: .utf8)
        let storage = directory.file("\(name)-data")
        try FileManager.default.createDirectory(at: storage, withIntermediateDirectories: true)
        let port = try Ports.freeLoopbackPort()
        let peer = try await Peer.start(
            name: name,
            executable: alertmanager,
            arguments: [
                "--config.file=\(configFile.path)",
                "--storage.path=\(storage.path)",
                "--cluster.listen-address=",
                "--web.listen-address=127.0.0.1:\(port)",
                "--web.external-url=http://127.0.0.1:\(port)",
                "--log.level=debug",
            ],
            port: .fixed(port),
            in: directory,
            extraLogs: [configFile],
            timeout: timeout
        )
        let started = AlertmanagerPeer(name: name, configFile: configFile, peer: peer, directory: directory)
        // Listening is not ready: /-/ready answers 200 once the configuration is loaded.
        try await peer.waitForReady(name: name, within: timeout) { started.diagnostics }
        return started
    }

    var port: Int { peer.port }

    /// `http://127.0.0.1:PORT`: the base URL of its API (`/api/v2/alerts`), `--alertmanager.url`.
    var url: String { "http://127.0.0.1:\(port)" }

    var isRunning: Bool { peer.isRunning }

    /// SIGTERM, SIGKILL after a grace period.
    func stop() { peer.stop() }

    /// Runs `amtool --alertmanager.url=URL ARGUMENTS` and returns its stdout; a status other than
    /// 0 throws with its stderr.
    func amtool(_ arguments: [String], timeout: Duration = .seconds(15)) async throws -> String {
        let child = try ChildProcess(
            name: "\(name).amtool",
            executable: try Programs.amtool(),
            arguments: arguments + ["--alertmanager.url=\(url)"],
            directory: directory.url
        )
        guard await child.waitForExit(timeout: timeout) else {
            child.stop()
            throw E2EError("amtool \(arguments.joined(separator: " ")) did not finish within \(timeout)")
        }
        guard child.exitCode == 0, !child.terminatedBySignal else {
            throw E2EError(
                "amtool \(arguments.joined(separator: " ")) failed with status \(child.exitCode ?? -1):\n"
                    + "\(child.stderr)\n\(diagnostics)"
            )
        }
        return child.stdout
    }

    /// Every alert Alertmanager lists (active, silenced, inhibited and unprocessed, that is every
    /// one not resolved), by `amtool alert query --active --silenced --inhibited --unprocessed
    /// --output=json`, optionally filtered by amtool matchers (`alertname=TargetDown`).
    func alerts(matching matchers: [String] = []) async throws -> [AlertmanagerAlert] {
        let output = try await amtool(
            ["alert", "query", "--active", "--silenced", "--inhibited", "--unprocessed", "--output=json"] + matchers
        )
        do {
            return try JSONDecoder().decode([AlertmanagerAlert].self, from: Data(output.utf8))
        } catch {
            throw E2EError("amtool alert query --output=json: unexpected output (\(error)):\n\(output)")
        }
    }

    /// The same through the API: `GET /api/v2/alerts` with every state filter on.
    func apiAlerts() async throws -> [AlertmanagerAlert] {
        let response = try await LoopbackHTTP.get(
            port: port,
            path: "/api/v2/alerts?active=true&silenced=true&inhibited=true&unprocessed=true"
        )
        guard response.status == 200 else { throw E2EError("GET /api/v2/alerts: \(response)\n\(diagnostics)") }
        do {
            return try JSONDecoder().decode([AlertmanagerAlert].self, from: Data(response.body.utf8))
        } catch {
            throw E2EError("GET /api/v2/alerts: unexpected body (\(error)):\n\(response.body)")
        }
    }

    /// Posts alerts to `POST /api/v2/alerts`, as Prometheus does (a JSON array of postable
    /// alerts: `labels`, `annotations`, `startsAt`, `endsAt`, `generatorURL`); throws unless 200.
    func post(alerts json: String) async throws {
        let response = try await LoopbackHTTP.post(
            port: port,
            path: "/api/v2/alerts",
            headers: ["Content-Type": "application/json"],
            body: Array(json.utf8)
        )
        guard response.status == 200 else { throw E2EError("POST /api/v2/alerts: \(response)\n\(json)") }
    }

    /// `GET /metrics`, parsed.
    func metrics() async throws -> MetricsExposition {
        let response = try await LoopbackHTTP.get(port: port, path: "/metrics")
        guard response.status == 200 else { throw E2EError("GET /metrics: \(response)") }
        return try MetricsExposition(parsing: response.body)
    }

    /// How many firing alerts Alertmanager has received through the v2 API, re-sends included
    /// (`alertmanager_alerts_received_total{status="firing",version="v2"}`).
    func firingAlertsReceived() async throws -> Int {
        Int(try await metrics().sum("alertmanager_alerts_received_total", ["status": "firing", "version": "v2"]))
    }

    /// How many resolved alerts (`endsAt` not after their arrival) it has received through the v2
    /// API (`alertmanager_alerts_received_total{status="resolved",version="v2"}`).
    func resolvedAlertsReceived() async throws -> Int {
        Int(try await metrics().sum("alertmanager_alerts_received_total", ["status": "resolved", "version": "v2"]))
    }

    /// Polls `alerts()` (amtool) every 100 ms until `condition` holds, and returns those alerts;
    /// throws after `timeout` with `what`, the last listing and Alertmanager's log.
    @discardableResult
    func waitForAlerts(
        _ what: String,
        timeout: Duration,
        _ condition: ([AlertmanagerAlert]) -> Bool
    ) async throws -> [AlertmanagerAlert] {
        let deadline = ContinuousClock.now + timeout
        var last: [AlertmanagerAlert] = []
        while true {
            let alerts = try await alerts()
            if condition(alerts) { return alerts }
            last = alerts
            if ContinuousClock.now >= deadline { break }
            if !isRunning { throw E2EError("\(name) exited while waiting for \(what)\n\(diagnostics)") }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw E2EError(
            "not within \(timeout): \(what)\n--- last amtool alert query ---\n"
                + "\(last.map(\.description).joined(separator: "\n"))\n\(diagnostics)"
        )
    }

    /// Waits until amtool lists an alert whose labels include `labels`, in state `active`
    /// (firing, neither silenced nor inhibited), and returns it.
    @discardableResult
    func waitForFiring(_ labels: [String: String], timeout: Duration) async throws -> AlertmanagerAlert {
        let firing = { (alert: AlertmanagerAlert) in alert.hasLabels(labels) && alert.state == "active" }
        let alerts = try await waitForAlerts("an active alert with labels \(labels)", timeout: timeout) {
            $0.contains(where: firing)
        }
        guard let alert = alerts.first(where: firing) else { throw E2EError("unreachable: \(alerts)") }
        return alert
    }

    /// Waits until amtool no longer lists any alert whose labels include `labels` and
    /// Alertmanager has received at least `resolvedAtLeast` resolved alerts in all (pass the count
    /// before the resolution plus one, see `resolvedAlertsReceived()`): resolved by the sender,
    /// not merely expired.
    func waitForResolved(
        _ labels: [String: String],
        resolvedAtLeast: Int = 1,
        timeout: Duration
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        try await waitForAlerts("no alert listed with labels \(labels)", timeout: timeout) {
            !$0.contains { $0.hasLabels(labels) }
        }
        while true {
            let resolved = try await resolvedAlertsReceived()
            if resolved >= resolvedAtLeast { return }
            if ContinuousClock.now >= deadline {
                throw E2EError(
                    "not within \(timeout): \(resolvedAtLeast) resolved alerts received (\(resolved); the alert with "
                        + "labels \(labels) expired instead of being resolved?)\n\(diagnostics)"
                )
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// The configuration and the end of Alertmanager's log, for failure messages.
    var diagnostics: String { peer.diagnostics }
}

/// One alert as `amtool alert query --output=json` and `GET /api/v2/alerts` show it (API v2's
/// `gettableAlert`).
struct AlertmanagerAlert: Decodable, CustomStringConvertible {
    struct Status: Decodable {
        /// `active`, `suppressed` (silenced or inhibited) or `unprocessed`.
        let state: String
        let silencedBy: [String]
        let inhibitedBy: [String]
    }

    struct Receiver: Decodable {
        let name: String
    }

    let labels: [String: String]
    let annotations: [String: String]
    let startsAt: String
    /// For an alert posted without one: its arrival plus `resolve_timeout` (5 min).
    let endsAt: String
    let updatedAt: String
    let fingerprint: String
    let generatorURL: String?
    let receivers: [Receiver]
    let status: Status

    var state: String { status.state }
    var startsDate: Date? { APITimestamp.parse(startsAt) }
    var endsDate: Date? { APITimestamp.parse(endsAt) }

    /// Whether every label of `labels` is one of this alert's, with the same value.
    func hasLabels(_ labels: [String: String]) -> Bool {
        labels.allSatisfy { self.labels[$0.key] == $0.value }
    }

    var description: String {
        let labelText = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",")
        return "{\(labelText)} \(state) \(startsAt) – \(endsAt), annotations \(annotations), "
            + "receivers \(receivers.map(\.name))"
    }
}

extension Programs {
    /// Debian's Alertmanager (package prometheus-alertmanager), or upstream's `alertmanager` in PATH.
    static func alertmanager() throws -> URL {
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/prometheus-alertmanager") {
            return URL(fileURLWithPath: "/usr/bin/prometheus-alertmanager")
        }
        if let url = inPath("prometheus-alertmanager") ?? inPath("alertmanager") { return url }
        throw E2EError(
            "Alertmanager not found at /usr/bin/prometheus-alertmanager or in PATH: "
                + "install it with `apt-get install prometheus-alertmanager` (what .ci/run does)"
        )
    }

    /// `amtool`, shipped with Alertmanager.
    static func amtool() throws -> URL {
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/amtool") {
            return URL(fileURLWithPath: "/usr/bin/amtool")
        }
        if let url = inPath("amtool") { return url }
        throw E2EError(
            "amtool not found at /usr/bin/amtool or in PATH: "
                + "install it with `apt-get install prometheus-alertmanager` (what .ci/run does)"
        )
    }
}
