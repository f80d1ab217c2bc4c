/// The two formats `/metrics` serves.
public enum ExpositionFormat: Sendable {
    /// Prometheus text format 0.0.4.
    case prometheusText
    /// OpenMetrics 1.0.0, served when the scraper asks for it in `Accept`.
    case openMetrics

    public var contentType: String {
        switch self {
        case .prometheusText: "text/plain; version=0.0.4; charset=utf-8"
        case .openMetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8"
        }
    }

    /// Picks the format for an `Accept` header, as client_golang does: OpenMetrics only when asked.
    public init(accept: String?) {
        self = (accept?.contains("application/openmetrics-text") ?? false) ? .openMetrics : .prometheusText
    }
}

/// Appends exposition lines to a byte buffer, without building intermediate strings per sample.
struct ExpositionWriter {
    let format: ExpositionFormat
    var bytes: [UInt8] = []

    init(format: ExpositionFormat, capacity: Int) {
        self.format = format
        self.bytes.reserveCapacity(capacity)
    }

    mutating func header(_ family: MetricNames.Family) {
        let name = self.format == .openMetrics ? family.openMetricsName : family.name
        self.bytes.append(contentsOf: "# HELP \(name) \(family.help)\n# TYPE \(name) \(family.kind.rawValue)\n".utf8)
    }

    /// `name{prefix,extra} value`; `prefix` is pre-rendered labels, `extra` one more label.
    /// An agent-wide sample: `name value`, or `name{labels} value` with pre-rendered labels.
    mutating func sample(_ name: String, labels: [UInt8] = [], _ value: Double) {
        self.bytes.append(contentsOf: name.utf8)
        if !labels.isEmpty {
            self.bytes.append(UInt8(ascii: "{"))
            self.bytes.append(contentsOf: labels)
            self.bytes.append(UInt8(ascii: "}"))
        }
        self.bytes.append(UInt8(ascii: " "))
        Self.appendValue(value, to: &self.bytes)
        self.bytes.append(UInt8(ascii: "\n"))
    }

    /// A target's sample: `name{prefix<extra>} value`, where `extra` is pre-rendered
    /// (`,le="0.001"`) or rendered from `label`. The hot path of a 10,000-target exposition.
    mutating func targetSample(
        _ name: [UInt8],
        prefix: [UInt8],
        extra: [UInt8] = [],
        label: (name: String, value: String)? = nil,
        _ value: Double
    ) {
        self.bytes.append(contentsOf: name)
        self.bytes.append(UInt8(ascii: "{"))
        self.bytes.append(contentsOf: prefix)
        self.bytes.append(contentsOf: extra)
        if let label {
            self.bytes.append(UInt8(ascii: ","))
            Self.appendLabel(name: label.name, value: label.value, to: &self.bytes)
        }
        self.bytes.append(contentsOf: "} ".utf8)
        Self.appendValue(value, to: &self.bytes)
        self.bytes.append(UInt8(ascii: "\n"))
    }

    mutating func end() {
        if self.format == .openMetrics { self.bytes.append(contentsOf: "# EOF\n".utf8) }
    }

    static func appendLabel(name: String, value: String, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: name.utf8)
        bytes.append(contentsOf: "=\"".utf8)
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): bytes.append(contentsOf: "\\\\".utf8)
            case UInt8(ascii: "\""): bytes.append(contentsOf: "\\\"".utf8)
            case UInt8(ascii: "\n"): bytes.append(contentsOf: "\\n".utf8)
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Integers without a fraction, others as Swift prints them (which matches Go's shortest 'g'
    /// form closely enough for every parser), and `+Inf`, `-Inf`, `NaN` as the format spells them.
    static func appendValue(_ value: Double, to bytes: inout [UInt8]) {
        if value.isNaN {
            bytes.append(contentsOf: "NaN".utf8)
        } else if value.isInfinite {
            bytes.append(contentsOf: (value > 0 ? "+Inf" : "-Inf").utf8)
        } else if value == value.rounded(), abs(value) < 1e15 {
            self.appendInteger(Int64(value), to: &bytes)
        } else {
            bytes.append(contentsOf: value.description.utf8)
        }
    }

    static func appendInteger(_ value: Int64, to bytes: inout [UInt8]) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        if magnitude == 0 {
            bytes.append(UInt8(ascii: "0"))
            return
        }
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            while magnitude > 0 {
                buffer[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            }
            for index in stride(from: count - 1, through: 0, by: -1) { bytes.append(buffer[index]) }
        }
    }
}
