import AllyCore
import AllyProtocol
import AllyStore
import AllyTesting
import Foundation
import GRDB
import Testing

/// Issue 13: a lost laptop is revoked, the journal key rotated and the server's copy sealed again; the other
/// laptops keep working (one offline with unpushed changes included); the lost laptop's material opens nothing on
/// the server afterwards; the exposure report names exactly what it held; a rotation killed between steps finishes
/// when run again; two rotations at once end in one key (SPEC §8.1).
@Suite(.serialized) struct LostLaptopTests {
    let folder = TemporaryDirectory()
    static let passphrase = "correct horse battery staple"

    func database(_ backend: String) throws -> String {
        if backend == "sqlite" { return folder.file("server-\(UInt32.random(in: 0...UInt32.max)).sqlite") }
        return try #require(
            ProcessInfo.processInfo.environment["ALLY_TEST_POSTGRES_URL"],
            "set ALLY_TEST_POSTGRES_URL; Tools/test.sh starts PostgreSQL with Tools/scripts/postgres.sh and sets it")
    }

    /// The same journal driven without a passphrase in its environment: a laptop that must not need one.
    func withoutPassphrase(_ laptop: SyncLaptop) -> CLIRun { CLIRun(journal: laptop.path, environment: [:]) }

    /// A consistent copy of a journal file (SQLite's backup API).
    func copyJournal(_ source: String, to target: String) throws {
        let result = try Subprocess.run(
            "python3",
            [
                "-c",
                "import sqlite3,sys; s=sqlite3.connect(sys.argv[1]); d=sqlite3.connect(sys.argv[2]); s.backup(d); d.close()",
                source, target,
            ])
        #expect(result.status == 0, "the copy failed: \(result.stderr)")
    }

    /// (device, seq, envelope) of every change the server stores for `user`.
    func serverEnvelopes(backend: String, database: String, user: String) throws -> [(String, Int64, Data)] {
        if backend == "sqlite" {
            let queue = try DatabaseQueue(path: database)
            defer { try? queue.close() }
            return try queue.read { db in
                try Row.fetchAll(
                    db,
                    sql:
                        "SELECT c.device, c.seq, c.envelope FROM changes c JOIN users u ON u.id = c.user_id WHERE u.username = ?",
                    arguments: [user]
                ).map { ($0["device"], $0["seq"], $0["envelope"]) }
            }
        }
        let result = try Subprocess.run(
            "psql",
            [
                database, "-tAc",
                "SELECT c.device || ' ' || c.seq || ' ' || encode(c.envelope, 'hex') FROM changes c JOIN users u ON u.id = c.user_id WHERE u.username = '\(user)'",
            ])
        #expect(result.status == 0, "psql failed: \(result.stderr)")
        return result.stdout.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ")
            guard parts.count == 3, let seq = Int64(parts[1]), let bytes = Data(hex: String(parts[2])) else {
                return nil
            }
            return (String(parts[0]), seq, bytes)
        }
    }

    /// The account's user id and the sealed copies of its journal key on the server.
    func sealedKeys(backend: String, database: String, user: String) throws -> [(String, Data)] {
        if backend == "sqlite" {
            let queue = try DatabaseQueue(path: database)
            defer { try? queue.close() }
            return try queue.read { db in
                try Row.fetchAll(
                    db,
                    sql:
                        "SELECT s.device_id, s.sealed FROM sealed_keys s JOIN users u ON u.id = s.user_id WHERE u.username = ?",
                    arguments: [user]
                ).map { ($0["device_id"], $0["sealed"]) }
            }
        }
        let result = try Subprocess.run(
            "psql",
            [
                database, "-tAc",
                "SELECT s.device_id || ' ' || encode(s.sealed, 'hex') FROM sealed_keys s JOIN users u ON u.id = s.user_id WHERE u.username = '\(user)'",
            ])
        return result.stdout.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ")
            guard parts.count == 2, let bytes = Data(hex: String(parts[1])) else { return nil }
            return (String(parts[0]), bytes)
        }
    }

    func entries(_ run: CLIRun) throws -> [[String: Any]] {
        var all: [[String: Any]] = []
        for arguments in [["list", "--json", "--limit", "1000"], ["list", "--json", "--trashed", "--limit", "1000"]] {
            let output = run.run(arguments).stdout
            all += (try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]]) ?? []
        }
        return all
    }

    @Test(
        "A lost laptop: revoke --lost, rotate, re-seal, report; the others keep working",
        arguments: ["sqlite", "postgres"])
    func aLostLaptopOpensNothingAfterTheRotation(backend: String) throws {
        let serverDatabase = try database(backend)
        let server = try ServerProcess(database: serverDatabase)
        let user = "lost\(UInt32.random(in: 0...UInt32.max))"
        let (a, b, c, d) = (
            SyncLaptop(folder, "\(user)-a"), SyncLaptop(folder, "\(user)-b"), SyncLaptop(folder, "\(user)-c"),
            SyncLaptop(folder, "\(user)-d")
        )
        let registered = a.ok(
            "account", "register", "--server", server.url, "--username", user, "--invite", try server.invite())
        let printedRecovery = try #require(
            registered.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.first {
                RecoveryKey(printed: $0) != nil
            })
        for laptop in [b, c, d] { laptop.ok("account", "login", "--server", server.url, "--username", user) }
        a.ok("new", "reflection", "Before the loss, from a.", "--title", "From a")
        let flagged = b.ok("new", "mistake", "Mrs Patel in bed 12, MRN 4459812.", "--allow-phi", "--title", "Handover")
        let trashed = c.ok("new", "goal", "A goal c later trashed.")
        c.ok("trash", trashed)
        for laptop in [a, b, c, d, a, b, c] { laptop.ok("sync") }
        // d goes offline with changes it has not pushed; c is lost, its files taken as they are.
        let offline = d.ok("new", "action", "Written offline on d during the rotation.")
        let lostCopy = folder.file("\(user)-lost.sqlite")
        try copyJournal(c.path, to: lostCopy)
        let lostDevice = try decodeObject(c.ok("status", "--json"))["device"] as? String ?? ""
        let lostState = try Journal.open(at: lostCopy).syncState()
        let oldKey = try JournalKey(bytes: Data(hex: lostState["journalKey"] ?? "") ?? Data(), keyID: 1)

        // On b: revoke --lost.
        let result = b.run.run(["devices", "revoke", String(lostDevice.prefix(8)), "--lost", "--json"])
        #expect(result.status == 0, "revoke --lost failed: \(result.stderr)")
        let output = try decodeObject(result.stdout)
        let rotation = try #require(output["rotation"] as? [String: Any])
        #expect(rotation["keyID"] as? Int == 2 && rotation["madeHere"] as? Bool == true)
        #expect((rotation["resealed"] as? Int ?? 0) >= 5)

        // The exposure report names, entry for entry, what the lost laptop's journal holds.
        let exposure = try #require(output["exposure"] as? [String: Any])
        let reported = (exposure["entries"] as? [[String: Any]] ?? []).filter { $0["purgedSince"] as? Bool != true }
        let held = try entries(c.run)
        let reportedIDs = Set(reported.compactMap { $0["id"] as? String })
        #expect(reportedIDs == Set(held.compactMap { $0["id"] as? String }), "report \(reported) vs held \(held)")
        for entry in held {
            let item = reported.first { $0["id"] as? String == entry["id"] as? String }
            #expect(item?["title"] as? String == entry["title"] as? String)
            #expect(item?["trashed"] as? Bool == entry["trashed"] as? Bool)
        }
        let flaggedItem = reported.first { ($0["id"] as? String ?? "").hasPrefix(flagged) }
        let flags = flaggedItem?["identifiers"] as? [String] ?? []
        #expect(!flags.isEmpty, "the guard's flags are in the report")
        #expect(b.ok("devices", "report", String(lostDevice.prefix(8)), "--json").contains(flagged))

        // a picks the new key up at its next sync, without a passphrase, and keeps working.
        let aQuiet = withoutPassphrase(a)
        let synced = aQuiet.run(["sync", "--json"])
        #expect(synced.status == 0, "a without a passphrase: \(synced.stderr)")
        #expect(try decodeObject(synced.stdout)["keyRotated"] as? Int == 2)
        let after = a.ok("new", "reflection", "After the rotation, from a.")
        // d comes back with changes sealed for the old key: they get in, under the new one.
        let dQuiet = withoutPassphrase(d)
        #expect(dQuiet.run(["sync"]).status == 0)
        for laptop in [a, b, d, a, b] { laptop.ok("sync") }
        for laptop in [a, b, d] {
            let ids = try entries(laptop.run).compactMap { $0["id"] as? String }
            for id in [offline, after, flagged, trashed] {
                #expect(ids.contains { $0.hasPrefix(id) }, "\(laptop.path) lacks \(id)")
            }
        }
        #expect(try a.snapshot() == b.snapshot() && b.snapshot() == d.snapshot())

        // The server: every envelope under key 2, and none opens with the lost laptop's key.
        let stored = try serverEnvelopes(backend: backend, database: serverDatabase, user: user)
        #expect(stored.count >= 8)
        let userID = lostState["userID"] ?? ""
        for (device, seq, envelope) in stored {
            #expect(Envelope.header(of: envelope)?.keyID == 2, "\(device).\(seq) is not under key 2")
            let id = ChangeID(deviceID: try #require(DeviceID(rawValue: device)), seq: seq)
            #expect(throws: ProtocolError.self) { try Envelope.open(envelope, userID: userID, id: id, keys: [oldKey]) }
        }
        // Its key pair opens no sealed copy of the new key (none is addressed to it), and its token is refused.
        let lostPair = try DeviceKeyPair(rawPrivate: Data(hex: lostState["deviceKey"] ?? "") ?? Data())
        let sealed = try sealedKeys(backend: backend, database: serverDatabase, user: user)
        #expect(!sealed.isEmpty && !sealed.contains { $0.0 == lostDevice })
        for (device, copy) in sealed {
            #expect(throws: ProtocolError.self) {
                try KeySeal.open(copy, keyID: 2, with: lostPair, userName: user, deviceID: device)
            }
            #expect(throws: ProtocolError.self) {
                try KeySeal.open(copy, keyID: 2, with: lostPair, userName: user, deviceID: lostDevice)
            }
        }
        let lostRun = CLIRun(journal: lostCopy, environment: [:])
        #expect(lostRun.run(["sync"]).status == 6)
        #expect(lostRun.run(["devices"]).status == 6)

        // The recovery key still opens the account: it sets a new passphrase, and a laptop logs in with it.
        let e = SyncLaptop(folder, "\(user)-e", passphrase: "a brand new passphrase 42")
        var recover = CLIRun(journal: e.path, environment: ["ALLY_NEW_PASSPHRASE": "a brand new passphrase 42"])
        recover.environment["ALLY_RECOVERY_KEY"] = printedRecovery
        let reset = recover.run(["account", "recover", "--server", server.url, "--username", user])
        #expect(reset.status == 0, "recovery after a rotation: \(reset.stderr)")
        e.ok("account", "login", "--server", server.url, "--username", user)
        e.ok("sync")
        #expect(try e.snapshot() == a.snapshot())
    }

    /// The `ally` binary, for runs that must really be killed.
    static var binary: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/ally").path
    }

    func ally(_ laptop: SyncLaptop, _ arguments: [String], crashAt: String? = nil) throws -> Subprocess.Result {
        var environment = ProcessInfo.processInfo.environment
        environment["ALLY_JOURNAL"] = laptop.path
        environment["ALLY_PASSPHRASE"] = Self.passphrase
        environment["ALLY_TEST_CRASH_AT"] = crashAt
        return try Subprocess.run(Self.binary, arguments, environment: environment)
    }

    @Test("A rotation killed between steps finishes when run again", arguments: ["sqlite", "postgres"])
    func aRotationKilledBetweenStepsFinishesWhenRunAgain(backend: String) throws {
        for step in ["made", "sent", "adopted", "resealing"] {
            let server = try ServerProcess(database: try database(backend))
            let user = "crash\(step)\(UInt32.random(in: 0...UInt32.max))"
            let (a, b) = (SyncLaptop(folder, "\(user)-a"), SyncLaptop(folder, "\(user)-b"))
            a.ok("account", "register", "--server", server.url, "--username", user, "--invite", try server.invite())
            b.ok("account", "login", "--server", server.url, "--username", user)
            for index in 0..<3 { a.ok("new", "reflection", "Entry \(index) before the rotation.") }
            for laptop in [a, b, a] { laptop.ok("sync") }
            let killed = try ally(a, ["account", "rotate-key"], crashAt: step)
            #expect(killed.status != 0, "\(step): the run must have been killed")
            // b keeps working in between.
            b.ok("new", "reflection", "Written on b while a's rotation was cut off at \(step).")
            b.ok("sync")
            let rerun = try ally(a, ["account", "rotate-key", "--json"])
            #expect(rerun.status == 0, "\(step): the rerun failed: \(rerun.stderr)")
            let report = try decodeObject(rerun.stdout)
            #expect(report["keyID"] as? Int == 2, "\(step): \(report)")
            for laptop in [a, b, a, b] { laptop.ok("sync") }
            #expect(try a.snapshot() == b.snapshot(), "\(step)")
            let stored = try serverEnvelopes(backend: backend, database: server.database, user: user)
            #expect(stored.count >= 5 && stored.allSatisfy { Envelope.header(of: $0.2)?.keyID == 2 }, "\(step)")
        }
    }

    @Test("Two rotations at once end on one newest key", arguments: ["sqlite", "postgres"])
    func twoRotationsAtOnceEndInOneKey(backend: String) throws {
        let server = try ServerProcess(database: try database(backend))
        let user = "race\(UInt32.random(in: 0...UInt32.max))"
        let (a, b, c) = (
            SyncLaptop(folder, "\(user)-a"), SyncLaptop(folder, "\(user)-b"), SyncLaptop(folder, "\(user)-c")
        )
        a.ok("account", "register", "--server", server.url, "--username", user, "--invite", try server.invite())
        for laptop in [b, c] { laptop.ok("account", "login", "--server", server.url, "--username", user) }
        for index in 0..<20 { a.ok("new", "reflection", "Entry \(index).") }
        for laptop in [a, b, c] { laptop.ok("sync") }
        let results = ResultBox()
        let group = DispatchGroup()
        for laptop in [a, b] {
            group.enter()
            DispatchQueue.global().async {
                if let result = try? ally(laptop, ["account", "rotate-key", "--json"]) { results.add(result) }
                group.leave()
            }
        }
        group.wait()
        for result in results.all { #expect(result.status == 0, "a rotation failed: \(result.stderr)") }
        // Each rotation either lost the race (and adopted the winner's key) or came after the other (and made the
        // next one): either way every laptop ends on the newest key, and every envelope is sealed under it.
        let keys = results.all.compactMap { try? decodeObject($0.stdout)["keyID"] as? Int }
        #expect(keys.count == 2 && (2...3).contains(keys.max() ?? 0), "\(keys)")
        for laptop in [a, b, c, a, b] { #expect(withoutPassphrase(laptop).run(["sync"]).status == 0) }
        #expect(try a.snapshot() == b.snapshot() && b.snapshot() == c.snapshot())
        let newest = UInt32(keys.max() ?? 0)
        for laptop in [a, b, c] {
            #expect(try Journal.open(at: laptop.path).syncState()["keyID"] == String(newest), "\(laptop.path)")
        }
        let stored = try serverEnvelopes(backend: backend, database: server.database, user: user)
        #expect(stored.count >= 20 && stored.allSatisfy { Envelope.header(of: $0.2)?.keyID == newest })
    }

    final class ResultBox: @unchecked Sendable {
        private let lock = NSLock()
        private var results: [Subprocess.Result] = []
        func add(_ result: Subprocess.Result) { lock.withLock { results.append(result) } }
        var all: [Subprocess.Result] { lock.withLock { results } }
    }
}
