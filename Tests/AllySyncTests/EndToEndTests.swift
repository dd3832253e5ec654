import AllyCore
import AllyStore
import AllyTesting
import Foundation
import Testing

/// Issue #3 "done means": three journals syncing through a live ally-server on loopback end identical, and the
/// server never holds a word of them.
@Suite(.serialized) struct EndToEndTests {
    let folder = TemporaryDirectory()

    /// The server's database for a backend: a fresh SQLite file, or the PostgreSQL cluster Tools/test.sh starts.
    func database(_ backend: String) throws -> String {
        if backend == "sqlite" { return folder.file("server.sqlite") }
        return try #require(
            ProcessInfo.processInfo.environment["ALLY_TEST_POSTGRES_URL"],
            "set ALLY_TEST_POSTGRES_URL; Tools/test.sh starts PostgreSQL with Tools/scripts/postgres.sh and sets it")
    }

    /// A username no earlier run used (the PostgreSQL database outlives a test run).
    func unique(_ name: String) -> String { "\(name)\(UInt32.random(in: 0...UInt32.max))" }

    func threeLaptops(server: ServerProcess, user: String) throws -> [SyncLaptop] {
        let laptops = ["a", "b", "c"].map { SyncLaptop(folder, "\(user)-\($0)") }
        laptops[0].ok("new", "reflection", "Written before any account existed: zanzibarmarker.", "--tag", "quokkatag")
        laptops[0].ok(
            "account", "register", "--server", server.url, "--username", user, "--invite", try server.invite())
        for laptop in laptops.dropFirst() { laptop.ok("account", "login", "--server", server.url, "--username", user) }
        for laptop in laptops { laptop.ok("sync") }
        return laptops
    }

    @Test("Three journals converge through a live server, which learns nothing", arguments: ["sqlite", "postgres"])
    func threeJournalsConverge(backend: String) throws {
        let server = try ServerProcess(database: try database(backend))
        let user = unique("sam")
        let laptops = try threeLaptops(server: server, user: user)
        let (a, b, c) = (laptops[0], laptops[1], laptops[2])
        // The entry written before login reached every laptop.
        for laptop in laptops { #expect(laptop.ok("search", "zanzibarmarker").count >= 8) }

        // Offline on all three: concurrent body edits, tag edits, trash versus edit.
        let shared = a.ok("new", "mistake", "What happened: x\nImpact: y\nRepair: z\nLesson: w", "--title", "Huddle")
        let clash = a.ok("new", "goal", "Read chapter 1 with J.")
        let doomed = a.ok("new", "feedback", "R. said: speak up sooner.")
        a.ok("sync")
        b.ok("sync")
        c.ok("sync")
        a.ok(
            "edit", shared, "--body",
            "What happened: I talked over Dr. K (xylophonemarker)\nImpact: y\nRepair: z\nLesson: w", "--add-tag",
            "huddle")
        b.ok(
            "edit", shared, "--body", "What happened: x\nImpact: y\nRepair: apologised\nLesson: w", "--add-tag",
            "repair")
        c.ok("edit", shared, "--remove-tag", "huddle", "--add-tag", "staffing")
        a.ok("edit", clash, "--body", "Read chapter 3 with J.")
        b.ok("edit", clash, "--body", "Read chapter 5 with J.")
        a.ok("trash", doomed)
        c.ok("edit", doomed, "--body", "R. said: speak up sooner, and credit the idea.")
        for _ in 0..<2 { for laptop in laptops { laptop.ok("sync") } }

        let first = try a.snapshot()
        #expect(try b.snapshot() == first)
        #expect(try c.snapshot() == first)
        let merged = try decodeObject(a.ok("show", shared, "--json"))
        #expect(
            merged["body"] as? String
                == "What happened: I talked over Dr. K (xylophonemarker)\nImpact: y\nRepair: apologised\nLesson: w")
        #expect(Set(merged["tags"] as? [String] ?? []) == ["huddle", "repair", "staffing"])  // c removed only the add it saw (none)
        #expect(a.ok("conflicts").contains(clash) && a.ok("conflicts").contains(doomed))

        // One laptop resolves both; after the next round every laptop agrees, with no conflicts left.
        b.ok("resolve", clash, "--body", "Read chapters 3 and 5 with J.")
        c.ok("resolve", doomed, "--keep")
        for _ in 0..<2 { for laptop in laptops { laptop.ok("sync") } }
        let settled = try a.snapshot()
        #expect(try b.snapshot() == settled && (try c.snapshot()) == settled)
        #expect(a.run("conflicts").stdout.isEmpty)
        #expect(try decodeObject(c.ok("show", clash, "--json"))["body"] as? String == "Read chapters 3 and 5 with J.")

        // The server's storage holds none of the words, no passphrase, no journal key.
        let serverBytes = try serverDump(backend)
        let dump = String(decoding: serverBytes, as: UTF8.self)
        for secret in [
            "zanzibarmarker", "xylophonemarker", "quokkatag", "Huddle", "apologised", "correct horse battery staple",
        ] {
            #expect(!dump.contains(secret), "the server stores '\(secret)' in clear")
        }
        let key = try #require(try Journal.open(at: a.path).syncState()["journalKey"])
        #expect(!dump.contains(key) && !serverBytes.contains(Data(hex: key) ?? Data([0])))
        #expect(server.stop() == 0, "ally-server should exit cleanly on SIGTERM")
    }

    /// Every byte the server stored: the SQLite files, or a pg_dump of the PostgreSQL database.
    func serverDump(_ backend: String) throws -> Data {
        if backend == "sqlite" {
            var bytes = Data()
            for suffix in ["", "-wal", "-shm"] {
                bytes.append(FileManager.default.contents(atPath: folder.file("server.sqlite") + suffix) ?? Data())
            }
            return bytes
        }
        let url = try database(backend)
        let dump = Process()
        dump.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        dump.arguments = ["pg_dump", "--data-only", url]
        let out = Pipe()
        dump.standardOutput = out
        try dump.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        dump.waitUntilExit()
        #expect(dump.terminationStatus == 0 && data.count > 1000, "pg_dump failed")
        // pg_dump writes bytea as hex: decode the hex runs so that binary keys are searched too.
        var decoded = data
        for word in String(decoding: data, as: UTF8.self).split(whereSeparator: { $0 == "\t" || $0 == "\n" })
        where word.hasPrefix("\\x") {
            decoded.append(Data(hex: String(word.dropFirst(2))) ?? Data())
        }
        return decoded
    }

    @Test func wrongPassphraseRevokedDeviceAndUnreachableServerAreClearAndHarmless() throws {
        let server = try ServerProcess(database: folder.file("server.sqlite"))
        let a = SyncLaptop(folder, "a")
        a.ok("account", "register", "--server", server.url, "--username", "robin", "--invite", try server.invite())
        a.ok("new", "reflection", "kept locally")
        a.ok("sync")
        let wrong = SyncLaptop(folder, "b", passphrase: "not the passphrase at all")
        let refused = wrong.run.run(["account", "login", "--server", server.url, "--username", "robin"])
        #expect(refused.status == 6 && refused.stderr.contains("wrong username or passphrase"))
        let unknown = wrong.run.run(["account", "login", "--server", server.url, "--username", "nobody-here"])
        #expect(unknown.status == 6 && unknown.stderr.contains("wrong username or passphrase"))

        let b = SyncLaptop(folder, "c")
        b.ok("account", "login", "--server", server.url, "--username", "robin")
        b.ok("sync")
        let devices = a.ok("devices")
        let bDevice = try #require(try Journal.open(at: b.path).deviceID.short)
        #expect(devices.contains(bDevice))
        a.ok("devices", "revoke", bDevice)
        b.ok("new", "reflection", "written after revocation")
        let revoked = b.run.run(["sync"])
        #expect(revoked.status == 6 && revoked.stderr.contains("revoked"))
        #expect(b.ok("list").contains("written after revocation"))

        #expect(server.stop() == 0)
        let offline = a.run.run(["sync"])
        #expect(offline.status == 7 && offline.stderr.contains("cannot reach"))
        #expect(a.ok("list").contains("kept locally"))
        #expect(try Journal.open(at: a.path).integrityCheck() == "ok")
        let insecure = SyncLaptop(folder, "d").run.run([
            "account", "login", "--server", "http://example.org", "--username", "robin",
        ])
        #expect(insecure.status == 2 && insecure.stderr.contains("--allow-insecure-http"))
    }

    @Test func passphraseChangeKeepsOtherLaptopsWorkingAndRecoverySignsThemOut() throws {
        let server = try ServerProcess(database: folder.file("server.sqlite"))
        let a = SyncLaptop(folder, "a")
        let registered = a.ok(
            "account", "register", "--server", server.url, "--username", "kim", "--invite", try server.invite())
        let recovery = try #require(
            registered.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                .first { $0.count == 71 && $0.filter { $0 == "-" }.count == 7 })
        let b = SyncLaptop(folder, "b")
        b.ok("account", "login", "--server", server.url, "--username", "kim")

        a.run.environment["ALLY_NEW_PASSPHRASE"] = "a brand new passphrase"
        a.ok("account", "passphrase")
        a.ok("new", "reflection", "after the change")
        a.ok("sync")
        b.ok("sync")  // b's token still works
        #expect(b.ok("list").contains("after the change"))
        let old = SyncLaptop(folder, "c").run.run(["account", "login", "--server", server.url, "--username", "kim"])
        #expect(old.status == 6)
        let fresh = SyncLaptop(folder, "d", passphrase: "a brand new passphrase")
        fresh.ok("account", "login", "--server", server.url, "--username", "kim")

        let recovering = SyncLaptop(folder, "e")
        recovering.run.environment["ALLY_NEW_PASSPHRASE"] = "recovered passphrase here"
        recovering.ok("account", "recover", "--server", server.url, "--username", "kim", "--recovery-key", recovery)
        let e2 = SyncLaptop(folder, "f", passphrase: "recovered passphrase here")
        e2.ok("account", "login", "--server", server.url, "--username", "kim")
        e2.ok("sync")
        #expect(e2.ok("list").contains("after the change"))
        // Issue 9 §3: a recovery signs every laptop out that was logged in before it.
        #expect(b.run.run(["sync"]).status == 6)
        #expect(a.run.run(["sync"]).status == 6)

        // --sign-out-others on request: e2 changes the passphrase and the laptop logged in beside it is out.
        let g = SyncLaptop(folder, "g", passphrase: "recovered passphrase here")
        g.ok("account", "login", "--server", server.url, "--username", "kim")
        e2.run.environment["ALLY_NEW_PASSPHRASE"] = "third passphrase, long enough"
        e2.ok("account", "passphrase", "--sign-out-others")
        e2.ok("sync")
        #expect(g.run.run(["sync"]).status == 6)
    }

    /// Issue 9 §4: an oversized or malformed username is refused (400) before anything keeps it.
    @Test func oversizedAndMalformedUsernamesAreRefusedUpFront() throws {
        let server = try ServerProcess(database: folder.file("server.sqlite"))
        for username in [String(repeating: "a", count: 100_000), "nul\u{0}name"] {
            let login = SyncLaptop(folder, "x\(username.count)").run.run([
                "account", "login", "--server", server.url, "--username", username,
            ])
            // The server answers 400 with the rule, which the laptop shows.
            #expect(login.status != 0 && login.stderr.contains("a username is 3–64 characters"), "\(login.stderr.prefix(200))")
        }
    }

    @Test func aLaptopWhoseClockRunsAMonthFastIsReportedBySync() throws {
        let server = try ServerProcess(database: folder.file("server.sqlite"))
        let now = ManualClock()
        let fast = SyncLaptop(folder, "fast", clock: ManualClock(millis: now.now() + 30 * 86_400_000))
        fast.ok("account", "register", "--server", server.url, "--username", "lee", "--invite", try server.invite())
        let id = fast.ok("new", "action", "Credited R. in the M&M meeting", "--minutes", "5")
        fast.ok("sync")
        let slow = SyncLaptop(folder, "slow", clock: now)
        slow.ok("account", "login", "--server", server.url, "--username", "lee")
        let pulled = slow.run.run(["sync", "--json"])
        #expect(pulled.status == 0 && pulled.stderr.contains("ahead"), "\(pulled.stderr)")
        let fastDevice = try Journal.open(at: fast.path).deviceID.rawValue
        let ahead = try #require(try decodeObject(pulled.stdout)["clockAhead"] as? [String: String])
        #expect(ahead.keys.sorted() == [fastDevice])
        // The slow laptop's edit, made after it saw the fast one's, wins everywhere.
        slow.ok("edit", id, "--title", "Credited R. by name in the M&M meeting")
        slow.ok("sync")
        let again = fast.run.run(["sync", "--json"])
        #expect(again.status == 0 && !again.stderr.contains("ahead"))
        #expect(
            try decodeObject(fast.ok("show", id, "--json"))["title"] as? String
                == "Credited R. by name in the M&M meeting")
        #expect(try fast.snapshot() == slow.snapshot())
    }
}

func decodeObject(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}

/// Issue 7 §7: the clock warning names only laptops whose own clock was off, judged from their own readings
/// (stamps with counter 0), not from stamps advanced by merging; and a laptop a day ahead is named by one with
/// the right time.
@Suite(.serialized) struct ClockWarningTests {
    let folder = TemporaryDirectory()

    @Test func onlyTheLaptopWhoseClockIsAheadIsNamed() throws {
        let server = try ServerProcess(database: folder.file("server.sqlite"), arguments: ["--open-registration"])
        let now = ManualClock()
        // 23 hours ahead: a wrong clock by any measure, which a one-day tolerance never caught.
        let fast = SyncLaptop(folder, "fast", clock: ManualClock(millis: now.now() + 82_800_000))
        let right = SyncLaptop(folder, "right", clock: now)
        let third = SyncLaptop(folder, "third", clock: now)
        fast.ok("account", "register", "--server", server.url, "--username", "clocks")
        for laptop in [right, third] { laptop.ok("account", "login", "--server", server.url, "--username", "clocks") }
        let id = fast.ok("new", "reflection", "from the fast laptop", "--tag", "a", "--tag", "b")
        fast.ok("sync")
        let fastDevice = try Journal.open(at: fast.path).deviceID.rawValue
        let rightDevice = try Journal.open(at: right.path).deviceID.rawValue

        let first = right.run.run(["sync", "--json"])
        #expect(try decodeObject(first.stdout)["clockAhead"] as? [String: String] != nil)
        #expect(Array((try decodeObject(first.stdout)["clockAhead"] as? [String: String] ?? [:]).keys) == [fastDevice])
        // The right laptop writes after merging: its stamps are a day ahead too, advanced by the merge.
        right.ok("edit", id, "--add-tag", "right")
        right.ok("new", "goal", "from the laptop with the right clock")
        right.ok("sync")

        let pulled = third.run.run(["sync", "--json"])
        #expect(pulled.status == 0)
        let ahead = try decodeObject(pulled.stdout)["clockAhead"] as? [String: String] ?? [:]
        #expect(ahead.keys.sorted() == [fastDevice], "only the fast laptop is named, not \(rightDevice.prefix(8))")
        #expect(pulled.stderr.contains(String(fastDevice.prefix(8))) && !pulled.stderr.contains(String(rightDevice.prefix(8))))
        #expect(pulled.stderr.contains("show that future time"))
    }
}
