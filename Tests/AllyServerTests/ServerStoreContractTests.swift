import AllyCore
import AllyProtocol
@testable import AllyServerCore
import GRDB
import PostgresNIO
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
                #expect(
                    owner == nil || owner == user.id, "round \(round): \(user.username)'s token opens \(owner ?? "")")
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
        await #expect(throws: ServerError.self) {
            try await store.createUser(makeUser(alice.username), inviteHash: nil)
        }

        let invite = sha256Hex(Data(unique("invite").utf8))
        try await store.createInvite(codeHash: invite, at: 5)
        let bob = makeUser(unique("bob"))
        await #expect(throws: ServerError.self) { try await store.createUser(bob, inviteHash: "unknown") }
        #expect(try await store.user(named: bob.username) == nil)
        try await store.createUser(bob, inviteHash: invite)
        await #expect(throws: ServerError.self) {
            try await store.createUser(makeUser(unique("carol")), inviteHash: invite)
        }

        try await store.updateCredentials(
            userID: alice.id, salt: Data([1, 2, 3]), authHash: "new", wrappedKey: Data([4]))
        let updated = try #require(try await store.user(id: alice.id))
        #expect(updated.salt == Data([1, 2, 3]) && updated.authHash == "new" && updated.wrappedKey == Data([4]))

        let laptop = freshDevice()
        let token = sha256Hex(Data(unique("token").utf8))
        try await store.saveDevice(
            DeviceRecord(
                deviceID: laptop, userID: alice.id, name: "home", tokenHash: token, createdAt: 1, lastSeenAt: 1,
                revoked: false))
        #expect(try await store.device(tokenHash: token)?.userID == alice.id)
        // Another user cannot take over that device id.
        await #expect(throws: ServerError.self) {
            try await store.saveDevice(
                DeviceRecord(
                    deviceID: laptop, userID: bob.id, name: "x", tokenHash: "t2\(token)", createdAt: 1, lastSeenAt: 1,
                    revoked: false))
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

    @Test(
        "Push is idempotent by (device, seq), refuses different bytes, and pull pages resume", arguments: Backends.all)
    func pushAndPull(backend: String) async throws {
        let store = try await Backends.store(backend, folder: folder)
        let alice = makeUser(unique("alice"))
        let bob = makeUser(unique("bob"))
        try await store.createUser(alice, inviteHash: nil)
        try await store.createUser(bob, inviteHash: nil)
        let device = freshDevice()
        let items = (1...25).map { Wire.Item(device: device, seq: Int64($0), envelope: envelope(100)) }
        #expect(
            try await store.push(userID: alice.id, items: Array(items[0..<10]))
                == Wire.PushResult(accepted: 10, duplicates: 0))
        // A replayed push, overlapping a fresh one, stores only what is new.
        #expect(
            try await store.push(userID: alice.id, items: Array(items[5..<25]))
                == Wire.PushResult(accepted: 15, duplicates: 5))
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
                        let batch = (start..<start + 10).map {
                            Wire.Item(device: device, seq: Int64($0), envelope: envelope())
                        }
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

    /// Issue 7 §2: GRDB's pool lowered the SQLite writer to synchronous = NORMAL after we asked for FULL, so a push
    /// was acknowledged before it reached the disk. The answer is read from the connection pushes really use.
    @Test("Every acknowledged push is durable on the connection that commits it", arguments: Backends.all)
    func commitsAreDurable(backend: String) async throws {
        let store = try await Backends.store(backend, folder: folder)
        let problem = try await store.durabilityProblem()
        #expect(problem == nil, "\(problem ?? "")")
    }

    /// Issue 7 §2: concurrent pushes commit together; one refused push leaves the others in the same group intact.
    @Test("A refused push in a group commit fails alone", arguments: Backends.all)
    func refusedPushFailsAlone(backend: String) async throws {
        let store = try await Backends.store(backend, folder: folder)
        let user = makeUser(unique("erin"))
        try await store.createUser(user, inviteHash: nil)
        let known = Wire.Item(device: freshDevice(), seq: 1, envelope: envelope())
        _ = try await store.push(userID: user.id, items: [known])
        for round in 0..<5 {
            let outcomes = await withTaskGroup(of: Bool.self) { group in
                for index in 0..<12 {
                    group.addTask {
                        var items = [Wire.Item(device: freshDevice(), seq: 1, envelope: envelope())]
                        if index == 5 { items.append(Wire.Item(device: known.device, seq: 1, envelope: envelope())) }
                        return (try? await store.push(userID: user.id, items: items)) != nil
                    }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { !$0 }.count == 1, "round \(round)")
            #expect(try await store.latestPosition(userID: user.id) == Int64(1 + 11 * (round + 1)))
        }
        let page = try await store.pull(userID: user.id, after: 0, limit: 1_000, maxBytes: 1 << 24)
        #expect(page.changes.map(\.position) == Array(1...56))
    }

    /// Issue 7 §1: the chain at a position commits to every change up to it, so a log restored from a backup and
    /// written again differs from the one a laptop read at the first position that changed, and only from there.
    /// Issue 12 (SPEC §2.3): a push item marked `replace` takes the place of the stored envelope: the old one leaves
    /// its position (whose chain still answers, so no cursor breaks), the new one takes the next position, and the
    /// old bytes are gone from the table. Without the mark, different bytes are still refused.
    @Test("A replace moves the change to the next position and keeps the chain at the old one", arguments: Backends.all)
    func replaceMovesTheChangeAndKeepsTheChain(backend: String) async throws {
        let store = try await Backends.store(backend, folder: folder)
        let user = makeUser(unique("ray"))
        try await store.createUser(user, inviteHash: nil)
        let device = freshDevice()
        let items = (1...4).map { Wire.Item(device: device, seq: Int64($0), envelope: envelope()) }
        _ = try await store.push(userID: user.id, items: items)
        let before = try await store.pull(userID: user.id, after: 0, limit: 10, maxBytes: 1 << 20).changes
        let stub = Wire.Item(device: device, seq: 2, envelope: envelope(40), replace: true)
        await #expect(throws: ServerError.self) {
            try await store.push(userID: user.id, items: [Wire.Item(device: device, seq: 2, envelope: stub.envelope)])
        }
        #expect(
            try await store.push(userID: user.id, items: [stub])
                == Wire.PushResult(accepted: 1, duplicates: 0, replaced: 1))
        // A laptop that has not pulled the replacement yet pushes the change as it was: a duplicate, and the
        // replacement stays (it reaches that laptop at its pull).
        #expect(try await store.push(userID: user.id, items: [items[1]]) == Wire.PushResult(accepted: 0, duplicates: 1))
        // Again: the same bytes are a duplicate.
        #expect(try await store.push(userID: user.id, items: [stub]) == Wire.PushResult(accepted: 0, duplicates: 1))
        #expect(try await store.latestPosition(userID: user.id) == 5)
        let after = try await store.pull(userID: user.id, after: 0, limit: 10, maxBytes: 1 << 20).changes
        #expect(after.map(\.seq) == [1, 3, 4, 2] && after.map(\.position) == [1, 3, 4, 5])
        #expect(after.last?.envelope == stub.envelope && !after.contains { $0.envelope == items[1].envelope })
        #expect(after.last?.chain == LogChain.next(before[3].chain, device: device, seq: 2, envelope: stub.envelope))
        // A laptop whose cursor sits at the vacated position still finds the chain it stored there.
        let atVacated = try await store.pull(userID: user.id, after: 2, limit: 10, maxBytes: 1 << 20)
        #expect(atVacated.afterChain == before[1].chain && atVacated.changes.map(\.seq) == [3, 4, 2])
        // A replace of an id the server does not hold is an ordinary new change (prefix rule and all).
        let fresh = Wire.Item(device: device, seq: 5, envelope: envelope(), replace: true)
        #expect(try await store.push(userID: user.id, items: [fresh]) == Wire.PushResult(accepted: 1, duplicates: 0))
        let gap = Wire.Item(device: device, seq: 9, envelope: envelope(), replace: true)
        await #expect(throws: ServerError.self) { try await store.push(userID: user.id, items: [gap]) }
        #expect(try await store.held(userID: user.id) == [Wire.HeldRange(device: device, first: 1, last: 5)])
    }

    @Test("Each device's furthest pull is kept, for the receipt of a purge", arguments: Backends.all)
    func pullPositionsAreKept(backend: String) async throws {
        let store = try await Backends.store(backend, folder: folder)
        let user = makeUser(unique("pia"))
        try await store.createUser(user, inviteHash: nil)
        let (a, b) = (freshDevice(), freshDevice())
        for device in [a, b] {
            try await store.saveDevice(
                DeviceRecord(
                    deviceID: device, userID: user.id, name: "l", tokenHash: unique("t"), createdAt: 1, lastSeenAt: 1,
                    revoked: false))
        }
        try await store.recordPull(deviceID: a, position: 7, sent: 8)
        try await store.recordPull(deviceID: a, position: 3, sent: 5)
        #expect(try await store.pulledPositions(userID: user.id) == [a: 7])
        try await store.recordPull(deviceID: b, position: 9, sent: 9)
        #expect(try await store.pulledPositions(userID: user.id) == [a: 7, b: 9])
    }

    @Test(
        "The log chain follows the log, held runs name what the server has, and gaps are refused",
        arguments: Backends.all)
    func logChainAndHeldRuns(backend: String) async throws {
        let store = try await Backends.store(backend, folder: folder)
        let user = makeUser(unique("fay"))
        let other = makeUser(unique("gus"))
        try await store.createUser(user, inviteHash: nil)
        try await store.createUser(other, inviteHash: nil)
        let (a, b) = (freshDevice(), freshDevice())
        let first = [1, 2, 3, 4].map { Wire.Item(device: a, seq: Int64($0), envelope: envelope()) }
        let second = [1, 2].map { Wire.Item(device: b, seq: Int64($0), envelope: envelope()) }
        _ = try await store.push(userID: user.id, items: first)
        _ = try await store.push(userID: user.id, items: second)
        var expected = [LogChain.origin]
        for item in first + second {
            expected.append(
                LogChain.next(expected.last ?? Data(), device: item.device, seq: item.seq, envelope: item.envelope))
        }
        for after in 0...6 {
            let page = try await store.pull(userID: user.id, after: Int64(after), limit: 3, maxBytes: 1 << 20)
            #expect(page.afterChain == expected[after], "after \(after)")
            #expect(page.changes.map(\.chain) == Array(expected[(after + 1)...].prefix(3)), "after \(after)")
        }
        #expect(try await store.pull(userID: user.id, after: 7, limit: 3, maxBytes: 1 << 20).afterChain == nil)
        // The same bytes in another order make another chain; another user's log has its own.
        _ = try await store.push(userID: other.id, items: [second[0], first[0]])
        let theirs = try await store.pull(userID: other.id, after: 0, limit: 5, maxBytes: 1 << 20).changes.map(\.chain)
        #expect(theirs.count == 2 && theirs[0] != expected[1] && theirs[1] != expected[2])

        // A change whose predecessor the server lacks is refused, whole push and all (SPEC §9): a restored server
        // never keeps a later change without its earlier ones (found by the soak, seed 5302097108435753572).
        let afterGap = [
            Wire.Item(device: b, seq: 3, envelope: envelope()), Wire.Item(device: a, seq: 6, envelope: envelope()),
        ]
        await #expect(throws: ServerError.self) { try await store.push(userID: user.id, items: afterGap) }
        let reversed = [
            Wire.Item(device: b, seq: 4, envelope: envelope()), Wire.Item(device: b, seq: 3, envelope: envelope()),
        ]
        await #expect(throws: ServerError.self) { try await store.push(userID: user.id, items: reversed) }
        #expect(try await store.latestPosition(userID: user.id) == 6)
        #expect(try await store.push(userID: user.id, items: reversed.reversed()).accepted == 2)

        let held = try await store.held(userID: user.id)
        let want = [
            Wire.HeldRange(device: a, first: 1, last: 4), Wire.HeldRange(device: b, first: 1, last: 4),
        ].sorted { ($0.device, $0.first) < ($1.device, $1.first) }
        #expect(held == want)
    }

    /// Issue 7 §1: a database from before the chain existed gets one, computed over the changes it holds.
    @Test("Upgrading a server database computes the chain of the changes it holds", arguments: Backends.all)
    func upgradeComputesTheChain(backend: String) async throws {
        let user = makeUser(unique("hal"))
        let device = freshDevice()
        let items = (1...5).map { Wire.Item(device: device, seq: Int64($0), envelope: envelope()) }
        let store: any ServerStore
        if backend == "sqlite" {
            // A database as the previous release left it: schema v1, with an account and five changes.
            let path = folder.file("old-server.sqlite")
            let old = try DatabaseQueue(path: path)
            try SQLiteServerStore.migrator.migrate(old, upTo: "v1")
            try await old.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO users(id, username, salt, auth_hash, key_id, wrapped_key, recovery_auth_hash,
                            recovery_wrapped_key, created_at, next_position) VALUES (?, ?, x'00', 'h', 1, x'00', 'r', x'00', 1, 5)
                        """, arguments: [user.id, user.username])
                for (index, item) in items.enumerated() {
                    try db.execute(
                        sql: "INSERT INTO changes(user_id, position, device, seq, envelope) VALUES (?, ?, ?, ?, ?)",
                        arguments: [user.id, index + 1, item.device, item.seq, item.envelope])
                }
            }
            try old.close()
            store = try SQLiteServerStore(path: path)
            try await store.migrate()
        } else {
            // The chain columns are added in place; a user whose chain is missing gets it on the next start.
            store = try await Backends.store(backend, folder: folder)
            try await store.createUser(user, inviteHash: nil)
            _ = try await store.push(userID: user.id, items: items)
            let postgres = try #require(store as? PostgresServerStore)
            try await postgres.client.query(
                "UPDATE changes SET chain = NULL WHERE user_id = \(user.id)", logger: postgres.logger)
            try await postgres.client.query(
                "UPDATE users SET chain_head = NULL WHERE id = \(user.id)", logger: postgres.logger)
            try await store.migrate()
        }
        var chain = LogChain.origin
        var expected: [Data] = []
        for item in items {
            chain = LogChain.next(chain, device: item.device, seq: item.seq, envelope: item.envelope)
            expected.append(chain)
        }
        let page = try await store.pull(userID: user.id, after: 0, limit: 10, maxBytes: 1 << 20)
        #expect(page.changes.map(\.chain) == expected)
        // New pushes extend the computed chain.
        let next = Wire.Item(device: freshDevice(), seq: 1, envelope: envelope())
        _ = try await store.push(userID: user.id, items: [next])
        let extended = try await store.pull(userID: user.id, after: 5, limit: 10, maxBytes: 1 << 20)
        #expect(extended.afterChain == chain)
        #expect(
            extended.changes.first?.chain == LogChain.next(chain, device: next.device, seq: 1, envelope: next.envelope))
    }
}
