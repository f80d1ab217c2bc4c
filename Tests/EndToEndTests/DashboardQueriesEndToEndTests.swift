import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The dashboards and alert rules that ship with tether (DESIGN.md §9, issue 6 §3), proven
/// against a real Prometheus scraping a real tether that monitors real peers.
///
/// The tether watches a python websockets server (`ws`), the same over TLS (`wss`, so that the
/// certificate expiry exists), `tether echo` over a TCP line protocol (`tcp`), a python websockets
/// server that is SIGSTOPped once up (`stalled`: heartbeats missed, the connection dropped, every
/// reconnect timing out) and a port nothing listens on (`refused`). It loads the repository's
/// tether rule files (`alert-rules/*.yml`) plus one rule of this test that fires at once on a
/// down target, so that a notification goes to a webhook sink: refused (retried) at first, then
/// delivered once Prometheus scrapes, so that the notification panels have rates to show.
///
/// Prometheus scrapes it every second and evaluates every file of `alert-rules/`, the
/// Prometheus-only `prometheus/*.yml` included. Once a few scrapes fill the `rate()` windows,
/// every query of every dashboard panel, as `dashboards/check.py` prints it with its variables
/// substituted, must return data through `/api/v1/query`, and every rule in Prometheus' and in
/// tether's `/api/v1/rules` must have been evaluated and be healthy. Queries are polled until
/// they all answer or a deadline passes, and every failure is reported at once.
@Suite("dashboards and alert rules against a real Prometheus scraping a real tether", .timeLimit(.minutes(2)))
struct DashboardQueriesEndToEndTests {
    /// The package root: this file is `Tests/EndToEndTests/<name>.swift`.
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The rule files of `alert-rules/`: `*.yml` at the top, which tether and Prometheus both
    /// load (`rule_files: [alert-rules/*.yml]`), and `prometheus/*.yml`, which only Prometheus
    /// can (`up{job="tether"}`, `absent(…)`: tether cannot watch its own absence). Sorted; either
    /// set missing throws.
    static func alertRuleFiles() throws -> (shared: [URL], prometheusOnly: [URL]) {
        func ruleFiles(in folder: URL) throws -> [URL] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            let files = names.filter { $0.hasSuffix(".yml") }.sorted()
            guard !files.isEmpty else {
                throw E2EError("no rule files (*.yml) in \(folder.path): alert-rules/ ships with tether (issue 6 §1)")
            }
            return files.map { folder.appendingPathComponent($0) }
        }
        let folder = repository.appendingPathComponent("alert-rules")
        return (try ruleFiles(in: folder), try ruleFiles(in: folder.appendingPathComponent("prometheus")))
    }

    /// `dashboards/check.py`; missing throws.
    static func checkScript() throws -> URL {
        let script = repository.appendingPathComponent("dashboards/check.py")
        guard FileManager.default.fileExists(atPath: script.path) else {
            throw E2EError("\(script.path) missing: dashboards/ ships with tether (issue 6 §2)")
        }
        return script
    }

    /// A rule of this test's own, evaluated by tether only: fires at once on every down target,
    /// so that tether notifies the webhook sink.
    static let notifyingRules = """
        groups:
          - name: e2e-notify
            rules:
              - alert: E2ETargetDown
                expr: tether_target_up == 0
                labels:
                  severity: warning
                annotations:
                  summary: "{{ $labels.target }} is down"

        """

    static func configuration(
        ruleFiles: [URL],
        webhook: String,
        ports: (ws: Int, wss: Int, tcp: Int, stalled: Int, refused: Int),
        caFile: URL
    ) -> String {
        """
        global:
          interval: 250ms
          timeout: 200ms
          down_after: 2
          connect_timeout: 1s
          close_timeout: 200ms
          evaluation_interval: 1s
          external_labels: {agent: e2e}
        reconnect: {initial: 100ms, max: 1s, multiplier: 2}
        rule_files:
        \(ruleFiles.map { "  - \"\($0.path)\"" }.joined(separator: "\n"))
        alerting:
          state_dir: state
          group_wait: 100ms
          group_interval: 1s
          receivers:
            - name: e2e-webhook
              webhook: {url: "\(webhook)"}
        targets:
          - name: ws
            url: ws://127.0.0.1:\(ports.ws)/
            labels: {team: e2e}
          - name: wss
            url: wss://127.0.0.1:\(ports.wss)/
            tls: {ca_file: "\(caFile.path)"}
            labels: {team: e2e}
          - name: tcp
            url: tcp://127.0.0.1:\(ports.tcp)
            tcp: {send: "PING\\n", expect: PONG, framing: line}
            labels: {team: e2e}
          - name: stalled
            url: ws://127.0.0.1:\(ports.stalled)/
            labels: {team: e2e}
          - name: refused
            url: ws://127.0.0.1:\(ports.refused)/
            labels: {team: e2e}
        """
    }

    @Test("every dashboard panel query returns data, every alert rule loads and is healthy in Prometheus")
    func dashboardQueriesAndRules() async throws {
        let started = ContinuousClock.now
        let ruleFiles = try Self.alertRuleFiles()
        // Globs, as the README and examples/ load them.
        let sharedGlob = Self.repository.appendingPathComponent("alert-rules/*.yml")
        let prometheusOnlyGlob = Self.repository.appendingPathComponent("alert-rules/prometheus/*.yml")
        let checkScript = try Self.checkScript()
        let dir = try TestDirectory("dashboard-queries")
        defer { dir.remove() }

        let panels = try await Self.panelQueries(script: checkScript, in: dir)
        try #require(!panels.isEmpty, "dashboards/check.py printed no panel query")

        let tls = try await TLSFixture.make(in: dir)
        let ws = try await Peer.pythonWebSocketServer(in: dir)
        defer { ws.stop() }
        let wss = try await Peer.pythonWebSocketServer(in: dir, tls: tls, name: "wss_server.py")
        defer { wss.stop() }
        let echo = try await Peer.tetherEcho(in: dir)
        defer { echo.stop() }
        let stalled = try await Peer.pythonWebSocketServer(in: dir, name: "stalled_server.py")
        defer { stalled.stop() }
        let refusedPort = try Ports.freeLoopbackPort()
        // Failing at first, so that tether retries (result="retried") and delivers only once
        // Prometheus has scraped the delivery histogram at 0: rate() then sees the delivery.
        let sink = try await WebhookSink.start(in: dir, mode: .fail)
        defer { sink.stop() }

        let notifying = dir.file("e2e-notify.yml")
        try Self.notifyingRules.write(to: notifying, atomically: true, encoding: .utf8)
        let agent = try await TetherAgentProcess.start(
            configuration: Self.configuration(
                ruleFiles: [sharedGlob, notifying],
                webhook: sink.url(path: "/hook"),
                ports: (ws.port, wss.port, echo.port, stalled.port, refusedPort),
                caFile: tls.caCertificate
            ),
            in: dir
        )
        defer { agent.stop() }
        let prometheus = try await PrometheusPeer.start(
            in: dir,
            scrapeJobs: ["tether": [agent.port]],
            ruleFiles: [sharedGlob, prometheusOnlyGlob]
        )
        defer { prometheus.stop() }
        let diagnostics = { "\(prometheus.diagnostics)\n\(agent.diagnostics)" }

        // Everything up once, then the stalled peer stops answering: it misses heartbeats, its
        // connection is dropped, and every reconnect times out in the WebSocket upgrade.
        try await agent.waitForMetrics("ws, wss, tcp and stalled up", timeout: .seconds(15)) { metrics in
            ["ws", "wss", "tcp", "stalled"].allSatisfy { metrics.value("tether_target_up", ["target": $0]) == 1 }
        }
        stalled.suspend()
        try await agent.waitForMetrics(
            "stalled down after missed heartbeats, a notification retried",
            timeout: .seconds(15)
        ) { metrics in
            metrics.value("tether_target_up", ["target": "stalled"]) == 0
                && (metrics.value("tether_disconnects_total", ["target": "stalled", "reason": "missed_heartbeats"])
                    ?? 0) >= 1
                && metrics.sum("tether_notifications_total", ["result": "retried"]) >= 1
        }

        try await prometheus.waitForQuery(
            "count(tether_target_up)",
            "Prometheus has scraped all five targets' tether_target_up",
            timeout: .seconds(15)
        ) { $0.values == [5] }
        try await prometheus.waitForQuery(
            "tether_notification_delivery_seconds_count",
            "Prometheus has scraped the delivery histogram before any delivery",
            timeout: .seconds(10)
        ) { $0.values == [0] }
        try sink.setMode(.ok)
        try await prometheus.waitForQuery(
            "tether_notification_delivery_seconds_count",
            "the notification delivered on a retry, in Prometheus",
            timeout: .seconds(20)
        ) { ($0.values.first ?? 0) >= 1 }
        // rate() over the dashboards' windows needs two samples at least; a few more make every
        // counter's increase visible.
        try await prometheus.waitForQuery(
            "count_over_time(tether_build_info[1m])",
            "at least 6 scrapes of tether in Prometheus",
            timeout: .seconds(20)
        ) { ($0.values.first ?? 0) >= 6 }

        let failures = try await Self.failingPanels(panels, prometheus: prometheus, deadline: .now + .seconds(20))
        if !failures.isEmpty {
            Issue.record(
                """
                \(failures.count) of \(panels.count) panel queries return no data or an error:
                \(failures.map(\.description).joined(separator: "\n"))
                --- Prometheus' scrape targets ---
                \(try await prometheus.scrapeTargets())
                \(diagnostics())
                """
            )
        }

        let deadline = ContinuousClock.now + .seconds(20)
        let prometheusProblems = try await Self.ruleProblems(
            files: ruleFiles.shared + ruleFiles.prometheusOnly,
            server: prometheus.name,
            port: prometheus.port,
            deadline: deadline
        )
        if !prometheusProblems.isEmpty {
            Issue.record(
                "alert-rules/ in Prometheus:\n\(prometheusProblems.joined(separator: "\n"))\n\(diagnostics())"
            )
        }
        let tetherProblems = try await Self.ruleProblems(
            files: ruleFiles.shared + [notifying],
            server: "tether run",
            port: agent.port,
            deadline: deadline
        )
        if !tetherProblems.isEmpty {
            Issue.record("alert-rules/ in tether:\n\(tetherProblems.joined(separator: "\n"))\n\(agent.diagnostics)")
        }
        // Data all the same, but Grafana shows NaN as no value: worth knowing, not a failure (a
        // quantile or ratio of a target with nothing to measure is NaN by definition).
        var notANumber: [PanelQuery] = []
        for query in panels {
            let result = try await prometheus.query(query.expr)
            if result.count > 0 && result.values.allSatisfy(\.isNaN) { notANumber.append(query) }
        }
        print(
            "DashboardQueriesEndToEndTests: \(panels.count) panel queries, \(failures.count) without data, "
                + "\(notANumber.count) with NaN only\(notANumber.map { "\n  NaN only: \($0)" }.joined()); "
                + "took \(ContinuousClock.now - started)"
        )
    }

    /// One panel query as `dashboards/check.py` prints it, variables substituted.
    struct PanelQuery: CustomStringConvertible {
        let dashboard: String
        let panel: String
        let refId: String
        let expr: String

        var description: String { "\(dashboard) / \(panel) / \(refId): \(expr)" }
    }

    /// A panel query and what Prometheus answered.
    struct PanelFailure: CustomStringConvertible {
        let query: PanelQuery
        let result: PrometheusQueryResult

        var description: String {
            let why = result.error.map { "error \($0)" } ?? "no data (\(result.resultType ?? "?") of 0)"
            return "- \(query.dashboard) / panel \"\(query.panel)\" / refId \(query.refId): \(why)\n    \(query.expr)"
        }
    }

    /// Runs `python3 dashboards/check.py` (every dashboard, every variable "All") and parses its
    /// JSON lines.
    static func panelQueries(script: URL, in dir: TestDirectory) async throws -> [PanelQuery] {
        let python = try await Programs.python()
        let child = try ChildProcess(
            name: "check.py",
            executable: python,
            arguments: [script.path],
            directory: dir.url
        )
        guard await child.waitForExit(timeout: .seconds(30)) else {
            child.stop()
            throw E2EError("python3 \(script.path) did not finish within 30s\n\(child.stderr)")
        }
        // Status 1 is check.py's own verdict on the dashboards (a structural problem, each on
        // stderr), with every query printed all the same: a failure, and the queries still run.
        switch (child.terminatedBySignal, child.exitCode) {
        case (false, 0): break
        case (false, 1): Issue.record("dashboards/check.py found problems:\n\(child.stderr)")
        default:
            throw E2EError(
                "python3 \(script.path) failed with status \(child.exitCode ?? -1)\n--- stdout ---\n"
                    + "\(ChildProcess.tail(child.stdout))\n--- stderr ---\n\(child.stderr)"
            )
        }
        var queries: [PanelQuery] = []
        for line in child.stdout.split(separator: "\n") where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let expr = object["expr"] as? String
            else {
                throw E2EError("dashboards/check.py: not a JSON object with \"expr\": \(line)")
            }
            func text(_ key: String) -> String { object[key].map { "\($0)" } ?? "?" }
            queries.append(
                PanelQuery(dashboard: text("dashboard"), panel: text("panel"), refId: text("refId"), expr: expr)
            )
        }
        return queries
    }

    /// Queries every panel, then again the ones with no data, once a second until all have data or
    /// `deadline` passes (a series may appear only after a reconnect times out, a notification is
    /// delivered, a rule has run); returns the panels still failing.
    static func failingPanels(
        _ panels: [PanelQuery],
        prometheus: PrometheusPeer,
        deadline: ContinuousClock.Instant
    ) async throws -> [PanelFailure] {
        var pending = panels
        var failures: [PanelFailure] = []
        while true {
            failures = []
            for query in pending {
                let result = try await prometheus.query(query.expr)
                if !result.isSuccess || result.count == 0 {
                    failures.append(PanelFailure(query: query, result: result))
                }
            }
            // An error (a query Prometheus rejects) does not go away by waiting.
            if failures.allSatisfy({ !$0.result.isSuccess }) || ContinuousClock.now >= deadline { return failures }
            pending = failures.map(\.query)
            try await Task.sleep(for: .seconds(1))
        }
    }

    /// What is wrong with the rule files `files` in the server on `port` (Prometheus or tether),
    /// once every rule has been evaluated (or `deadline` passes): a file with no group in
    /// `/api/v1/rules`, a rule not evaluated, a rule whose health is not `ok` (with its
    /// `lastError`).
    static func ruleProblems(
        files: [URL],
        server: String,
        port: Int,
        deadline: ContinuousClock.Instant
    ) async throws -> [String] {
        var groups = try await PrometheusRuleGroup.fetch(port: port, from: server)
        while groups.contains(where: { $0.rules.contains { !$0.evaluated || $0.health == "unknown" } }),
            ContinuousClock.now < deadline
        {
            try await Task.sleep(for: .milliseconds(250))
            groups = try await PrometheusRuleGroup.fetch(port: port, from: server)
        }
        var problems: [String] = []
        let loaded = Set(groups.map { URL(fileURLWithPath: $0.file).resolvingSymlinksInPath().path })
        for file in files where !loaded.contains(file.resolvingSymlinksInPath().path) {
            problems.append("- \(file.lastPathComponent): no rule group of it in \(server)'s /api/v1/rules")
        }
        for group in groups {
            for rule in group.rules where rule.health != "ok" || !rule.evaluated {
                let file = URL(fileURLWithPath: group.file).lastPathComponent
                problems.append(
                    "- \(file) / group \(group.name) / \(rule.type) rule \(rule.name): health \(rule.health), "
                        + "last evaluation \(rule.lastEvaluation ?? "none"), lastError \(rule.lastError ?? "none")"
                        + "\n    \(rule.query)"
                )
            }
        }
        return problems
    }
}
