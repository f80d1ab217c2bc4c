/// An error meaning the peer broke its dialect's protocol (a malformed MQTT packet, an oversized
/// WebSocket message), as opposed to an I/O failure.
///
/// Decoders and handlers in front of the ``HeartbeatHandler`` throw or fire these; the handler
/// reports them as ``DisconnectReason/protocolError(_:)`` with their description.
public protocol HeartbeatProtocolViolation: Error, CustomStringConvertible {}

extension HeartbeatFramingError: HeartbeatProtocolViolation {}
