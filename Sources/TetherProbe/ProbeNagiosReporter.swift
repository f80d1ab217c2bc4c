import Foundation
import NIOCore
import TetherHeartbeat

/// Prints one line in the Nagios plugin format, with performance data:
/// `TETHER OK - ws://…: 5/5 answered, 0.0% loss, rtt avg 0.140 ms | rtt=0.000140s;0.01;0.05;0 loss=0.0%;;0;0;100`
public struct ProbeNagiosReporter: ProbeReporter {
    private let write: (String) -> Void

    public init(write: @escaping (String) -> Void) {
        self.write = write
    }

    public func finished(_ result: ProbeResult) {
        let thresholds = result.thresholds
        var text = "TETHER \(result.status.rawValue.uppercased()) - \(result.target.url): "
        if let error = result.error {
            text += "\(error)"
        } else {
            text +=
                "\(result.answered)/\(result.heartbeats.count) answered, \(ProbeResult.percent(result.lossRatio * 100)) loss"
            if let rtt = result.rtt { text += ", rtt avg \(ProbeResult.milliseconds(rtt.avg)) ms" }
            if let reason = result.statusReason { text += " (\(reason))" }
        }
        func seconds(_ amount: TimeAmount?) -> String {
            amount.map { String(format: "%.6f", ProbeResult.seconds($0)) } ?? ""
        }
        var perfdata = ["loss=\(String(format: "%.1f", result.lossRatio * 100))%;;\(thresholds.maxLossPercent);0;100"]
        if let rtt = result.rtt {
            perfdata.insert(
                "rtt=\(seconds(rtt.avg))s;\(seconds(thresholds.warnRTT));\(seconds(thresholds.critRTT));0",
                at: 0
            )
        }
        self.write(text + " | " + perfdata.joined(separator: " "))
    }
}
