import NIOConcurrencyHelpers

/// At most `limit` connection attempts at once (`max_concurrent_connects`), so a restart of an agent
/// with thousands of targets never storms the services. Waiters are served in order.
final class ConnectLimiter: Sendable {
    private struct State {
        var available: Int
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Bool, Never>)] = []
        /// Waiters cancelled before they could queue.
        var cancelled: Set<UInt64> = []
        var nextID: UInt64 = 0
    }
    private let state: NIOLockedValueBox<State>

    init(limit: Int) {
        precondition(limit >= 1, "validated by the configuration")
        self.state = NIOLockedValueBox(State(available: limit))
    }

    /// Waits for a permit. Returns false, without a permit, when the task is cancelled meanwhile.
    func acquire() async -> Bool {
        let id = self.state.withLockedValue { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let answer = self.state.withLockedValue { state -> Bool? in
                    if state.cancelled.remove(id) != nil { return false }
                    if state.available > 0 {
                        state.available -= 1
                        return true
                    }
                    state.waiters.append((id, continuation))
                    return nil
                }
                if let answer { continuation.resume(returning: answer) }
            }
        } onCancel: {
            let waiter = self.state.withLockedValue { state -> CheckedContinuation<Bool, Never>? in
                if let index = state.waiters.firstIndex(where: { $0.id == id }) {
                    return state.waiters.remove(at: index).continuation
                }
                state.cancelled.insert(id)
                return nil
            }
            waiter?.resume(returning: false)
        }
    }

    func release() {
        let next = self.state.withLockedValue { state -> CheckedContinuation<Bool, Never>? in
            if state.waiters.isEmpty {
                state.available += 1
                return nil
            }
            return state.waiters.removeFirst().continuation
        }
        next?.resume(returning: true)
    }
}
