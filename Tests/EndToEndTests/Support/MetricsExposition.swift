import Foundation

/// One sample line of an exposition: `name{labels} value`.
struct MetricSample: CustomStringConvertible {
    let name: String
    let labels: [String: String]
    let value: Double

    var description: String {
        let labelText = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",")
        return "\(name){\(labelText)} \(value)"
    }
}

/// A `/metrics` body (Prometheus text 0.0.4 or OpenMetrics 1.0), parsed into samples so that
/// tests can ask for one series by name and labels.
struct MetricsExposition: CustomStringConvertible {
    let text: String
    let samples: [MetricSample]

    init(parsing text: String) throws {
        self.text = text
        var samples: [MetricSample] = []
        for (index, line) in text.split(separator: "\n").enumerated() where !line.hasPrefix("#") {
            guard let sample = Self.parseSample(line) else {
                throw E2EError("/metrics line \(index + 1) is not a sample: \(line)\n--- body ---\n\(text)")
            }
            samples.append(sample)
        }
        self.samples = samples
    }

    /// The samples named `name` whose labels include every pair of `labels`.
    func samples(_ name: String, _ labels: [String: String] = [:]) -> [MetricSample] {
        samples.filter { sample in
            sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value }
        }
    }

    /// The value of the one series `name` with `labels`; nil when there is none (or several).
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let found = samples(name, labels)
        return found.count == 1 ? found[0].value : nil
    }

    /// The sum over every series `name` whose labels include `labels`; 0 when there is none.
    func sum(_ name: String, _ labels: [String: String] = [:]) -> Double {
        samples(name, labels).reduce(0) { $0 + $1.value }
    }

    /// The `tether_*` lines of one target (without histogram buckets), for failure messages.
    func lines(target: String) -> String {
        text.split(separator: "\n")
            .filter { $0.contains("target=\"\(target)\"") && !$0.contains("_bucket{") }
            .joined(separator: "\n")
    }

    var description: String { text }

    /// `name{a="x",b="y"} value [timestamp]`, label values with `\\`, `\"` and `\n` escapes.
    static func parseSample(_ line: Substring) -> MetricSample? {
        var index = line.startIndex
        while index < line.endIndex, line[index] != "{", line[index] != " " { index = line.index(after: index) }
        let name = String(line[line.startIndex..<index])
        guard !name.isEmpty, index < line.endIndex else { return nil }
        var labels: [String: String] = [:]
        if line[index] == "{" {
            index = line.index(after: index)
            while true {
                guard index < line.endIndex else { return nil }
                if line[index] == "}" {
                    index = line.index(after: index)
                    break
                }
                guard let equals = line[index...].firstIndex(of: "=") else { return nil }
                let labelName = String(line[index..<equals])
                index = line.index(after: equals)
                guard index < line.endIndex, line[index] == "\"" else { return nil }
                index = line.index(after: index)
                var value = ""
                while true {
                    guard index < line.endIndex else { return nil }
                    let character = line[index]
                    index = line.index(after: index)
                    if character == "\"" { break }
                    if character == "\\" {
                        guard index < line.endIndex else { return nil }
                        let escaped = line[index]
                        index = line.index(after: index)
                        switch escaped {
                        case "n": value.append("\n")
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        default: return nil
                        }
                    } else {
                        value.append(character)
                    }
                }
                guard labels.updateValue(value, forKey: labelName) == nil else { return nil }
                if index < line.endIndex, line[index] == "," { index = line.index(after: index) }
            }
        }
        guard index < line.endIndex, line[index] == " " else { return nil }
        let fields = line[line.index(after: index)...].split(separator: " ")
        guard (1...2).contains(fields.count), let value = parseValue(fields[0]) else { return nil }
        return MetricSample(name: name, labels: labels, value: value)
    }

    static func parseValue(_ text: Substring) -> Double? {
        switch text {
        case "+Inf": .infinity
        case "-Inf": -.infinity
        case "NaN": .nan
        default: Double(text)
        }
    }
}

/// A structural check of an OpenMetrics 1.0 exposition, for what `promtool check metrics` cannot
/// do: Debian's promtool (Prometheus 2.42) lints the 0.0.4 text format only, and an OpenMetrics
/// counter family (`# TYPE x counter` over `x_total` samples) reads there as samples without HELP.
enum OpenMetricsCheck {
    /// Every problem found; empty when the exposition is well formed.
    static func problems(in text: String) -> [String] {
        var problems: [String] = []
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" {
            lines.removeLast()
        } else {
            problems.append("the exposition does not end with a newline")
        }
        if lines.last != "# EOF" { problems.append("the last line is not '# EOF' but '\(lines.last ?? "")'") }

        let types: Set = ["counter", "gauge", "histogram", "gaugehistogram", "summary", "info", "stateset", "unknown"]
        var familyTypes: [String: String] = [:]
        var finished: Set<String> = []
        var current: String?
        var histograms: [String: [(le: String, value: Double, labels: [String: String])]] = [:]
        var histogramCounts: [String: Double] = [:]

        func enter(_ family: String, line: Int) {
            guard family != current else { return }
            if finished.contains(family) {
                problems.append("line \(line): metadata of \(family) outside its family's block")
            }
            if let current { finished.insert(current) }
            current = family
        }

        for (offset, line) in lines.enumerated() {
            let number = offset + 1
            if line == "# EOF" {
                if offset != lines.count - 1 { problems.append("line \(number): '# EOF' before the end") }
                continue
            }
            if line.isEmpty {
                problems.append("line \(number): empty line")
                continue
            }
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
                guard parts.count >= 3, parts[0] == "#", ["TYPE", "HELP", "UNIT"].contains(parts[1]) else {
                    problems.append("line \(number): a comment that is not HELP, TYPE, UNIT or EOF: \(line)")
                    continue
                }
                let family = String(parts[2])
                enter(family, line: number)
                if parts[1] == "TYPE" {
                    let type = parts.count == 4 ? String(parts[3]) : ""
                    if !types.contains(type) { problems.append("line \(number): unknown type '\(type)'") }
                    if familyTypes.updateValue(type, forKey: family) != nil {
                        problems.append("line \(number): a second TYPE for \(family)")
                    }
                    if type == "counter" && family.hasSuffix("_total") {
                        problems.append("line \(number): counter family \(family) must be named without _total")
                    }
                }
                continue
            }
            guard let sample = MetricsExposition.parseSample(line) else {
                problems.append("line \(number): not a sample: \(line)")
                continue
            }
            guard let family = current, let type = familyTypes[family] else {
                problems.append("line \(number): sample \(sample.name) before any TYPE line")
                continue
            }
            let allowed: [String] =
                switch type {
                case "counter": [family + "_total", family + "_created"]
                case "histogram": [family + "_bucket", family + "_sum", family + "_count", family + "_created"]
                case "info": [family + "_info"]
                default: [family]
                }
            guard allowed.contains(sample.name) else {
                problems.append("line \(number): sample \(sample.name) does not belong to \(type) family \(family)")
                continue
            }
            if type == "counter" && sample.name.hasSuffix("_total") && !(sample.value >= 0) {
                problems.append("line \(number): counter \(sample.name) is \(sample.value)")
            }
            if type == "histogram" {
                var series = sample.labels
                let le = series.removeValue(forKey: "le")
                let key = family + series.sorted { $0.key < $1.key }.description
                if sample.name == family + "_bucket" {
                    guard let le else {
                        problems.append("line \(number): bucket without le")
                        continue
                    }
                    histograms[key, default: []].append((le, sample.value, series))
                } else if sample.name == family + "_count" {
                    histogramCounts[key] = sample.value
                }
            }
        }

        for (key, buckets) in histograms {
            if buckets.last?.le != "+Inf" { problems.append("histogram \(key): the last bucket is not le=\"+Inf\"") }
            let bounds = buckets.compactMap { MetricsExposition.parseValue(Substring($0.le)) }
            if bounds.count != buckets.count || bounds != bounds.sorted() {
                problems.append("histogram \(key): bucket bounds not increasing: \(buckets.map(\.le))")
            }
            let values = buckets.map(\.value)
            if values != values.sorted() {
                problems.append("histogram \(key): bucket counts not cumulative: \(values)")
            }
            if histogramCounts[key] == nil { problems.append("histogram \(key): no _count") }
            if let count = histogramCounts[key], count != values.last {
                problems.append("histogram \(key): _count \(count) differs from the +Inf bucket \(values.last ?? -1)")
            }
        }
        return problems
    }
}
