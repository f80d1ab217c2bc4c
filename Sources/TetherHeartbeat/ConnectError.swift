public import NIOCore

/// Why a connection could not be established, naming the phase and a cause a user can act on.
public struct ConnectError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure, as an open set (new kinds may be added).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case dnsFailure = "dns_failure"
            case connectionRefused = "refused"
            case timeout = "timeout"
            case tlsFailure = "tls_failure"
            case upgradeRefused = "upgrade_refused"
            case closed = "closed"
            case ioError = "error"
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        public static let dnsFailure = Code(.dnsFailure)
        public static let connectionRefused = Code(.connectionRefused)
        public static let timeout = Code(.timeout)
        public static let tlsFailure = Code(.tlsFailure)
        public static let upgradeRefused = Code(.upgradeRefused)
        public static let closed = Code(.closed)
        public static let ioError = Code(.ioError)

        /// A short label value, e.g. for `tether_connects_total{result=…}`.
        public var description: String { self.base.rawValue }
    }

    public var code: Code
    /// The phase that failed: `dns`, `tcp`, `tls` or `upgrade`.
    public var phase: ConnectPhase
    /// `host:port` that was dialled.
    public var address: String
    public var message: String
    /// For ``Code/upgradeRefused``: the HTTP status the server answered.
    public var httpStatus: Int?

    public var description: String {
        self.phase == .dns ? self.message : "connect to \(self.address): \(self.message)"
    }
}

/// The phases of establishing a heartbeat connection, in order.
public enum ConnectPhase: String, Sendable, Hashable, CaseIterable {
    case dns, tcp, tls, upgrade
}

/// How long each phase of establishing a connection took; `nil` for phases the dialect skips.
public struct ConnectPhases: Sendable, Equatable {
    public var dns: TimeAmount?
    public var tcp: TimeAmount?
    public var tls: TimeAmount?
    public var upgrade: TimeAmount?

    public init() {}

    public subscript(phase: ConnectPhase) -> TimeAmount? {
        switch phase {
        case .dns: self.dns
        case .tcp: self.tcp
        case .tls: self.tls
        case .upgrade: self.upgrade
        }
    }

    public var total: TimeAmount {
        ConnectPhase.allCases.compactMap { self[$0] }.reduce(.zero, +)
    }
}
