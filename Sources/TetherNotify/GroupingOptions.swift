/// How alerts are grouped into notifications: Alertmanager's route options `group_by`, `group_wait`,
/// `group_interval` and `repeat_interval`, shared by all of tether's receivers.
public struct GroupingOptions: Sendable, Hashable {
    /// The labels alerts are grouped by; an alert without one of them is grouped as if by the others.
    public var groupBy: [String]
    /// Group by all labels (`group_by: ['...']`): every distinct alert is a group of its own.
    public var groupByAll: Bool
    /// How long a new group waits for more alerts before its first notification (seconds).
    public var groupWait: Double
    /// How long a group waits between notifications about changes (seconds).
    public var groupInterval: Double
    /// How long before an unchanged group is notified again (seconds).
    public var repeatInterval: Double

    /// Grouping options; the defaults are Alertmanager's (`DefaultRouteOpts`): no grouping labels, 30 s, 5 min, 4 h.
    public init(
        groupBy: [String] = [],
        groupByAll: Bool = false,
        groupWait: Double = 30,
        groupInterval: Double = 300,
        repeatInterval: Double = 4 * 3600
    ) {
        self.groupBy = groupBy
        self.groupByAll = groupByAll
        self.groupWait = groupWait
        self.groupInterval = groupInterval
        self.repeatInterval = repeatInterval
    }
}
