import AllyCore
import GRDB

/// Checks that the projection is exactly what the change log materialises to (STYLE.md rule 9).
extension Journal {
    /// The ids of entries whose stored projection differs from a fresh materialisation of the whole change
    /// log, plus entries present on one side only. Empty when the journal is consistent.
    /// - Complexity: O(c) over every change: a check for tests and `ally check`, not for every command.
    public func projectionMismatches() throws -> [EntryID] {
        let expected = Materializer.materialize(try allChanges())
        var query = EntryQuery()
        let live = try entries(matching: query)
        query.trashed = true
        let stored = live + (try entries(matching: query))
        var mismatches: [EntryID] = []
        var seen = Set<EntryID>()
        for entry in stored {
            seen.insert(entry.id)
            if expected[entry.id] != entry { mismatches.append(entry.id) }
        }
        for id in expected.keys where !seen.contains(id) { mismatches.append(id) }
        return mismatches.sorted()
    }

    /// Fails (in debug builds) if the journal breaks an invariant: integrity, projection, seq numbering.
    public func checkInvariants() throws {
        let integrity = try integrityCheck()
        assert(integrity == "ok", "integrity_check: \(integrity)")
        let mismatches = try projectionMismatches()
        assert(mismatches.isEmpty, "projection differs from the change log for \(mismatches)")
        try database.read { db in
            // Each device's changes are numbered 1…n with no gap.
            let gaps = try Int.fetchOne(
                db, sql: "SELECT count(*) FROM (SELECT device FROM change GROUP BY device HAVING max(seq) != count(*))")
            assert(gaps == 0, "a device's change numbers have gaps")
            // The search index holds exactly the entries not in the trash.
            let unindexed = try Int.fetchOne(
                db,
                sql: """
                    SELECT (SELECT count(*) FROM entry WHERE trashed = 0 AND rowid NOT IN (SELECT rowid FROM entry_search))
                         + (SELECT count(*) FROM entry_search WHERE rowid NOT IN (SELECT rowid FROM entry WHERE trashed = 0))
                    """)
            assert(unindexed == 0, "the search index and the entries disagree")
        }
    }
}
