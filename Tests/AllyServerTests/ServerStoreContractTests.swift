import AllyCore
import AllyProtocol
import AllyServerCore
import AllyTesting
import Foundation
import Testing

/// One contract, every backend (STYLE.md rule 17): SQLite and PostgreSQL must behave the same.
@Suite struct ServerStoreContractTests {
    let folder = TemporaryDirectory()

    /// Issue 9 §5: two users logging in at the same moment with the same new device id. On PostgreSQL the second
    /// one's token used to open the first one's account (38–53 times in 60 rounds).
    @Test("Two users racing on one new device id: each token opens only its own account", arguments: Backends.all)
    func twoUsersRaceOnOneDeviceID(backend: String) async throws {
        let store = try await Backends.store(backend, folder: folder)
        let alice = makeUser(unique("alice"))
        let bob = makeUser(unique("bob"))
        try await store.createUser(alice, inviteHash: nil)
        try await store.createUser(bob, inviteHash: nil)
        var winners: [String: Int] = [:]
        for round in 0..<60 {
            let laptop = freshDevice()
            let tokens = [alice.id: "a\(round)\(laptop)", bob.id: "b\(round)\(laptop)"]
            let saved = await withTaskGroup(of: (String, Bool).self) { group in
                for user in [alice, bob] {
                    group.addTask {
                        let record = DeviceRecord(
                            deviceID: laptop, userID: user.id, name: "race", tokenHash: tokens[user.id] ?? "",
                            createdAt: 1, lastSeenAt: 1, revoked: false)
                        return (user.id, (try? await store.saveDevice(record)) != nil)
                    }
                }
                var results: [String: Bool] = [:]
                for await (user, ok) in group { results[user] = ok }
                return results
            }
            #expect(saved.values.filter { $0 }.count == 1, "round \(round): \(saved)")
            for user in [alice, bob] {
                let owner = try await store.device(tokenHash: tokens[user.id] ?? "")?.userID
                // A token either opens nothing (its login lost) or its own account, never the other's.
                #expect(owner == nil || owner == user.id, "round \(round): \(user.username)'s token opens \(owner ?? "")")
                if owner == user.id { winners[user.id, default: 0] += 1 }
            }
        }
        #expect(winners.values.reduce(0, +) == 60)
    }

    @Test("Accounts, invites and devices", arguments: Backends.all)
    func accountsInvitesAndDevices(backend: String) async throws {
        let store = try await Backends.store(backend, folder: folder)
        let alice = makeUser(unique("alice"))
        try await store.createUser(alice, inviteHash: nil)
        #expect(try await store.user(named: alice.username) == alice)
        #expect(try await store.user(id: alice.id) == alice)
        await #expect(throws: ServerError.self) { try await store.createUser(makeUser(alice.username), inviteHash: nil) }

        let invite = sha256Hex(Data(unique("invite").utf8))
        try await store.createInvite(codeHash: invite, at: 5)
        let bob = makeUser(unique("bob"))
        await #expect(throws: ServerError.self) { try await store.createUser(bob, inviteHash: "unknown") }
        #expect(try await store.user(named: bob.username) == nil)
        try await store.createUser(bob, inviteHash: invite)
        await #expect(throws: ServerError.self) { try await store.createUser(makeUser(unique("carol")), inviteHash: invite) }

        try await store.updateCredentials(userID: alice.id, salt: Data([1, 2, 3]), authHash: "new", wrappedKey: Data([4]))
        let updated = try #require(try await store.user(id: alice.id))
        #expect(updated.salt == Data([1, 2, 3]) && updated.authHash == "new" && updated.wrappedKey == Data([4]))

        let laptop = freshDevice()
        let token = sha256Hex(Data(unique("token").utf8))
        try await store.saveDevice(DeviceRecord(deviceID: laptop, userID: alice.id, name: "home", tokenHash: token, createdAt: 1, lastSeenAt: 1, revoked: false))
        #expect(try await store.device(tokenHash: token)?.userID == alice.id)
        // Another user cannot take over that device id.
        await #expect(throws: ServerError.self) {
            try await store.saveDevice(DeviceRecord(deviceID: laptop, userID: bob.id, name: "x", tokenHash: "t2\(token)", createdAt: 1, lastSeenAt: 1, revoked: false))
        }
        #expect(try await store.devices(userID: alice.id).map(\.deviceID) == [laptop])
        #expect(try await store.renameDevice(userID: alice.id, deviceID: laptop, name: "ward-pc"))
        #expect(try await store.devices(userID: alice.id).first?.name == "ward-pc")
        #expect(try await store.renameDevice(userID: bob.id, deviceID: laptop, name: "mine now") == false)
        #expect(try await store.revokeDevice(userID: bob.id, deviceID: laptop) == false)
        #expect(try await store.revokeDevice(userID: alice.id, deviceID: laptop))
        #expect(try await store.device(tokenHash: token) == nil)
        #expect(try await store.devices(userID: alice.id).first?.revoked == true)
        let secret = try await store.serverSecret()
        #expect(secret.count == 32)
        #expect(try await store.serverSecret() == secret)
    }

    @Test("Push is idempotent by (device, seq), refuses different bytes, and pull pages resume", arguments: Backends.all)
    func pushAndPull(backend: String) async throws {
        let store = try await Backends.store(backend, folder: folder)
        let alice = makeUser(unique("alice"))
        let bob = makeUser(unique("bob"))
        try await store.createUser(alice, inviteHash: nil)
        try await store.createUser(bob, inviteHash: nil)
        let device = freshDevice()
        let items = (1...25).map { Wire.Item(device: device, seq: Int64($0), envelope: envelope(100)) }
        #expect(try await store.push(userID: alice.id, items: Array(items[0..<10])) == Wire.PushResult(accepted: 10, duplicates: 0))
        // A replayed push, overlapping a fresh one, stores only what is new.
        #expect(try await store.push(userID: alice.id, items: Array(items[5..<25])) == Wire.PushResult(accepted: 15, duplicates: 5))
        // Different bytes under a known id: refused, and nothing of that batch is stored.
        var forged = items[3]
        forged.envelope = envelope(100)
        let extra = Wire.Item(device: device, seq: 26, envelope: envelope())
        await #expect(throws: ServerError.self) { try await store.push(userID: alice.id, items: [extra, forged]) }
        #expect(try await store.latestPosition(userID: alice.id) == 25)

        // Pages by count, resumable from any cursor, in push order.
        var cursor: Int64 = 0
        var seen: [Wire.Item] = []
        var pages = 0
        while true {
            let page = try await store.pull(userID: alice.id, after: cursor, limit: 7, maxBytes: 1 << 20)
            seen += page.changes.map { Wire.Item(device: $0.device, seq: $0.seq, envelope: $0.envelope) }
            pages += 1
            cursor = page.changes.last?.position ?? cursor
            if !page.hasMore { break }
        }
        #expect(seen == items && pages == 4)
        // Pages by bytes: at least one change, then no more than the cap.
        let small = try await store.pull(userID: alice.id, after: 0, limit: 100, maxBytes: 250)
        #expect(small.changes.count == 2 && small.hasMore)
        // Each user sees only their own log, and the same (device, seq) can exist for another user.
        #expect(try await store.pull(userID: bob.id, after: 0, limit: 100, maxBytes: 1 << 20).changes.isEmpty)
        #expect(try await store.push(userID: bob.id, items: [items[0]]) == Wire.PushResult(accepted: 1, duplicates: 0))
        #expect(try await store.latestPosition(userID: bob.id) == 1)
    }

    @Test("Concurrent pushes of one user get distinct, gap-free positions", arguments: Backends.all)
    func concurrentPushes(backend: String) async throws {
        let store = try await Backends.store(backend, folder: folder)
        let user = makeUser(unique("dana"))
        try await store.createUser(user, inviteHash: nil)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                let device = freshDevice()
                group.addTask {
                    for start in stride(from: 1, through: 40, by: 10) {
                        let batch = (start..<start + 10).map { Wire.Item(device: device, seq: Int64($0), envelope: envelope()) }
                        _ = try await store.push(userID: user.id, items: batch)
                    }
                }
            }
            try await group.waitForAll()
        }
        let page = try await store.pull(userID: user.id, after: 0, limit: 1_000, maxBytes: 1 << 24)
        #expect(page.changes.count == 320)
        #expect(page.changes.map(\.position) == Array(1...320))
    }
}
