import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import Testing

@testable import TetherAgent

@Suite struct ReconnectBackoffTests {
    let backoff = ReconnectBackoff(initial: .milliseconds(500), max: .seconds(30), multiplier: 2)

    @Test func ceilingGrowsExponentiallyUpToTheMax() {
        #expect(self.backoff.ceiling(failures: 1) == .milliseconds(500))
        #expect(self.backoff.ceiling(failures: 2) == .seconds(1))
        #expect(self.backoff.ceiling(failures: 4) == .seconds(4))
        #expect(self.backoff.ceiling(failures: 10) == .seconds(30))
        #expect(self.backoff.ceiling(failures: 1000) == .seconds(30))
    }

    @Test func delaysAreFullJitterWithinTheCeiling() {
        var generator = SystemRandomNumberGenerator()
        var delays: Set<Int64> = []
        for _ in 0..<200 {
            let delay = self.backoff.delay(failures: 3, using: &generator)
            #expect(delay >= .zero && delay <= .seconds(2))
            delays.insert(delay.nanoseconds)
        }
        #expect(delays.count > 100, "jittered, not fixed")
    }
}

@Suite struct ConnectLimiterTests {
    @Test func atMostLimitHoldersAndWaitersAreServedInOrder() async throws {
        let limiter = ConnectLimiter(limit: 2)
        let loop = EmbeddedEventLoop()
        let granted = NIOLockedValueBox<[Int]>([])
        for i in 0..<4 { limiter.acquire(on: loop) { granted.withLockedValue { $0.append(i) } } }
        #expect(granted.withLockedValue { $0 } == [0, 1])
        limiter.release()
        loop.run()
        #expect(granted.withLockedValue { $0 } == [0, 1, 2])
        limiter.release()
        loop.run()
        #expect(granted.withLockedValue { $0 } == [0, 1, 2, 3])
        limiter.release()
        limiter.release()
        limiter.acquire(on: loop) { granted.withLockedValue { $0.append(4) } }
        #expect(granted.withLockedValue { $0 }.last == 4, "released permits are available again")
    }
}
