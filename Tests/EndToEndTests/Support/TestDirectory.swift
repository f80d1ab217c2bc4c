import Foundation

/// A fresh temporary directory for one test: peers' logs, configs, certificates.
///
/// Removed by `remove()` (call it in `defer`), unless `TETHER_E2E_KEEP` is set in the environment,
/// which keeps it for a post-mortem.
struct TestDirectory {
    let url: URL

    init(_ name: String) throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("tether-e2e-\(name)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    var path: String { url.path }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    func remove() {
        guard ProcessInfo.processInfo.environment["TETHER_E2E_KEEP"] == nil else { return }
        try? FileManager.default.removeItem(at: url)
    }
}
