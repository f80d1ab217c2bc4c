import NIOConcurrencyHelpers
import NIOCore

/// At most `limit` connection attempts at once (`max_concurrent_connects`), so a restart of an agent
/// with thousands of targets never storms the services. Waiters are served in order.
///
/// Callback-based rather than `async`: a waiting target holds a closure, not a suspended task.
final class ConnectLimiter: Sendable {
    private struct State {
        var available: Int
        var waiters: [(loop: any EventLoop, granted: @Sendable () -> Void)] = []
    }
    private let state: NIOLockedValueBox<State>

    init(limit: Int) {
        precondition(limit >= 1, "validated by the configuration")
        self.state = NIOLockedValueBox(State(available: limit))
    }

    /// Calls `granted` on `loop` once a permit is free; the caller must `release()` it.
    func acquire(on loop: any EventLoop, _ granted: @escaping @Sendable () -> Void) {
        let now = self.state.withLockedValue { state -> Bool in
            if state.available > 0 {
                state.available -= 1
                return true
            }
            state.waiters.append((loop, granted))
            return false
        }
        if now { granted() }
    }

    func release() {
        let next = self.state.withLockedValue { state -> (loop: any EventLoop, granted: @Sendable () -> Void)? in
            if state.waiters.isEmpty {
                state.available += 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        // Hand over on the waiter's loop, never on this stack: a chain of grants and releases must
        // not recurse.
        if let next { next.loop.execute(next.granted) }
    }
}
