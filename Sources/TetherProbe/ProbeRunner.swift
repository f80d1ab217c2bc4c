import NIOConcurrencyHelpers
public import NIOCore
public import NIOPosix
public import TetherHeartbeat

/// What a probe reports while it runs, in order: `connected` once (or never, when the connection
/// fails), one `heartbeat` per outcome, then `finished` with the whole result.
public protocol ProbeReporter {
    mutating func started(_ options: ProbeOptions)
    mutating func connected(address: String, phases: ConnectPhases)
    mutating func heartbeat(_ heartbeat: ProbeHeartbeat, timeout: TimeAmount)
    mutating func finished(_ result: ProbeResult)
}

extension ProbeReporter {
    /// Reporters that print only the outcome (JSON, Nagios) ignore the progress.
    public func started(_ options: ProbeOptions) {}
    public func connected(address: String, phases: ConnectPhases) {}
    public func heartbeat(_ heartbeat: ProbeHeartbeat, timeout: TimeAmount) {}
}

/// Ends a running probe early (Ctrl-C) with a close handshake, so its statistics are complete.
///
/// Task cancellation is not used for this: it would end the event stream before the close
/// handshake is reported.
public final class ProbeStopper: Sendable {
    private enum State {
        case waiting
        case running(any Channel)
        case stopped
    }
    private let state = NIOLockedValueBox(State.waiting)

    public init() {}

    /// Stops the probe: closes its connection normally, or skips it if not yet connected.
    public func stop() {
        let channel: (any Channel)? = self.state.withLockedValue { state in
            defer { state = .stopped }
            if case .running(let channel) = state { return channel }
            return nil
        }
        channel?.triggerUserOutboundEvent(HeartbeatCloseRequest(code: WebSocketCloseCode.normalClosure), promise: nil)
    }

    public var isStopped: Bool {
        self.state.withLockedValue { if case .stopped = $0 { true } else { false } }
    }

    /// Returns false when the probe was stopped before it connected.
    fileprivate func connected(_ channel: any Channel) -> Bool {
        self.state.withLockedValue { state in
            if case .stopped = state { return false }
            state = .running(channel)
            return true
        }
    }
}

/// Runs `tether probe`: one connection, heartbeats on it, a result.
public enum ProbeRunner {
    /// Connects, heartbeats `options.count` times (or until `stopper` stops it, which closes the
    /// connection gracefully), and returns the result. A failed connection is a result, not an error.
    ///
    /// - Throws: only ``TLSOptionsError``, when a TLS file cannot be loaded (a usage error).
    public static func run(
        options: ProbeOptions,
        reporter: inout some ProbeReporter,
        stopper: ProbeStopper = ProbeStopper(),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws(TLSOptionsError) -> ProbeResult {
        let target = options.connection.target
        let tlsContext = target.usesTLS ? try options.connection.tls.makeClientContext() : nil
        var result = ProbeResult(target: target, thresholds: options.thresholds)
        reporter.started(options)
        let started = NIODeadline.now()

        // A probe reports every heartbeat, so it never declares the connection dead itself. Its
        // timers run on another event loop when there is one (see HeartbeatPacer).
        let pacerLoops = Array(group.makeIterator())
        let schedule = HeartbeatSchedule(
            interval: options.interval,
            timeout: options.timeout,
            downAfter: .max,
            closeTimeout: min(options.timeout, .seconds(2)),
            limit: options.count,
            pacing: pacerLoops.count > 1 ? .external : .eventLoop
        )
        let (events, continuation) = AsyncStream<HeartbeatEvent>.makeStream()
        // Sends are counted here, not streamed: waking the consumer between a ping's write and its
        // answer would put a thread wake-up inside the measured round trip.
        let lastSent = NIOLockedValueBox<UInt64>(0)
        let connection: HeartbeatConnection
        do {
            connection = try await HeartbeatConnector.connect(
                options: options.connection,
                schedule: schedule,
                tlsContext: tlsContext,
                group: group,
                onEvent: { event in
                    if case .sent(let sequence) = event {
                        lastSent.withLockedValue { $0 = sequence }
                        return
                    }
                    continuation.yield(event)
                    if case .closed = event { continuation.finish() }
                }
            )
        } catch {
            result.error = error as? ConnectError
            result.heartbeats = (0..<(options.count ?? 1)).map {
                ProbeHeartbeat(sequence: UInt64($0 + 1), outcome: .notSent)
            }
            result.elapsed = NIODeadline.now() - started
            reporter.finished(result)
            return result
        }
        let address =
            "\(connection.remoteAddress.ipAddress ?? target.host):\(connection.remoteAddress.port ?? target.port)"
        result.remoteAddress = address
        result.phases = connection.phases
        reporter.connected(address: address, phases: connection.phases)

        if !stopper.connected(connection.channel) {
            connection.channel.triggerUserOutboundEvent(HeartbeatCloseRequest(), promise: nil)
        } else if schedule.pacing == .external,
            let pacerLoop = pacerLoops.first(where: { $0 !== connection.channel.eventLoop })
        {
            HeartbeatPacer.start(channel: connection.channel, on: pacerLoop, schedule: schedule)
        }
        for await event in events {
            switch event {
            case .sent:
                break
            case .answered(let sequence, let rtt):
                result.record(sequence, .answered(rtt: rtt), reporter: &reporter, timeout: options.timeout)
            case .coalesced(let sequence):
                result.record(sequence, .coalesced, reporter: &reporter, timeout: options.timeout)
            case .missed(let sequence, _):
                result.record(sequence, .missed, reporter: &reporter, timeout: options.timeout)
            case .late(let sequence, let after):
                if let index = result.index(of: sequence) {
                    result.heartbeats[index].lateAfter = after
                    reporter.heartbeat(result.heartbeats[index], timeout: options.timeout)
                }
            case .unmatched:
                result.unmatchedAnswers += 1
            case .down:
                break
            case .closed(let reason):
                result.disconnect = reason
            }
        }
        // Heartbeats in flight when the probe was stopped are missed; those still planned when the
        // peer ended the connection early were never sent.
        result.recordSent(upTo: lastSent.withLockedValue { $0 })
        if let count = options.count, result.heartbeats.count < count, !stopper.isStopped {
            let next = result.heartbeats.count
            result.heartbeats += (next..<count).map { ProbeHeartbeat(sequence: UInt64($0 + 1), outcome: .notSent) }
        }
        result.elapsed = NIODeadline.now() - started
        reporter.finished(result)
        return result
    }
}

extension ProbeResult {
    /// Heartbeats up to `sequence` were sent; those not yet resolved are in flight (missed so far).
    fileprivate mutating func recordSent(upTo sequence: UInt64) {
        while self.heartbeats.count < Int(sequence) {
            self.heartbeats.append(ProbeHeartbeat(sequence: UInt64(self.heartbeats.count + 1), outcome: .missed))
        }
    }

    fileprivate mutating func index(of sequence: UInt64) -> Int? {
        // Sequences start at 1; an outcome for heartbeat n means 1...n were sent.
        guard sequence >= 1 else { return nil }
        self.recordSent(upTo: sequence)
        return Int(sequence) - 1
    }

    fileprivate mutating func record(
        _ sequence: UInt64,
        _ outcome: ProbeHeartbeat.Outcome,
        reporter: inout some ProbeReporter,
        timeout: TimeAmount
    ) {
        guard let index = self.index(of: sequence) else { return }
        self.heartbeats[index].outcome = outcome
        reporter.heartbeat(self.heartbeats[index], timeout: timeout)
    }
}
