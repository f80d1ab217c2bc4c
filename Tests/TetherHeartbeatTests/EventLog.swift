import NIOConcurrencyHelpers
import TetherHeartbeat

/// Collects the events a handler reports, for assertions.
final class EventLog: Sendable {
    private let box = NIOLockedValueBox<[HeartbeatEvent]>([])

    var events: [HeartbeatEvent] { self.box.withLockedValue { $0 } }

    var record: @Sendable (HeartbeatEvent) -> Void {
        { event in self.box.withLockedValue { $0.append(event) } }
    }

    /// Events since the last call.
    func drain() -> [HeartbeatEvent] {
        self.box.withLockedValue { events in
            defer { events.removeAll() }
            return events
        }
    }
}
