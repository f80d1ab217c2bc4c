import Foundation
public import Logging
import NIOConcurrencyHelpers
import NIOCore
public import ServiceLifecycle
public import TetherConfig
public import TetherMetrics
public import TetherNotify
import TetherRules
public import TetherState

/// Evaluates the configured rule groups over tether's own metrics (DESIGN §5), keeps their alert
/// state in `state_dir`, and publishes what it finds for `/api/v1/alerts`, `/api/v1/rules` and
/// `tether_alerts`.
///
/// At every evaluation the metrics the rules name are sampled from the registry into an in-memory
/// series store (`RuleSampler`), which keeps of each metric just the history the rules' ranges
/// over it need: a target that disappears gets a staleness marker, so its series end at once.
/// Groups and the store are owned by `run()`'s task; other tasks only see `status`.
public final class RuleManager: Service, Sendable {
    private let configuration: TetherConfiguration
    private let registry: MetricsRegistry
    private let store: AlertStateStore?
    private let notifier: NotificationService?
    private let logger: Logger
    private let externalURL: String
    private let published = NIOLockedValueBox(RuleStatus(groups: []))
    private let pending = NIOLockedValueBox<(TetherConfiguration, String)?>(nil)

    /// - Parameters:
    ///   - store: where alert state is kept; nil keeps it in memory only.
    ///   - externalURL: `$externalURL` in templates and the base of `generatorURL`.
    ///   - notifier: where firing and resolved alerts go after every evaluation; nil sends none.
    public init(
        configuration: TetherConfiguration,
        registry: MetricsRegistry,
        store: AlertStateStore?,
        notifier: NotificationService? = nil,
        externalURL: String,
        logger: Logger
    ) {
        self.configuration = configuration
        self.registry = registry
        self.store = store
        self.notifier = notifier
        self.externalURL = externalURL
        self.logger = logger
    }

    /// The groups, their rules and alerts after the last evaluation.
    public var status: RuleStatus { published.withLockedValue { $0 } }

    /// Takes a reloaded configuration's rules at the start of the next round: groups that stay (same
    /// file and name) keep their schedule, and each alerting rule that stays (same name and labels)
    /// keeps its alerts, `for` progress included, as Prometheus' `Group.CopyState` does.
    public func apply(_ configuration: TetherConfiguration, externalURL: String) {
        pending.withLockedValue { $0 = (configuration, externalURL) }
    }

    public func run() async throws {
        var groups = Self.groups(configuration)
        var sampler = RuleSampler(names: RuleSampler.metricNames(groups))
        var context = RuleEvaluationContext(
            externalLabels: configuration.global.externalLabels,
            externalURL: externalURL
        )
        var generatorBase = externalURL
        let storage = MemorySeriesStorage(
            retention: RuleSampler.retention(groups),
            interval: groups.map(\.interval).min() ?? 0
        )
        let cache = EvaluationCache()
        // The agent registers its targets when it starts; sampling before that would find no
        // series, end every restored alert and start its `for` over.
        while !registry.isReady && !Task.isCancelled { try? await Task.sleep(for: .milliseconds(20)) }
        restore(groups, now: Self.now())
        publish(groups)
        logger.notice(
            "rules loaded",
            metadata: ["groups": "\(groups.count)", "rules": "\(groups.map(\.rules.count).reduce(0, +))"]
        )

        // The first evaluation comes one interval after the start, as the first heartbeats do: before
        // then every target is still connecting, and `tether_target_up == 0` would make every
        // target's alert pending at once.
        let start = Self.now()
        var due = groups.map { start + $0.interval }
        let stopping = NIOLockedValueBox(false)
        await withGracefulShutdownHandler {
            while !Task.isCancelled && !stopping.withLockedValue({ $0 }) {
                if let (configuration, externalURL) = self.pending.withLockedValue({ value in
                    defer { value = nil }
                    return value
                }) {
                    let now = Self.now()
                    let reloaded = Self.groups(configuration)
                    Self.copyState(from: groups, to: reloaded)
                    due = reloaded.map { group in
                        groups.indices.first { groups[$0].key == group.key && groups[$0].interval == group.interval }
                            .map { due[$0] } ?? now + group.interval
                    }
                    groups = reloaded
                    let names = RuleSampler.metricNames(groups)
                    if names != sampler.names { sampler = RuleSampler(names: names) }
                    storage.setRetention(RuleSampler.retention(groups), interval: groups.map(\.interval).min() ?? 0)
                    context = RuleEvaluationContext(
                        externalLabels: configuration.global.externalLabels,
                        externalURL: externalURL
                    )
                    generatorBase = externalURL
                    self.forget(groupsOtherThan: groups)
                    self.publish(groups)
                    self.logger.notice(
                        "rules reloaded",
                        metadata: ["groups": "\(groups.count)", "rules": "\(groups.map(\.rules.count).reduce(0, +))"]
                    )
                }
                let now = Self.now()
                let ready = groups.indices.filter { due[$0] <= now }
                if !ready.isEmpty {
                    sampler.sample(self.registry, into: storage, at: now)
                    for index in ready {
                        // A round over many targets takes a while: a shutdown need not wait for it.
                        if stopping.withLockedValue({ $0 }) { break }
                        let group = groups[index]
                        group.evaluate(at: now, storage: storage, context: context, cache: cache)
                        self.save(group, at: now)
                        while due[index] <= now { due[index] += group.interval }
                    }
                    // The results shared by this round's rules hold hundreds of thousands of
                    // samples; the next round has new samples and computes its own.
                    cache.removeResults()
                    storage.removeExpiredSamples(at: now)
                    self.publish(groups)
                    self.notify(groups, at: now, externalURL: generatorBase)
                }
                // Short naps, so that a graceful shutdown or a reload is noticed within a quarter second.
                let wait = min((due.min() ?? now + 1000) - Self.now(), 250)
                if wait > 0 { try? await Task.sleep(for: .milliseconds(wait)) }
            }
        } onGracefulShutdown: {
            stopping.withLockedValue { $0 = true }
        }
    }

    private static func groups(_ configuration: TetherConfiguration) -> [RuleGroup] {
        let defaultInterval = PromQLDuration(
            milliseconds: configuration.global.evaluationInterval.nanoseconds / 1_000_000
        )
        // Templates were parsed when the configuration was loaded; this cannot fail for it.
        return configuration.ruleFiles.flatMap(\.groups).compactMap {
            try? RuleGroup($0, defaultInterval: defaultInterval)
        }
    }

    /// Alerts of the rules that stay, matched as Prometheus matches them: same group key, same
    /// rule name and labels, the n-th such rule to the n-th.
    private static func copyState(from old: [RuleGroup], to new: [RuleGroup]) {
        for group in new {
            guard let previous = old.first(where: { $0.key == group.key }) else { continue }
            var candidates = previous.alertingRules
            for rule in group.alertingRules {
                guard
                    let index = candidates.firstIndex(where: {
                        $0.name == rule.name && $0.definition.labels == rule.definition.labels
                    })
                else { continue }
                rule.restore(Array(candidates.remove(at: index).active.values))
            }
        }
    }

    // MARK: State

    /// Puts back the alerts saved before a restart. A pending alert keeps the `for` progress it
    /// had made, the time tether was down not counted (its `activeAt` moves forward by the
    /// downtime, as Prometheus restores `ALERTS_FOR_STATE`); a firing alert fires on if the
    /// expression still returns it at the first evaluation.
    private func restore(_ groups: [RuleGroup], now: Int64) {
        guard let store else { return }
        do {
            let saved = try store.alerts()
            let evaluated = try store.lastEvaluations()
            try store.removeGroups(notIn: Set(groups.map(\.key)))
            try store.removeEvaluations(notIn: Set(groups.map(\.key)))
            var restored = 0
            for group in groups {
                let downtime = evaluated[group.key].map { max(0, now - Int64($0 * 1000)) } ?? 0
                for rule in group.alertingRules {
                    let alerts = saved.filter { $0.group == group.key && $0.rule == rule.name }.map {
                        Alert(
                            labels: Labels($0.labels),
                            annotations: Labels($0.annotations),
                            state: $0.state == .firing ? .firing : .pending,
                            value: $0.value,
                            activeAt: Int64($0.activeAt * 1000) + ($0.state == .pending ? downtime : 0),
                            firedAt: $0.firedAt.map { Int64($0 * 1000) },
                            keepFiringSince: $0.keepFiringSince.map { Int64($0 * 1000) }
                        )
                    }
                    rule.restore(alerts)
                    restored += alerts.count
                }
            }
            if restored > 0 { logger.notice("alert state restored", metadata: ["alerts": "\(restored)"]) }
        } catch {
            logger.error("could not restore alert state", metadata: ["error": "\(error)"])
        }
    }

    /// Removes the saved state of groups a reload took away.
    private func forget(groupsOtherThan groups: [RuleGroup]) {
        guard let store else { return }
        do {
            try store.removeGroups(notIn: Set(groups.map(\.key)))
            try store.removeEvaluations(notIn: Set(groups.map(\.key)))
        } catch {
            logger.error("could not remove the state of removed rule groups", metadata: ["error": "\(error)"])
        }
    }

    private func save(_ group: RuleGroup, at time: Int64) {
        guard let store else { return }
        let alerts = group.alertingRules.flatMap { rule in
            rule.activeAlerts.map {
                PersistedAlert(
                    group: group.key,
                    rule: rule.name,
                    labels: $0.labels.dictionary,
                    state: $0.state == .firing ? .firing : .pending,
                    activeAt: Double($0.activeAt) / 1000,
                    firedAt: $0.firedAt.map { Double($0) / 1000 },
                    keepFiringSince: $0.keepFiringSince.map { Double($0) / 1000 },
                    value: $0.value,
                    annotations: $0.annotations.dictionary
                )
            }
        }
        do {
            try store.replaceAlerts(ofGroup: group.key, with: alerts)
            try store.recordEvaluation(ofGroup: group.key, at: Double(time) / 1000)
        } catch {
            logger.error("could not save alert state", metadata: ["group": "\(group.key)", "error": "\(error)"])
        }
    }

    // MARK: Publishing

    private func publish(_ groups: [RuleGroup]) {
        let status = RuleStatus(groups: groups.map(RuleStatus.Group.init))
        published.withLockedValue { $0 = status }
        registry.setFamilies(status.metricFamilies, from: .rules)
    }

    /// Hands every group's firing and resolved alerts to the notifier, as Prometheus' `SendAlerts`
    /// makes them: `startsAt` when the alert fired, `endsAt` when it resolved.
    private func notify(_ groups: [RuleGroup], at time: Int64, externalURL: String) {
        guard let notifier else { return }
        var alerts: [NotificationAlert] = []
        for rule in groups.flatMap(\.alertingRules) {
            let generatorURL = Self.generatorURL(externalURL, rule.definition.expressionText)
            for alert in rule.notifiableAlerts {
                alerts.append(
                    NotificationAlert(
                        labels: alert.labels.dictionary,
                        annotations: alert.annotations.dictionary,
                        startsAt: Double(alert.firedAt ?? alert.activeAt) / 1000,
                        endsAt: alert.state == .inactive ? alert.resolvedAt.map { Double($0) / 1000 } : nil,
                        generatorURL: generatorURL
                    )
                )
            }
        }
        notifier.alertsChanged(alerts, at: Double(time) / 1000)
    }

    /// Prometheus' link to the expression: `<external URL>/graph?g0.expr=…&g0.tab=1`, the expression
    /// escaped as Go's `url.QueryEscape` does it (`strutil.TableLinkForExpression`): ASCII letters,
    /// digits and `-._~` kept, a space as `+`, every other UTF-8 byte as `%XX`.
    static func generatorURL(_ externalURL: String, _ expression: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~ ")
        let query = (expression.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")
            .replacingOccurrences(of: " ", with: "+")
        return "\(externalURL)/graph?g0.expr=\(query)&g0.tab=1"
    }

    /// Milliseconds since the epoch: rule times are wall-clock times, as in Prometheus.
    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
