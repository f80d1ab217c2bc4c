import Foundation
import Testing

@testable import TetherNotify

/// The delivery decisions that do not need a receiver: ids, backoff, `Retry-After`.
@Suite struct NotificationServiceTests {
    @Test func idsAreStandardWebhooksMessageIDsAndUnique() {
        let ids = (0..<1000).map { _ in NotificationService.notificationID() }
        #expect(Set(ids).count == ids.count)
        for id in ids.prefix(10) {
            #expect(id.hasPrefix("msg_"))
            #expect(id.count == 4 + 32)
            #expect(id.dropFirst(4).allSatisfy { $0.isHexDigit })
        }
    }

    @Test func backoffDoublesWithJitterUpToFiveMinutes() {
        for attempt in 1...20 {
            let base = min(300, pow(2, Double(attempt - 1)))
            for _ in 0..<50 {
                let delay = NotificationService.backoff(attempt: attempt)
                #expect(delay >= base / 2 && delay <= base, "attempt \(attempt): \(delay)")
            }
        }
    }

    @Test func retryAfterIsSecondsOrAnHTTPDateAtMostAnHour() {
        let now = 1_800_000_000.0
        #expect(NotificationService.retryAfter("7", now: now) == 7)
        #expect(NotificationService.retryAfter(" 0 ", now: now) == 0)
        #expect(NotificationService.retryAfter("86400", now: now) == 3600)
        // 2027-01-15T08:00:00Z is 1,800,000,000 s; 30 s later as an IMF-fixdate.
        #expect(NotificationService.retryAfter("Fri, 15 Jan 2027 08:00:30 GMT", now: now) == 30)
        #expect(NotificationService.retryAfter("Fri, 15 Jan 2027 07:00:00 GMT", now: now) == 0)
        #expect(NotificationService.retryAfter(nil, now: now) == nil)
        #expect(NotificationService.retryAfter("soon", now: now) == nil)
        #expect(NotificationService.retryAfter("-5", now: now) == nil)
    }
}
