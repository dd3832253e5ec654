import AllyCore
import AllyStore
import AllyTesting
import Foundation
import GRDB
import Testing

/// Issue 12: a purge or redaction reaches every copy — this laptop's files, the server's, every other laptop at its
/// next sync or bundle import, a laptop that was offline with an edit of the entry, an old bundle, a fresh laptop —
/// and `ally purge --status` says which laptops have applied it (SPEC §2.3).
@Suite(.serialized) struct ErasureTests {
    let folder = TemporaryDirectory()

    func database(_ backend: String) throws -> String {
        if backend == "sqlite" { return folder.file("server-\(UInt32.random(in: 0...UInt32.max)).sqlite") }
        return try #require(
            ProcessInfo.processInfo.environment["ALLY_TEST_POSTGRES_URL"],
            "set ALLY_TEST_POSTGRES_URL; Tools/test.sh starts PostgreSQL with Tools/scripts/postgres.sh and sets it")
    }

    /// The bytes of a SQLite database and its WAL, as `grep` would read them.
    func fileBytes(_ path: String) -> Data {
        var data = Data()
        for suffix in ["", "-wal", "-journal"] {
            if let part = FileManager.default.contents(atPath: path + suffix) { data.append(part) }
        }
        return data
    }

    /// Every marker found in the files of a journal, in any case.
    func markersFound(_ markers: [String], in path: String) -> [String] {
        let bytes = fileBytes(path)
        return markers.filter { marker in
            [marker, marker.uppercased(), marker.capitalized].contains { bytes.range(of: Data($0.utf8)) != nil }
        }
    }

    func status(_ laptop: SyncLaptop) throws -> [[String: Any]] {
        try decodeObject(laptop.ok("purge", "--status", "--json"))["erasures"] as? [[String: Any]] ?? []
    }

    /// Whether the laptop named `device` (a full device id) has applied the erasure of `entry`, per `a`'s receipt.
    func applied(_ device: String, entry: String, kind: String, on laptop: SyncLaptop) throws -> Bool? {
        let item = try status(laptop).first { $0["entry"] as? String == entry && $0["kind"] as? String == kind }
        let laptops = item?["laptops"] as? [[String: Any]] ?? []
        return laptops.first { $0["device"] as? String == device }?["applied"] as? Bool
    }

    func deviceID(_ laptop: SyncLaptop) throws -> String {
        try decodeObject(laptop.ok("status", "--json"))["device"] as? String ?? ""
    }

    /// Every envelope the server stores for `user`: read from the SQLite file, or with psql from PostgreSQL.
    func serverEnvelopes(backend: String, database: String, user: String) throws -> [Data] {
        if backend == "sqlite" {
            let queue = try DatabaseQueue(path: database)
            defer { try? queue.close() }
            return try queue.read { db in try Data.fetchAll(db, sql: "SELECT envelope FROM changes") }
        }
        let psql = Process()
        psql.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        psql.arguments = [
            "psql", database, "-tAc",
            "SELECT encode(c.envelope, 'hex') FROM changes c JOIN users u ON u.id = c.user_id WHERE u.username = '\(user)'",
        ]
        let output = Pipe()
        psql.standardOutput = output
        try psql.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        psql.waitUntilExit()
        #expect(psql.terminationStatus == 0, "psql failed")
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map { line in
            var bytes = Data()
            var index = line.startIndex
            while index < line.endIndex, let next = line.index(index, offsetBy: 2, limitedBy: line.endIndex) {
                if let byte = UInt8(line[index..<next], radix: 16) { bytes.append(byte) }
                index = next
            }
            return bytes
        }
    }

    @Test(
        "Purge and redact reach every laptop, the server, late laptops and old bundles",
        arguments: ["sqlite", "postgres"])
    func erasureReachesEverywhere(backend: String) throws {
        let serverDatabase = try database(backend)
        let server = try ServerProcess(database: serverDatabase)
        let user = "eraser\(UInt32.random(in: 0...UInt32.max))"
        let (a, b, c) = (
            SyncLaptop(folder, "\(user)-a"), SyncLaptop(folder, "\(user)-b"), SyncLaptop(folder, "\(user)-c")
        )
        // "Purge" markers live only in the entry to purge; "redact" markers in the entry to redact.
        let purged = a.ok(
            "new", "reflection", "Saw the patient vexillumpurge in bay 4 today.", "--title", "Night titlepurgeqq",
            "--tag", "tagpurgeqq", "--allow-phi")
        a.ok(
            "edit", purged, "--body", "Saw the patient vexillumpurge in bay 4 today.\nSecond thought: secondpurgeqq.",
            "--allow-phi")
        let redacted = a.ok(
            "new", "mistake", "Mrs Quillredact was upset; I called 0161 496 0000.\nWhat I learnt: ask first.",
            "--title", "About Quillredact", "--tag", "quillredact", "--allow-phi")
        a.ok(
            "edit", redacted, "--body", "Mrs Quillredact was upset.\nWhat I learnt: ask first; Quillredact agreed.",
            "--allow-phi")
        let kept = a.ok("new", "goal", "Ask the registrar what she needs; keepmarkerzz.")
        a.ok("account", "register", "--server", server.url, "--username", user, "--invite", try server.invite())
        for laptop in [b, c] { laptop.ok("account", "login", "--server", server.url, "--username", user) }
        for laptop in [a, b, c] { laptop.ok("sync") }
        #expect(b.ok("search", "vexillumpurge").contains(String(purged.prefix(8))))

        // Before the purge: b exports a bundle, c goes offline and edits the entry that will be purged.
        let oldBundle = folder.file("\(user)-old.allybundle")
        b.ok("bundle", "export", oldBundle)
        c.ok("edit", purged, "--body", "Offline on c: offlinepurgeqq, about the same patient.")

        // The server's envelopes before the purge, to check later that the replaced ones left its files.
        let envelopesBefore = try serverEnvelopes(backend: backend, database: serverDatabase, user: user)

        a.ok("purge", purged, "--yes")
        a.ok("redact", redacted, "--text", "quillredact", "--text", "0161 496 0000")
        let purgeMarkers = ["vexillumpurge", "titlepurgeqq", "tagpurgeqq", "secondpurgeqq"]
        let redactMarkers = ["quillredact", "0161 496 0000"]
        #expect(markersFound(purgeMarkers + redactMarkers, in: a.path).isEmpty, "a's files still hold erased text")
        #expect(markersFound(["keepmarkerzz"], in: a.path) == ["keepmarkerzz"], "the grep must see what is kept")
        #expect(a.run.run(["show", purged]).status != 0)
        let shown = try decodeObject(a.ok("show", redacted, "--json"))
        #expect((shown["body"] as? String ?? "").contains("[redacted]"))
        #expect((shown["title"] as? String) == "About [redacted]")
        let before = try #require(try status(a).first { $0["kind"] as? String == "purge" })
        #expect(before["serverCopyReplaced"] as? Bool == false)

        // a syncs: the server's copies are replaced; b has not applied it yet.
        let report = try decodeObject(a.ok("sync", "--json"))
        #expect((report["replacedOnServer"] as? Int ?? 0) >= 5, "\(report)")
        let (bID, cID) = (try deviceID(b), try deviceID(c))
        #expect(
            try applied(bID, entry: String(purged.prefix(8)), kind: "purge", on: a) == nil
                || applied(bID, entry: String(purged.prefix(8)), kind: "purge", on: a) == false)
        let purgeEntry = try #require(try status(a).first { $0["kind"] as? String == "purge" })
        #expect(purgeEntry["serverCopyReplaced"] as? Bool == true, "\(purgeEntry)")
        let fullPurged = purgeEntry["entry"] as? String ?? ""
        #expect(try applied(bID, entry: fullPurged, kind: "purge", on: a) == false)

        // b syncs and applies it; the receipt says so.
        b.ok("sync")
        #expect(try applied(bID, entry: fullPurged, kind: "purge", on: a) == true)
        #expect(try applied(cID, entry: fullPurged, kind: "purge", on: a) == false)
        #expect(markersFound(purgeMarkers + redactMarkers, in: b.path).isEmpty, "b's files still hold erased text")

        // c comes back with an unpushed edit of the purged entry: it is purged on arrival, everywhere.
        c.ok("sync")
        #expect(try applied(cID, entry: fullPurged, kind: "purge", on: a) == true)
        #expect(markersFound(purgeMarkers + redactMarkers + ["offlinepurgeqq"], in: c.path).isEmpty)
        for laptop in [a, b] { laptop.ok("sync") }
        for laptop in [a, b, c] {
            #expect(markersFound(purgeMarkers + redactMarkers + ["offlinepurgeqq"], in: laptop.path).isEmpty)
            #expect(laptop.run.run(["show", purged]).status != 0)
        }

        // The old bundle, exported before the purge, brings nothing back.
        b.ok("bundle", "import", oldBundle)
        #expect(markersFound(purgeMarkers + redactMarkers, in: b.path).isEmpty, "an old bundle resurrected text")
        #expect(b.run.run(["show", purged]).status != 0)
        // Bundles exported after the purge carry stubs only.
        let newBundle = folder.file("\(user)-new.allybundle")
        b.ok("bundle", "export", newBundle)
        let bundleBytes = FileManager.default.contents(atPath: newBundle) ?? Data()
        #expect(purgeMarkers.allSatisfy { bundleBytes.range(of: Data($0.utf8)) == nil })

        // A fresh laptop logging in afterwards never receives the text.
        let d = SyncLaptop(folder, "\(user)-d")
        d.ok("account", "login", "--server", server.url, "--username", user)
        d.ok("sync")
        #expect(markersFound(purgeMarkers + redactMarkers + ["offlinepurgeqq"], in: d.path).isEmpty)
        #expect(d.ok("search", "keepmarkerzz").contains(String(kept.prefix(8))))
        #expect(try a.snapshot() == d.snapshot())
        #expect(try a.snapshot() == c.snapshot())
        for laptop in [a, b, c, d] { laptop.ok("check") }

        // The server no longer holds the replaced envelopes; on SQLite not even in its files (on PostgreSQL the dead
        // rows wait for VACUUM, docs/PRIVACY.md).
        let after = Set(try serverEnvelopes(backend: backend, database: serverDatabase, user: user))
        let gone = envelopesBefore.filter { !after.contains($0) }
        #expect(gone.count >= 6, "the purge and redaction must have replaced envelopes on the server")
        if backend == "sqlite" {
            let serverBytes = fileBytes(serverDatabase)
            let remaining = gone.filter { serverBytes.range(of: $0.suffix(48)) != nil }
            #expect(remaining.isEmpty, "\(remaining.count) replaced envelopes are still in the server's files")
        }
    }

    @Test func pulledEntriesThatLookIdentifyingAreReported() throws {
        let server = try ServerProcess(database: try database("sqlite"))
        let user = "flagger\(UInt32.random(in: 0...UInt32.max))"
        let (a, b) = (SyncLaptop(folder, "\(user)-a"), SyncLaptop(folder, "\(user)-b"))
        a.ok("account", "register", "--server", server.url, "--username", user, "--invite", try server.invite())
        b.ok("account", "login", "--server", server.url, "--username", user)
        a.ok("new", "reflection", "A clean reflection about the rota.")
        let flagged = a.ok("new", "reflection", "Mrs Patel in bed 12, MRN 4459812.", "--allow-phi")
        a.ok("sync")
        let result = b.run.run(["sync", "--json"])
        #expect(result.status == 0)
        let report = try decodeObject(result.stdout)
        let ids = report["identifierEntries"] as? [String] ?? []
        #expect(ids.count == 1 && ids[0].hasPrefix(flagged), "\(report)")
        #expect(try decodeObject(b.ok("status", "--json"))["identifierEntries"] as? Int == 1)
        #expect(b.run.run(["sync"]).stderr.isEmpty, "reported once, at the sync that brought it")
        #expect(b.ok("status").contains("patient identifiers"))
        // Once fixed, status no longer mentions it.
        b.ok("redact", flagged, "--phi")
        #expect(try decodeObject(b.ok("status", "--json"))["identifierEntries"] as? Int == 0)
    }

    /// `ally redact --phi` reaches edits it never saw: another laptop's edit written offline with an identifier is
    /// redacted on arrival there, and its server copy replaced.
    @Test func aRedactionOfIdentifiersReachesEditsWrittenOffline() throws {
        let server = try ServerProcess(database: try database("sqlite"))
        let user = "phi\(UInt32.random(in: 0...UInt32.max))"
        let (a, b, c) = (
            SyncLaptop(folder, "\(user)-a"), SyncLaptop(folder, "\(user)-b"), SyncLaptop(folder, "\(user)-c")
        )
        a.ok("account", "register", "--server", server.url, "--username", user, "--invite", try server.invite())
        for laptop in [b, c] { laptop.ok("account", "login", "--server", server.url, "--username", user) }
        let id = a.ok("new", "reflection", "Handover about MRN 4459812 went badly.", "--allow-phi")
        for laptop in [a, b, c] { laptop.ok("sync") }
        // b, offline, adds another identifier to the same entry.
        b.ok(
            "edit", id, "--body", "Handover about MRN 4459812 went badly.\nAlso NHS number 943 476 5919.", "--allow-phi"
        )
        a.ok("redact", id, "--phi")
        a.ok("sync")
        b.ok("sync")
        for laptop in [a, c, b, a, c] { laptop.ok("sync") }
        for laptop in [a, b, c] {
            #expect(markersFound(["4459812", "943 476 5919"], in: laptop.path).isEmpty, "\(laptop.path)")
            #expect(laptop.run.run(["scan", "--history"]).status == 0, "\(laptop.path)")
            #expect(laptop.ok("show", id, "--json").contains("Also [redacted]."))
        }
        #expect(try a.snapshot() == b.snapshot() && b.snapshot() == c.snapshot())
    }
}
