import AllyCore
import AllyTesting
import Foundation
import GRDB
import Testing

@testable import AllyStore

/// DESIGN.md §8: one file, durable settings, and refusal of anything that is not a journal we can safely use.
@Suite struct JournalFileTests {
    let folder = TemporaryDirectory()

    @Test func theConnectionTheAppUsesIsDurableAndScrubsDeletedText() throws {
        let journal = try Journal.create(at: folder.file("j.sqlite"))
        let reopened = try Journal.open(at: journal.path)
        for candidate in [journal, reopened] {
            let pragmas = try candidate.database.read { db throws -> [String?] in
                try ["journal_mode", "synchronous", "secure_delete", "foreign_keys", "application_id"].map {
                    try String.fetchOne(db, sql: "PRAGMA \($0)")
                }
            }
            // WAL, synchronous FULL (2), secure_delete on, foreign keys on, and ally's application id.
            #expect(pragmas == ["wal", "2", "1", "1", String(Journal.applicationID)])
        }
    }

    @Test func creatingTwiceRefusesAndKeepsTheFirst() throws {
        let path = folder.file("j.sqlite")
        let journal = try Journal.create(at: path)
        try journal.create(.reflection, patch: EntryPatch.body("first"))
        #expect(throws: JournalError.self) { try Journal.create(at: path) }
        #expect(try Journal.open(at: path).counts().entries == 1)
    }

    @Test func openingAMissingFileCreatesNothing() {
        let path = folder.file("missing.sqlite")
        #expect { try Journal.open(at: path) } throws: { ($0 as? JournalError)?.code == .notFound }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func filesThatAreNotJournalsAreRefusedUntouched() throws {
        let cases: [(String, Data)] = [
            ("text", Data("Dear diary, this is not SQLite.\n".utf8)),
            ("binary", Data((0..<4096).map { UInt8($0 % 251) })),
        ]
        for (name, bytes) in cases {
            let path = folder.file(name)
            FileManager.default.createFile(atPath: path, contents: bytes)
            #expect(performing: { try Journal.open(at: path) }, throws: { ($0 as? JournalError)?.code == .notAJournal })
            #expect(FileManager.default.contents(atPath: path) == bytes, "\(name) was changed")
        }
        // Another application's SQLite database.
        let other = folder.file("other.sqlite")
        let queue = try DatabaseQueue(path: other)
        try queue.write { try $0.execute(sql: "CREATE TABLE notes(text); INSERT INTO notes VALUES ('mine')") }
        try queue.close()
        let before = FileManager.default.contents(atPath: other)
        #expect(performing: { try Journal.open(at: other) }, throws: { ($0 as? JournalError)?.code == .notAJournal })
        #expect(FileManager.default.contents(atPath: other) == before)
    }

    @Test func aJournalFromANewerAllyIsRefusedUntouched() throws {
        let path = folder.file("j.sqlite")
        let journal = try Journal.create(at: path)
        try journal.database.write {
            try $0.execute(sql: "INSERT INTO grdb_migrations(identifier) VALUES ('v99-from-the-future')")
        }
        try journal.database.close()
        let before = FileManager.default.contents(atPath: path)
        #expect(performing: { try Journal.open(at: path) }, throws: { ($0 as? JournalError)?.code == .newerSchema })
        #expect(FileManager.default.contents(atPath: path) == before)
    }

    @Test func aDamagedJournalIsRefusedUntouched() throws {
        let path = folder.file("j.sqlite")
        let journal = try Journal.create(at: path)
        var writes: [LocalWrite] = []
        for index in 0..<300 {
            writes.append(
                LocalWrite(
                    entryID: .random(), kind: .reflection, patch: .body(String(repeating: "text \(index) ", count: 40)))
            )
        }
        try journal.write(writes)
        try journal.database.writeWithoutTransaction { try $0.checkpoint(.truncate) }
        try journal.database.close()
        // Overwrite pages in the middle of the file with garbage.
        var bytes = try #require(FileManager.default.contents(atPath: path))
        for offset in stride(from: 8192, to: min(bytes.count, 8192 * 6), by: 1) { bytes[offset] = 0x5A }
        FileManager.default.createFile(atPath: path, contents: bytes)
        let damaged = try #require(FileManager.default.contents(atPath: path))
        let failure: (any Error)?
        do {
            let reopened = try Journal.open(at: path)
            _ = try reopened.entries(matching: EntryQuery())
            _ = try reopened.search("text")
            failure = try reopened.integrityCheck() == "ok" ? nil : JournalError(.corrupt, "integrity")
        } catch {
            failure = error
        }
        #expect(failure != nil, "a damaged file went unnoticed")
        if let error = failure as? JournalError { #expect(error.code == .corrupt) }
        #expect(FileManager.default.contents(atPath: path) == damaged)
    }

    @Test("Upgrades from every earlier schema version keep the data", arguments: Journal.migrationNames.dropLast())
    func upgradeFromEarlierVersion(migration: String) throws {
        // Given a journal left at an earlier schema
        let path = folder.file("old.sqlite")
        try Journal._createLegacy(at: path, upTo: migration, deviceID: DeviceID(rawValue: "aaaaaaaaaaaaaaaa")!)
        // …holding entries written by that version: copy every table that version has from a current journal
        // (the tables' columns have not changed so far; a migration that changes them must change this too).
        let old = try Journal.create(
            at: folder.file("source.sqlite"), deviceID: DeviceID(rawValue: "aaaaaaaaaaaaaaaa")!)
        let legacyEntry = try old.create(.reflection, patch: .body("Written before the upgrade, about rounds"))
        var linking = EntryPatch.body("An action for it")
        linking.additions[.links] = [legacyEntry.id.rawValue]
        let linkingEntry = try old.create(.action, patch: linking)
        try old.database.close()
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "ATTACH DATABASE ? AS source", arguments: [folder.file("source.sqlite")])
            for table in ["change", "entry", "entry_tag", "entry_theme", "entry_link"]
            where try db.tableExists(table, in: "main") {
                // Only the columns that version has: later migrations may have added some.
                let columns = try Row.fetchAll(db, sql: "PRAGMA main.table_info(\(table))").map { $0["name"] as String }
                    .joined(separator: ", ")
                try db.execute(sql: "INSERT INTO main.\(table)(\(columns)) SELECT \(columns) FROM source.\(table)")
            }
            if try db.tableExists("entry_search", in: "main") {
                try db.execute(
                    sql:
                        "INSERT INTO main.entry_search(rowid, title, body, tags) SELECT rowid, title, body, tags FROM source.entry_search"
                )
            }
        }
        try queue.close()
        // When this ally opens it and writes
        let journal = try Journal.open(at: path)
        #expect(try journal.search("rounds").map(\.id) == [legacyEntry.id])
        #expect(try journal.backlinks(to: legacyEntry.id).map(\.id) == [linkingEntry.id])
        let entry = try journal.create(.mistake, patch: .body("Talked over a colleague in the huddle"))
        // Then the write works, search covers it, and the journal is consistent
        #expect(try journal.search("huddle").map(\.id) == [entry.id])
        #expect(journal.deviceID.rawValue == "aaaaaaaaaaaaaaaa")
        try journal.checkInvariants()
    }
}

extension EntryPatch {
    /// A patch that sets only the body.
    static func body(_ text: String) -> EntryPatch {
        var patch = EntryPatch()
        patch.body = text
        return patch
    }
}

/// Issue 11, found by the CI run under load (`BusyJournalTests`): two `ally sync`s of one journal at once. One pushed
/// a change and, before it recorded the acknowledgement, the other's pull read that change back and moved the
/// cursor past it; the acknowledgement then waited for a confirmation no later pull could give, and the next sync
/// took it for a change lost by a server restore ("restored from a backup?", and sent it again).
@Suite struct ConcurrentSyncAcknowledgementTests {
    let folder = TemporaryDirectory()

    @Test func anAcknowledgementForAChangeAnotherSyncAlreadyReadBackIsNotTakenForALoss() throws {
        let journal = try Journal.create(at: folder.file("j.sqlite"))
        _ = try journal.create(.reflection, patch: .body("pushed by one sync, read back by the other"))
        let pending = try journal.unpushedChanges(limit: 10)
        try #require(!pending.isEmpty)
        // The other sync's pull brings the change back from the server and moves the cursor past it.
        _ = try journal.applyPulled(pending.map(\.change), cursor: "1")
        // Only now does the first sync record the server's acknowledgement.
        try journal.markPushed(pending.map(\.rowID))
        let acknowledged = try journal.lastAck()
        // Its pull starts after the cursor and sees nothing: nothing may be judged lost.
        _ = try journal.applyPulled([], cursor: "1")
        #expect(try journal.requeueUnconfirmed(upTo: acknowledged) == 0)
        #expect(try journal.unpushedCount() == 0)
    }
}
