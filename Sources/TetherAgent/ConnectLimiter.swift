import NIOConcurrencyHelpers
import NIOCore

/// At most `limit` connection attempts at once (`max_concurrent_connects`), so a restart of an agent
/// with thousands of targets never storms the services. Waiters are served in order.
///
/// Callback-based rather than `async`: a waiting target holds a closure, not a suspended task.
final class ConnectLimiter: Sendable {
    private typealias Waiter = (loop: any EventLoop, granted: @Sendable () -> Void)
    private struct State {
        var limit: Int
        var inUse = 0
        var waiters: [Waiter] = []
    }
    private let state: NIOLockedValueBox<State>

    init(limit: Int) {
        precondition(limit >= 1, "validated by the configuration")
        self.state = NIOLockedValueBox(State(limit: limit))
    }

    /// Calls `granted` on `loop` once a permit is free; the caller must `release()` it.
    func acquire(on loop: any EventLoop, _ granted: @escaping @Sendable () -> Void) {
        let now = self.state.withLockedValue { state -> Bool in
            if state.inUse < state.limit {
                state.inUse += 1
                return true
            }
            state.waiters.append((loop, granted))
            return false
        }
        if now { granted() }
    }

    func release() {
        let next = self.state.withLockedValue { state -> Waiter? in
            if state.waiters.isEmpty || state.inUse > state.limit {
                state.inUse -= 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        // Hand over on the waiter's loop, never on this stack: a chain of grants and releases must
        // not recurse.
        if let next { next.loop.execute(next.granted) }
    }

    /// A reload's new limit; a higher one lets waiters go at once, a lower one takes effect as
    /// permits are released.
    func setLimit(_ limit: Int) {
        precondition(limit >= 1, "validated by the configuration")
        let granted = self.state.withLockedValue { state -> [Waiter] in
            state.limit = limit
            var granted: [Waiter] = []
            while state.inUse < state.limit, !state.waiters.isEmpty {
                state.inUse += 1
                granted.append(state.waiters.removeFirst())
            }
            return granted
        }
        for waiter in granted { waiter.loop.execute(waiter.granted) }
    }
}
