import AllyCore
import AllyTesting
import Foundation
import Testing

@testable import AllyStore

@Suite struct JournalWriteTests {
    let folder = TemporaryDirectory()
    let clock = ManualClock()

    func makeJournal(_ name: String = "j.sqlite") throws -> Journal {
        try Journal.create(at: folder.file(name), clock: clock.reading)
    }

    @Test func aWriteAppendsChangesAndUpdatesTheProjectionTogether() throws {
        let journal = try makeJournal()
        var patch = EntryPatch.body("Coffee with J. about her fellowship application.")
        patch.scalars[.title] = "Mentoring J."
        patch.scalars[.minutes] = "30"
        patch.scalars[.pledge] = "mentoring"
        patch.additions[.tags] = ["coffee"]
        patch.additions[.themes] = ["agency"]
        let entry = try journal.create(.action, patch: patch)
        #expect(entry.title == "Mentoring J." && entry.minutes == 30 && entry.pledge == .mentoring)
        #expect(try journal.entry(entry.id) == entry)
        #expect(try journal.changes(for: entry.id).count == 7)
        try journal.checkInvariants()
    }

    @Test func aFailedBatchWritesNothing() throws {
        let journal = try makeJournal()
        let good = LocalWrite(entryID: .random(), kind: .reflection, patch: .body("fine"))
        var bad = EntryPatch.body("bad")
        bad.scalars[.level] = "galactic"
        #expect(throws: JournalError.self) {
            try journal.write([good, LocalWrite(entryID: .random(), kind: .reflection, patch: bad)])
        }
        #expect(try journal.counts().changes == 0)
        let existing = try journal.create(.reflection, patch: .body("x"))
        #expect(throws: JournalError.self) {
            try journal.write([good, LocalWrite(entryID: existing.id, kind: .goal, patch: .body("dup"))])
        }
        #expect(try journal.counts().entries == 1)
    }

    @Test func listFiltersCombine() throws {
        let journal = try makeJournal()
        func add(_ kind: EntryKind, on date: String, theme: String? = nil, tag: String? = nil, level: String? = nil)
            throws
            -> EntryID
        {
            var patch = EntryPatch.body("\(kind) on \(date)")
            patch.scalars[.occurredOn] = date
            if let level { patch.scalars[.level] = level }
            if let theme { patch.additions[.themes] = [theme] }
            if let tag { patch.additions[.tags] = [tag] }
            return try journal.create(kind, patch: patch).id
        }
        let a = try add(.reflection, on: "2026-11-02", theme: "humility", tag: "ward")
        let b = try add(.mistake, on: "2026-11-10", theme: "integrity", tag: "ward", level: "public")
        let c = try add(.goal, on: "2026-11-20", theme: "humility")
        var query = EntryQuery()
        #expect(try journal.entries(matching: query).map(\.id) == [c, b, a])
        query.tags = ["ward"]
        #expect(try journal.entries(matching: query).map(\.id) == [b, a])
        query.themes = [.humility]
        #expect(try journal.entries(matching: query).map(\.id) == [a])
        query = EntryQuery()
        query.since = LocalDate(iso: "2026-11-05")
        query.until = LocalDate(iso: "2026-11-15")
        #expect(try journal.entries(matching: query).map(\.id) == [b])
        query = EntryQuery()
        query.kinds = [.goal, .reflection]
        query.limit = 1
        #expect(try journal.entries(matching: query).map(\.id) == [c])
        query = EntryQuery()
        query.levels = [.public]
        query.statuses = []
        #expect(try journal.entries(matching: query).map(\.id) == [b])
    }

    @Test func searchFollowsEditsAndSkipsTheTrash() throws {
        let journal = try makeJournal()
        let entry = try journal.create(.reflection, patch: .body("Stayed silent when the registrar was talked over."))
        #expect(try journal.search("silent").map(\.id) == [entry.id])
        try journal.update(entry.id, patch: .body("Spoke up when the registrar was talked over."))
        #expect(try journal.search("silent").isEmpty)
        #expect(try journal.search("spoke").map(\.id) == [entry.id])
        try journal.trash(entry.id)
        #expect(try journal.search("spoke").isEmpty)
        #expect(throws: JournalError.self) { try journal.update(entry.id, patch: .body("x")) }
        try journal.restore(entry.id)
        #expect(try journal.search("spoke").map(\.id) == [entry.id])
        #expect(
            performing: { try journal.search("\"unbalanced") }, throws: { ($0 as? JournalError)?.code == .invalidQuery }
        )
        try journal.checkInvariants()
    }

    /// Found by Tools/fuzz.sh (target search): a quote followed by a combining mark is one character that is not
    /// `"`, so the query builder did not double it, yet FTS5 read it as a quote; and FTS5 stops reading at a NUL.
    /// Both made plain words an SQL syntax error.
    @Test func wordsWithQuotesBeforeCombiningMarksOrNULsAreSearchable() throws {
        let journal = try makeJournal()
        let entry = try journal.create(.reflection, patch: .body("She said \"\u{301}bravo\" and a b"))
        for typed in ["\"\u{6DA}", "\"\u{301}bravo", "a\u{0}b", "x\u{0}\u{615}y"] {
            #expect(throws: Never.self, "\(typed.unicodeScalars.map { String($0.value, radix: 16) })") {
                try journal.search(typed)
            }
        }
        #expect(try journal.search("a\u{0}b").map(\.id) == [entry.id])
    }

    @Test func aVeryCommonWordRanksItsNewestMatches() throws {
        // Given 30 entries that all mention "rounds", the oldest ones most often
        let journal = try makeJournal()
        var writes: [LocalWrite] = []
        for index in 0..<30 {
            let repeats = index < 5 ? 6 : 1
            writes.append(
                LocalWrite(
                    entryID: .random(), kind: .reflection,
                    patch: .body("entry \(index): " + Array(repeating: "rounds", count: repeats).joined(separator: " "))
                ))
        }
        let ids = try journal.write(writes).map(\.id)
        // When the ranking is capped at the 10 newest matches
        let capped = try journal.search("rounds", limit: 5, rankedMatchLimit: 10)
        // Then only those are ranked, and uncapped the heavy old ones win
        #expect(capped.count == 5 && capped.allSatisfy { ids.suffix(10).contains($0.id) })
        let uncapped = try journal.search("rounds", limit: 5, rankedMatchLimit: 1_000)
        #expect(Set(uncapped.map(\.id)) == Set(ids.prefix(5)))
    }

    @Test func idsResolveByUniquePrefix() throws {
        let journal = try makeJournal()
        let first = try #require(EntryID(rawValue: "abcd1234000000000000000000000001"))
        let second = try #require(EntryID(rawValue: "abcd1234500000000000000000000002"))
        try journal.create(.reflection, patch: .body("one"), id: first)
        try journal.create(.reflection, patch: .body("two"), id: second)
        #expect(try journal.resolveID("ABCD12340") == first)
        #expect(
            performing: { try journal.resolveID("abcd") }, throws: { ($0 as? JournalError)?.code == .ambiguousEntry })
        #expect(performing: { try journal.resolveID("ffff") }, throws: { ($0 as? JournalError)?.code == .unknownEntry })
        #expect(performing: { try journal.resolveID("xyz!") }, throws: { ($0 as? JournalError)?.code == .invalidInput })
        #expect(performing: { try journal.resolveID("abc") }, throws: { ($0 as? JournalError)?.code == .invalidInput })
        let short = try journal.shortIDs(for: [first, second])
        #expect(short[first] == "abcd12340" && short[second] == "abcd12345")
    }
}
