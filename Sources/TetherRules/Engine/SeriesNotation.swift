/// promtool's expanding notation for input series values: `1 2 3`, `0+10x5` (0, 10, …, 50),
/// `5-1x3`, `7x2` (7 three times), `_` (no sample), `_x3`, `stale` (a staleness marker).
public enum SeriesNotation {
    /// One slot per sample interval; nil where the notation has `_`.
    public static func values(_ text: String) throws(PromQLEvaluationError) -> [Double?] {
        var values: [Double?] = []
        for token in text.split(whereSeparator: \.isWhitespace).map(String.init) {
            if token == "_" {
                values.append(nil)
            } else if token == "stale" {
                values.append(StaleMarker.value)
            } else if let x = token.lastIndex(of: "x"), let count = Int(token[token.index(after: x)...]), count >= 0 {
                let head = String(token[..<x])
                if head == "_" {
                    values += Array(repeating: nil, count: count)
                    continue
                }
                let (start, step) = try startAndStep(head, in: token)
                for index in 0...count { values.append(start + Double(index) * step) }
            } else if let value = number(token) {
                values.append(value)
            } else {
                throw PromQLEvaluationError("invalid value \"\(token)\" in input series values")
            }
        }
        return values
    }

    /// `a+b`, `a-b` or `a` (step 0).
    private static func startAndStep(_ text: String, in token: String) throws(PromQLEvaluationError) -> (Double, Double)
    {
        let characters = Array(text)
        for index in characters.indices.dropFirst() where characters[index] == "+" || characters[index] == "-" {
            // `1e-3` is a number, not a step.
            if characters[index - 1] == "e" || characters[index - 1] == "E" { continue }
            guard let start = number(String(characters[..<index])),
                let step = number(String(characters[(index + 1)...]))
            else { break }
            return (start, characters[index] == "+" ? step : -step)
        }
        guard let start = number(text) else {
            throw PromQLEvaluationError("invalid value \"\(token)\" in input series values")
        }
        return (start, 0)
    }

    private static func number(_ text: String) -> Double? {
        PromQLEvaluator.parseGoFloat(text)
    }
}
