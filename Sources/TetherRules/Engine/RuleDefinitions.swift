/// A Prometheus rule file, as loaded and checked (DESIGN §5).
public struct RuleFile: Sendable {
    /// The path the file was read from, as given.
    public var path: String
    public var groups: [RuleGroupDefinition]

    public init(path: String, groups: [RuleGroupDefinition]) {
        self.path = path
        self.groups = groups
    }
}

/// One `groups:` entry: rules evaluated in order, at one interval.
public struct RuleGroupDefinition: Sendable {
    public var name: String
    /// The file the group came from.
    public var file: String
    /// `interval:`; nil means the global evaluation interval.
    public var interval: PromQLDuration?
    /// `limit:`: at most this many alerts or series per rule; 0 is no limit.
    public var limit: Int
    public var rules: [RuleDefinition]

    public init(name: String, file: String, interval: PromQLDuration?, limit: Int, rules: [RuleDefinition]) {
        self.name = name
        self.file = file
        self.interval = interval
        self.limit = limit
        self.rules = rules
    }
}

/// One rule: `alert:` or `record:`, with its expression and what it adds.
public struct RuleDefinition: Sendable {
    public enum Kind: Sendable, Hashable {
        case alerting(name: String)
        case recording(name: String)
    }

    public var kind: Kind
    public var expression: PromQLExpression
    /// The expression as written, for `/api/v1/rules` and messages.
    public var expressionText: String
    /// `for:`, zero when absent (alerting rules only).
    public var forDuration: PromQLDuration
    /// `keep_firing_for:`, zero when absent (alerting rules only).
    public var keepFiringFor: PromQLDuration
    /// `labels:`; templates for alerting rules, plain values for recording rules.
    public var labels: [String: String]
    /// `annotations:` templates (alerting rules only).
    public var annotations: [String: String]
    /// Where the rule starts in its file (1-based), for messages.
    public var line: Int

    public init(
        kind: Kind,
        expression: PromQLExpression,
        expressionText: String,
        forDuration: PromQLDuration = PromQLDuration(milliseconds: 0),
        keepFiringFor: PromQLDuration = PromQLDuration(milliseconds: 0),
        labels: [String: String] = [:],
        annotations: [String: String] = [:],
        line: Int = 0
    ) {
        self.kind = kind
        self.expression = expression
        self.expressionText = expressionText
        self.forDuration = forDuration
        self.keepFiringFor = keepFiringFor
        self.labels = labels
        self.annotations = annotations
        self.line = line
    }

    public var name: String {
        switch kind {
        case .alerting(let name), .recording(let name): name
        }
    }
}
