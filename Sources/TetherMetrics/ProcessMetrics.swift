import Foundation

/// The standard `process_*` metrics, read from `/proc/self` as client_golang's process collector
/// does. Only on Linux; elsewhere nothing is exposed.
struct ProcessMetrics {
    var values: [(MetricNames.Family, Double)]

    static func read() -> ProcessMetrics? {
        #if os(Linux)
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let closing = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after "(comm)": state is field 3; utime 14, stime 15, starttime 22, vsize 23, rss 24.
        let fields = stat[stat.index(after: closing)...].split(separator: " ")
        func field(_ number: Int) -> Double? { Double(fields[number - 3]) }
        guard fields.count > 22, let utime = field(14), let stime = field(15), let start = field(22),
            let vsize = field(23), let rss = field(24)
        else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        var values: [(MetricNames.Family, Double)] = [
            (MetricNames.processCPU, (utime + stime) / ticks),
            (MetricNames.processVirtualMemory, vsize),
            (MetricNames.processResidentMemory, rss * pageSize),
        ]
        if let uptime = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let line = uptime.split(separator: "\n").first(where: { $0.hasPrefix("btime ") }),
            let bootTime = Double(line.dropFirst(6))
        {
            values.append((MetricNames.processStartTime, bootTime + start / ticks))
        }
        if let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            values.append((MetricNames.processOpenFDs, Double(fds.count)))
        }
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 {
            values.append((MetricNames.processMaxFDs, Double(limit.rlim_cur)))
        }
        return ProcessMetrics(values: values)
        #else
        return nil
        #endif
    }
}
