import Foundation
import NIOCore
import TetherHeartbeat

extension ProbeResult {
    /// Why the status is not ok, in words; `nil` when it is.
    public var statusReason: String? {
        if let error { return error.description }
        if self.heartbeats.isEmpty { return "no heartbeats" }
        let lossPercent = self.lossRatio * 100
        if lossPercent > self.thresholds.maxLossPercent + 1e-9 {
            return "\(Self.percent(lossPercent)) loss > \(Self.percent(self.thresholds.maxLossPercent)) allowed"
        }
        guard let rtt = self.rtt else { return "no heartbeat answered" }
        if let crit = self.thresholds.critRTT, rtt.avg > crit {
            return "avg rtt \(Self.milliseconds(rtt.avg)) ms > critical \(PrometheusDuration.format(crit))"
        }
        if let warn = self.thresholds.warnRTT, rtt.avg > warn {
            return "avg rtt \(Self.milliseconds(rtt.avg)) ms > warning \(PrometheusDuration.format(warn))"
        }
        return nil
    }

    static func milliseconds(_ amount: TimeAmount) -> String {
        String(format: "%.3f", Double(amount.nanoseconds) / 1e6)
    }

    static func seconds(_ amount: TimeAmount) -> Double {
        Double(amount.nanoseconds) / 1e9
    }

    static func percent(_ value: Double) -> String {
        String(format: "%.1f%%", value)
    }
}
