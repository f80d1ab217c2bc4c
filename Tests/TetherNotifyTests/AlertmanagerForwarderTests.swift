import Testing

@testable import TetherNotify

struct AlertmanagerForwarderTests {
    static func alert(_ name: String, startsAt: Double = 1000, endsAt: Double? = nil) -> NotificationAlert {
        NotificationAlert(labels: ["alertname": name], startsAt: startsAt, endsAt: endsAt)
    }

    /// Evaluates every 15 s from `from` through `to`, with the alerts `alerts(time)` returns, and collects what
    /// goes to the receiver `name`.
    static func run(
        _ forwarder: AlertmanagerForwarder,
        from: Double,
        through: Double,
        receiver name: String = "am",
        alerts: (Double) -> [NotificationAlert]
    ) -> [(time: Double, alerts: [NotificationAlert])] {
        var sent: [(time: Double, alerts: [NotificationAlert])] = []
        for time in stride(from: from, through: through, by: 15) {
            let batches = forwarder.alertsToSend(alerts(time), at: time).filter { $0.receiver == name }
            if !batches.isEmpty { sent.append((time, batches.flatMap(\.alerts))) }
        }
        return sent
    }

    @Test func firingAlertsAreResentAfterTheResendDelay() {
        let forwarder = AlertmanagerForwarder(
            receivers: [DispatchReceiver(name: "am")],
            resendDelay: 60,
            evaluationInterval: 15
        )
        let sent = Self.run(forwarder, from: 1000, through: 1200) { _ in [Self.alert("A")] }
        // Resent once the last send is more than 60 s old (strictly, as Prometheus): every 75 s at a 15 s interval.
        #expect(sent.map(\.time) == [1000, 1075, 1150])
        // endsAt = now + 4 × max(resend delay, evaluation interval).
        #expect(sent.map { $0.alerts.map(\.endsAt) } == [[1240], [1315], [1390]])
        #expect(sent.map { $0.alerts.map(\.startsAt) } == [[1000], [1000], [1000]])
    }

    @Test func resolvedAlertsAreSentAtOnceThenResentForFiveMinutes() {
        let forwarder = AlertmanagerForwarder(
            receivers: [DispatchReceiver(name: "am")],
            resendDelay: 60,
            evaluationInterval: 15
        )
        // Fires at 1000, resolves at 1090; the rule engine goes on reporting it resolved (for 15 minutes).
        let sent = Self.run(forwarder, from: 1000, through: 2200) { time in
            [time < 1090 ? Self.alert("A") : Self.alert("A", endsAt: 1090)]
        }
        #expect(sent.map(\.time) == [1000, 1075, 1090, 1165, 1240, 1315, 1390])
        #expect(sent.dropFirst(2).map { $0.alerts.map(\.endsAt) } == Array(repeating: [1090], count: 5))
    }

    @Test func anAlertMissingFromTheListIsResolvedThen() {
        let forwarder = AlertmanagerForwarder(
            receivers: [DispatchReceiver(name: "am")],
            resendDelay: 60,
            evaluationInterval: 60
        )
        #expect(forwarder.alertsToSend([Self.alert("A")], at: 1000).map { $0.alerts.map(\.endsAt) } == [[1240]])
        let resolved = forwarder.alertsToSend([], at: 1060)
        #expect(resolved.map(\.receiver) == ["am"])
        #expect(resolved.map { $0.alerts } == [[Self.alert("A", endsAt: 1060)]])
        // Re-sent within the window, then forgotten.
        #expect(forwarder.alertsToSend([], at: 1121).map { $0.alerts.count } == [1])
        #expect(forwarder.alertsToSend([], at: 1361).isEmpty)
        #expect(forwarder.alertsToSend([], at: 1500).isEmpty)
    }

    @Test func anAlertThatFiresAgainIsSentAtOnce() {
        let forwarder = AlertmanagerForwarder(
            receivers: [DispatchReceiver(name: "am")],
            resendDelay: 60,
            evaluationInterval: 15
        )
        _ = forwarder.alertsToSend([Self.alert("A")], at: 1000)
        _ = forwarder.alertsToSend([Self.alert("A", endsAt: 1015)], at: 1015)
        let again = forwarder.alertsToSend([Self.alert("A", startsAt: 1030)], at: 1030)
        #expect(again.map { $0.alerts } == [[Self.alert("A", startsAt: 1030, endsAt: 1270)]])
    }

    @Test func aResolvedAlertOlderThanTheWindowIsNotSent() {
        let forwarder = AlertmanagerForwarder(
            receivers: [DispatchReceiver(name: "am")],
            resendDelay: 60,
            evaluationInterval: 15
        )
        #expect(forwarder.alertsToSend([Self.alert("A", endsAt: 1000)], at: 1301).isEmpty)
        #expect(forwarder.alertsToSend([Self.alert("B", endsAt: 1000)], at: 1300).map { $0.alerts.count } == [1])
    }

    @Test func receiversFilterByMatchersAndSendResolved() {
        let forwarder = AlertmanagerForwarder(
            receivers: [
                DispatchReceiver(name: "critical", matches: { $0["alertname"] != "Noise" }),
                DispatchReceiver(name: "firing-only", sendResolved: false),
            ],
            resendDelay: 60,
            evaluationInterval: 15
        )
        let batches = forwarder.alertsToSend(
            [Self.alert("A"), Self.alert("Noise"), Self.alert("B", endsAt: 990)],
            at: 1000
        )
        #expect(batches.map(\.receiver) == ["critical", "firing-only"])
        #expect(batches[0].alerts.map { $0.labels["alertname"] } == ["A", "B"])
        #expect(batches[1].alerts.map { $0.labels["alertname"] } == ["A", "Noise"])
    }

    @Test func maxAlertsSplitsIntoBatches() {
        let forwarder = AlertmanagerForwarder(
            receivers: [DispatchReceiver(name: "small", maxAlerts: 2), DispatchReceiver(name: "default")],
            resendDelay: 60,
            evaluationInterval: 15
        )
        let alerts = (0..<300).map { Self.alert("A\($0)") }
        let batches = forwarder.alertsToSend(alerts, at: 1000)
        let small = batches.filter { $0.receiver == "small" }
        #expect(small.count == 150)
        #expect(small.allSatisfy { $0.alerts.count == 2 })
        #expect(small.flatMap(\.alerts).map(\.labels) == alerts.map(\.labels))
        #expect(batches.filter { $0.receiver == "default" }.map(\.alerts.count) == [256, 44])
    }
}
