import AllyCore
import AllyProtocol
@testable import AllyServerCore
import AllyTesting
import Foundation
import Testing

/// Issue 9 §3, §4 and §6 against a real `ally-server` process: what a stranger can make it do, and what it logs.
@Suite(.serialized) struct ServerAbuseTests {
    let folder = TemporaryDirectory()

    /// Runs a Python snippet with the server's host and port as `HOST`, `PORT`; returns its standard output.
    func python(_ code: String, server: ServerProcess) throws -> String {
        let address = server.url.replacingOccurrences(of: "http://", with: "").split(separator: ":")
        let result = try Subprocess.run(
            "/usr/bin/env",
            ["python3", "-c", "import socket, time\nHOST, PORT = '\(address[0])', \(address[1])\n" + code])
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A declared body far over the limit is refused from its header, before any of it is read, and the connection
    /// is closed (it used to read all 512 MiB).
    @Test func anOversizedContentLengthIsRefusedBeforeReadingAndTheConnectionCloses() throws {
        let server = try ServerProcess(database: folder.file("server.sqlite"), arguments: ["--open-registration"])
        let answer = try python(
            """
            s = socket.create_connection((HOST, PORT)); s.settimeout(5)
            s.sendall(b"POST /v1/changes HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/json\\r\\n"
                      b"Content-Length: 536870912\\r\\n\\r\\n" + b"x" * 1000)
            data = b""
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk: break
                    data += chunk
                closed = "closed"
            except socket.timeout:
                closed = "open"
            print(data.split(b"\\r\\n")[0].decode(), closed)
            """, server: server)
        #expect(answer.hasPrefix("HTTP/1.1 413 ") && answer.hasSuffix(" closed"), "\(answer)")
    }

    /// A request cut off half-way is not kept open for ever: the connection closes after the idle timeout.
    @Test func aHalfSentRequestIsClosedAfterTheIdleTimeout() throws {
        let server = try ServerProcess(
            database: folder.file("server.sqlite"), arguments: ["--open-registration", "--idle-timeout", "1"])
        let answer = try python(
            """
            s = socket.create_connection((HOST, PORT)); s.settimeout(10)
            s.sendall(b"POST /v1/changes HTTP/1.1\\r\\nHost: x\\r\\nContent-Le")
            started = time.time()
            try:
                while s.recv(65536): pass
                print("closed" if time.time() - started < 8 else "late")
            except socket.timeout:
                print("open")
            """, server: server)
        #expect(answer == "closed")
    }

    /// A request head trickled a byte at a time (slowloris) is closed by the idle timeout too (here 2 s): the server
    /// counts whole request parts as activity, not bytes.
    @Test func aTrickledRequestHeadIsClosedAtItsDeadline() throws {
        let server = try ServerProcess(
            database: folder.file("server.sqlite"), arguments: ["--open-registration", "--idle-timeout", "2"])
        let answer = try python(
            """
            s = socket.create_connection((HOST, PORT)); s.settimeout(0.3)
            started = time.time(); state = "open"
            for byte in b"GET /healthz HTTP/1.1\\r\\nHost: x\\r\\nX-Slow: " + b"a" * 200:
                try:
                    s.sendall(bytes([byte]))
                    if s.recv(1024) == b"": state = "closed"; break
                except socket.timeout:
                    pass
                except (BrokenPipeError, ConnectionResetError):
                    state = "closed"; break
                if time.time() - started > 12: break
            print(state, round(time.time() - started))
            """, server: server)
        let parts = answer.split(separator: " ")
        #expect(parts.first == "closed", "\(answer)")
        #expect((Int(parts.last ?? "") ?? 99) <= 6, "\(answer)")
    }

    /// Malformed HTTP framing and a NUL byte in a username are the client's fault: 400, never 500.
    @Test func malformedFramingAndANulInAUsernameAre400() throws {
        let server = try ServerProcess(database: folder.file("server.sqlite"), arguments: ["--open-registration"])
        let answers = try python(
            """
            out = []
            for raw in [b"POST /v1/prelogin HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: abc\\r\\n\\r\\n",
                        b"GET /healthz HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\nzz\\r\\n",
                        b"BROKEN\\x00LINE\\r\\n\\r\\n"]:
                s = socket.create_connection((HOST, PORT)); s.settimeout(5)
                s.sendall(raw)
                try:
                    out.append(s.recv(4096).split(b" ")[1].decode())
                except Exception as error:
                    out.append("none")
            for body in [b'{"username":"ab\\\\u0000cd"}', b'{"username":"abc\\x00d"}']:
                s = socket.create_connection((HOST, PORT)); s.settimeout(5)
                s.sendall(b"POST /v1/prelogin HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/json\\r\\n"
                          + b"Content-Length: " + str(len(body)).encode() + b"\\r\\n\\r\\n" + body)
                out.append(s.recv(4096).split(b" ")[1].decode())
            print(" ".join(out))
            """, server: server)
        #expect(answers == "400 400 400 400 400", "\(answers)")
    }

    /// The request log has one line per request with its status, as docs/DEPLOY.md says, and never a token or a
    /// query string.
    @Test func theRequestLogRecordsTheStatusAndNoSecrets() throws {
        let log = folder.file("server.log")
        let server = try ServerProcess(
            database: folder.file("server.sqlite"), arguments: ["--open-registration"], logFile: log)
        _ = try python(
            """
            import http.client
            c = http.client.HTTPConnection(HOST, PORT)
            for path in ["/healthz", "/v1/changes?after=12345&limit=7", "/no-such-thing"]:
                c.request("GET", path, headers={"Authorization": "Bearer secret-token-abcdef"})
                c.getresponse().read()
            """, server: server)
        _ = server.stop()
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(text.contains("GET /healthz 200"), "\(text)")
        #expect(text.contains("GET /v1/changes 401"), "\(text)")
        #expect(text.contains("GET /no-such-thing 404"), "\(text)")
        #expect(!text.contains("secret-token") && !text.contains("12345"), "\(text)")
    }
}

/// Issue 9 §3: prelogin for an unknown name must cost what it costs for a real one (it took +19 % on SQLite and
/// +85 % on PostgreSQL: the unknown path read the server secret from the database). Timing tests are noisy, so
/// this checks the cause: both paths ask the store for exactly the same things.
@Suite struct PreloginCostTests {
    let folder = TemporaryDirectory()

    /// Records which store methods are called, forwarding to a real store.
    final class RecordingStore: ServerStore, @unchecked Sendable {
        let base: any ServerStore
        private let lock = NSLock()
        private var recorded: [String] = []
        init(_ base: any ServerStore) { self.base = base }
        func note(_ call: String) { lock.withLock { recorded.append(call) } }
        func take() -> [String] {
            lock.withLock {
                defer { recorded = [] }; return recorded
            }
        }

        func migrate() async throws { try await base.migrate() }
        func serverSecret() async throws -> Data { note("serverSecret"); return try await base.serverSecret() }
        func createUser(_ user: UserRecord, inviteHash: String?) async throws {
            try await base.createUser(user, inviteHash: inviteHash)
        }
        func user(named username: String) async throws -> UserRecord? {
            note("user(named:)")
            return try await base.user(named: username)
        }
        func user(id: String) async throws -> UserRecord? { note("user(id:)"); return try await base.user(id: id) }
        func updateCredentials(userID: String, salt: Data, authHash: String, wrappedKey: Data) async throws {
            try await base.updateCredentials(userID: userID, salt: salt, authHash: authHash, wrappedKey: wrappedKey)
        }
        func createInvite(codeHash: String, at time: Int64) async throws {
            try await base.createInvite(codeHash: codeHash, at: time)
        }
        func saveDevice(_ device: DeviceRecord) async throws { try await base.saveDevice(device) }
        func device(tokenHash: String) async throws -> DeviceRecord? { try await base.device(tokenHash: tokenHash) }
        func devices(userID: String) async throws -> [DeviceRecord] { try await base.devices(userID: userID) }
        func revokeDevice(userID: String, deviceID: String) async throws -> Bool {
            try await base.revokeDevice(userID: userID, deviceID: deviceID)
        }
        func renameDevice(userID: String, deviceID: String, name: String) async throws -> Bool {
            try await base.renameDevice(userID: userID, deviceID: deviceID, name: name)
        }
        func touchDevice(deviceID: String, at time: Int64) async throws {
            try await base.touchDevice(deviceID: deviceID, at: time)
        }
        func durabilityProblem() async throws -> String? { try await base.durabilityProblem() }
        func push(userID: String, items: [Wire.Item]) async throws -> Wire.PushResult {
            try await base.push(userID: userID, items: items)
        }
        func latestPosition(userID: String) async throws -> Int64 { try await base.latestPosition(userID: userID) }
        func pull(userID: String, after position: Int64, limit: Int, maxBytes: Int) async throws -> StoredPage {
            try await base.pull(userID: userID, after: position, limit: limit, maxBytes: maxBytes)
        }
        func recordPull(deviceID: String, position: Int64, sent: Int64) async throws {
            try await base.recordPull(deviceID: deviceID, position: position, sent: sent)
        }
        func exposure(userID: String, deviceID: String) async throws -> (sentTo: Int64?, ranges: [Wire.HeldRange]) {
            try await base.exposure(userID: userID, deviceID: deviceID)
        }
        func rotateKey(userID: String, rotation: Wire.KeyRotation, at time: Int64) async throws {
            try await base.rotateKey(userID: userID, rotation: rotation, at: time)
        }
        func currentKey(userID: String, deviceID: String) async throws -> Wire.CurrentKey {
            try await base.currentKey(userID: userID, deviceID: deviceID)
        }
        func setDevicePublicKey(deviceID: String, publicKey: Data) async throws {
            try await base.setDevicePublicKey(deviceID: deviceID, publicKey: publicKey)
        }
        func setRecoveryPublicKey(userID: String, publicKey: Data) async throws {
            try await base.setRecoveryPublicKey(userID: userID, publicKey: publicKey)
        }
        func recoverySealed(userID: String) async throws -> Data? { try await base.recoverySealed(userID: userID) }
        func pulledPositions(userID: String) async throws -> [String: Int64] {
            try await base.pulledPositions(userID: userID)
        }
        func held(userID: String) async throws -> [Wire.HeldRange] { try await base.held(userID: userID) }
    }

    @Test func preloginAsksTheStoreTheSameForKnownAndUnknownNames() async throws {
        let base = try SQLiteServerStore(path: folder.file("server.sqlite"))
        try await base.migrate()
        let store = RecordingStore(base)
        let service = SyncService(store: store, openRegistration: true)
        _ = try await service.register(
            Wire.Registration(
                username: "known", invite: nil, salt: secureRandomBytes(16), authKey: secureRandomBytes(32), keyID: 1,
                wrappedKey: secureRandomBytes(60), recoveryAuthKey: secureRandomBytes(32),
                recoveryWrappedKey: secureRandomBytes(60)),
            from: "test")
        _ = try await service.prelogin(Wire.PreloginRequest(username: "warm-up"))
        _ = store.take()
        for _ in 0..<3 {
            _ = try await service.prelogin(Wire.PreloginRequest(username: "known"))
            let known = store.take()
            _ = try await service.prelogin(Wire.PreloginRequest(username: "unknown-name"))
            let unknown = store.take()
            #expect(known == unknown, "known: \(known), unknown: \(unknown)")
        }
    }
}
