/// Every metric tether exposes, named in one place: dashboards, rules and tests rely on these names.
public enum MetricNames {
    public enum Kind: String, Sendable {
        case counter, gauge, histogram
    }

    public struct Family: Sendable {
        /// The name as exposed; counters carry `_total` here.
        public let name: String
        public let kind: Kind
        public let help: String
        /// OpenMetrics family name: counters without `_total`.
        public var openMetricsName: String {
            self.kind == .counter && self.name.hasSuffix("_total") ? String(self.name.dropLast(6)) : self.name
        }
    }

    // Per target; every series carries `target` and the target's own labels.
    public static let targetUp = Family(
        name: "tether_target_up",
        kind: .gauge,
        help: "1 when the connection is up and the last heartbeat was answered in time, else 0."
    )
    public static let connectionState = Family(
        name: "tether_connection_state",
        kind: .gauge,
        help: "The connection's lifecycle state, one-hot over the state label."
    )
    public static let heartbeatRTT = Family(
        name: "tether_heartbeat_rtt_seconds",
        kind: .histogram,
        help: "Round-trip time of answered heartbeats, measured on the event loop."
    )
    public static let lastRTT = Family(
        name: "tether_heartbeat_last_rtt_seconds",
        kind: .gauge,
        help: "Round-trip time of the last answered heartbeat."
    )
    public static let heartbeatsSent = Family(
        name: "tether_heartbeats_sent_total",
        kind: .counter,
        help: "Heartbeats sent."
    )
    public static let heartbeatsAnswered = Family(
        name: "tether_heartbeats_answered_total",
        kind: .counter,
        help: "Heartbeats answered within the timeout."
    )
    public static let heartbeatsMissed = Family(
        name: "tether_heartbeats_missed_total",
        kind: .counter,
        help: "Heartbeats not answered within the timeout."
    )
    public static let heartbeatsLate = Family(
        name: "tether_heartbeats_late_total",
        kind: .counter,
        help: "Answers that arrived after their heartbeat was counted as missed."
    )
    public static let answersUnmatched = Family(
        name: "tether_heartbeat_answers_unmatched_total",
        kind: .counter,
        help: "Answers that matched no heartbeat (unsolicited pongs, foreign payloads)."
    )
    public static let consecutiveMissed = Family(
        name: "tether_heartbeats_consecutive_missed",
        kind: .gauge,
        help: "Heartbeats missed in a row right now."
    )
    public static let lastAnswer = Family(
        name: "tether_last_answer_timestamp_seconds",
        kind: .gauge,
        help: "Unix time of the last answered heartbeat."
    )
    public static let connects = Family(
        name: "tether_connects_total",
        kind: .counter,
        help:
            "Connection attempts by result (success, refused, timeout, dns_failure, tls_failure, upgrade_refused, closed, error)."
    )
    public static let connectDuration = Family(
        name: "tether_connect_duration_seconds",
        kind: .gauge,
        help: "Duration of each phase of the last successful connect (dns, tcp, tls, upgrade)."
    )
    public static let disconnects = Family(
        name: "tether_disconnects_total",
        kind: .counter,
        help:
            "Connections ended, by reason (close_<code>, missed_heartbeats, eof, reset, protocol_error, agent, error)."
    )
    public static let established = Family(
        name: "tether_connection_established_timestamp_seconds",
        kind: .gauge,
        help: "Unix time the current connection was established; 0 when not connected."
    )
    public static let reconnectBackoff = Family(
        name: "tether_reconnect_backoff_seconds",
        kind: .gauge,
        help: "The delay before the next connection attempt (exponential backoff with full jitter); 0 when connected."
    )
    public static let consecutiveConnectFailures = Family(
        name: "tether_connect_failures_consecutive",
        kind: .gauge,
        help: "Connection attempts failed (or ended without an answered heartbeat) in a row; drives the backoff."
    )
    public static let tlsExpiry = Family(
        name: "tether_tls_certificate_expiry_timestamp_seconds",
        kind: .gauge,
        help: "Unix time the earliest certificate in the peer's chain expires."
    )

    // The agent itself.
    public static let buildInfo = Family(
        name: "tether_build_info",
        kind: .gauge,
        help: "A metric with a constant 1 labelled by tether's version."
    )
    public static let targets = Family(name: "tether_targets", kind: .gauge, help: "Targets configured.")
    public static let configReloadSuccessful = Family(
        name: "tether_config_last_reload_successful",
        kind: .gauge,
        help: "1 when the last configuration load succeeded."
    )
    public static let configReloadTimestamp = Family(
        name: "tether_config_last_reload_success_timestamp_seconds",
        kind: .gauge,
        help: "Unix time of the last successful configuration load."
    )

    // File discovery (Prometheus' `prometheus_sd_file_*`, named for tether's `target_files`).
    public static let targetFileReadErrors = Family(
        name: "tether_target_file_read_errors_total",
        kind: .counter,
        help:
            "Looks at target files that found them unreadable or invalid, every 5 s until fixed; a file's previous targets are kept."
    )
    public static let targetFileTargets = Family(
        name: "tether_target_file_targets",
        kind: .gauge,
        help: "Targets read from each target file."
    )

    // Rules and alerts (Prometheus' `ALERTS` and `prometheus_rule_*`, named for tether).
    public static let alerts = Family(
        name: "tether_alerts",
        kind: .gauge,
        help: "1 for every pending or firing alert, labelled by alertname, alertstate and the alert's labels."
    )
    public static let ruleGroupLastEvaluation = Family(
        name: "tether_rule_group_last_evaluation_timestamp_seconds",
        kind: .gauge,
        help: "Unix time of the rule group's last evaluation."
    )
    public static let ruleGroupLastDuration = Family(
        name: "tether_rule_group_last_duration_seconds",
        kind: .gauge,
        help: "How long the rule group's last evaluation took."
    )
    public static let ruleGroupInterval = Family(
        name: "tether_rule_group_interval_seconds",
        kind: .gauge,
        help: "The rule group's evaluation interval."
    )
    public static let ruleGroupRules = Family(
        name: "tether_rule_group_rules",
        kind: .gauge,
        help: "Rules in the rule group."
    )
    public static let ruleEvaluations = Family(
        name: "tether_rule_evaluations_total",
        kind: .counter,
        help: "Rule evaluations, per rule group."
    )
    public static let ruleEvaluationFailures = Family(
        name: "tether_rule_evaluation_failures_total",
        kind: .counter,
        help: "Rule evaluations that failed, per rule group."
    )

    // Notifications (Prometheus' `prometheus_notifications_*`, named for tether).
    public static let notifications = Family(
        name: "tether_notifications_total",
        kind: .counter,
        help:
            "Delivery attempts of notifications, per receiver, by result: delivered, retried (failed, tried again later) or failed (given up)."
    )
    public static let notificationQueueLength = Family(
        name: "tether_notification_queue_length",
        kind: .gauge,
        help: "Notifications in the outbox not delivered yet, per receiver."
    )
    public static let notificationDelivery = Family(
        name: "tether_notification_delivery_seconds",
        kind: .histogram,
        help: "Time from a notification's creation to its delivery, retries included, per receiver."
    )
    /// Delivery time bucket bounds: from a prompt answer to a receiver back after an hour.
    public static let notificationDeliveryBuckets: [Double] = [
        0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600,
    ]

    // Standard process metrics (Linux).
    public static let processCPU = Family(
        name: "process_cpu_seconds_total",
        kind: .counter,
        help: "Total user and system CPU time spent in seconds."
    )
    public static let processOpenFDs = Family(
        name: "process_open_fds",
        kind: .gauge,
        help: "Number of open file descriptors."
    )
    public static let processMaxFDs = Family(
        name: "process_max_fds",
        kind: .gauge,
        help: "Maximum number of open file descriptors."
    )
    public static let processVirtualMemory = Family(
        name: "process_virtual_memory_bytes",
        kind: .gauge,
        help: "Virtual memory size in bytes."
    )
    public static let processResidentMemory = Family(
        name: "process_resident_memory_bytes",
        kind: .gauge,
        help: "Resident memory size in bytes."
    )
    public static let processStartTime = Family(
        name: "process_start_time_seconds",
        kind: .gauge,
        help: "Start time of the process since unix epoch in seconds."
    )

    /// RTT histogram bucket bounds: 10 µs to 10 s in 1-2.5-5 steps, fine enough for loopback and WAN.
    public static let rttBuckets: [Double] = [
        0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
        0.5, 1, 2.5, 5, 10,
    ]
}
