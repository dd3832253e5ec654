import AllyCore
import AllyProtocol
@testable import AllyServer
import AllyServerCore
import AllyTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 9 §3: a stranger cannot lock a user out, and cannot guess fast. Failed logins slow down per username, per
/// client address (from X-Forwarded-For only when the peer is a trusted proxy) and per the pair, with growing
/// delays rather than a lock; the account's own laptops are judged by their address alone.
@Suite struct LoginDelayTests {
    let folder = TemporaryDirectory()

    struct Setup {
        let service: SyncService
        let clock: ManualClock
        let authKey: Data
        let laptop: String
    }

    /// An account "victim" with one logged-in laptop, on a service with a manual clock.
    func setup() async throws -> Setup {
        let store = try SQLiteServerStore(path: folder.file("server.sqlite"))
        try await store.migrate()
        let clock = ManualClock()
        let service = SyncService(store: store, openRegistration: true, clock: { clock.now() })
        let authKey = secureRandomBytes(32)
        _ = try await service.register(
            Wire.Registration(
                username: "victim", invite: nil, salt: secureRandomBytes(16), authKey: authKey, keyID: 1,
                wrappedKey: secureRandomBytes(60), recoveryAuthKey: secureRandomBytes(32),
                recoveryWrappedKey: secureRandomBytes(60)),
            from: "198.51.100.7")
        let laptop = freshDevice()
        _ = try await service.login(
            Wire.LoginRequest(username: "victim", authKey: authKey, deviceID: laptop, deviceName: "home"),
            from: "198.51.100.7")
        return Setup(service: service, clock: clock, authKey: authKey, laptop: laptop)
    }

    func login(
        _ client: some TestClientProtocol, _ name: String, key: Data, device: String, forwardedFor: String?
    ) async throws -> (HTTPResponse.Status, String?) {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let forwardedFor { headers[HTTPField.Name("X-Forwarded-For")!] = forwardedFor }
        let body = try JSONEncoder().encode(
            Wire.LoginRequest(username: name, authKey: key, deviceID: device, deviceName: "x"))
        return try await client.execute(
            uri: "/v1/sessions", method: .post, headers: headers, body: ByteBuffer(bytes: body)
        ) { ($0.status, $0.headers[.retryAfter]) }
    }

    @Test func manyAddressesCannotGuessFastAndCannotLockTheOwnerOut() async throws {
        let setup = try await setup()
        // In-process requests have no peer address ("unknown"): here it plays the reverse proxy on this host.
        let app = Application(router: ServerApp.makeRouter(service: setup.service, trustedProxies: ["unknown"]))
        try await app.test(.router) { client in
            // 58 addresses, 10 guesses each, all at one instant: only the first few reach the passphrase check.
            var statuses: [HTTPResponse.Status] = []
            for address in 0..<58 {
                for _ in 0..<10 {
                    statuses.append(
                        try await login(
                            client, "victim", key: secureRandomBytes(32), device: freshDevice(),
                            forwardedFor: "203.0.113.\(address), 10.0.0.1"
                        ).0)
                }
            }
            #expect(statuses.count { $0 == .unauthorized } == 6, "guesses that reached the check")
            #expect(statuses.count { $0 == .tooManyRequests } == 574)

            // The owner's laptop, from the owner's address, logs in at once: strangers' failures do not keep it out.
            let own = try await login(
                client, "victim", key: setup.authKey, device: setup.laptop, forwardedFor: "198.51.100.7")
            #expect(own.0 == .created)
            // A new laptop of the owner waits out the delay (no lock), then gets in.
            let fresh = freshDevice()
            let waiting = try await login(client, "victim", key: setup.authKey, device: fresh, forwardedFor: "198.51.100.7")
            #expect(waiting.0 == .tooManyRequests)
            let seconds = try #require(waiting.1.flatMap { Int($0) })
            #expect((1...60).contains(seconds))
            setup.clock.advance(by: Int64(seconds) * 1000)
            let later = try await login(client, "victim", key: setup.authKey, device: fresh, forwardedFor: "198.51.100.7")
            #expect(later.0 == .created)
        }
    }

    @Test func forwardedForIsBelievedOnlyFromATrustedProxy() async throws {
        let setup = try await setup()
        // No trusted proxy: the header is the client's word and ignored; every guess comes from the one peer, whose
        // address slows down after 20 failures even across 30 different names.
        let untrusted = Application(router: ServerApp.makeRouter(service: setup.service))
        try await untrusted.test(.router) { client in
            var statuses: [HTTPResponse.Status] = []
            for index in 0..<30 {
                statuses.append(
                    try await login(
                        client, "name\(index)", key: secureRandomBytes(32), device: freshDevice(),
                        forwardedFor: "192.0.2.\(index)"
                    ).0)
            }
            #expect(statuses.prefix(21).allSatisfy { $0 == .unauthorized })
            #expect(statuses.dropFirst(21).allSatisfy { $0 == .tooManyRequests })
        }
        #expect(Routes.clientAddress(peer: "127.0.0.1", forwardedFor: "1.2.3.4, 5.6.7.8", trusted: ["127.0.0.1"]) == "5.6.7.8")
        #expect(
            Routes.clientAddress(peer: "127.0.0.1", forwardedFor: "1.2.3.4, 10.0.0.2", trusted: ["127.0.0.1", "10.0.0.2"])
                == "1.2.3.4")
        #expect(Routes.clientAddress(peer: "9.9.9.9", forwardedFor: "1.2.3.4", trusted: ["127.0.0.1"]) == "9.9.9.9")
    }

    /// The state is bounded: 5,000 distinct keys in a limiter of capacity 1,000 leave at most 1,000, and keys quiet
    /// for the forgetting time are dropped.
    @Test func theStateIsBoundedAndForgets() async {
        let delays = FailureDelays(capacity: 1_000, forgetAfter: 60_000)
        let policy = FailureDelays.Policy(free: 0, firstDelay: 1_000, ceiling: 60_000)
        for index in 0..<5_000 { await delays.fail([("user:\(index)", policy)], now: Int64(index)) }
        #expect(await delays.count <= 1_000)
        await delays.fail([("user:late", policy)], now: 10_000_000)
        #expect(await delays.count <= 1_000)
        await #expect(throws: ServerError.self) { try await delays.check(["user:late"], now: 10_000_000) }
        // Long after, the key is forgotten and free again.
        try? await delays.check(["user:late"], now: 10_000_000 + 61_000)
        await #expect(throws: Never.self) { try await delays.check(["user:late"], now: 10_000_000 + 61_000) }
    }
}
