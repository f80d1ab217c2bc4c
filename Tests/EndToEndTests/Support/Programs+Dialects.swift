import Foundation

extension Programs {
    /// Debian's `redis-server` (package redis-server).
    static func redisServer() throws -> URL {
        try installed("redis-server", at: "/usr/bin/redis-server")
    }

    /// Debian's `mosquitto` broker (package mosquitto; in /usr/sbin, often not in PATH).
    static func mosquitto() throws -> URL {
        try installed("mosquitto", at: "/usr/sbin/mosquitto")
    }

    /// `mosquitto_passwd`, shipped with the broker.
    static func mosquittoPasswd() throws -> URL {
        try installed("mosquitto_passwd", at: "/usr/bin/mosquitto_passwd")
    }

    private static func installed(_ name: String, at path: String) throws -> URL {
        if FileManager.default.isExecutableFile(atPath: path) { return URL(fileURLWithPath: path) }
        if let url = inPath(name) { return url }
        throw E2EError("\(name) not found at \(path) or in PATH: \(installHint)")
    }
}
