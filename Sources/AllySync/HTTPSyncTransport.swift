import AllyProtocol
import Foundation

/// The HTTP transport, through libcurl (loaded on first use, see `CurlClient`). Refuses `http://` to anything but
/// loopback unless insecure HTTP is allowed; retries network failures with backoff.
public final class HTTPSyncTransport: SyncTransport, @unchecked Sendable {
    public let baseURL: URL
    let retries: Int
    let timeout: TimeInterval
    let caFile: String?
    /// Made on the first request, so a transport that is never used never loads libcurl.
    private var client: CurlClient?
    private let lock = NSLock()

    /// Makes a transport for `server` (e.g. `https://ally.example.org`). `caFile`, a PEM file, replaces the system's
    /// certificate authorities (a server with a private certificate); by default it is `$SSL_CERT_FILE`, if set.
    public init(
        server: String, allowInsecureHTTP: Bool = false,
        caFile: String? = ProcessInfo.processInfo.environment["SSL_CERT_FILE"], retries: Int = 3,
        timeout: TimeInterval = 30
    ) throws {
        guard let url = URL(string: server.hasSuffix("/") ? String(server.dropLast()) : server),
            let scheme = url.scheme?.lowercased(), let host = url.host, scheme == "https" || scheme == "http"
        else { throw SyncError(.badServer, "'\(server)' is not a server URL (https://host[:port])") }
        let loopback = ["localhost", "127.0.0.1", "::1", "[::1]"].contains(host.lowercased()) || host.hasPrefix("127.")
        if scheme == "http", !loopback, !allowInsecureHTTP {
            throw SyncError(
                .badServer,
                "refusing plain http:// to \(host): your token and encrypted journal would cross the network unprotected; "
                    + "use https://, or pass --allow-insecure-http if you really mean it")
        }
        baseURL = url
        self.retries = retries
        self.timeout = timeout
        self.caFile = caFile.flatMap { $0.isEmpty ? nil : $0 }
    }

    public func info() throws -> Wire.Info { try call("GET", "v1/info") }
    public func register(_ request: Wire.Registration) throws -> Wire.Account {
        try call("POST", "v1/accounts", body: request)
    }
    public func prelogin(_ request: Wire.PreloginRequest) throws -> Wire.Prelogin {
        try call("POST", "v1/prelogin", body: request)
    }
    public func login(_ request: Wire.LoginRequest) throws -> Wire.Session {
        try call("POST", "v1/sessions", body: request)
    }
    public func changePassphrase(_ request: Wire.PassphraseChange, token: String) throws {
        let _: Empty = try call("PUT", "v1/account/passphrase", body: request, token: token)
    }
    public func recoveryKey(_ request: Wire.RecoveryRequest) throws -> Wire.RecoveryKeyCopy {
        try call("POST", "v1/recovery/key", body: request)
    }
    public func resetPassphrase(_ request: Wire.RecoveryReset) throws {
        let _: Empty = try call("PUT", "v1/recovery/passphrase", body: request)
    }
    public func devices(token: String) throws -> Wire.Devices { try call("GET", "v1/devices", token: token) }
    public func rename(deviceID: String, name: String, token: String) throws {
        let _: Empty = try call("PUT", "v1/devices/\(deviceID)", body: Wire.DeviceRename(name: name), token: token)
    }
    public func revoke(deviceID: String, token: String) throws {
        let _: Empty = try call("DELETE", "v1/devices/\(deviceID)", token: token)
    }
    public func push(_ request: Wire.Push, token: String) throws -> Wire.PushResult {
        try call("POST", "v1/changes", body: request, token: token)
    }
    public func pull(after cursor: String, limit: Int, token: String) throws -> Wire.Page {
        try call("GET", "v1/changes?after=\(cursor)&limit=\(limit)", token: token)
    }
    public func held(token: String) throws -> Wire.Held {
        try call("GET", "v1/changes/held", token: token)
    }
    public func rotateKey(_ rotation: Wire.KeyRotation, token: String) throws {
        let _: Empty = try call("POST", "v1/account/keys", body: rotation, token: token)
    }
    public func currentKey(token: String) throws -> Wire.CurrentKey {
        try call("GET", "v1/account/keys/current", token: token)
    }
    public func setDeviceKey(_ key: Wire.DevicePublicKey, token: String) throws {
        let _: Empty = try call("PUT", "v1/devices/\(key.deviceID)/key", body: key, token: token)
    }
    public func exposure(deviceID: String, token: String) throws -> Wire.Exposure {
        try call("GET", "v1/devices/\(deviceID)/exposure", token: token)
    }

    struct Empty: Decodable {}
    struct NoBody: Encodable {}

    func call<Answer: Decodable>(_ method: String, _ path: String, token: String? = nil) throws -> Answer {
        try call(method, path, body: NoBody?.none, token: token)
    }

    func call<Body: Encodable, Answer: Decodable>(_ method: String, _ path: String, body: Body?, token: String? = nil)
        throws -> Answer
    {
        let url = baseURL.absoluteString + "/" + path
        var headers = ["User-Agent: ally/0.1.0", "Accept: application/json"]
        if let token { headers.append("Authorization: Bearer \(token)") }
        var payload: Data?
        if let body {
            payload = try JSONEncoder().encode(body)
            headers.append("Content-Type: application/json")
        }
        var attempt = 0
        while true {
            attempt += 1
            let answer: CurlClient.Answer
            do {
                answer = try lock.withLock {
                    let curl = try client ?? CurlClient()
                    client = curl
                    return try curl.send(
                        method: method, url: url, headers: headers, body: payload, timeout: timeout,
                        caFile: caFile)
                }
            } catch let failure as CurlClient.Failure {
                // Network failures are retried with backoff; every request is idempotent or safe to repeat.
                if failure.retryable, attempt <= retries {
                    Thread.sleep(forTimeInterval: 0.25 * Double(1 << (attempt - 1)))
                    continue
                }
                if failure.unloaded { throw SyncError(.unreachable, "cannot talk to any server: \(failure.message)") }
                throw SyncError(.unreachable, "cannot reach \(baseURL.absoluteString): \(failure.message)")
            }
            let (http, data) = (answer, answer.body)
            if (200..<300).contains(http.statusCode) {
                if http.statusCode == 204 || (Answer.self == Empty.self && data.isEmpty) {
                    if let empty = Empty() as? Answer { return empty }
                }
                do {
                    return try JSONDecoder().decode(Answer.self, from: data)
                } catch {
                    throw SyncError(
                        .untrusted, "the server's answer to \(method) /\(path.split(separator: "?")[0]) cannot be read")
                }
            }
            if http.statusCode >= 500, attempt <= retries {
                Thread.sleep(forTimeInterval: 0.25 * Double(1 << (attempt - 1)))
                continue
            }
            let detail = (try? JSONDecoder().decode(Wire.Problem.self, from: data))?.detail ?? "HTTP \(http.statusCode)"
            switch http.statusCode {
            case 401: throw SyncError(.unauthorized, detail, status: 401)
            case 409: throw SyncError(.conflict, detail, status: 409)
            case 500...: throw SyncError(.unreachable, "the server failed: \(detail)", status: http.statusCode)
            default: throw SyncError(.refused, detail, status: http.statusCode)
            }
        }
    }
}
