/// The lifecycle of a target's connection (DESIGN §2), as exposed in `tether_connection_state`.
public enum ConnectionState: String, Sendable, CaseIterable {
    case idle, connecting, connected, closing, backoff
}
