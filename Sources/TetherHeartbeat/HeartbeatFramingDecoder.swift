public import NIOCore

/// How a byte stream is cut into answers.
public enum HeartbeatFraming: Sendable, Hashable, CustomStringConvertible {
    /// Up to `\n`; a `\r` before it is dropped.
    case line
    /// Exactly this many bytes.
    case fixed(Int)
    /// Up to (and without) this byte sequence.
    case delimiter([UInt8])

    public var description: String {
        switch self {
        case .line: "line"
        case .fixed(let n): "fixed:\(n)"
        case .delimiter(let bytes): "delimiter:\(ByteEscapes.escape(bytes))"
        }
    }

    /// Parses `line`, `fixed:N` or `delimiter:BYTES` (escapes allowed).
    public init?(parsing text: String) {
        if text == "line" {
            self = .line
        } else if text.hasPrefix("fixed:"), let n = Int(text.dropFirst(6)), n > 0 {
            self = .fixed(n)
        } else if text.hasPrefix("delimiter:"), let bytes = try? ByteEscapes.unescape(String(text.dropFirst(10))),
            !bytes.isEmpty
        {
            self = .delimiter(bytes)
        } else {
            return nil
        }
    }
}

/// A frame larger than the connection allows: the peer is misbehaving or hostile.
public struct HeartbeatFramingError: Error, Sendable, CustomStringConvertible {
    public var limit: Int
    public var description: String { "an answer longer than \(self.limit) bytes without a frame boundary" }
}

/// Cuts a TCP stream into answer frames, never buffering more than `maxFrameBytes` for one frame,
/// so a peer that streams without boundaries cannot grow memory.
public struct HeartbeatFramingDecoder: ByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer

    public let framing: HeartbeatFraming
    public let maxFrameBytes: Int

    public init(framing: HeartbeatFraming, maxFrameBytes: Int) {
        self.framing = framing
        self.maxFrameBytes = maxFrameBytes
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try self.nextFrame(&buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    public mutating func decodeLast(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        seenEOF: Bool
    ) throws -> DecodingState {
        try self.decode(context: context, buffer: &buffer)
    }

    func nextFrame(_ buffer: inout ByteBuffer) throws -> ByteBuffer? {
        switch self.framing {
        case .fixed(let size):
            return buffer.readSlice(length: size)
        case .line:
            guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
                try self.checkLimit(buffer)
                return nil
            }
            var length = newline - buffer.readerIndex
            if length > 0, buffer.getInteger(at: newline - 1, as: UInt8.self) == UInt8(ascii: "\r") { length -= 1 }
            let frame = buffer.getSlice(at: buffer.readerIndex, length: length)
            buffer.moveReaderIndex(to: newline + 1)
            return frame
        case .delimiter(let delimiter):
            let view = buffer.readableBytesView
            guard let range = view.firstRange(of: delimiter) else {
                try self.checkLimit(buffer)
                return nil
            }
            let frame = buffer.getSlice(at: buffer.readerIndex, length: range.lowerBound - buffer.readerIndex)
            buffer.moveReaderIndex(to: range.upperBound)
            return frame
        }
    }

    private func checkLimit(_ buffer: ByteBuffer) throws {
        if buffer.readableBytes > self.maxFrameBytes {
            throw HeartbeatFramingError(limit: self.maxFrameBytes)
        }
    }
}
