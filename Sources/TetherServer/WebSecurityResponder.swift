import Foundation
import Hummingbird
import HummingbirdBcrypt
import Synchronization
import TetherConfig

/// Puts the web config's basic auth and response headers in front of every endpoint, unknown
/// paths included, so that nothing is answered to a client without credentials.
///
/// bcrypt is slow on purpose (tens of milliseconds at cost 10): a successful check is remembered
/// for a minute, as exporter-toolkit caches them, so that a Prometheus scraping every second does
/// not spend a core on it.
struct WebSecurityResponder<Base: HTTPResponder>: HTTPResponder {
    typealias Context = Base.Context

    let base: Base
    let users: [String: String]
    let headers: HTTPFields
    let cache: VerificationCache

    init(base: Base, web: WebConfiguration) {
        self.base = base
        self.users = web.basicAuthUsers
        var headers = HTTPFields()
        for (name, value) in web.headers.sorted(by: { $0.key < $1.key }) {
            if let field = HTTPFields.Element.Name(name) { headers[field] = value }
        }
        self.headers = headers
        self.cache = VerificationCache()
    }

    func respond(to request: Request, context: Context) async throws -> Response {
        var response: Response
        if self.users.isEmpty || self.authorized(request.headers[.authorization]) {
            response = try await self.base.respond(to: request, context: context)
        } else {
            response = Response(
                status: .unauthorized,
                headers: [.wwwAuthenticate: "Basic", .contentType: "text/plain; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: "Unauthorized\n"))
            )
        }
        for field in self.headers { response.headers[field.name] = field.value }
        return response
    }

    /// Whether `Authorization: Basic …` names a configured user with the right password.
    func authorized(_ header: String?) -> Bool {
        guard let header, header.count > 6, header.prefix(6).lowercased() == "basic ",
            let data = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
            let credentials = String(data: data, encoding: .utf8),
            let colon = credentials.firstIndex(of: ":")
        else { return false }
        let user = String(credentials[..<colon])
        let password = String(credentials[credentials.index(after: colon)...])
        // An unknown user is checked against a dummy hash all the same, so that the time taken
        // does not tell which users exist.
        let hash = self.users[user] ?? Self.dummyHash
        let key = "\(user)\u{0}\(hash)\u{0}\(password)"
        if self.cache.contains(key) { return self.users[user] != nil }
        // `$2y$` (htpasswd's) is `$2b$` under another name; this bcrypt knows only `$2a$` and `$2b$`.
        let checked = hash.hasPrefix("$2y$") ? "$2b$" + hash.dropFirst(4) : hash
        guard Bcrypt.verify(password, hash: checked), self.users[user] != nil else { return false }
        self.cache.insert(key)
        return true
    }

    /// The bcrypt hash of a random, forgotten password at cost 10.
    static var dummyHash: String { "$2b$10$IQhL6zAHyeCwt8pgw6xE3.HfzKe6rIaeSyIJyvok7SP8dHRcrweSi" }
}

/// Successful (user, hash, password) checks, each kept for a minute; at most 100.
final class VerificationCache: Sendable {
    private let entries = Mutex<[String: ContinuousClock.Instant]>([:])
    private let lifetime = Duration.seconds(60)

    func contains(_ key: String) -> Bool {
        let now = ContinuousClock.now
        return self.entries.withLock { entries in
            guard let added = entries[key] else { return false }
            if now - added < self.lifetime { return true }
            entries[key] = nil
            return false
        }
    }

    func insert(_ key: String) {
        let now = ContinuousClock.now
        self.entries.withLock { entries in
            if entries.count >= 100 { entries = entries.filter { now - $0.value < self.lifetime } }
            if entries.count >= 100, let oldest = entries.min(by: { $0.value < $1.value }) {
                entries[oldest.key] = nil
            }
            entries[key] = now
        }
    }
}
