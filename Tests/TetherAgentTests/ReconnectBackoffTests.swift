import NIOCore
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
    @Test func atMostLimitHoldersAndWaitersAreServedInOrder() async {
        let limiter = ConnectLimiter(limit: 2)
        #expect(await limiter.acquire())
        #expect(await limiter.acquire())
        let third = Task { await limiter.acquire() }
        // The third waits until a permit is released.
        try? await Task.sleep(nanoseconds: 20_000_000)
        limiter.release()
        #expect(await third.value)
    }

    @Test func cancelledWaitersGiveUpWithoutAPermit() async {
        let limiter = ConnectLimiter(limit: 1)
        #expect(await limiter.acquire())
        let waiter = Task { await limiter.acquire() }
        waiter.cancel()
        #expect(await waiter.value == false)
        limiter.release()
        #expect(await limiter.acquire(), "the permit was not lost to the cancelled waiter")
    }
}
