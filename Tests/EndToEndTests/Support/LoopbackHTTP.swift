import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One HTTP response, as read by ``LoopbackHTTP``.
struct HTTPResponse: CustomStringConvertible {
    let status: Int
    /// Header names lowercased; a repeated header keeps its last value.
    let headers: [String: String]
    let body: String

    var description: String {
        "HTTP \(status)\n" + headers.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "\n")
            + "\n\n" + ChildProcess.tail(body)
    }
}

/// A minimal HTTP/1.1 client over POSIX sockets, for tether's own endpoints and the peers on
/// 127.0.0.1: one request per connection (`Connection: close`), response bodies delimited by
/// `Content-Length`, chunked encoding or the end of the stream.
///
/// No URLSession (FoundationNetworking) and no curl: the tests need nothing beyond the system.
/// The blocking socket calls run on a Dispatch thread, never on Swift concurrency's small
/// cooperative pool, and every send and receive is bounded by `timeout`.
enum LoopbackHTTP {
    static func get(
        port: Int,
        path: String,
        headers: [String: String] = [:],
        timeout: Duration = .seconds(5)
    ) async throws -> HTTPResponse {
        try await request("GET", port: port, path: path, headers: headers, timeout: timeout)
    }

    /// `POST` of `body` (with its `Content-Length`); `headers` should name its `Content-Type`.
    static func post(
        port: Int,
        path: String,
        headers: [String: String] = [:],
        body: [UInt8],
        timeout: Duration = .seconds(5)
    ) async throws -> HTTPResponse {
        try await request("POST", port: port, path: path, headers: headers, body: body, timeout: timeout)
    }

    /// Any method; a body is sent with its `Content-Length` (none when nil).
    static func request(
        _ method: String,
        port: Int,
        path: String,
        headers: [String: String] = [:],
        body: [UInt8]? = nil,
        timeout: Duration = .seconds(5)
    ) async throws -> HTTPResponse {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(
                    with: Result {
                        try blockingRequest(
                            method,
                            port: port,
                            path: path,
                            headers: headers,
                            body: body,
                            timeout: timeout
                        )
                    }
                )
            }
        }
    }

    private static func blockingRequest(
        _ method: String,
        port: Int,
        path: String,
        headers: [String: String],
        body: [UInt8]?,
        timeout: Duration
    ) throws -> HTTPResponse {
        #if os(Linux)
        let type = Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue)
        #else
        let type = SOCK_STREAM
        #endif
        let fd = socket(AF_INET, type, 0)
        guard fd >= 0 else { throw E2EError("\(method) \(path): socket() failed: errno \(errno)") }
        defer { close(fd) }

        let seconds = timeout.components.seconds
        var limit = timeval(
            tv_sec: Int(seconds),
            tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000)
        )
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))

        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port)).bigEndian
        address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            throw E2EError(
                "\(method) http://127.0.0.1:\(port)\(path): connect failed: \(String(cString: strerror(errno)))"
            )
        }

        var request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { request += "\(name): \(value)\r\n" }
        if let body { request += "Content-Length: \(body.count)\r\n" }
        request += "\r\n"
        let bytes = Array(request.utf8) + (body ?? [])
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else {
                throw E2EError(
                    "\(method) http://127.0.0.1:\(port)\(path): send failed: \(String(cString: strerror(errno)))"
                )
            }
            written += count
        }

        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 { break }
            guard count > 0 else {
                if errno == EINTR { continue }
                let why =
                    errno == EAGAIN || errno == EWOULDBLOCK
                    ? "no answer within \(timeout)" : String(cString: strerror(errno))
                throw E2EError("\(method) http://127.0.0.1:\(port)\(path): receive failed: \(why)")
            }
            received.append(contentsOf: buffer[0..<count])
            if let response = try parse(received, complete: false) { return response }
        }
        guard let response = try parse(received, complete: true) else {
            throw E2EError(
                "\(method) http://127.0.0.1:\(port)\(path): the connection closed before a whole response "
                    + "(\(received.count) bytes: \(String(decoding: received.prefix(200), as: UTF8.self)))"
            )
        }
        return response
    }

    /// The response in `bytes`, or nil when more bytes are needed; `complete` means the stream ended.
    private static func parse(_ bytes: [UInt8], complete: Bool) throws -> HTTPResponse? {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let headerEnd = bytes.firstRange(of: separator) else { return nil }
        let head = String(decoding: bytes[..<headerEnd.lowerBound], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw E2EError("not an HTTP/1.x status line: \(statusLine)")
        }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces
            )
        }
        let rest = Array(bytes[headerEnd.upperBound...])
        let body: [UInt8]
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            guard let decoded = try dechunk(rest) else { return nil }
            body = decoded
        } else if let length = headers["content-length"].flatMap({ Int($0) }) {
            guard rest.count >= length else { return nil }
            body = Array(rest.prefix(length))
        } else {
            guard complete else { return nil }
            body = rest
        }
        return HTTPResponse(status: status, headers: headers, body: String(decoding: body, as: UTF8.self))
    }

    /// A chunked body, or nil while its last chunk has not arrived.
    private static func dechunk(_ bytes: [UInt8]) throws -> [UInt8]? {
        var body: [UInt8] = []
        var index = 0
        let crlf: [UInt8] = [13, 10]
        while true {
            guard let lineEnd = bytes[index...].firstRange(of: crlf) else { return nil }
            let sizeText = String(decoding: bytes[index..<lineEnd.lowerBound], as: UTF8.self)
            let sizeField = sizeText.split(separator: ";").first.map(String.init) ?? ""
            guard let size = Int(sizeField.trimmingCharacters(in: .whitespaces), radix: 16)
            else { throw E2EError("bad chunk size line: \(sizeText)") }
            index = lineEnd.upperBound
            if size == 0 { return body }
            guard bytes.count >= index + size + 2 else { return nil }
            body.append(contentsOf: bytes[index..<index + size])
            index += size + 2
        }
    }
}
