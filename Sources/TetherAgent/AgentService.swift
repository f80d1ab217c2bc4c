import Foundation
public import Logging
import NIOConcurrencyHelpers
public import NIOCore
public import NIOPosix
import NIOSSL
public import ServiceLifecycle
public import TetherConfig
import TetherHeartbeat
public import TetherMetrics

/// `tether run`'s heart: one supervisor per target, each holding its connection open.
///
/// The targets are those of tether.yml and of its `target_files`, which are read again every
/// ``targetFileRefresh``; a reload hands over a new configuration (``apply(_:)``). Either way only
/// what changed is touched: an unchanged target keeps its connection, counters and history, a
/// removed one is closed with a close handshake, an added one connects, a changed one reconnects.
///
/// On graceful shutdown (SIGTERM/SIGINT through the ServiceGroup) every connection is closed with a
/// close handshake (1001, bounded by each target's close timeout) before `run()` returns, so the HTTP
/// server — shut down after this service — serves metrics until the very end.
public final class AgentService: Service, Sendable {
    public let registry: MetricsRegistry
    public let logger: Logger
    /// `--shard`: only the targets of this shard are monitored; `nil` monitors all.
    public let shard: Shard?
    private let group: any EventLoopGroup
    private let limiter: ConnectLimiter
    private let backoff: NIOLockedValueBox<ReconnectBackoff>
    private let targetFileRefresh: TimeAmount

    private struct State {
        var configuration: TetherConfiguration
        /// Every target file read so far, by path.
        var files: [String: TargetFile] = [:]
        var fileReadErrors = 0
        var supervisors: [String: TargetSupervisor] = [:]
        /// One TLS context per distinct TLS setting, shared by its targets: thousands of wss://
        /// targets with one CA need one context, not thousands. Made again after a reload, which
        /// may come because a certificate file changed.
        var contexts: [TLSOptions: Result<NIOSSLContext, TLSOptionsError>] = [:]
        var running = false
        var stopping = false
    }
    private let state: NIOLockedValueBox<State>

    /// A target file as last read.
    private struct TargetFile {
        /// Its text; nil to read it again even if unchanged.
        var text: String?
        /// The targets last read from it without error.
        var targets: [TargetConfiguration]
        /// Whether `text` was valid.
        var valid = true
    }

    /// How often `target_files` are looked at again, unless set otherwise.
    public static let defaultTargetFileRefresh: TimeAmount = .seconds(5)

    public init(
        configuration: TetherConfiguration,
        registry: MetricsRegistry,
        logger: Logger,
        shard: Shard? = nil,
        targetFileRefresh: TimeAmount = AgentService.defaultTargetFileRefresh,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.registry = registry
        self.logger = logger
        self.shard = shard
        self.group = group
        self.targetFileRefresh = targetFileRefresh
        self.limiter = ConnectLimiter(limit: configuration.global.maxConcurrentConnects)
        self.backoff = NIOLockedValueBox(ReconnectBackoff(configuration.reconnect))
        self.state = NIOLockedValueBox(State(configuration: configuration))
    }

    /// The targets monitored now, by name.
    public var targetNames: [String] {
        self.state.withLockedValue { $0.supervisors.keys.sorted() }
    }

    public func run() async throws {
        self.state.withLockedValue { $0.running = true }
        self.readTargetFiles()
        let count = self.reconcile()
        self.registry.markReady()
        self.logger.notice("agent started", metadata: ["targets": "\(count)"])

        // Until the service group shuts down (or this task is cancelled), the target files are
        // looked at again every few seconds.
        await withTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(nanoseconds: UInt64(self.targetFileRefresh.nanoseconds))
                    if Task.isCancelled { break }
                    if self.readTargetFiles() { self.reconcile() }
                }
            }
            try? await gracefulShutdown()
            tasks.cancelAll()
        }

        // Then every connection is closed with a close handshake, and waited for.
        self.logger.notice("closing every connection")
        let supervisors = self.state.withLockedValue { state in
            state.stopping = true
            return Array(state.supervisors.values)
        }
        for supervisor in supervisors { supervisor.stop() }
        for supervisor in supervisors { try? await supervisor.finished.futureResult.get() }
        self.logger.notice("agent stopped")
    }

    /// Takes a reloaded configuration: targets, target files, defaults, limits and backoff.
    public func apply(_ configuration: TetherConfiguration) {
        let running = self.state.withLockedValue { state in
            state.configuration = configuration
            state.contexts = [:]
            // The files' targets are made from `global:` defaults, which may have changed: every
            // file is read again, and one that has become invalid keeps its targets meanwhile.
            state.files = state.files.mapValues { TargetFile(text: nil, targets: $0.targets) }
            return state.running
        }
        self.limiter.setLimit(configuration.global.maxConcurrentConnects)
        self.backoff.withLockedValue { $0 = ReconnectBackoff(configuration.reconnect) }
        guard running else { return }
        self.readTargetFiles()
        self.reconcile()
    }

    // MARK: Target files

    /// Reads the target files that are new or changed since the last look; a file that cannot be
    /// read or is invalid is logged, keeps the targets it had, and is counted as an error at every
    /// look until it is fixed (as Prometheus' file SD counts a failed read at every refresh).
    ///
    /// - Returns: whether the targets of any file changed.
    @discardableResult
    private func readTargetFiles() -> Bool {
        let (patterns, global, previous) = self.state.withLockedValue {
            ($0.configuration.targetFiles, $0.configuration.global, $0.files)
        }
        var files: [String: TargetFile] = [:]
        var errors = 0
        var changed = false
        for path in TargetFileLoader.files(matching: patterns) {
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
            else {
                // Between the listing and the read it went away, or it is not readable text.
                if let old = previous[path] { files[path] = old }
                errors += 1
                self.logger.error("cannot read target file", metadata: ["file": "\(path)"])
                continue
            }
            if let old = previous[path], old.text == text {
                files[path] = old
                if !old.valid { errors += 1 }
                continue
            }
            do throws(ConfigurationError) {
                let targets = try TargetFileLoader.load(text: text, file: path, global: global)
                files[path] = TargetFile(text: text, targets: targets)
                changed = changed || previous[path].map { $0.targets != targets } ?? !targets.isEmpty
            } catch {
                // Kept: the file's last good targets, and its text, so that it is not parsed (nor
                // logged) again until it changes.
                files[path] = TargetFile(text: text, targets: previous[path]?.targets ?? [], valid: false)
                errors += 1
                self.logger.error(
                    "invalid target file; its previous targets are kept",
                    metadata: ["file": "\(path)", "error": "\(error.description)"]
                )
            }
        }
        for (path, old) in previous where files[path] == nil && !old.targets.isEmpty {
            changed = true
            self.logger.notice("target file gone", metadata: ["file": "\(path)", "targets": "\(old.targets.count)"])
        }
        let (allErrors, counts) = self.state.withLockedValue { state in
            state.files = files
            state.fileReadErrors += errors
            return (state.fileReadErrors, files.map { ($0.key, $0.value.targets.count) }.sorted { $0.0 < $1.0 })
        }
        self.registry.setFamilies(
            [
                MetricFamilySamples(family: MetricNames.targetFileReadErrors, samples: [([], Double(allErrors))]),
                MetricFamilySamples(
                    family: MetricNames.targetFileTargets,
                    samples: counts.map { ([("file", $0.0)], Double($0.1)) }
                ),
            ],
            from: .discovery
        )
        return changed
    }

    // MARK: Supervisors

    /// Brings the supervisors in line with the configuration and the target files: the targets of
    /// tether.yml first, then each file's in path order; a name seen before is skipped with a
    /// warning. With `--shard`, only this shard's targets.
    ///
    /// - Returns: the number of targets monitored.
    @discardableResult
    private func reconcile() -> Int {
        self.state.withLockedValue { state in
            guard !state.stopping else { return state.supervisors.count }
            var wanted: [TargetConfiguration] = []
            var seen: Set<String> = []
            let discovered = state.files.sorted { $0.key < $1.key }.flatMap { file in
                file.value.targets.map { (file: file.key, target: $0) }
            }
            let all =
                state.configuration.targets.map { (file: String?.none, target: $0) }
                + discovered.map { (file: String?($0.file), target: $0.target) }
            for (file, target) in all {
                guard seen.insert(target.name).inserted else {
                    self.logger.warning(
                        "target defined twice; the first is kept",
                        metadata: ["target": "\(target.name)", "file": "\(file ?? "tether.yml")"]
                    )
                    continue
                }
                if self.shard?.owns(targetName: target.name) ?? true { wanted.append(target) }
            }

            let cells = self.registry.setTargets(wanted.map { ($0.name, $0.connection.target.url, $0.labels) })
            var supervisors: [String: TargetSupervisor] = [:]
            var (added, changed, removed) = (0, 0, 0)
            for (target, cell) in zip(wanted, cells) {
                let old = state.supervisors.removeValue(forKey: target.name)
                if let old, old.target == target {
                    supervisors[target.name] = old
                    continue
                }
                let supervisor = self.makeSupervisor(target, cell: cell, contexts: &state.contexts)
                supervisors[target.name] = supervisor
                // First connects are spread over one interval, so a start never storms the services.
                let interval = target.schedule.interval.nanoseconds
                let delay = TimeAmount.nanoseconds(interval > 0 ? Int64.random(in: 0..<interval) : 0)
                if let old {
                    // A changed target connects again once its old connection is closed.
                    changed += 1
                    old.stop()
                    old.finished.futureResult.whenComplete { _ in supervisor.start(initialDelay: .zero) }
                } else {
                    added += 1
                    supervisor.start(initialDelay: delay)
                }
            }
            for old in state.supervisors.values {
                removed += 1
                old.stop()
            }
            state.supervisors = supervisors
            if let shard = self.shard {
                self.logger.notice(
                    "shard \(shard): \(wanted.count) of \(seen.count) targets",
                    metadata: ["shard": "\(shard)"]
                )
            }
            if state.running && (added + changed + removed) > 0 {
                self.logger.notice(
                    "targets updated",
                    metadata: [
                        "targets": "\(wanted.count)", "added": "\(added)", "changed": "\(changed)",
                        "removed": "\(removed)",
                    ]
                )
            }
            return wanted.count
        }
    }

    private func makeSupervisor(
        _ target: TargetConfiguration,
        cell: TargetMetrics,
        contexts: inout [TLSOptions: Result<NIOSSLContext, TLSOptionsError>]
    ) -> TargetSupervisor {
        var tls: Result<NIOSSLContext, TLSOptionsError>?
        if target.connection.target.usesTLS {
            if contexts[target.connection.tls] == nil {
                contexts[target.connection.tls] = Result { () throws(TLSOptionsError) in
                    try target.connection.tls.makeClientContext()
                }
            }
            tls = contexts[target.connection.tls]
        }
        return TargetSupervisor(
            target: target,
            metrics: cell,
            limiter: self.limiter,
            backoff: self.backoff,
            loop: self.group.next(),
            tls: tls,
            logger: self.logger
        )
    }
}

extension ReconnectBackoff {
    init(_ policy: ReconnectPolicy) {
        self.init(initial: policy.initial, max: policy.max, multiplier: policy.multiplier)
    }
}
