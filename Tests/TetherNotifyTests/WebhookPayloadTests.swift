import Foundation
import Testing

@testable import TetherNotify

struct WebhookPayloadTests {
    static let start = 1_795_326_000.0  // 2026-11-22T05:40:00Z

    /// Three alerts of one group, one of them resolved, as posted to a real Alertmanager 0.25 for the fixture below.
    static func diskAlerts() -> [NotificationAlert] {
        let labels = ["alertname": "Disk \"Full\" é", "team": "db", "severity": "critical", "job": "node"]
        func alert(
            _ instance: String,
            _ summary: String,
            startsAt: Double,
            endsAt: Double? = nil
        ) -> NotificationAlert {
            NotificationAlert(
                labels: labels.merging(["instance": instance]) { $1 },
                annotations: ["summary": summary, "runbook": "<b>R&D</b>\u{2028}x"],
                startsAt: startsAt,
                endsAt: endsAt,
                generatorURL: "http://tether:9000/graph?g0.expr=up"
            )
        }
        return [
            alert("db3", "s3", startsAt: start + 0.123),
            alert("db2", "s2", startsAt: start, endsAt: start + 90.5),
            alert("db1", "s1", startsAt: start + 0.123),
        ]
    }

    /// What Alertmanager 0.25 posted to a webhook receiver `team.ops` (matchers `severity="critical"`,
    /// `team=~"db|web"`, group_by alertname and team, send_resolved, max_alerts 2, external URL
    /// http://am.example:9093/) for `diskAlerts()`, byte for byte.
    static let alertmanagerBody =
        #"{"receiver":"team\\.ops","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"Disk \"Full\" é","instance":"db1","job":"node","severity":"critical","team":"db"},"annotations":{"runbook":"\u003cb\u003eR\u0026D\u003c/b\u003e\u2028x","summary":"s1"},"startsAt":"2026-11-22T05:40:00.123Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://tether:9000/graph?g0.expr=up","fingerprint":"2e5f0412f2792fe4"},{"status":"resolved","labels":{"alertname":"Disk \"Full\" é","instance":"db2","job":"node","severity":"critical","team":"db"},"annotations":{"runbook":"\u003cb\u003eR\u0026D\u003c/b\u003e\u2028x","summary":"s2"},"startsAt":"2026-11-22T05:40:00Z","endsAt":"2026-11-22T05:41:30.5Z","generatorURL":"http://tether:9000/graph?g0.expr=up","fingerprint":"d561ac0c701dd86d"}],"groupLabels":{"alertname":"Disk \"Full\" é","team":"db"},"commonLabels":{"alertname":"Disk \"Full\" é","job":"node","severity":"critical","team":"db"},"commonAnnotations":{"runbook":"\u003cb\u003eR\u0026D\u003c/b\u003e\u2028x"},"externalURL":"http://am.example:9093","version":"4","groupKey":"{}/{severity=\"critical\",team=~\"db|web\"}:{alertname=\"Disk \\\"Full\\\" é\", team=\"db\"}","truncatedAlerts":1}"#

    @Test func bodyIsAlertmanagersByteForByte() throws {
        let dispatcher = NotificationDispatcher(
            receivers: [
                DispatchReceiver(
                    name: "team.ops",
                    matcherText: [#"severity="critical""#, #"team=~"db|web""#],
                    sendResolved: true,
                    maxAlerts: 2
                )
            ],
            options: GroupingOptions(groupBy: ["alertname", "team"], groupWait: 1, groupInterval: 2)
        )
        let now = Self.start + 120
        dispatcher.update(Self.diskAlerts(), at: now)
        let notifications = dispatcher.flush(at: now)
        try #require(notifications.count == 1)
        let body = WebhookPayload(notifications[0], externalURL: "http://am.example:9093").encoded()
        #expect(String(decoding: body, as: UTF8.self) == Self.alertmanagerBody + "\n")
    }

    @Test func fieldsParseBack() throws {
        let alerts = Self.diskAlerts().sorted(by: NotificationAlert.alertmanagerOrder)
        let payload = WebhookPayload(
            receiver: "oncall",
            groupKey: #"{}/{}:{team="db"}"#,
            groupLabels: ["team": "db"],
            alerts: alerts,
            externalURL: "http://tether.example:9000",
            at: Self.start + 120
        )
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(payload.encoded())) as? [String: Any]
        )
        #expect(object["version"] as? String == "4")
        #expect(object["groupKey"] as? String == #"{}/{}:{team="db"}"#)
        #expect(object["truncatedAlerts"] as? Int == 0)
        #expect(object["status"] as? String == "firing")
        #expect(object["receiver"] as? String == "oncall")
        #expect(object["groupLabels"] as? [String: String] == ["team": "db"])
        #expect(
            object["commonLabels"] as? [String: String]
                == ["alertname": "Disk \"Full\" é", "team": "db", "severity": "critical", "job": "node"]
        )
        #expect(object["commonAnnotations"] as? [String: String] == ["runbook": "<b>R&D</b>\u{2028}x"])
        #expect(object["externalURL"] as? String == "http://tether.example:9000")
        #expect(Set(object.keys).count == 10)

        let sent = try #require(object["alerts"] as? [[String: Any]])
        #expect(sent.count == 3)
        #expect(sent.map { ($0["labels"] as? [String: String])?["instance"] } == ["db1", "db2", "db3"])
        #expect(sent.map { $0["status"] as? String } == ["firing", "resolved", "firing"])
        #expect(
            sent.map { $0["startsAt"] as? String } == [
                "2026-11-22T05:40:00.123Z", "2026-11-22T05:40:00Z", "2026-11-22T05:40:00.123Z",
            ]
        )
        #expect(
            sent.map { $0["endsAt"] as? String } == [
                "0001-01-01T00:00:00Z", "2026-11-22T05:41:30.5Z", "0001-01-01T00:00:00Z",
            ]
        )
        #expect(
            sent.map { $0["fingerprint"] as? String } == [
                "2e5f0412f2792fe4", "d561ac0c701dd86d", alerts[2].fingerprint,
            ]
        )
        #expect(sent[0]["generatorURL"] as? String == "http://tether:9000/graph?g0.expr=up")
        #expect(sent[0]["annotations"] as? [String: String] == ["summary": "s1", "runbook": "<b>R&D</b>\u{2028}x"])
        #expect(
            Set(sent[0].keys) == [
                "status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint",
            ]
        )
    }

    @Test func allResolvedIsResolved() {
        let payload = WebhookPayload(
            receiver: "r",
            groupKey: "k",
            groupLabels: [:],
            alerts: [NotificationAlert(labels: ["a": "1"], startsAt: 10, endsAt: 20)],
            externalURL: "",
            at: 30
        )
        #expect(payload.status == .resolved)
        #expect(payload.alerts.map(\.status) == [.resolved])
        #expect(payload.alerts.map(\.endsAt) == [20])
    }

    @Test func anEndTimeNotReachedYetIsHidden() {
        let payload = WebhookPayload(
            receiver: "r",
            groupKey: "k",
            groupLabels: [:],
            alerts: [NotificationAlert(labels: ["a": "1"], startsAt: 10, endsAt: 50)],
            externalURL: "",
            at: 30
        )
        #expect(payload.status == .firing)
        #expect(payload.alerts.map(\.endsAt) == [nil])
    }

    @Test func maxAlertsTruncatesAndCommonLabelsDescribeTheRest() {
        let alerts = (0..<5).map { index in
            NotificationAlert(
                labels: ["alertname": "A", "instance": "i\(index)", "zone": index < 2 ? "a" : "b"],
                startsAt: 10,
                endsAt: index == 0 ? nil : 20
            )
        }
        let payload = WebhookPayload(
            receiver: "r",
            groupKey: "k",
            groupLabels: ["alertname": "A"],
            alerts: alerts,
            externalURL: "",
            maxAlerts: 2,
            at: 30
        )
        #expect(payload.truncatedAlerts == 3)
        #expect(payload.alerts.map { $0.labels["instance"] } == ["i0", "i1"])
        #expect(payload.commonLabels == ["alertname": "A", "zone": "a"])
        #expect(payload.status == .firing)

        let unlimited = WebhookPayload(
            receiver: "r",
            groupKey: "k",
            groupLabels: [:],
            alerts: alerts,
            externalURL: "",
            at: 30
        )
        #expect(unlimited.truncatedAlerts == 0)
        #expect(unlimited.alerts.count == 5)
        #expect(unlimited.commonLabels == ["alertname": "A"])
    }

    @Test func noAlertsMeansNoCommonLabels() {
        let payload = WebhookPayload(receiver: "r", groupKey: "k", groupLabels: [:], alerts: [], externalURL: "", at: 0)
        #expect(payload.commonLabels.isEmpty)
        #expect(payload.status == .resolved)
        #expect(String(decoding: payload.encoded(), as: UTF8.self).contains(#""alerts":[]"#))
    }
}
