import AllyCore
import Foundation
import GRDB

/// Checks that the projection is exactly what the change log materialises to (STYLE.md rule 9).
extension Journal {
    /// What `ally check` reports, read in one consistent snapshot so that a write by another process between two
    /// reads cannot look like a mismatch.
    public struct Verification: Sendable {
        /// `PRAGMA integrity_check`: "ok" or the problems.
        public var integrity: String
        /// Entries whose stored projection differs from a fresh materialisation of the log.
        public var mismatches: [EntryID]
        /// Counts at the snapshot.
        public var entries: Int, trashed: Int, conflicts: Int, changes: Int
        /// Devices whose change numbers have gaps.
        public var devicesWithGaps: Int
        /// Entries in the search index that should not be, plus entries missing from it.
        public var searchMismatches: Int
    }

    /// Verifies the whole journal in one read transaction.
    /// - Complexity: O(c) over every change.
    public func verify() throws -> Verification {
        try Journal.wrap {
            try database.read { db in
                let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ")
                let changes = try String.fetchAll(db, sql: "SELECT json FROM change ORDER BY rowid").map(
                    ChangeLog.decode)
                let expected = Materializer.materialize(changes)
                let stored = try Row.fetchAll(db, sql: "SELECT \(Projection.columns) FROM entry e").map(
                    Projection.entry(from:))
                var mismatches: [EntryID] = []
                var seen = Set<EntryID>()
                for entry in stored {
                    seen.insert(entry.id)
                    // §12: compare bytes, not `String ==`, which calls NFC and NFD text equal.
                    if try expected[entry.id].map(Journal.bytes(of:)) != Journal.bytes(of: entry) {
                        mismatches.append(entry.id)
                    }
                }
                for id in expected.keys where !seen.contains(id) { mismatches.append(id) }
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT \(Journal.countColumns),
                               (SELECT count(*) FROM (SELECT device FROM change GROUP BY device HAVING max(seq) != count(*))),
                               (SELECT count(*) FROM entry WHERE trashed = 0 AND rowid NOT IN (SELECT rowid FROM entry_search))
                                 + (SELECT count(*) FROM entry_search WHERE rowid NOT IN (SELECT rowid FROM entry WHERE trashed = 0))
                        """)
                return Verification(
                    integrity: integrity, mismatches: mismatches.sorted(), entries: row?[0] ?? 0,
                    trashed: row?[1] ?? 0, conflicts: row?[2] ?? 0, changes: row?[3] ?? 0,
                    devicesWithGaps: row?[4] ?? 0, searchMismatches: row?[5] ?? 0)
            }
        }
    }

    /// An entry's JSON bytes with sorted keys: what "the same entry" means to the invariant checks.
    public static func bytes(of entry: Entry) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(entry)
    }

    /// The ids of entries whose stored projection differs from a fresh materialisation of the whole change
    /// log, plus entries present on one side only. Empty when the journal is consistent.
    /// - Complexity: O(c) over every change: a check for tests and `ally check`, not for every command.
    public func projectionMismatches() throws -> [EntryID] { try verify().mismatches }

    /// Throws if the journal breaks an invariant: integrity, projection, seq numbering, search index. Checked in
    /// release builds as well as debug ones (it backs `ally check` and every test).
    public func checkInvariants() throws {
        let result = try verify()
        var problems: [String] = []
        if result.integrity != "ok" { problems.append("integrity_check: \(result.integrity)") }
        if !result.mismatches.isEmpty {
            problems.append("projection differs from the change log for \(result.mismatches)")
        }
        if result.devicesWithGaps > 0 { problems.append("\(result.devicesWithGaps) devices' change numbers have gaps") }
        if result.searchMismatches > 0 { problems.append("the search index and the entries disagree") }
        if !problems.isEmpty {
            throw JournalError(.corrupt, "invariant broken: " + problems.joined(separator: "; "))
        }
    }
}
