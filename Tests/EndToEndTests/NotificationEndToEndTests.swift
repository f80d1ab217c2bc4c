import Foundation
import Testing

/// Alert delivery by a real `tether run` to real receivers (DESIGN.md §6, issue 5): Debian's
/// Alertmanager through its API v2, looked at with amtool, and the python webhook sink
/// (`Fixtures/webhook_sink.py`), which answers as each test says (refusing connections, failing,
/// hanging) and checks every Standard Webhooks signature.
///
/// The alerts are real: a python websockets server SIGSTOPped makes `tether_target_up` 0, so
/// `TargetDown` fires (`for: 2s`, so that the moment before the first answer at start never
/// fires), and SIGCONT resolves it. Time is scaled down: rules every second, `group_wait` and
/// `group_interval` 1 s, `resend_delay` 1 s, receivers' `timeout` 1 s. What tether did is read from
/// its outbox (`/api/v1/notifications`) and `/metrics`; what arrived, from the sink's request log
/// and from amtool. Every wait polls with a deadline; failures quote the outbox, the sink's log
/// and tether's log.
@Suite(
    "notifications from a real tether run: Alertmanager, webhooks, outage, SIGKILL, hang, grouping",
    .timeLimit(.minutes(2))
)
struct NotificationEndToEndTests {
    /// A Standard Webhooks secret: base64 of the key after `whsec_`.
    static let secret = "whsec_bbZ9z4oDOG/FkRvdjxE1UkH67FDO8lw/"
    static let externalURL = "http://tether-e2e.example:9000"
    /// Prometheus' link for `tether_target_up == 0`: the expression query-escaped.
    static let generatorURL = externalURL + "/graph?g0.expr=tether_target_up+%3D%3D+0&g0.tab=1"
    /// Firing alerts' `endsAt` in webhook payloads: Go's zero time, as Alertmanager writes it.
    static let zeroTime = "0001-01-01T00:00:00Z"

    static let targetDownRules = """
        groups:
          - name: tether-e2e
            rules:
              - alert: TargetDown
                expr: tether_target_up == 0
                for: 2s
                labels:
                  severity: page
                annotations:
                  summary: "target {{ $labels.target }} is down"

        """

    /// The labels of `TargetDown` for one target: the series' labels, the rule's, `alertname`.
    static func alertLabels(target: String) -> [String: String] {
        ["alertname": "TargetDown", "target": target, "severity": "page"]
    }

    static func annotations(target: String) -> [String: String] { ["summary": "target \(target) is down"] }

    /// A `ws://` target on the python websockets server, as a YAML flow mapping.
    static func wsTarget(_ name: String, port: Int) -> String { "{name: \(name), url: \"ws://127.0.0.1:\(port)/\"}" }

    /// A webhook receiver as a YAML flow mapping.
    static func webhook(_ name: String, url: String, signed: Bool = false) -> String {
        "{name: \(name), webhook: {url: \"\(url)\", timeout: 1s\(signed ? ", signing_secret: \"\(secret)\"" : "")}}"
    }

    /// A target is dead after 2 missed heartbeats 500 ms apart; rules are evaluated every second;
    /// `alert-rules.yml` in the test directory holds the rules.
    /// - Parameters:
    ///   - targets: YAML flow mappings, one per target.
    ///   - receivers: YAML flow mappings, one per receiver.
    static func configuration(
        targets: [String],
        receivers: [String],
        groupBy: String = "[alertname, target]",
        groupWait: String = "1s"
    ) -> String {
        """
        global:
          interval: 500ms
          timeout: 300ms
          down_after: 2
          connect_timeout: 1s
          close_timeout: 200ms
          evaluation_interval: 1s
          external_url: \(externalURL)
        reconnect: {initial: 100ms, max: 1s, multiplier: 2}
        rule_files: [alert-rules.yml]
        alerting:
          state_dir: state
          group_by: \(groupBy)
          group_wait: \(groupWait)
          group_interval: 1s
          repeat_interval: 1h
          resend_delay: 1s
          receivers:
        \(receivers.map { "    - \($0)" }.joined(separator: "\n"))
        targets:
        \(targets.map { "  - \($0)" }.joined(separator: "\n"))

        """
    }

    /// Writes `rules` and starts tether on `configuration`.
    static func startAgent(
        rules: String = targetDownRules,
        configuration: String,
        in dir: TestDirectory
    ) async throws -> TetherAgentProcess {
        try rules.write(to: dir.file("alert-rules.yml"), atomically: true, encoding: .utf8)
        return try await TetherAgentProcess.start(configuration: configuration, in: dir)
    }

    /// Waits until every target is up and a rule evaluation after that saw no alert, and checks
    /// that nothing was notified: from then on, alerts and notifications are the test's doing.
    static func waitUntilQuiet(_ agent: TetherAgentProcess, targets: [String]) async throws {
        try await agent.waitForMetrics("tether_target_up == 1 for \(targets)", timeout: .seconds(15)) { metrics in
            targets.allSatisfy { metrics.value("tether_target_up", ["target": $0]) == 1 }
        }
        let upAt = Date().timeIntervalSince1970
        try await agent.waitForMetrics(
            "an evaluation after the targets are up, no tether_alerts",
            timeout: .seconds(10)
        ) {
            ($0.samples("tether_rule_group_last_evaluation_timestamp_seconds").first?.value ?? 0) > upAt
                && $0.samples("tether_alerts").isEmpty
        }
        let (notifications, body) = try await agent.notifications()
        #expect(notifications.isEmpty, "notified before any alert fired:\n\(body)\n\(agent.diagnostics)")
    }

    /// The Alertmanager payload of a request, nil when it is not one.
    static func payload(_ request: WebhookRequest) -> AlertmanagerWebhookPayload? {
        try? request.alertmanagerPayload()
    }

    /// The request's `webhook-id`, "" when it has none.
    static func webhookID(_ request: WebhookRequest) -> String { request.header("webhook-id") ?? "" }

    /// Oldest first, the order in which a receiver's notifications are attempted. (Not the order of
    /// `/api/v1/notifications`, which lists pending ones by their next attempt: those waiting
    /// behind a head that backs off come first there.)
    static func byCreation(_ notifications: [APINotification]) -> [APINotification] {
        notifications.sorted { ($0.createdDate ?? .distantPast) < ($1.createdDate ?? .distantPast) }
    }

    /// The ids in order of first appearance.
    static func firstAppearances(_ ids: [String]) -> [String] {
        var seen: Set<String> = []
        return ids.filter { seen.insert($0).inserted }
    }

    /// The outbox, the sink's log and tether's log, for failure messages.
    static func report(_ agent: TetherAgentProcess, _ sink: WebhookSink) async -> String {
        let body = (try? await agent.notifications().body) ?? "(no answer)"
        return "--- /api/v1/notifications ---\n\(body)\n\(sink.diagnostics)\n\(agent.diagnostics)"
    }

    /// Polls `probe` every 100 ms until it returns a value, and returns that; throws after
    /// `timeout` with `what` and `diagnostics()`.
    static func poll<T>(
        _ what: String,
        timeout: Duration,
        diagnostics: @autoclosure () -> String,
        _ probe: () async throws -> T?
    ) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let value = try await probe() { return value }
            if ContinuousClock.now >= deadline { throw E2EError("not within \(timeout): \(what)\n\(diagnostics())") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    // MARK: - Alertmanager

    @Test("Alertmanager (API v2): amtool lists tether's alert firing, re-sent every resend_delay, then resolved")
    func alertmanagerFiringThenResolved() async throws {
        let dir = try TestDirectory("notify-alertmanager")
        defer { dir.remove() }
        let alertmanager = try await AlertmanagerPeer.start(in: dir)
        defer { alertmanager.stop() }
        let sink = try await WebhookSink.start(in: dir)
        defer { sink.stop() }
        let server = try await Peer.pythonWebSocketServer(in: dir)
        defer { server.stop() }
        let agent = try await Self.startAgent(
            configuration: Self.configuration(
                targets: [Self.wsTarget("ws", port: server.port)],
                receivers: [
                    "{name: fleet, alertmanager: {url: \"\(alertmanager.url)\", timeout: 1s}}",
                    Self.webhook("oncall", url: sink.url(path: "/hook")),
                ]
            ),
            in: dir
        )
        defer { agent.stop() }
        try await Self.waitUntilQuiet(agent, targets: ["ws"])
        #expect(try await alertmanager.alerts().isEmpty, "\(alertmanager.diagnostics)")

        let stoppedAt = Date()
        server.suspend()
        let labels = Self.alertLabels(target: "ws")
        let firing = try await alertmanager.waitForFiring(labels, timeout: .seconds(20))
        let firingSeen = Date()
        #expect(firing.labels == labels, "\(firing)")
        #expect(firing.annotations == Self.annotations(target: "ws"), "\(firing)")
        #expect(firing.generatorURL == Self.generatorURL, "\(firing)")
        #expect(firing.receivers.map(\.name) == ["tether-e2e"], "\(firing)")
        let startsAt = try #require(firing.startsDate, "startsAt is not RFC 3339: \(firing)")
        #expect(startsAt > stoppedAt && startsAt <= firingSeen, "startsAt is not after the SIGSTOP: \(firing)")
        #expect(
            firing.endsDate.map { $0 > firingSeen } == true,
            "endsAt lies ahead while tether keeps sending it: \(firing)"
        )

        // Sent again while it fires, as Prometheus does: every resend_delay (1 s), the same alert.
        let received = try await Self.poll(
            "Alertmanager received the firing alert 3 times (resend_delay: 1s)",
            timeout: .seconds(10),
            diagnostics: alertmanager.diagnostics + "\n" + agent.diagnostics
        ) {
            let count = try await alertmanager.firingAlertsReceived()
            return count >= 3 ? count : nil
        }
        let stillFiring = try await alertmanager.alerts(matching: ["alertname=TargetDown"])
        #expect(
            stillFiring.map(\.fingerprint) == [firing.fingerprint] && stillFiring.map(\.startsAt) == [firing.startsAt]
                && stillFiring.map(\.state) == ["active"],
            "after \(received) firing alerts received, still the one alert: \(stillFiring)"
        )

        // The webhook receiver got the same alert: Alertmanager's fingerprint, the same startsAt.
        let hook = try await sink.waitForRequests(count: 1, timeout: .seconds(10)) {
            Self.payload($0)?.status == "firing"
        }
        let hookAlert = try #require(Self.payload(hook[0])?.alerts.first, "\(hook[0])")
        #expect(hookAlert.fingerprint == firing.fingerprint, "webhook \(hookAlert), Alertmanager \(firing)")
        #expect(
            hookAlert.startsDate.map { abs($0.timeIntervalSince(startsAt)) < 0.002 } == true,
            "webhook \(hookAlert.startsAt), Alertmanager \(firing.startsAt)"
        )

        let resolvedBefore = try await alertmanager.resolvedAlertsReceived()
        #expect(resolvedBefore == 0, "\(alertmanager.diagnostics)")
        server.resume()
        try await alertmanager.waitForResolved(labels, resolvedAtLeast: resolvedBefore + 1, timeout: .seconds(20))
        #expect(try await alertmanager.apiAlerts().isEmpty, "\(alertmanager.diagnostics)")

        let notifications = try await agent.waitForNotifications(
            "every notification to the Alertmanager delivered",
            timeout: .seconds(10)
        ) { all in
            let fleet = all.filter { $0.receiver == "fleet" }
            return fleet.count >= 3 && fleet.allSatisfy(\.isDelivered)
        }
        let fleet = notifications.filter { $0.receiver == "fleet" }
        #expect(fleet.allSatisfy { $0.groupKey.isEmpty && $0.alerts == 1 }, "\(fleet)")
        let fleetLabels = ["receiver": "fleet"]
        try await agent.waitForMetrics(
            "tether_notifications_total of fleet: delivered, none failed",
            timeout: .seconds(5)
        ) {
            $0.sum("tether_notifications_total", fleetLabels.merging(["result": "delivered"]) { $1 })
                >= Double(fleet.count)
                && $0.value("tether_notifications_total", fleetLabels.merging(["result": "failed"]) { $1 }) == 0
        }
        #expect(try await agent.terminate() == 0, "\(agent.diagnostics)")
    }

    // MARK: - Webhook payload and signature

    @Test("webhook: a firing, then a resolved Alertmanager payload (version 4, every field), signed and verified")
    func webhookPayloadsSigned() async throws {
        let dir = try TestDirectory("notify-webhook")
        defer { dir.remove() }
        let sink = try await WebhookSink.start(in: dir, secret: Self.secret)
        defer { sink.stop() }
        let server = try await Peer.pythonWebSocketServer(in: dir)
        defer { server.stop() }
        let agent = try await Self.startAgent(
            configuration: Self.configuration(
                targets: [Self.wsTarget("ws", port: server.port)],
                receivers: [Self.webhook("oncall", url: sink.url(path: "/hook"), signed: true)]
            ),
            in: dir
        )
        defer { agent.stop() }
        try await Self.waitUntilQuiet(agent, targets: ["ws"])

        let stoppedAt = Date()
        server.suspend()
        let firingRequest = try await sink.waitForRequests(count: 1, timeout: .seconds(20)) {
            Self.payload($0)?.status == "firing"
        }[0]
        let resumedAt = Date()
        server.resume()
        let resolvedRequest = try await sink.waitForRequests(count: 1, timeout: .seconds(20)) {
            Self.payload($0)?.status == "resolved"
        }[0]
        // Every field is required: a payload without one does not decode.
        let firing = try firingRequest.alertmanagerPayload()
        let resolved = try resolvedRequest.alertmanagerPayload()

        let labels = Self.alertLabels(target: "ws")
        for (payload, status, request) in [(firing, "firing", firingRequest), (resolved, "resolved", resolvedRequest)] {
            #expect(payload.version == "4", "\(request)")
            #expect(payload.status == status, "\(request)")
            #expect(payload.receiver == "oncall", "\(request)")
            #expect(payload.groupKey == #"{}/{}:{alertname="TargetDown", target="ws"}"#, "\(request)")
            #expect(payload.groupLabels == ["alertname": "TargetDown", "target": "ws"], "\(request)")
            #expect(payload.commonLabels == labels, "\(request)")
            #expect(payload.commonAnnotations == Self.annotations(target: "ws"), "\(request)")
            #expect(payload.externalURL == Self.externalURL, "\(request)")
            #expect(payload.truncatedAlerts == 0, "\(request)")
            #expect(payload.alerts.count == 1, "\(request)")
            for alert in payload.alerts {
                #expect(alert.status == status, "\(request)")
                #expect(alert.labels == labels, "\(request)")
                #expect(alert.annotations == Self.annotations(target: "ws"), "\(request)")
                #expect(alert.generatorURL == Self.generatorURL, "\(request)")
                #expect(alert.fingerprint.wholeMatch(of: /[0-9a-f]{16}/) != nil, "\(request)")
            }
            #expect(request.method == "POST" && request.path == "/hook", "\(request)")
            #expect(request.header("content-type") == "application/json", "\(request)")
            #expect(request.header("user-agent")?.hasPrefix("tether/") == true, "\(request)")
            #expect(Self.webhookID(request).wholeMatch(of: /msg_[0-9a-f]{32}/) != nil, "webhook-id: \(request)")
            #expect(
                request.webhookTimestamp.map { abs($0.timeIntervalSince(request.receivedAt)) < 30 } == true,
                "webhook-timestamp: \(request)"
            )
            #expect(
                request.signatureValid == true,
                "signature: \(request.signatureProblem ?? "none checked")\n\(request)"
            )
        }
        let firingAlert = try #require(firing.alerts.first)
        let resolvedAlert = try #require(resolved.alerts.first)
        #expect(firingAlert.endsAt == Self.zeroTime, "a firing alert has no end: \(firingRequest)")
        let startsAt = try #require(firingAlert.startsDate, "\(firingRequest)")
        #expect(
            startsAt > stoppedAt && startsAt < firingRequest.receivedAt,
            "startsAt \(firingAlert.startsAt) not between the SIGSTOP and the notification: \(firingRequest)"
        )
        #expect(resolvedAlert.fingerprint == firingAlert.fingerprint, "the same alert: \(resolvedRequest)")
        #expect(resolvedAlert.startsAt == firingAlert.startsAt, "the same alert: \(resolvedRequest)")
        let endsAt = try #require(resolvedAlert.endsDate, "a resolved alert has an end: \(resolvedRequest)")
        #expect(
            endsAt > resumedAt.addingTimeInterval(-0.1) && endsAt <= resolvedRequest.receivedAt,
            "endsAt \(resolvedAlert.endsAt) not between the SIGCONT and the notification: \(resolvedRequest)"
        )
        let ids = [Self.webhookID(firingRequest), Self.webhookID(resolvedRequest)]
        #expect(ids[0] != ids[1], "two notifications, two ids: \(ids)")

        // The outbox has those two, delivered at the first attempt; nothing else was sent.
        let notifications = try await agent.waitForNotifications("both notifications delivered", timeout: .seconds(5)) {
            all in all.count >= 2 && all.allSatisfy(\.isDelivered)
        }
        #expect(Set(notifications.map(\.id)) == Set(ids), "\(notifications)\n\(sink.diagnostics)")
        #expect(notifications.allSatisfy { $0.alerts == 1 && $0.receiver == "oncall" }, "\(notifications)")
        let requests = try sink.requests()
        #expect(requests.count == 2, "one firing and one resolved request: \(requests)")
        #expect(requests.allSatisfy { $0.signatureValid == true }, "\(requests)")
        #expect(try await agent.terminate() == 0, "\(agent.diagnostics)")
    }

    // MARK: - Receiver down

    @Test(
        "webhook receiver down (connection refused) for 12 s while alerts fire and resolve: every notification delivered"
    )
    func receiverOutageLosesNothing() async throws {
        let dir = try TestDirectory("notify-outage")
        defer { dir.remove() }
        let sink = try await WebhookSink.start(in: dir)
        defer { sink.stop() }
        let serverA = try await Peer.pythonWebSocketServer(in: dir, name: "ws_server_a.py")
        defer { serverA.stop() }
        let serverB = try await Peer.pythonWebSocketServer(in: dir, name: "ws_server_b.py")
        defer { serverB.stop() }
        let agent = try await Self.startAgent(
            configuration: Self.configuration(
                targets: [Self.wsTarget("a", port: serverA.port), Self.wsTarget("b", port: serverB.port)],
                receivers: [Self.webhook("oncall", url: sink.url(path: "/hook"))]
            ),
            in: dir
        )
        defer { agent.stop() }
        try await Self.waitUntilQuiet(agent, targets: ["a", "b"])

        sink.stop()
        let outageStarted = ContinuousClock.now
        serverA.suspend()
        serverB.suspend()
        try await agent.waitForNotifications("both firing notifications queued, one retried", timeout: .seconds(20)) {
            all in all.count >= 2 && all.allSatisfy(\.isPending) && all.contains { $0.attempts >= 1 }
        }
        serverA.resume()
        serverB.resume()
        let pending = try await agent.waitForNotifications(
            "firing and resolved notifications pending, the oldest tried 3 times, 12 s of outage",
            timeout: .seconds(25)
        ) { all in
            all.count >= 4 && all.allSatisfy(\.isPending) && all.contains { $0.attempts >= 3 }
                && ContinuousClock.now - outageStarted >= .seconds(12)
        }
        let outage = ContinuousClock.now - outageStarted
        #expect(pending.count == 4, "2 firing + 2 resolved: \(pending)")
        let pendingIDs = Set(pending.map(\.id))
        // Only the oldest is tried; the others wait behind it.
        let head = try #require(pending.max { $0.attempts < $1.attempts })
        #expect(pending.filter { $0.attempts > 0 }.map(\.id) == [head.id], "\(pending)")
        #expect(head.createdDate == Self.byCreation(pending).first?.createdDate, "the head is the oldest: \(pending)")
        #expect(
            head.lastError.map { $0.localizedCaseInsensitiveContains("refused") } == true,
            "the last error of a receiver that is down: \(head)"
        )
        #expect(try sink.requests().isEmpty, "nothing can arrive while the sink is down: \(sink.diagnostics)")

        try await sink.restart()
        let returned = ContinuousClock.now
        // The head's next attempt is at most 16 s away (backoff doubling from 1 s, equal jitter).
        let delivered = try await agent.waitForNotifications(
            "all \(pendingIDs.count) notifications delivered once the receiver is back",
            timeout: .seconds(30)
        ) { all in pendingIDs.allSatisfy { id in all.contains { $0.id == id && $0.isDelivered } } }
        let deliveredAfter = ContinuousClock.now - returned
        // After an outage of 12 s or a little more the head waits at most 8–16 s between attempts.
        #expect(
            deliveredAfter < .seconds(20),
            "delivered \(deliveredAfter) after the receiver came back, after an outage of \(outage)"
        )
        let report = await Self.report(agent, sink)
        #expect(Set(delivered.map(\.id)) == pendingIDs, "no other notification: \(delivered)\n\(report)")
        let headDelivered = try #require(delivered.first { $0.id == head.id })
        #expect(headDelivered.attempts > head.attempts, "\(headDelivered), before: \(head)")

        // Every id arrived (the head with the id it had through its retries), oldest first, no other id.
        let ok = try await sink.waitForRequests(count: pendingIDs.count, timeout: .seconds(5)) { $0.status == 200 }
        let order = Self.firstAppearances(ok.map(Self.webhookID))
        #expect(Set(order) == pendingIDs && order.first == head.id, "\(report)")
        let created = order.compactMap { id in delivered.first { $0.id == id }?.createdDate }
        #expect(created == created.sorted(), "oldest first: \(order)\n\(report)")
        #expect(Set(try sink.requests().map(Self.webhookID)) == pendingIDs, "\(report)")
        // Per target, the firing notification before the resolved one.
        let arrived = ok.compactMap { request in
            Self.payload(request).map { "\($0.groupLabels["target"] ?? "?") \($0.status)" }
        }
        for target in ["a", "b"] {
            let firingIndex = arrived.firstIndex(of: "\(target) firing")
            let resolvedIndex = arrived.firstIndex(of: "\(target) resolved")
            #expect(
                firingIndex.flatMap { firing in resolvedIndex.map { firing < $0 } } == true,
                "target \(target): firing, then resolved: \(arrived)"
            )
        }

        let receiver = ["receiver": "oncall"]
        let metrics = try await agent.waitForMetrics("delivered 4, queue empty", timeout: .seconds(5)) {
            $0.value("tether_notifications_total", receiver.merging(["result": "delivered"]) { $1 }) == 4
                && $0.value("tether_notification_queue_length", receiver) == 0
        }
        let retried = metrics.value("tether_notifications_total", receiver.merging(["result": "retried"]) { $1 }) ?? 0
        #expect(retried >= Double(head.attempts), "retried \(retried), the head alone had \(head.attempts) attempts")
        #expect(metrics.value("tether_notifications_total", receiver.merging(["result": "failed"]) { $1 }) == 0)
        #expect(try await agent.terminate() == 0, "\(agent.diagnostics)")
    }

    // MARK: - SIGKILL

    @Test("tether SIGKILLed with notifications pending delivers those very notifications after a restart")
    func killedWithPendingNotifications() async throws {
        let dir = try TestDirectory("notify-sigkill")
        defer { dir.remove() }
        let sink = try await WebhookSink.start(in: dir, mode: .fail)
        defer { sink.stop() }
        let server = try await Peer.pythonWebSocketServer(in: dir)
        defer { server.stop() }
        let agent = try await Self.startAgent(
            configuration: Self.configuration(
                targets: [Self.wsTarget("ws", port: server.port)],
                receivers: [Self.webhook("oncall", url: sink.url(path: "/hook"))]
            ),
            in: dir
        )
        defer { agent.stop() }
        try await Self.waitUntilQuiet(agent, targets: ["ws"])

        server.suspend()
        try await agent.waitForNotifications("the firing notification refused with 503", timeout: .seconds(20)) {
            all in all.count == 1 && all[0].isPending && all[0].attempts >= 1
        }
        server.resume()
        let pending = try await agent.waitForNotifications(
            "the firing and the resolved notification pending",
            timeout: .seconds(20)
        ) { all in all.count >= 2 && all.allSatisfy(\.isPending) && all.contains { $0.attempts >= 1 } }
        #expect(pending.count == 2, "\(pending)")
        let ordered = Self.byCreation(pending)
        let pendingIDs = ordered.map(\.id)
        #expect(
            ordered[0].attempts >= 1 && ordered[1].attempts == 0,
            "the firing one tried, the other behind it: \(ordered)"
        )
        let refused = try sink.requests()
        #expect(
            !refused.isEmpty && refused.allSatisfy { $0.status == 503 && Self.webhookID($0) == pendingIDs[0] },
            "only the head was tried, with its id: \(refused)"
        )

        // At least this many attempts are in the outbox at the kill (one more may have come since).
        let attemptsBeforeKill = ordered[0].attempts
        try await agent.killAndWait()
        try sink.setMode(.ok)
        let restarted = try await agent.restart(name: "tether-run-restarted")
        defer { restarted.stop() }

        let delivered = try await restarted.waitForNotifications(
            "the notifications pending before the SIGKILL delivered after the restart",
            timeout: .seconds(30)
        ) { all in pendingIDs.allSatisfy { id in all.contains { $0.id == id && $0.isDelivered } } }
        let report = await Self.report(restarted, sink)
        #expect(Set(delivered.map(\.id)) == Set(pendingIDs), "no new notification after the restart:\n\(report)")
        let head = try #require(delivered.first { $0.id == pendingIDs[0] })
        #expect(head.attempts > attemptsBeforeKill, "attempts counted across the restart: \(head)")

        let ok = try await sink.waitForRequests(count: 2, timeout: .seconds(5)) { $0.status == 200 }
        #expect(ok.map(Self.webhookID) == pendingIDs, "delivered in order, with their ids:\n\(report)")
        #expect(ok.compactMap { Self.payload($0)?.status } == ["firing", "resolved"], "\(report)")
        #expect(
            Set(try sink.requests().map(Self.webhookID)) == Set(pendingIDs),
            "no id but those:\n\(report)"
        )
        #expect(try await restarted.terminate() == 0, "\(restarted.diagnostics)")
    }

    // MARK: - Hanging receiver

    @Test("a webhook receiver that hangs is timed out (timeout: 1s), retried with the same webhook-id, then delivered")
    func hangingReceiverTimedOutAndRetried() async throws {
        let dir = try TestDirectory("notify-hang")
        defer { dir.remove() }
        let sink = try await WebhookSink.start(in: dir, mode: .hang)
        defer { sink.stop() }
        let server = try await Peer.pythonWebSocketServer(in: dir)
        defer { server.stop() }
        let agent = try await Self.startAgent(
            configuration: Self.configuration(
                targets: [Self.wsTarget("ws", port: server.port)],
                receivers: [Self.webhook("oncall", url: sink.url(path: "/hook"))]
            ),
            in: dir
        )
        defer { agent.stop() }
        try await Self.waitUntilQuiet(agent, targets: ["ws"])

        server.suspend()
        let retried = try await agent.waitForNotifications(
            "the firing notification timed out twice",
            timeout: .seconds(25)
        ) { all in
            all.count == 1 && all[0].isPending && all[0].attempts >= 2
                && all[0].lastError?.localizedCaseInsensitiveContains("timeout") == true
        }
        let id = retried[0].id
        let hung = try await sink.waitForRequests(count: 2, timeout: .seconds(5)) {
            $0.mode == "hang" && $0.hangEndedAt != nil
        }
        for request in hung {
            let held = request.hangEndedAt!.timeIntervalSince(request.receivedAt)
            #expect(held > 0.8 && held < 5, "tether gave up after its 1 s timeout, held \(held) s: \(request)")
            #expect(Self.webhookID(request) == id, "a retry carries the notification's id: \(request)")
        }

        try sink.setMode(.ok)
        let delivered = try await agent.waitForNotifications(
            "delivered once the receiver answers",
            timeout: .seconds(20)
        ) { all in all.contains { $0.id == id && $0.isDelivered } }
        let report = await Self.report(agent, sink)
        let entry = try #require(delivered.first { $0.id == id })
        #expect(delivered.count == 1, "one notification: \(delivered)\n\(report)")
        let requests = try sink.requests()
        #expect(requests.allSatisfy { Self.webhookID($0) == id }, "every attempt with id \(id):\n\(report)")
        #expect(requests.filter { $0.status == 200 }.count == 1, "\(report)")
        #expect(entry.attempts == requests.count, "every attempt reached the sink: \(entry)\n\(report)")
        #expect(entry.attempts >= 3, "\(entry)")

        let receiver = ["receiver": "oncall"]
        try await agent.waitForMetrics("tether_notifications_total: retried ≥ 2, delivered 1", timeout: .seconds(5)) {
            ($0.value("tether_notifications_total", receiver.merging(["result": "retried"]) { $1 }) ?? 0) >= 2
                && $0.value("tether_notifications_total", receiver.merging(["result": "delivered"]) { $1 }) == 1
        }
        #expect(try await agent.terminate() == 0, "\(agent.diagnostics)")
    }

    // MARK: - Grouping

    @Test("100 alerts firing at once in 3 groups (group_by: [team]) make exactly 3 notifications of 40, 40 and 20")
    func hundredAlertsInThreeGroups() async throws {
        let dir = try TestDirectory("notify-grouping")
        defer { dir.remove() }
        let sink = try await WebhookSink.start(in: dir)
        defer { sink.stop() }
        // 5 targets that are always down (port 1 refuses), 20 histogram buckets each: 100 series,
        // all ≥ 0, so 100 alerts at the first evaluation.
        let teams = ["a1": "a", "a2": "a", "b1": "b", "b2": "b", "c1": "c"]
        let rules = """
            groups:
              - name: tether-e2e
                rules:
                  - alert: Bucket
                    expr: tether_heartbeat_rtt_seconds_bucket >= 0

            """
        let agent = try await Self.startAgent(
            rules: rules,
            configuration: Self.configuration(
                targets: teams.sorted { $0.key < $1.key }.map {
                    "{name: \($0.key), url: \"tcp://127.0.0.1:1\", labels: {team: \($0.value)}}"
                },
                receivers: [Self.webhook("oncall", url: sink.url(path: "/hook"))],
                groupBy: "[team]",
                groupWait: "3s"
            ),
            in: dir
        )
        defer { agent.stop() }

        let alerts = try await agent.waitForAlerts("100 Bucket alerts firing", timeout: .seconds(15)) { alerts, _ in
            alerts.count >= 100
        }
        #expect(alerts.count == 100 && alerts.allSatisfy { $0.state == "firing" }, "\(alerts.count) alerts")
        let requests = try await sink.waitForRequests(count: 3, timeout: .seconds(20))
        let lastArrival = requests.map(\.receivedAt.timeIntervalSince1970).max() ?? 0
        // A few group_intervals (1 s) more, seen through the evaluations: no fourth notification.
        try await agent.waitForMetrics("3 evaluations after the third notification", timeout: .seconds(15)) {
            ($0.samples("tether_rule_group_last_evaluation_timestamp_seconds").first?.value ?? 0) > lastArrival + 3
        }
        let report = await Self.report(agent, sink)
        let all = try sink.requests()
        #expect(all.count == 3, "one notification per group, never one per alert:\n\(report)")

        let payloads = try all.map { try $0.alertmanagerPayload() }.sorted {
            ($0.groupLabels["team"] ?? "") < ($1.groupLabels["team"] ?? "")
        }
        #expect(payloads.map(\.groupLabels) == [["team": "a"], ["team": "b"], ["team": "c"]], "\(report)")
        #expect(payloads.map(\.alerts.count) == [40, 40, 20], "\(report)")
        for payload in payloads {
            let team = payload.groupLabels["team"] ?? "?"
            #expect(payload.status == "firing" && payload.truncatedAlerts == 0, "team \(team)")
            #expect(payload.groupKey == "{}/{}:{team=\"\(team)\"}", "\(payload.groupKey)")
            var common = ["alertname": "Bucket", "team": team]
            if team == "c" { common["target"] = "c1" }
            #expect(payload.commonLabels == common, "team \(team): \(payload.commonLabels)")
            #expect(
                payload.alerts.allSatisfy {
                    $0.status == "firing" && $0.labels["team"] == team && $0.labels["le"] != nil
                        && $0.endsAt == Self.zeroTime
                },
                "team \(team)"
            )
            let earliest = payload.alerts.compactMap(\.startsDate).min() ?? .distantFuture
            let request = try #require(all.first { Self.payload($0)?.groupKey == payload.groupKey })
            let waited = request.receivedAt.timeIntervalSince(earliest)
            #expect(waited > 3 - 0.2, "team \(team): sent \(waited) s after its first alert, before group_wait: 3s")
        }
        let fingerprints = Set(payloads.flatMap { $0.alerts.map(\.fingerprint) })
        #expect(fingerprints.count == 100, "100 distinct alerts: \(fingerprints.count)")

        let notifications = try await agent.waitForNotifications("3 notifications delivered", timeout: .seconds(5)) {
            all in all.count == 3 && all.allSatisfy(\.isDelivered)
        }
        #expect(notifications.map(\.alerts).sorted() == [20, 40, 40], "\(notifications)")
        #expect(try await agent.terminate() == 0, "\(agent.diagnostics)")
    }
}
