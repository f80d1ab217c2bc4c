import ArgumentParser
import NIOCore
import TetherHeartbeat

/// A Prometheus-style duration on the command line (`250ms`, `1s`, `1m30s`).
struct DurationArgument: ExpressibleByArgument, Sendable, CustomStringConvertible {
    var amount: TimeAmount

    init(_ amount: TimeAmount) {
        self.amount = amount
    }

    init?(argument: String) {
        guard let amount = PrometheusDuration.parse(argument) else { return nil }
        self.amount = amount
    }

    var description: String { PrometheusDuration.format(self.amount) }
    var defaultValueDescription: String { self.description }
}
