import Foundation
public import NIOCore

/// Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"):
/// the n-th retry waits a uniformly random time in [0, min(max, initial × multiplier^n)], so a fleet
/// that lost a service at the same moment does not come back in lockstep.
public struct ReconnectBackoff: Sendable, Equatable {
    public var initial: TimeAmount
    public var max: TimeAmount
    public var multiplier: Double

    public init(initial: TimeAmount, max: TimeAmount, multiplier: Double) {
        self.initial = initial
        self.max = max
        self.multiplier = multiplier
    }

    /// The upper bound of the wait after `failures` failures in a row (1 = the first).
    public func ceiling(failures: Int) -> TimeAmount {
        let exponent = Double(Swift.max(0, failures - 1))
        let scaled = Double(self.initial.nanoseconds) * Foundation.pow(self.multiplier, exponent)
        return .nanoseconds(Int64(Swift.min(Double(self.max.nanoseconds), scaled)))
    }

    /// The wait after `failures` failures in a row.
    public func delay(failures: Int, using generator: inout some RandomNumberGenerator) -> TimeAmount {
        let ceiling = self.ceiling(failures: failures).nanoseconds
        return .nanoseconds(ceiling > 0 ? Int64.random(in: 0...ceiling, using: &generator) : 0)
    }
}
