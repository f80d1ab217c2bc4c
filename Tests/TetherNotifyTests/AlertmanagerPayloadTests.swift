import Foundation
import Testing

@testable import TetherNotify

struct AlertmanagerPayloadTests {
    @Test func bodyIsPostableAlerts() throws {
        let body = AlertmanagerPayload.encode([
            NotificationAlert(
                labels: ["alertname": "TargetDown", "target": "db"],
                annotations: ["summary": "db <down>"],
                startsAt: 1_795_326_000.123,
                endsAt: 1_795_326_240,
                generatorURL: "http://tether:9000/graph?g0.expr=up"
            ),
            NotificationAlert(labels: ["alertname": "Other"], startsAt: 1_795_326_000),
        ])
        #expect(
            String(decoding: body, as: UTF8.self)
                == #"[{"labels":{"alertname":"TargetDown","target":"db"},"annotations":{"summary":"db \u003cdown\u003e"},"#
                + #""startsAt":"2026-11-22T05:40:00.123Z","endsAt":"2026-11-22T05:44:00.000Z","#
                + #""generatorURL":"http://tether:9000/graph?g0.expr=up"},"#
                + #"{"labels":{"alertname":"Other"},"startsAt":"2026-11-22T05:40:00.000Z"}]"#
        )
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [[String: Any]])
        #expect(parsed.count == 2)
        #expect(parsed[0]["annotations"] as? [String: String] == ["summary": "db <down>"])
        #expect(parsed[0]["endsAt"] as? String == "2026-11-22T05:44:00.000Z")
    }

    @Test func emptyListIsAnEmptyArray() {
        #expect(AlertmanagerPayload.encode([]) == Array("[]".utf8))
    }
}
