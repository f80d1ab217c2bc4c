/// Prometheus' `humanize*` template functions (2.42 `template/template.go`), byte for byte: Go's
/// `%.4g` through ``GoFormat``, the same loops and the same integer truncation.
enum Humanize {
    private static func g4(_ value: Double) -> String {
        GoFormat.sprintf("%.4g", [.float(value)])
    }

    static func humanize(_ value: Double) -> String {
        if value == 0 || !value.isFinite { return g4(value) }
        var value = value
        var prefix = ""
        if abs(value) >= 1 {
            for unit in ["k", "M", "G", "T", "P", "E", "Z", "Y"] {
                if abs(value) < 1000 { break }
                prefix = unit
                value /= 1000
            }
            return g4(value) + prefix
        }
        for unit in ["m", "u", "n", "p", "f", "a", "z", "y"] {
            if abs(value) >= 1 { break }
            prefix = unit
            value *= 1000
        }
        return g4(value) + prefix
    }

    static func humanize1024(_ value: Double) -> String {
        if abs(value) <= 1 || !value.isFinite { return g4(value) }
        var value = value
        var prefix = ""
        for unit in ["ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"] {
            if abs(value) < 1024 { break }
            prefix = unit
            value /= 1024
        }
        return g4(value) + prefix
    }

    static func duration(_ value: Double) -> String {
        if !value.isFinite { return g4(value) }
        if value == 0 { return g4(value) + "s" }
        var value = value
        if abs(value) >= 1 {
            var sign = ""
            if value < 0 {
                sign = "-"
                value = -value
            }
            // Go's int64(v) on amd64 gives the "integer indefinite" MinInt64 when v is out of range.
            let total = value < 9_223_372_036_854_775_808.0 ? Int64(value) : Int64.min
            let seconds = total % 60
            let minutes = (total / 60) % 60
            let hours = (total / 60 / 60) % 24
            let days = total / 60 / 60 / 24
            if days != 0 { return "\(sign)\(days)d \(hours)h \(minutes)m \(seconds)s" }
            if hours != 0 { return "\(sign)\(hours)h \(minutes)m \(seconds)s" }
            if minutes != 0 { return "\(sign)\(minutes)m \(seconds)s" }
            return sign + g4(value) + "s"
        }
        var prefix = ""
        for unit in ["m", "u", "n", "p", "f", "a", "z", "y"] {
            if abs(value) >= 1 { break }
            prefix = unit
            value *= 1000
        }
        return g4(value) + prefix + "s"
    }

    static func percentage(_ value: Double) -> String {
        g4(value * 100) + "%"
    }

    /// `model.TimeFromUnixNano(int64(v * 1e9)).Time().UTC()`: truncated to milliseconds.
    static func time(fromSeconds value: Double) throws(TemplateFunctionError) -> GoTime {
        let nanoseconds = value * 1e9
        guard nanoseconds < 9_223_372_036_854_775_808.0, nanoseconds >= -9_223_372_036_854_775_808.0 else {
            throw TemplateFunctionError(
                message:
                    "\(GoFormat.shortest(value)) cannot be represented as a nanoseconds timestamp since it overflows int64"
            )
        }
        let milliseconds = Int64(nanoseconds) / 1_000_000
        return GoTime(seconds: milliseconds / 1000, nanoseconds: (milliseconds % 1000) * 1_000_000)
    }
}

/// `net.SplitHostPort`, `net.JoinHostPort` and `net.ParseIP`, as `stripPort` and `stripDomain` use them.
enum HostPort {
    static func split(_ hostPort: String) -> (host: String, port: String)? {
        let bytes = Array(hostPort.utf8)
        guard let lastColon = bytes.lastIndex(of: UInt8(ascii: ":")) else { return nil }
        var host: [UInt8]
        var openSearchStart = 0
        var closeSearchStart = 0
        if bytes.first == UInt8(ascii: "[") {
            guard let end = bytes.firstIndex(of: UInt8(ascii: "]")) else { return nil }
            guard end + 1 == lastColon else { return nil }
            host = Array(bytes[1..<end])
            openSearchStart = 1
            closeSearchStart = end + 1
        } else {
            host = Array(bytes[..<lastColon])
            if host.contains(UInt8(ascii: ":")) { return nil }
        }
        if bytes[openSearchStart...].contains(UInt8(ascii: "[")) { return nil }
        if bytes[closeSearchStart...].contains(UInt8(ascii: "]")) { return nil }
        return (String(decoding: host, as: UTF8.self), String(decoding: bytes[(lastColon + 1)...], as: UTF8.self))
    }

    static func stripDomain(_ hostPort: String) -> String {
        var host = hostPort
        var port = ""
        if let parts = split(hostPort) { (host, port) = parts }
        if isIP(host) { return hostPort }
        host = String(host.split(separator: ".", omittingEmptySubsequences: false).first ?? "")
        if !port.isEmpty { return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
        return host
    }

    static func isIP(_ text: String) -> Bool {
        isIPv4(Substring(text)) || isIPv6(text)
    }

    private static func isIPv4(_ text: Substring) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        return parts.allSatisfy { part in
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
            guard part.count == 1 || !part.hasPrefix("0") else { return false }
            return (Int(part) ?? 256) <= 255
        }
    }

    private static func isIPv6(_ text: String) -> Bool {
        guard text.contains(":") else { return false }
        var groups = text.components(separatedByString: "::")
        guard groups.count <= 2 else { return false }
        var count = 0
        for (index, side) in groups.enumerated() where !side.isEmpty {
            let fields = side.split(separator: ":", omittingEmptySubsequences: false)
            for (fieldIndex, field) in fields.enumerated() {
                if fieldIndex == fields.count - 1 && index == groups.count - 1 && field.contains(".") {
                    guard isIPv4(field) else { return false }
                    count += 2
                    continue
                }
                guard !field.isEmpty, field.count <= 4, field.allSatisfy({ $0.isHexDigit }) else { return false }
                count += 1
            }
        }
        groups = []
        return text.contains("::") ? count < 8 : count == 8
    }
}

extension String {
    fileprivate func components(separatedByString separator: String) -> [String] {
        var parts: [String] = []
        var rest = Substring(self)
        while let range = rest.firstRange(of: separator) {
            parts.append(String(rest[..<range.lowerBound]))
            rest = rest[range.upperBound...]
        }
        parts.append(String(rest))
        return parts
    }
}
