import Foundation
import Testing

/// Alert rules evaluated by a real `tether run` over its own metrics (DESIGN.md §5, §7; issue 4):
/// a python websockets server is SIGSTOPped so that `tether_target_up` drops to 0, and the alert
/// is followed through `/api/v1/alerts`, `/api/v1/rules` and `tether_alerts` in `/metrics` —
/// pending, firing once `for` has passed since `activeAt`, resolved after SIGCONT, and its `for`
/// progress kept across a SIGKILL and a restart (the downtime not counted, as Prometheus restores
/// `ALERTS_FOR_STATE`).
///
/// Times that cross processes (`activeAt`, when a state was first seen) are wall-clock times,
/// tether's and the test's clock being the same. Every wait polls with a deadline; the bounds
/// asserted leave seconds of slack for a slow, shared CI machine.
@Suite("alert rules in a real tether run: pending, firing, resolved, restored", .timeLimit(.minutes(2)))
struct AlertEndToEndTests {
    /// The target is dead after 2 missed heartbeats 500 ms apart; rules are evaluated every second.
    static func configuration(serverPort: Int) -> String {
        """
        global:
          interval: 500ms
          timeout: 300ms
          down_after: 2
          connect_timeout: 1s
          close_timeout: 200ms
          evaluation_interval: 1s
        reconnect: {initial: 100ms, max: 1s, multiplier: 2}
        rule_files: [alert-rules.yml]
        alerting:
          state_dir: state
        targets:
          - name: ws
            url: ws://127.0.0.1:\(serverPort)/
        """
    }

    /// `TargetDown` with a templated label and templated annotations.
    static func rules(for duration: String) -> String {
        """
        groups:
          - name: tether-e2e
            rules:
              - alert: TargetDown
                expr: tether_target_up{target="ws"} == 0
                for: \(duration)
                labels:
                  severity: page
                  down_target: "{{ $labels.target }}"
                annotations:
                  summary: "target {{ $labels.target }} is down"
                  description: "tether_target_up is {{ $value }}"

        """
    }

    /// The labels of the one `TargetDown` alert: the series' labels, the rule's, `alertname`.
    static let alertLabels = ["alertname": "TargetDown", "target": "ws", "severity": "page", "down_target": "ws"]

    static func targetDown(_ alerts: [APIAlert]) -> APIAlert? {
        alerts.first { $0.labels["alertname"] == "TargetDown" }
    }

    static func seconds(_ date: Date) -> String { String(format: "%.3f", date.timeIntervalSince1970) }

    @Test("target down for 10s: pending, firing 10 s after activeAt, resolved after SIGCONT")
    func targetDownPendingFiringResolved() async throws {
        let dir = try TestDirectory("alert-target-down")
        defer { dir.remove() }
        let server = try await Peer.pythonWebSocketServer(in: dir)
        defer { server.stop() }
        try Self.rules(for: "10s").write(to: dir.file("alert-rules.yml"), atomically: true, encoding: .utf8)
        let agent = try await TetherAgentProcess.start(
            configuration: Self.configuration(serverPort: server.port),
            in: dir
        )
        defer { agent.stop() }
        let target = ["target": "ws"]

        try await agent.waitForMetrics("tether_target_up == 1", target: "ws", timeout: .seconds(10)) {
            $0.value("tether_target_up", target) == 1
        }
        // Before its first answer a target is down, so TargetDown may be pending from the start;
        // the first evaluation that sees the target up ends it.
        let upAt = Date().timeIntervalSince1970
        try await agent.waitForMetrics("an evaluation after the target is up, no tether_alerts", timeout: .seconds(10))
        {
            ($0.samples("tether_rule_group_last_evaluation_timestamp_seconds").first?.value ?? 0) > upAt
                && $0.samples("tether_alerts").isEmpty
        }
        let quiet = try await agent.alerts()
        #expect(quiet.isEmpty, "no alerts while the target is up: \(quiet)")

        let stoppedAt = Date()
        server.suspend()
        let pending = try await agent.waitForAlerts("TargetDown after SIGSTOP", timeout: .seconds(15)) { alerts, _ in
            Self.targetDown(alerts) != nil
        }
        let alert = try #require(Self.targetDown(pending))
        #expect(pending.count == 1, "one alert: \(pending)")
        #expect(alert.state == "pending", "for: 10s, so pending first: \(alert)\n\(agent.diagnostics)")
        #expect(alert.labels == Self.alertLabels, "\(alert)")
        #expect(
            alert.annotations == ["summary": "target ws is down", "description": "tether_target_up is 0"],
            "annotations rendered with $labels and $value: \(alert)"
        )
        #expect(alert.value == "0e+00", "\(alert)")
        let activeAt = try #require(alert.activeDate, "activeAt is not RFC 3339: \(alert)")
        #expect(
            activeAt.timeIntervalSince(stoppedAt) > -1 && activeAt <= Date(),
            "activeAt \(Self.seconds(activeAt)) is not after the SIGSTOP at \(Self.seconds(stoppedAt))"
        )
        var pendingSeries = Self.alertLabels
        pendingSeries["alertstate"] = "pending"
        try await agent.waitForMetrics("tether_alerts{alertstate=\"pending\"} 1", timeout: .seconds(5)) {
            $0.value("tether_alerts", pendingSeries) == 1 && $0.samples("tether_alerts").count == 1
        }

        // Follow it until it fires: same alert (same activeAt) all along, never gone, never firing early.
        var activeAts: Set<String> = []
        var vanished: [Date] = []
        var firstFiring: Date?
        let firing = try await agent.waitForAlerts("TargetDown firing", timeout: .seconds(30)) { alerts, at in
            guard let alert = Self.targetDown(alerts) else {
                vanished.append(at)
                return false
            }
            activeAts.insert(alert.activeAt)
            guard alert.state == "firing" else { return false }
            firstFiring = at
            return true
        }
        let fired = try #require(firstFiring)
        let firingAlert = try #require(Self.targetDown(firing))
        #expect(activeAts == [alert.activeAt], "activeAt changed while pending: \(activeAts)")
        #expect(vanished.isEmpty, "TargetDown disappeared while the target was down: \(vanished)")
        #expect(firingAlert.activeAt == alert.activeAt, "firing keeps the pending alert's activeAt: \(firingAlert)")
        #expect(
            fired.timeIntervalSince(activeAt) >= 10 - 0.5,
            "firing seen at \(Self.seconds(fired)), less than for: 10s after activeAt \(Self.seconds(activeAt))"
        )
        #expect(
            fired.timeIntervalSince(activeAt) <= 10 + 8,
            "firing seen at \(Self.seconds(fired)), long after activeAt \(Self.seconds(activeAt)) + 10s"
        )
        var firingSeries = Self.alertLabels
        firingSeries["alertstate"] = "firing"
        let firingMetrics = try await agent.waitForMetrics(
            "tether_alerts{alertstate=\"firing\"} 1, no pending one",
            timeout: .seconds(5)
        ) { $0.value("tether_alerts", firingSeries) == 1 && $0.samples("tether_alerts").count == 1 }

        let groups = try await agent.ruleGroups()
        let group = try #require(groups.first, "no rule group in /api/v1/rules")
        #expect(groups.count == 1 && group.name == "tether-e2e", "\(groups.map(\.key))")
        #expect(group.file.hasSuffix("/alert-rules.yml"), "the group's file: \(group.file)")
        #expect(group.interval == 1, "evaluation_interval: 1s: \(group.interval)")
        let rule = try #require(group.rules.first, "no rule in the group")
        #expect(group.rules.count == 1 && rule.name == "TargetDown" && rule.type == "alerting", "\(group.rules)")
        #expect(rule.query == "tether_target_up{target=\"ws\"} == 0", "\(rule.query)")
        #expect(rule.duration == 10, "for: 10s: \(rule.duration ?? -1)")
        #expect(
            rule.health == "ok" && rule.lastError == nil,
            "health \(rule.health), lastError \(rule.lastError ?? "")"
        )
        #expect(rule.state == "firing", "\(rule.state ?? "nil")")
        #expect(
            rule.alerts?.map(\.activeAt) == [alert.activeAt] && rule.alerts?.first?.state == "firing",
            "\(rule.alerts ?? [])"
        )
        #expect(rule.labels == ["severity": "page", "down_target": "{{ $labels.target }}"], "\(rule.labels)")
        let ruleGroup = ["rule_group": group.key]
        #expect(
            firingMetrics.value("tether_rule_group_interval_seconds", ruleGroup) == 1
                && firingMetrics.value("tether_rule_group_rules", ruleGroup) == 1,
            "tether_rule_group_* labelled \(group.key):\n\(firingMetrics.text)"
        )
        #expect(
            (firingMetrics.value("tether_rule_evaluations_total", ruleGroup) ?? 0) >= 5
                && firingMetrics.value("tether_rule_evaluation_failures_total", ruleGroup) == 0,
            "\(firingMetrics.samples("tether_rule_evaluations_total") + firingMetrics.samples("tether_rule_evaluation_failures_total"))"
        )

        server.resume()
        try await agent.waitForMetrics("up == 1 again after SIGCONT", target: "ws", timeout: .seconds(15)) {
            $0.value("tether_target_up", target) == 1
        }
        try await agent.waitForAlerts("TargetDown resolved after SIGCONT", timeout: .seconds(10)) { alerts, _ in
            alerts.isEmpty
        }
        try await agent.waitForMetrics("no tether_alerts once resolved", timeout: .seconds(5)) {
            $0.samples("tether_alerts").isEmpty
        }
        let resolved = try #require(try await agent.ruleGroups().first?.rules.first)
        #expect(
            resolved.state == "inactive" && resolved.health == "ok" && resolved.alerts?.isEmpty == true,
            "state \(resolved.state ?? "nil"), health \(resolved.health), alerts \(resolved.alerts ?? [])"
        )
        #expect(try await agent.terminate() == 0, "\(agent.diagnostics)")
    }

    @Test("killed and restarted mid-for, the pending alert keeps its progress and fires for − progress later")
    func restartKeepsPendingProgress() async throws {
        let dir = try TestDirectory("alert-restart")
        defer { dir.remove() }
        let server = try await Peer.pythonWebSocketServer(in: dir)
        defer { server.stop() }
        let holdFor = 24.0
        let progressBeforeKill = 10.0
        try Self.rules(for: "24s").write(to: dir.file("alert-rules.yml"), atomically: true, encoding: .utf8)
        let first = try await TetherAgentProcess.start(
            configuration: Self.configuration(serverPort: server.port),
            in: dir
        )
        defer { first.stop() }
        let target = ["target": "ws"]
        try await first.waitForMetrics("tether_target_up == 1", target: "ws", timeout: .seconds(10)) {
            $0.value("tether_target_up", target) == 1
        }
        let upAt = Date().timeIntervalSince1970
        try await first.waitForMetrics("an evaluation after the target is up, no tether_alerts", timeout: .seconds(10))
        {
            ($0.samples("tether_rule_group_last_evaluation_timestamp_seconds").first?.value ?? 0) > upAt
                && $0.samples("tether_alerts").isEmpty
        }

        server.suspend()
        let pending = try await first.waitForAlerts("TargetDown after SIGSTOP", timeout: .seconds(15)) { alerts, _ in
            Self.targetDown(alerts) != nil
        }
        let alert = try #require(Self.targetDown(pending))
        #expect(alert.state == "pending", "\(alert)")
        let activeAt = try #require(alert.activeDate, "activeAt is not RFC 3339: \(alert)")

        // Let the alert make progress towards `for`, watching that it stays the same pending alert.
        var states: Set<String> = []
        try await first.waitForAlerts("\(progressBeforeKill)s of pending", timeout: .seconds(30)) { alerts, at in
            states.insert(Self.targetDown(alerts).map { "\($0.state) since \($0.activeAt)" } ?? "gone")
            return at.timeIntervalSince(activeAt) >= progressBeforeKill
        }
        #expect(states == ["pending since \(alert.activeAt)"], "\(states)")
        // The last evaluation before the kill, which is what was saved: progress at least this.
        let beforeKill = try await first.metrics()
        let lastEvaluation = try #require(
            beforeKill.samples("tether_rule_group_last_evaluation_timestamp_seconds").first?.value,
            "\(beforeKill.text)"
        )
        let savedProgress = lastEvaluation - activeAt.timeIntervalSince1970
        #expect(savedProgress >= progressBeforeKill - 3, "last evaluation \(lastEvaluation), activeAt \(activeAt)")
        let database = dir.file("state/tether.db")
        #expect(FileManager.default.fileExists(atPath: database.path), "no \(database.path)")

        let killedAt = Date()
        try await first.killAndWait()
        let restartedAt = Date()
        let second = try await first.restart(name: "tether-run-restarted")
        defer { second.stop() }
        #expect(FileManager.default.fileExists(atPath: database.path), "no \(database.path) after the restart")

        let restoredAlerts = try await second.waitForAlerts("TargetDown after the restart", timeout: .seconds(10)) {
            alerts,
            _ in Self.targetDown(alerts) != nil
        }
        let firstSeen = Date()
        let restored = try #require(Self.targetDown(restoredAlerts))
        let restoredActiveAt = try #require(restored.activeDate, "activeAt is not RFC 3339: \(restored)")
        #expect(restored.state == "pending", "\(restored)\n\(second.diagnostics)")
        #expect(restored.labels == Self.alertLabels, "\(restored)")
        #expect(
            restoredActiveAt < restartedAt,
            "activeAt \(Self.seconds(restoredActiveAt)) is not before the restart at \(Self.seconds(restartedAt)) (a new alert)\n\(second.diagnostics)"
        )
        // Moved forward by the downtime: at least from the kill to the restart …
        let shift = restoredActiveAt.timeIntervalSince(activeAt)
        #expect(
            shift >= restartedAt.timeIntervalSince(killedAt) - 0.1,
            "activeAt moved by \(shift)s, less than the \(restartedAt.timeIntervalSince(killedAt))s tether was down"
        )
        // … and no more than from the last saved evaluation to the first answer after the restart.
        #expect(
            firstSeen.timeIntervalSince(restoredActiveAt) >= savedProgress - 0.1,
            "progress \(firstSeen.timeIntervalSince(restoredActiveAt))s after the restart < \(savedProgress)s before the kill"
        )

        var activeAts: Set<String> = []
        var firstFiring: Date?
        try await second.waitForAlerts("the restored TargetDown firing", timeout: .seconds(40)) { alerts, at in
            guard let alert = Self.targetDown(alerts) else { return false }
            activeAts.insert(alert.activeAt)
            guard alert.state == "firing" else { return false }
            firstFiring = at
            return true
        }
        let fired = try #require(firstFiring)
        #expect(activeAts == [restored.activeAt], "activeAt changed after the restore: \(activeAts)")
        #expect(
            fired.timeIntervalSince(restoredActiveAt) >= holdFor - 0.5,
            "firing seen at \(Self.seconds(fired)), before the restored activeAt \(Self.seconds(restoredActiveAt)) + for"
        )
        #expect(
            fired.timeIntervalSince(restoredActiveAt) <= holdFor + 8,
            "firing seen at \(Self.seconds(fired)), long after the restored activeAt \(Self.seconds(restoredActiveAt)) + for"
        )
        #expect(
            fired.timeIntervalSince(restartedAt) <= holdFor - 3,
            "firing \(fired.timeIntervalSince(restartedAt))s after the restart: the progress before the kill was lost"
        )

        server.resume()
        try await second.waitForAlerts("TargetDown resolved after SIGCONT", timeout: .seconds(15)) { alerts, _ in
            alerts.isEmpty
        }
        #expect(try await second.terminate() == 0, "\(second.diagnostics)")
    }
}
