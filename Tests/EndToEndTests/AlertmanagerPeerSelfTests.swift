import Foundation
import Testing

/// The Alertmanager peer that tether's Alertmanager receiver is tested against, checked on its
/// own: an alert posted to `POST /api/v2/alerts` as Prometheus posts it is listed by amtool as
/// active, and posted again with `endsAt` in the past it is no longer listed and counted as a
/// resolved alert received; Alertmanager's own webhook notifications of both reach the webhook
/// sink as version 4 payloads. An alert whose `endsAt` merely passes also leaves amtool's listing,
/// without counting as resolved.
@Suite("Alertmanager peer: amtool shows firing, then resolved", .timeLimit(.minutes(1)))
struct AlertmanagerPeerSelfTests {
    static func rfc3339(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    /// A postable alert (API v2) as JSON.
    static func alert(_ labels: [String: String], startsAt: Date, endsAt: Date) throws -> String {
        let object: [String: Any] = [
            "labels": labels,
            "annotations": ["summary": "self-test alert"],
            "startsAt": rfc3339(startsAt),
            "endsAt": rfc3339(endsAt),
            "generatorURL": "http://127.0.0.1/self-test",
        ]
        return String(
            decoding: try JSONSerialization.data(withJSONObject: [object], options: .sortedKeys),
            as: UTF8.self
        )
    }

    @Test("firing: listed by amtool as active; resolved: gone from amtool, counted, notified as resolved")
    func firingThenResolved() async throws {
        let dir = try TestDirectory("alertmanager-peer")
        defer { dir.remove() }
        let sink = try await WebhookSink.start(in: dir)
        defer { sink.stop() }
        let alertmanager = try await AlertmanagerPeer.start(in: dir, forwardTo: sink.url(path: "/alertmanager"))
        defer { alertmanager.stop() }
        let labels = ["alertname": "SelfTest", "target": "ws", "severity": "page"]
        let startsAt = Date().addingTimeInterval(-10)

        #expect(try await alertmanager.alerts().isEmpty)
        try await alertmanager.post(alerts: try Self.alert(labels, startsAt: startsAt, endsAt: Date() + 300))

        let firing = try await alertmanager.waitForFiring(labels, timeout: .seconds(10))
        #expect(firing.labels == labels, "\(firing)")
        #expect(firing.annotations == ["summary": "self-test alert"], "\(firing)")
        #expect(firing.generatorURL == "http://127.0.0.1/self-test", "\(firing)")
        #expect(firing.receivers.map(\.name) == ["tether-e2e"], "\(firing)")
        #expect(firing.startsDate.map { abs($0.timeIntervalSince(startsAt)) < 0.01 } == true, "\(firing)")
        #expect(firing.endsDate.map { $0 > Date() } == true, "\(firing)")
        let fromAPI = try await alertmanager.apiAlerts()
        #expect(fromAPI.map(\.fingerprint) == [firing.fingerprint], "\(fromAPI)")
        #expect(try await alertmanager.alerts(matching: ["alertname=SelfTest"]).count == 1)
        #expect(try await alertmanager.alerts(matching: ["alertname=Other"]).isEmpty)
        #expect(try await alertmanager.firingAlertsReceived() == 1)

        let notifiedFiring = try await sink.waitForRequests(count: 1, timeout: .seconds(10))
        let firingPayload = try notifiedFiring[0].alertmanagerPayload()
        #expect(firingPayload.version == "4" && firingPayload.status == "firing", "\(notifiedFiring[0])")
        #expect(firingPayload.receiver == "tether-e2e", "\(notifiedFiring[0])")
        #expect(firingPayload.alerts.map(\.labels) == [labels], "\(notifiedFiring[0])")
        #expect(firingPayload.alerts.map(\.fingerprint) == [firing.fingerprint], "\(notifiedFiring[0])")
        #expect(notifiedFiring[0].path == "/alertmanager", "\(notifiedFiring[0])")

        let resolvedBefore = try await alertmanager.resolvedAlertsReceived()
        #expect(resolvedBefore == 0)
        try await alertmanager.post(alerts: try Self.alert(labels, startsAt: startsAt, endsAt: Date() - 1))
        try await alertmanager.waitForResolved(labels, resolvedAtLeast: resolvedBefore + 1, timeout: .seconds(10))
        #expect(try await alertmanager.apiAlerts().isEmpty, "the API does not list resolved alerts either")

        let notifiedResolved = try await sink.waitForRequests(count: 1, timeout: .seconds(10)) {
            (try? $0.alertmanagerPayload().status) == "resolved"
        }
        let resolvedPayload = try notifiedResolved[0].alertmanagerPayload()
        #expect(resolvedPayload.alerts.map(\.status) == ["resolved"], "\(notifiedResolved[0])")
        #expect(resolvedPayload.alerts.map(\.labels) == [labels], "\(notifiedResolved[0])")
        #expect(resolvedPayload.alerts.first?.endsDate.map { $0 < Date() } == true, "\(notifiedResolved[0])")
    }

    @Test("an alert whose endsAt passes leaves amtool's listing without counting as resolved")
    func expiredAlert() async throws {
        let dir = try TestDirectory("alertmanager-expired")
        defer { dir.remove() }
        let alertmanager = try await AlertmanagerPeer.start(in: dir)
        defer { alertmanager.stop() }
        let labels = ["alertname": "Expiring"]

        // Seconds to spare for amtool to list it first, on a loaded machine.
        let endsAt = Date() + 5
        try await alertmanager.post(alerts: try Self.alert(labels, startsAt: Date(), endsAt: endsAt))
        let firing = try await alertmanager.waitForFiring(labels, timeout: .seconds(5))
        #expect(firing.state == "active", "\(firing)")
        try await alertmanager.waitForAlerts("the expired alert gone", timeout: .seconds(15)) { $0.isEmpty }
        #expect(Date() > endsAt - 0.1, "listed until its endsAt")
        #expect(try await alertmanager.resolvedAlertsReceived() == 0)
        #expect(try await alertmanager.firingAlertsReceived() == 1)
    }
}
