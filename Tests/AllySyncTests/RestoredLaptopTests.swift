import AllyCore
import AllyStore
import AllyTesting
import Foundation
import Testing

/// Issue 7 §3: a journal restored from a file backup wrote new changes under seq numbers its other copy had already
/// used. Sync and bundle import recognise the fork, move the restored journal to a new device id, re-issue its own
/// changes under it, and converge; nothing written on either copy is lost (SPEC §2.2).
@Suite(.serialized) struct RestoredLaptopTests {
    let folder = TemporaryDirectory()

    /// A consistent copy of a journal file, as a backup tool using SQLite's backup API takes it.
    func copyJournal(_ source: String, to target: String) throws {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: target + suffix) }
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = [
            "python3", "-c",
            "import sqlite3,sys; s=sqlite3.connect(sys.argv[1]); d=sqlite3.connect(sys.argv[2]); s.backup(d); d.close()",
            source, target,
        ]
        try python.run()
        python.waitUntilExit()
        #expect(python.terminationStatus == 0, "the copy failed")
    }

    /// Entry ids (full) on a laptop, trash included.
    func ids(_ laptop: SyncLaptop) throws -> Set<String> {
        var found: Set<String> = []
        for arguments in [["list", "--json"], ["list", "--json", "--trashed"]] {
            let list = try JSONSerialization.jsonObject(with: Data(laptop.run.run(arguments).stdout.utf8))
            for entry in list as? [[String: Any]] ?? [] { found.insert(entry["id"] as? String ?? "") }
        }
        return found
    }

    func expectNothingMissing(_ written: Set<String>, on laptop: SyncLaptop, _ label: String) throws {
        let held = try ids(laptop)
        let missing = written.filter { id in !held.contains { $0.hasPrefix(id) } }
        #expect(missing.isEmpty, "\(label) lacks \(missing.sorted())")
    }

    @Test func aLaptopRestoredFromABackupSyncsAgainAndLosesNothing() throws {
        let server = try ServerProcess(database: folder.file("server.sqlite"), arguments: ["--open-registration"])
        let a = SyncLaptop(folder, "a")
        var written: Set<String> = []
        for index in 0..<3 { written.insert(a.ok("new", "reflection", "before the backup \(index)")) }
        a.ok("account", "register", "--server", server.url, "--username", "restorer")
        a.ok("sync")
        try copyJournal(a.path, to: folder.file("a-backup.sqlite"))
        let shared = written.sorted()[0]

        // After the backup: new entries and an edit, synced; then the disk dies.
        for index in 0..<3 { written.insert(a.ok("new", "mistake", "after the backup \(index)")) }
        a.ok("edit", shared, "--body", "edited after the backup", "--add-tag", "lost-copy")
        a.ok("sync")

        // The laptop is restored from the backup, and writes before its first sync: the same seqs, new content.
        try copyJournal(folder.file("a-backup.sqlite"), to: a.path)
        for index in 0..<2 { written.insert(a.ok("new", "goal", "after the restore \(index)")) }
        a.ok("edit", shared, "--add-tag", "restored-copy")
        let pending = try decodeObject(a.ok("status", "--json"))["pendingChanges"] as? Int
        let result = a.run.run(["sync", "--json"])
        #expect(result.status == 0, "sync after a restore must work: \(result.stderr) \(result.stdout)")
        let report = try decodeObject(result.stdout)
        let fork = try #require(report["fork"] as? [String: Any], "sync must report the fork: \(result.stdout)")
        #expect(fork["reissued"] as? Int == pending && (fork["merged"] as? Int ?? 0) >= 4)
        #expect(result.stderr.contains("another copy of this journal"))
        #expect(try Journal.open(at: a.path).deviceID.rawValue == fork["newDevice"] as? String)

        let b = SyncLaptop(folder, "b")
        b.ok("account", "login", "--server", server.url, "--username", "restorer")
        b.ok("sync")
        a.ok("sync")
        for laptop in [a, b] { try expectNothingMissing(written, on: laptop, laptop.path) }
        #expect(try a.snapshot() == b.snapshot())
        let tags = try decodeObject(b.ok("show", shared, "--json"))["tags"] as? [String] ?? []
        #expect(Set(tags) == ["lost-copy", "restored-copy"])
        for laptop in [a, b] {
            let journal = try Journal.open(at: laptop.path)
            try journal.checkInvariants()
            #expect(try journal.heldChanges().isEmpty)
            let quiet = try decodeObject(laptop.ok("sync", "--json"))
            #expect(quiet["pushed"] as? Int == 0 && quiet["fork"] == nil)
        }
    }

    @Test func twoCopiesOfOneJournalConvergeByBundles() throws {
        let a = SyncLaptop(folder, "a")
        var written: Set<String> = []
        for index in 0..<3 { written.insert(a.ok("new", "reflection", "shared past \(index)")) }
        let shared = written.sorted()[0]
        // The copy: a file copied to another laptop (or restored there), then both write.
        let copy = SyncLaptop(folder, "copy")
        try copyJournal(a.path, to: copy.path)
        for index in 0..<3 { written.insert(a.ok("new", "mistake", "on the original \(index)")) }
        for index in 0..<2 { written.insert(copy.ok("new", "goal", "on the copy \(index)")) }
        a.ok("edit", shared, "--add-tag", "original")
        copy.ok("edit", shared, "--add-tag", "copy")

        // Bundles both ways, twice: exactly one copy moves to a new id, and then both agree.
        var forks = 0
        for _ in 0..<2 {
            for (from, to) in [(a, copy), (copy, a)] {
                let file = folder.file("exchange.bundle")
                try? FileManager.default.removeItem(atPath: file)
                from.ok("bundle", "export", file)
                let imported = to.run.run(["bundle", "import", "--json", file])
                #expect(imported.status == 0, "\(imported.stderr)")
                if try decodeObject(imported.stdout)["fork"] != nil { forks += 1 }
            }
        }
        #expect(forks == 1)
        for laptop in [a, copy] {
            try expectNothingMissing(written, on: laptop, laptop.path)
            try Journal.open(at: laptop.path).checkInvariants()
        }
        #expect(try a.snapshot() == copy.snapshot())
        #expect(try Journal.open(at: a.path).deviceID != (try Journal.open(at: copy.path).deviceID))
        let tags = try decodeObject(a.ok("show", shared, "--json"))["tags"] as? [String] ?? []
        #expect(Set(tags) == ["original", "copy"])
    }

    /// Found by the simulation's soak (seeds 2786520401018109170, 8063368687342003614): a restored laptop's new
    /// changes reached a third laptop by bundle before the restored one synced. The third laptop then held, under the
    /// restored laptop's id, changes the server had in other forms, and every one of its syncs failed with 409.
    @Test func aRestoredLaptopsChangesRelayedByBundleDoNotStopTheRelay() throws {
        let server = try ServerProcess(database: folder.file("server.sqlite"), arguments: ["--open-registration"])
        let (a, b) = (SyncLaptop(folder, "a"), SyncLaptop(folder, "b"))
        var written: Set<String> = [a.ok("new", "reflection", "before the backup")]
        a.ok("account", "register", "--server", server.url, "--username", "relay")
        b.ok("account", "login", "--server", server.url, "--username", "relay")
        a.ok("sync")
        b.ok("sync")
        try copyJournal(a.path, to: folder.file("a-backup.sqlite"))
        written.insert(a.ok("new", "goal", "after the backup, synced"))
        a.ok("sync")
        // A is restored, writes, and hands B a bundle before syncing.
        try copyJournal(folder.file("a-backup.sqlite"), to: a.path)
        written.insert(a.ok("new", "mistake", "after the restore, by bundle"))
        let bundle = folder.file("a.bundle")
        a.ok("bundle", "export", bundle)
        b.ok("bundle", "import", bundle)
        let relayed = b.run.run(["sync"])
        #expect(relayed.status == 0, "\(relayed.stderr)")
        a.ok("sync")
        b.ok("sync")
        a.ok("sync")
        for laptop in [a, b] { try expectNothingMissing(written, on: laptop, laptop.path) }
        #expect(try a.snapshot() == b.snapshot())
    }
}

