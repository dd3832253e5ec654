import AllyCore
import AllyProtocol
import AllyServer
import AllyServerCore
import AllyTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// The HTTP surface, in process (HummingbirdTesting's router client): auth on every endpoint, isolation between
/// users, limits, and problem+json errors.
@Suite struct RouterTests {
    let folder = TemporaryDirectory()

    struct Fixture {
        let service: SyncService
        let aliceToken: String
        let bobToken: String
        let aliceDevice: String
    }

    func makeFixture(limits: Wire.Limits = SyncService.defaultLimits) async throws -> Fixture {
        let store = try SQLiteServerStore(path: folder.file("server.sqlite"))
        try await store.migrate()
        let service = SyncService(store: store, limits: limits, openRegistration: true)
        func account(_ name: String) async throws -> (String, String) {
            let authKey = secureRandomBytes(32)
            _ = try await service.register(
                Wire.Registration(
                    username: name, invite: nil, salt: secureRandomBytes(16), authKey: authKey, keyID: 1,
                    wrappedKey: secureRandomBytes(60), recoveryAuthKey: secureRandomBytes(32), recoveryWrappedKey: secureRandomBytes(60)),
                from: "test")
            let device = freshDevice()
            let session = try await service.login(
                Wire.LoginRequest(username: name, authKey: authKey, deviceID: device, deviceName: name), from: "test")
            return (session.token, device)
        }
        let (alice, aliceDevice) = try await account("alice")
        let (bob, _) = try await account("bob")
        return Fixture(service: service, aliceToken: alice, bobToken: bob, aliceDevice: aliceDevice)
    }

    func json(_ value: some Encodable) throws -> ByteBuffer { ByteBuffer(bytes: try JSONEncoder().encode(value)) }

    @Test func everyAccountEndpointNeedsAValidToken() async throws {
        let fixture = try await makeFixture()
        let app = Application(router: ServerApp.makeRouter(service: fixture.service))
        try await app.test(.router) { client in
            let calls: [(String, HTTPRequest.Method)] = [
                ("/v1/changes?after=0", .get), ("/v1/changes", .post), ("/v1/devices", .get),
                ("/v1/devices/\(fixture.aliceDevice)", .delete), ("/v1/account/passphrase", .put),
            ]
            for (uri, method) in calls {
                for token in [nil, "not-a-token", String(repeating: "0", count: 64)] {
                    var headers: HTTPFields = [.contentType: "application/json"]
                    if let token { headers[.authorization] = "Bearer \(token)" }
                    try await client.execute(uri: uri, method: method, headers: headers, body: ByteBuffer(string: "{}")) { response in
                        #expect(response.status == .unauthorized, "\(method) \(uri) with \(token ?? "no token")")
                        #expect(response.headers[.contentType] == "application/problem+json")
                    }
                }
            }
        }
    }

    @Test func oneUsersTokenReachesNothingOfAnothers() async throws {
        let fixture = try await makeFixture()
        let app = Application(router: ServerApp.makeRouter(service: fixture.service))
        let item = Wire.Item(device: fixture.aliceDevice, seq: 1, envelope: envelope())
        try await app.test(.router) { client in
            let alice: HTTPFields = [.authorization: "Bearer \(fixture.aliceToken)", .contentType: "application/json"]
            let bob: HTTPFields = [.authorization: "Bearer \(fixture.bobToken)", .contentType: "application/json"]
            try await client.execute(uri: "/v1/changes", method: .post, headers: alice, body: try json(Wire.Push(changes: [item]))) {
                #expect($0.status == .ok)
            }
            // Bob's pull is his own (empty) log.
            try await client.execute(uri: "/v1/changes?after=0", method: .get, headers: bob) { response in
                let page = try JSONDecoder().decode(Wire.Page.self, from: Data(buffer: response.body))
                #expect(page.changes.isEmpty && page.latest == "0")
            }
            // Bob cannot see or revoke Alice's device: it answers as if it did not exist.
            try await client.execute(uri: "/v1/devices", method: .get, headers: bob) { response in
                let devices = try JSONDecoder().decode(Wire.Devices.self, from: Data(buffer: response.body))
                #expect(!devices.devices.contains { $0.deviceID == fixture.aliceDevice })
            }
            try await client.execute(uri: "/v1/devices/\(fixture.aliceDevice)", method: .delete, headers: bob) {
                #expect($0.status == .notFound)
            }
            // Bob pushing under Alice's (device, seq) lands in his own log and leaves hers alone.
            var forged = item
            forged.envelope = envelope()
            try await client.execute(uri: "/v1/changes", method: .post, headers: bob, body: try json(Wire.Push(changes: [forged]))) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: "/v1/changes?after=0", method: .get, headers: alice) { response in
                let page = try JSONDecoder().decode(Wire.Page.self, from: Data(buffer: response.body))
                #expect(page.changes == [item])
            }
            // Alice's token still works; a revoked one gets 401 at once.
            try await client.execute(uri: "/v1/devices/\(fixture.aliceDevice)", method: .delete, headers: alice) {
                #expect($0.status == .noContent)
            }
            try await client.execute(uri: "/v1/changes?after=0", method: .get, headers: alice) { #expect($0.status == .unauthorized) }
        }
    }

    @Test func replaysLimitsAndRateLimits() async throws {
        var limits = SyncService.defaultLimits
        limits.maxBodyBytes = 64 << 10
        let fixture = try await makeFixture(limits: limits)
        let app = Application(router: ServerApp.makeRouter(service: fixture.service))
        try await app.test(.router) { client in
            let alice: HTTPFields = [.authorization: "Bearer \(fixture.aliceToken)", .contentType: "application/json"]
            let item = Wire.Item(device: fixture.aliceDevice, seq: 1, envelope: envelope())
            for expected in [Wire.PushResult(accepted: 1, duplicates: 0), Wire.PushResult(accepted: 0, duplicates: 1)] {
                let result = try await client.execute(uri: "/v1/changes", method: .post, headers: alice, body: try json(Wire.Push(changes: [item]))) { response in
                    try JSONDecoder().decode(Wire.PushResult.self, from: Data(buffer: response.body))
                }
                #expect(result == expected)
            }
            var forged = item
            forged.envelope = envelope()
            try await client.execute(uri: "/v1/changes", method: .post, headers: alice, body: try json(Wire.Push(changes: [forged]))) {
                #expect($0.status == .conflict)
            }
            var huge = item
            huge.seq = 2
            huge.envelope = envelope(100 << 10)
            try await client.execute(uri: "/v1/changes", method: .post, headers: alice, body: try json(Wire.Push(changes: [huge]))) {
                #expect($0.status == .contentTooLarge)
                #expect($0.headers[.contentType] == "application/problem+json")
            }
            // A seq past 2^53 − 1 could not come back exact in JSON (found by schemathesis): refused, nothing stored.
            for seq: Int64 in [0, -1, SyncService.maxSeq + 1, .max] {
                var outOfRange = item
                outOfRange.seq = seq
                try await client.execute(uri: "/v1/changes", method: .post, headers: alice, body: try json(Wire.Push(changes: [outOfRange]))) {
                    #expect($0.status == .badRequest, "seq \(seq)")
                }
            }
            // The largest seq passes the range check; without its predecessor it follows a gap (SPEC §9): 409.
            var largest = item
            largest.seq = SyncService.maxSeq
            try await client.execute(uri: "/v1/changes", method: .post, headers: alice, body: try json(Wire.Push(changes: [largest]))) {
                #expect($0.status == .conflict)
                #expect(String(buffer: $0.body).contains("follows a gap"))
            }
            try await client.execute(uri: "/v1/changes?after=0", method: .get, headers: alice) { response in
                let page = try JSONDecoder().decode(Wire.Page.self, from: Data(buffer: response.body))
                #expect(page.changes.map(\.seq) == [1])
            }
            try await client.execute(uri: "/v1/changes?limit=0", method: .get, headers: alice) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/v1/changes?after=-4", method: .get, headers: alice) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/v1/changes", method: .post, headers: alice, body: ByteBuffer(string: "{\"changes\": 3}")) {
                #expect($0.status == .badRequest)
            }
            // Failed logins slow down: after 5 free failures for a name and address, the next attempt waits (429 with
            // Retry-After), the wait doubling with each failure (SPEC §9.3).
            let wrong = Wire.LoginRequest(username: "alice", authKey: Data(repeating: 0, count: 32), deviceID: freshDevice(), deviceName: "x")
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<7 {
                try await client.execute(uri: "/v1/sessions", method: .post, headers: [.contentType: "application/json"], body: try json(wrong)) { response in
                    statuses.append(response.status)
                    if response.status == .tooManyRequests { #expect(response.headers[.retryAfter] != nil) }
                }
            }
            #expect(statuses.prefix(6).allSatisfy { $0 == .unauthorized } && statuses.last == .tooManyRequests)
            // Unknown users get a stable salt, so prelogin does not reveal who has an account.
            var salts: [Data] = []
            for _ in 0..<2 {
                try await client.execute(
                    uri: "/v1/prelogin", method: .post, headers: [.contentType: "application/json"],
                    body: try json(Wire.PreloginRequest(username: "nobody"))
                ) { response in
                    salts.append(try JSONDecoder().decode(Wire.Prelogin.self, from: Data(buffer: response.body)).salt)
                }
            }
            #expect(salts.count == 2 && salts[0] == salts[1] && salts[0].count == 16)
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            // Without a metrics token /metrics is not served (issue 9 §6).
            try await client.execute(uri: "/metrics", method: .get) { #expect($0.status == .notFound) }
        }
    }

    /// Issue 9 §6: `/metrics` tells when accounts are active, so it answers only the holder of the metrics token.
    @Test func metricsNeedTheMetricsToken() async throws {
        let fixture = try await makeFixture()
        let token = "scraper-token-0123456789"
        let app = Application(router: ServerApp.makeRouter(service: fixture.service, metricsToken: token))
        try await app.test(.router) { client in
            for given in [nil, fixture.aliceToken, token + "x"] {
                var headers: HTTPFields = [:]
                if let given { headers[.authorization] = "Bearer \(given)" }
                try await client.execute(uri: "/metrics", method: .get, headers: headers) { response in
                    #expect(response.status == .unauthorized, "\(given ?? "no token")")
                }
            }
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(token)"]) {
                response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("ally_changes_pushed_total"))
            }
        }
    }

    /// Issue 9 §3: on an invite server, a stranger without a valid invite learns nothing about which names exist:
    /// a taken name and a free one get the same answer (it was 409 against 403).
    @Test func registrationWithoutAValidInviteAnswersTheSameForTakenAndFreeNames() async throws {
        let store = try SQLiteServerStore(path: folder.file("invite-only.sqlite"))
        try await store.migrate()
        let service = SyncService(store: store, openRegistration: false)
        let code = try await service.makeInvite()
        @Sendable func registration(_ name: String, invite: String?) -> Wire.Registration {
            Wire.Registration(
                username: name, invite: invite, salt: secureRandomBytes(16), authKey: secureRandomBytes(32), keyID: 1,
                wrappedKey: secureRandomBytes(60), recoveryAuthKey: secureRandomBytes(32),
                recoveryWrappedKey: secureRandomBytes(60))
        }
        _ = try await service.register(registration("taken", invite: code), from: "test")
        let app = Application(router: ServerApp.makeRouter(service: service))
        try await app.test(.router) { client in
            var answers: [String] = []
            for name in ["taken", "free-name"] {
                for invite in [nil, "not-a-code", code] {
                    try await client.execute(
                        uri: "/v1/accounts", method: .post, headers: [.contentType: "application/json"],
                        body: try json(registration(name, invite: invite))
                    ) { response in
                        let detail = (try? JSONDecoder().decode(Wire.Problem.self, from: Data(buffer: response.body)))?.detail
                        answers.append("\(response.status.code) \(detail ?? "")")
                    }
                }
            }
            // Without a valid invite (nil, unknown, or the one already used): the same three answers for both names.
            #expect(Array(answers[0..<3]) == Array(answers[3..<6]), "\(answers)")
            #expect(answers.allSatisfy { $0.hasPrefix("403") }, "\(answers)")
        }
    }

    /// A known path asked with a method it does not take: 405 with `Allow`; an unknown path: 404.
    @Test func wrongMethodsGet405AndUnknownPaths404() async throws {
        let fixture = try await makeFixture()
        let app = Application(router: ServerApp.makeRouter(service: fixture.service))
        try await app.test(.router) { client in
            let cases: [(String, HTTPRequest.Method, String)] = [
                ("/v1/info", .post, "GET"), ("/v1/changes", .delete, "POST, GET"), ("/v1/changes", .put, "POST, GET"),
                ("/v1/devices/\(fixture.aliceDevice)", .get, "PUT, DELETE"), ("/v1/devices", .post, "GET"),
                ("/v1/sessions", .get, "POST"), ("/v1/account/passphrase", .post, "PUT"), ("/healthz", .delete, "GET"),
            ]
            for (uri, method, allow) in cases {
                try await client.execute(uri: uri, method: method, headers: [.authorization: "Bearer \(fixture.aliceToken)"]) {
                    response in
                    #expect(response.status == .methodNotAllowed, "\(method) \(uri)")
                    #expect(response.headers[.allow] == allow, "\(method) \(uri)")
                    #expect(response.headers[.contentType] == "application/problem+json")
                }
            }
            for (uri, method) in [("/v1/nothing", HTTPRequest.Method.get), ("/v1/devices/a/b", .delete), ("/v2/info", .get)] {
                try await client.execute(uri: uri, method: method) { #expect($0.status == .notFound, "\(method) \(uri)") }
            }
            // The right method still reaches the route.
            try await client.execute(uri: "/v1/info", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func registrationNeedsAnInviteUnlessOpen() async throws {
        let store = try SQLiteServerStore(path: folder.file("invite.sqlite"))
        try await store.migrate()
        let service = SyncService(store: store, openRegistration: false)
        let request = Wire.Registration(
            username: "newcomer", invite: nil, salt: secureRandomBytes(16), authKey: secureRandomBytes(32), keyID: 1,
            wrappedKey: secureRandomBytes(60), recoveryAuthKey: secureRandomBytes(32), recoveryWrappedKey: secureRandomBytes(60))
        let app = Application(router: ServerApp.makeRouter(service: service))
        let code = try await service.makeInvite()
        try await app.test(.router) { client in
            let headers: HTTPFields = [.contentType: "application/json"]
            try await client.execute(uri: "/v1/accounts", method: .post, headers: headers, body: try json(request)) { #expect($0.status == .forbidden) }
            var invited = request
            invited.invite = code
            try await client.execute(uri: "/v1/accounts", method: .post, headers: headers, body: try json(invited)) { #expect($0.status == .created) }
            invited.username = "second"
            try await client.execute(uri: "/v1/accounts", method: .post, headers: headers, body: try json(invited)) { #expect($0.status == .forbidden) }
            var bad = request
            bad.username = "Not Valid!"
            bad.invite = try await service.makeInvite()
            try await client.execute(uri: "/v1/accounts", method: .post, headers: headers, body: try json(bad)) { #expect($0.status == .badRequest) }
        }
    }

    /// Issue 9 §4: a repeated key or a number written as `1e3` or `1000.0` is refused on the server as on the
    /// client (Foundation's decoder kept one of the keys and read `1e3` as 1000), and nothing is stored.
    @Test func repeatedKeysAndNonIntegerNumbersAre400() async throws {
        let fixture = try await makeFixture()
        let app = Application(router: ServerApp.makeRouter(service: fixture.service))
        let device = freshDevice()
        let envelope = envelopeBytes().base64EncodedString()
        let pushes = [
            #"{"changes":[{"device":"\#(device)","seq":1e3,"envelope":"\#(envelope)"}]}"#,
            #"{"changes":[{"device":"\#(device)","seq":1000.0,"envelope":"\#(envelope)"}]}"#,
            #"{"changes":[{"device":"\#(device)","seq":1,"seq":2,"envelope":"\#(envelope)"}]}"#,
            #"{"changes":[],"changes":[{"device":"\#(device)","seq":1,"envelope":"\#(envelope)"}]}"#,
        ]
        try await app.test(.router) { client in
            for body in pushes {
                try await client.execute(
                    uri: "/v1/changes", method: .post,
                    headers: [.authorization: "Bearer \(fixture.aliceToken)", .contentType: "application/json"],
                    body: ByteBuffer(string: body)
                ) { response in
                    #expect(response.status == .badRequest, "\(body.prefix(60))")
                }
            }
            try await client.execute(
                uri: "/v1/prelogin", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"username":"alice","username":"bob"}"#)
            ) { #expect($0.status == .badRequest) }
            // The same push written plainly is accepted: the check refuses only the ambiguous forms.
            try await client.execute(
                uri: "/v1/changes", method: .post,
                headers: [.authorization: "Bearer \(fixture.aliceToken)", .contentType: "application/json"],
                body: ByteBuffer(string: #"{"changes":[{"device":"\#(device)","seq":1,"envelope":"\#(envelope)"}]}"#)
            ) { #expect($0.status == .ok) }
        }
        let page = try await fixture.service.store.pull(userID: try #require(try await fixture.service.store.user(named: "alice")).id, after: 0, limit: 10, maxBytes: 1 << 20)
        #expect(page.changes.map(\.seq) == [1])
    }
}

func envelopeBytes() -> Data {
    var data = Data([Envelope.version, 0, 0, 0, 1])
    data.append(secureRandomBytes(64))
    return data
}

/// `StrictJSON` accepts ordinary JSON and refuses exactly the ambiguous forms.
@Suite struct StrictJSONTests {
    @Test func acceptsOrdinaryJSONAndRefusesTheAmbiguous() {
        for good in [
            #"{}"#, #"[]"#, #"{"a":[1,-2,{"b":"x\"y","c":null}],"d":true,"e":false}"#, #" {"a" : "é\u00e9"} "#,
            #"{"a":{"a":1},"b":{"a":2}}"#,
        ] {
            #expect((try? StrictJSON.check(Data(good.utf8))) != nil, "\(good)")
        }
        for bad in [
            #"{"a":1,"a":1}"#, #"{"a":1e3}"#, #"{"a":1.0}"#, #"{"a":-1E2}"#, #"{"a":[1,2.5]}"#, #"{"a":1"#, #"{"a":1}x"#,
            #"{"a":}"#, #"[1,]"#, "", #"{"a":{"b":1,"b":2}}"#,
        ] {
            #expect(throws: StrictJSON.Violation.self, "\(bad)") { try StrictJSON.check(Data(bad.utf8)) }
        }
    }
}

