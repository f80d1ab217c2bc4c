import Testing

@testable import TetherNotify

struct NotificationDispatcherTests {
    static let options = GroupingOptions(
        groupBy: ["alertname"],
        groupWait: 10,
        groupInterval: 60,
        repeatInterval: 3600
    )

    static func alert(
        _ name: String,
        _ instance: String = "i0",
        severity: String = "critical",
        startsAt: Double = 1000,
        endsAt: Double? = nil
    ) -> NotificationAlert {
        NotificationAlert(
            labels: ["alertname": name, "instance": instance, "severity": severity],
            startsAt: startsAt,
            endsAt: endsAt
        )
    }

    static func dispatcher(
        _ receivers: [DispatchReceiver] = [DispatchReceiver(name: "oncall")],
        options: GroupingOptions = options
    ) -> NotificationDispatcher {
        NotificationDispatcher(receivers: receivers, options: options)
    }

    static func instances(_ notification: GroupNotification) -> [String] {
        notification.alerts.map { $0.labels["instance"] ?? "" }
    }

    @Test func groupWaitThenGroupInterval() throws {
        let dispatcher = Self.dispatcher()
        #expect(dispatcher.nextFlush == nil)
        dispatcher.update([Self.alert("A")], at: 1000)
        #expect(dispatcher.nextFlush == 1010)
        #expect(dispatcher.flush(at: 1009.9).isEmpty)

        let first = dispatcher.flush(at: 1010)
        try #require(first.count == 1)
        #expect(first[0].receiver == "oncall")
        #expect(first[0].groupKey == #"{}/{}:{alertname="A"}"#)
        #expect(first[0].groupLabels == ["alertname": "A"])
        #expect(first[0].alerts == [Self.alert("A")])
        #expect(first[0].reason == .firstNotification)
        #expect(first[0].time == 1010)
        #expect(dispatcher.nextFlush == 1070)

        // A new alert joins the flushed group and waits for the group interval, not for group_wait.
        dispatcher.update([Self.alert("A"), Self.alert("A", "i1", startsAt: 1020)], at: 1020)
        #expect(dispatcher.nextFlush == 1070)
        #expect(dispatcher.flush(at: 1030).isEmpty)
        let second = dispatcher.flush(at: 1070)
        try #require(second.count == 1)
        #expect(Self.instances(second[0]) == ["i0", "i1"])
        #expect(second[0].reason == .newAlertsInGroup)

        // Nothing changed: no notification, the group goes on.
        #expect(dispatcher.flush(at: 1130).isEmpty)
        #expect(dispatcher.nextFlush == 1190)
    }

    @Test func repeatIntervalRenotifiesAnUnchangedGroup() {
        let dispatcher = Self.dispatcher()
        dispatcher.update([Self.alert("A")], at: 1000)
        var sent: [Double] = []
        var reasons: [NotificationReason] = []
        while let next = dispatcher.nextFlush, next <= 9000 {
            for notification in dispatcher.flush(at: next) {
                sent.append(notification.time)
                reasons.append(notification.reason)
            }
        }
        // Flushes at 1010 + 60k; the repeat is due at the first flush more than 3600 s after 1010 (Alertmanager
        // compares strictly), 4670, and so on.
        #expect(sent == [1010, 4670, 8330])
        #expect(reasons == [.firstNotification, .repeatIntervalElapsed, .repeatIntervalElapsed])
    }

    @Test func anAlertOlderThanGroupWaitFlushesAtOnce() throws {
        let dispatcher = Self.dispatcher()
        dispatcher.update([Self.alert("A", startsAt: 500)], at: 1000)
        #expect(dispatcher.nextFlush == 1000)
        try #require(dispatcher.flush(at: 1000).count == 1)
        // Once the group has flushed, old alerts wait for the group interval like any other.
        dispatcher.update([Self.alert("A", startsAt: 500), Self.alert("A", "i1", startsAt: 500)], at: 1001)
        #expect(dispatcher.nextFlush == 1060)
    }

    @Test func hundredAlertsInThreeGroupsAreThreeNotifications() {
        let dispatcher = Self.dispatcher()
        let names = ["A", "B", "C"]
        let alerts = (0..<100).map { Self.alert(names[$0 % 3], "i\($0)") }
        dispatcher.update(alerts, at: 1000)
        let notifications = dispatcher.flush(at: 1010)
        #expect(notifications.map(\.groupKey) == names.map { #"{}/{}:{alertname="\#($0)"}"# })
        #expect(notifications.map(\.alerts.count) == [34, 33, 33])
        #expect(notifications.map(\.groupLabels) == names.map { ["alertname": $0] })
        // Within a group in Alertmanager's order: by instance, which is then the label order.
        let instances = Self.instances(notifications[0])
        #expect(instances == instances.sorted(by: goLess))
        #expect(Set(notifications.flatMap(\.alerts)) == Set(alerts))
    }

    @Test func resolvedAlertsAreNotifiedThenForgotten() throws {
        let dispatcher = Self.dispatcher()
        dispatcher.update([Self.alert("A"), Self.alert("A", "i1")], at: 1000)
        #expect(dispatcher.flush(at: 1010).count == 1)

        // i1 resolves: the next flush tells the receiver, with i0 still firing.
        dispatcher.update([Self.alert("A"), Self.alert("A", "i1", endsAt: 1030)], at: 1030)
        let resolved = dispatcher.flush(at: 1070)
        try #require(resolved.count == 1)
        #expect(resolved[0].reason == .newResolvedAlerts)
        #expect(resolved[0].alerts == [Self.alert("A"), Self.alert("A", "i1", endsAt: 1030)])
        // The resolved alert left the group once notified.
        #expect(dispatcher.flush(at: 1130).isEmpty)

        // The rule disappears: its alert is resolved at that time, and the group says so, then goes away.
        dispatcher.update([], at: 1140)
        let allResolved = dispatcher.flush(at: 1190)
        try #require(allResolved.count == 1)
        #expect(allResolved[0].reason == .allAlertsResolved)
        #expect(allResolved[0].alerts == [Self.alert("A", endsAt: 1140)])
        #expect(dispatcher.nextFlush == nil)
        #expect(dispatcher.notificationLog.isEmpty)
    }

    @Test func withoutSendResolvedOnlyFiringAlertsAreSent() throws {
        let dispatcher = Self.dispatcher([DispatchReceiver(name: "pager", sendResolved: false)])
        dispatcher.update([Self.alert("A"), Self.alert("A", "i1")], at: 1000)
        #expect(dispatcher.flush(at: 1010).count == 1)

        dispatcher.update([Self.alert("A"), Self.alert("A", "i1", endsAt: 1030)], at: 1030)
        #expect(dispatcher.flush(at: 1070).isEmpty)

        // A new alert: the notification carries the firing alerts only.
        dispatcher.update([Self.alert("A"), Self.alert("A", "i2", startsAt: 1080)], at: 1080)
        let next = dispatcher.flush(at: 1130)
        try #require(next.count == 1)
        #expect(Self.instances(next[0]) == ["i0", "i2"])

        // All resolved: nothing is sent, and the group is gone.
        dispatcher.update([], at: 1140)
        #expect(dispatcher.flush(at: 1190).isEmpty)
        #expect(dispatcher.nextFlush == nil)

        // Firing again starts over with group_wait.
        dispatcher.update([Self.alert("A", startsAt: 1200)], at: 1200)
        #expect(dispatcher.nextFlush == 1210)
        let again = dispatcher.flush(at: 1210)
        #expect(again.map(\.reason) == [.firstNotification])
    }

    @Test func withoutSendResolvedAMixedGroupSendsItsFiringPart() throws {
        let dispatcher = Self.dispatcher([DispatchReceiver(name: "pager", sendResolved: false)])
        dispatcher.update([Self.alert("A"), Self.alert("A", "i1", endsAt: 1005)], at: 1005)
        #expect(dispatcher.nextFlush == 1015)
        let first = dispatcher.flush(at: 1015)
        try #require(first.count == 1)
        #expect(Self.instances(first[0]) == ["i0"])
    }

    @Test func alertsThatFireAndResolveBeforeTheFirstFlushAreNeverSent() {
        let dispatcher = Self.dispatcher()
        dispatcher.update([Self.alert("A")], at: 1000)
        dispatcher.update([Self.alert("A", endsAt: 1005)], at: 1005)
        #expect(dispatcher.flush(at: 1010).isEmpty)
        #expect(dispatcher.nextFlush == nil)
    }

    @Test func aResolvedAlertThatFiresAgainIsFiring() throws {
        let dispatcher = Self.dispatcher()
        dispatcher.update([Self.alert("A")], at: 1000)
        #expect(dispatcher.flush(at: 1010).count == 1)
        dispatcher.update([Self.alert("A", endsAt: 1020)], at: 1020)
        dispatcher.update([Self.alert("A", startsAt: 1040)], at: 1040)
        // Still firing as far as the receiver knows: nothing to say before the repeat interval.
        #expect(dispatcher.flush(at: 1070).isEmpty)
        #expect(dispatcher.nextFlush == 1130)
    }

    @Test func matchersSendAnAlertToEveryMatchingReceiver() throws {
        let oncall = DispatchReceiver(
            name: "oncall",
            matcherText: [#"severity="critical""#],
            matches: { $0["severity"] == "critical" }
        )
        let everyone = DispatchReceiver(name: "everyone")
        let dispatcher = Self.dispatcher([oncall, everyone], options: GroupingOptions(groupWait: 10))
        dispatcher.update([Self.alert("X"), Self.alert("Y", severity: "warning")], at: 1000)
        let notifications = dispatcher.flush(at: 1010)
        try #require(notifications.count == 2)
        #expect(notifications.map(\.receiver) == ["oncall", "everyone"])
        #expect(notifications.map(\.groupKey) == [#"{}/{severity="critical"}:{}"#, "{}/{}:{}"])
        #expect(notifications[0].alerts.map { $0.labels["alertname"] } == ["X"])
        #expect(notifications[1].alerts.map { $0.labels["alertname"] } == ["X", "Y"])
    }

    @Test func maxAlertsTruncatesThePayload() throws {
        let dispatcher = Self.dispatcher([DispatchReceiver(name: "oncall", maxAlerts: 3)])
        dispatcher.update((0..<5).map { Self.alert("A", "i\($0)") }, at: 1000)
        let notifications = dispatcher.flush(at: 1010)
        try #require(notifications.count == 1)
        #expect(notifications[0].alerts.count == 5)
        #expect(notifications[0].maxAlerts == 3)
        let payload = WebhookPayload(notifications[0], externalURL: "")
        #expect(payload.alerts.map { $0.labels["instance"] } == ["i0", "i1", "i2"])
        #expect(payload.truncatedAlerts == 2)
    }

    @Test func groupByAllMakesEveryAlertAGroup() {
        let dispatcher = Self.dispatcher(options: GroupingOptions(groupByAll: true, groupWait: 10))
        dispatcher.update([Self.alert("A"), Self.alert("A", "i1")], at: 1000)
        let notifications = dispatcher.flush(at: 1010)
        #expect(notifications.count == 2)
        #expect(notifications.map(\.groupLabels) == notifications.map { $0.alerts[0].labels })
        #expect(
            notifications.map(\.groupKey).first
                == #"{}/{}:{alertname="A", instance="i0", severity="critical"}"#
        )
    }

    @Test func groupByLabelsMissingFromAnAlertAreLeftOut() {
        let dispatcher = Self.dispatcher(options: GroupingOptions(groupBy: ["alertname", "target"], groupWait: 10))
        dispatcher.update([Self.alert("A")], at: 1000)
        #expect(dispatcher.flush(at: 1010).map(\.groupKey) == [#"{}/{}:{alertname="A"}"#])
    }

    @Test func aRestoredLogPreventsDuplicateNotificationsAfterARestart() throws {
        let before = Self.dispatcher()
        before.update([Self.alert("A")], at: 1000)
        #expect(before.flush(at: 1010).count == 1)
        let saved = before.notificationLog
        #expect(
            saved == [
                NotificationLogEntry(
                    receiver: "oncall",
                    groupKey: #"{}/{}:{alertname="A"}"#,
                    firing: [Self.alert("A").fingerprint],
                    resolved: [],
                    timestamp: 1010
                )
            ]
        )

        let after = Self.dispatcher()
        after.restore(notificationLog: saved, at: 2000)
        after.update([Self.alert("A")], at: 2000)
        #expect(after.nextFlush == 2000)
        #expect(after.flush(at: 2000).isEmpty)
        // The repeat interval still counts from the notification before the restart.
        var repeated: [Double] = []
        while let next = after.nextFlush, next <= 5000 {
            repeated += after.flush(at: next).map(\.time)
        }
        #expect(repeated == [4640])

        // Without the log the same restart notifies again at once.
        let forgetful = Self.dispatcher()
        forgetful.update([Self.alert("A")], at: 2000)
        #expect(forgetful.flush(at: 2000).count == 1)
    }

    @Test func logEntriesExpireAfterTwiceTheRepeatInterval() {
        let dispatcher = Self.dispatcher()
        let entry = NotificationLogEntry(
            receiver: "oncall",
            groupKey: #"{}/{}:{alertname="A"}"#,
            firing: [Self.alert("A").fingerprint],
            resolved: [],
            timestamp: 1000
        )
        dispatcher.restore(notificationLog: [entry], at: 1000 + 7200)
        #expect(dispatcher.notificationLog == [entry])
        dispatcher.restore(notificationLog: [entry], at: 1000 + 7200.5)
        #expect(dispatcher.notificationLog.isEmpty)
        dispatcher.restore(
            notificationLog: [
                NotificationLogEntry(receiver: "gone", groupKey: "k", firing: [], resolved: [], timestamp: 2000)
            ],
            at: 2000
        )
        #expect(dispatcher.notificationLog.isEmpty)
    }

    @Test func groupKeyIsRouteKeyAndLabels() {
        #expect(
            NotificationDispatcher.groupKey(
                matcherText: [#"severity="critical""#, #"team=~"db|web""#],
                groupLabels: ["team": "db", "alertname": "Disk \"Full\" é"]
            ) == #"{}/{severity="critical",team=~"db|web"}:{alertname="Disk \"Full\" é", team="db"}"#
        )
        #expect(NotificationDispatcher.groupKey(matcherText: [], groupLabels: [:]) == "{}/{}:{}")
    }
}
