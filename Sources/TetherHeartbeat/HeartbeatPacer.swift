public import NIOCore

/// Keeps time for a connection from *another* event loop: sends it ``HeartbeatTick``s at every
/// interval and at every heartbeat's timeout.
///
/// Why: a timer that fires on an event loop makes that loop re-arm its timer (a `timerfd_settime`,
/// a VM exit on virtual machines) before it waits again — right after the heartbeat was written and
/// before its answer is read, inside the measured round trip. With the timers on another loop, the
/// connection's loop only writes, waits and reads, and the RTT measures the network and the peer.
/// `tether probe` uses it; one hop per heartbeat is cheap for one connection.
public enum HeartbeatPacer {
    /// Starts ticking `channel`, whose handler was set up with ``HeartbeatSchedule/Pacing/external``.
    /// Ticking stops by itself when the channel closes or the schedule's limit is reached.
    public static func start(channel: any Channel, on loop: any EventLoop, schedule: HeartbeatSchedule) {
        self.tick(sequence: 1, at: loop.now, channel: channel, loop: loop, schedule: schedule)
    }

    private static func tick(
        sequence: UInt64,
        at deadline: NIODeadline,
        channel: any Channel,
        loop: any EventLoop,
        schedule: HeartbeatSchedule
    ) {
        loop.scheduleTask(deadline: deadline) {
            guard channel.isActive else { return }
            channel.triggerUserOutboundEvent(HeartbeatTick.sendHeartbeat, promise: nil)
            loop.scheduleTask(deadline: deadline + schedule.timeout) {
                guard channel.isActive else { return }
                channel.triggerUserOutboundEvent(HeartbeatTick.timeoutElapsed(sequence: sequence), promise: nil)
            }
            if let limit = schedule.limit, sequence >= limit { return }
            self.tick(
                sequence: sequence + 1,
                at: deadline + schedule.interval,
                channel: channel,
                loop: loop,
                schedule: schedule
            )
        }
    }
}
