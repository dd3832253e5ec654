import AllyCore
import Testing

/// One test per merge rule of Protocol/SPEC.md §4, written as two laptops A and B.
@Suite struct MergeRuleTests {
    let entryID = EntryID(rawValue: "0123456789abcdef0123456789abcdef")!
    var a = Replica(deviceID: DeviceID(rawValue: "aaaaaaaaaaaaaaaa")!, skew: 0)
    var b = Replica(deviceID: DeviceID(rawValue: "bbbbbbbbbbbbbbbb")!, skew: 0)

    mutating func sharedEntry(body: String) {
        a.write(.create(kind: .mistake, createdAt: 1000), to: entryID, now: 1000)
        a.write(.editBody(text: body, parents: []), to: entryID, now: 1000)
        b.receive(a.changes.values)
    }

    func merged() -> Entry? {
        Materializer.materialize(Array(a.changes.values) + Array(b.changes.values))[entryID]
    }

    @Test mutating func scalarsAreLastWriterWins() throws {
        sharedEntry(body: "x")
        a.write(.set(.title, "A's title"), to: entryID, now: 2000)
        b.write(.set(.title, "B's later title"), to: entryID, now: 3000)
        let entry = try #require(merged())
        #expect(entry.title == "B's later title")
    }

    @Test mutating func aConcurrentAddSurvivesARemove() throws {
        // Given both laptops have tag "ward"
        sharedEntry(body: "x")
        a.write(.add(.tags, "ward"), to: entryID, now: 1500)
        b.receive(a.changes.values)
        // When B removes it while A, offline, adds it again
        let observed = b.state(of: entryID).liveAdds(of: "ward", in: .tags)
        b.write(.remove(.tags, "ward", observed: observed), to: entryID, now: 2000)
        a.write(.add(.tags, "ward"), to: entryID, now: 2100)
        a.write(.add(.tags, "clinic"), to: entryID, now: 2200)
        // Then the add A made without seeing the remove wins
        #expect(try #require(merged()).tags == ["clinic", "ward"])
    }

    @Test mutating func aRemoveOfWhatWasSeenRemoves() throws {
        sharedEntry(body: "x")
        a.write(.add(.themes, "humility"), to: entryID, now: 1500)
        b.receive(a.changes.values)
        b.write(
            .remove(.themes, "humility", observed: b.state(of: entryID).liveAdds(of: "humility", in: .themes)),
            to: entryID, now: 2000)
        #expect(try #require(merged()).themes.isEmpty)
    }

    @Test mutating func nonOverlappingBodyEditsMergeWithoutConflict() throws {
        sharedEntry(body: "What happened: x.\nImpact: y.\nRepair: z.")
        let heads = a.state(of: entryID).body.heads.map(\.id)
        a.write(
            .editBody(text: "What happened: I spoke over her.\nImpact: y.\nRepair: z.", parents: heads), to: entryID,
            now: 2000)
        b.write(
            .editBody(text: "What happened: x.\nImpact: y.\nRepair: apologised.", parents: heads), to: entryID,
            now: 2001)
        let entry = try #require(merged())
        #expect(!entry.hasConflict)
        #expect(entry.body == "What happened: I spoke over her.\nImpact: y.\nRepair: apologised.")
    }

    @Test mutating func overlappingBodyEditsKeepBothHeadsUntilResolved() throws {
        sharedEntry(body: "Lesson: ?")
        let heads = a.state(of: entryID).body.heads.map(\.id)
        let fromA = a.write(.editBody(text: "Lesson: ask first.", parents: heads), to: entryID, now: 2000)
        let fromB = b.write(.editBody(text: "Lesson: listen longer.", parents: heads), to: entryID, now: 2001)
        let conflicted = try #require(merged())
        #expect(conflicted.hasConflict)
        #expect(conflicted.conflict?.bodyVersions.map(\.id) == [fromA.id, fromB.id])
        #expect(conflicted.body.contains("Lesson: ask first.") && conflicted.body.contains("Lesson: listen longer."))

        // When B resolves, naming both heads, and the laptops exchange
        b.receive(a.changes.values)
        b.write(
            .editBody(text: "Lesson: ask first, then listen longer.", parents: [fromA.id, fromB.id]), to: entryID,
            now: 3000)
        a.receive(b.changes.values)
        // Then the resolution wins everywhere, and both old versions remain in the graph
        let resolved = try #require(merged())
        #expect(!resolved.hasConflict && resolved.body == "Lesson: ask first, then listen longer.")
        #expect(a.state(of: entryID).body.versions.count == 4)
    }

    @Test mutating func trashConcurrentWithAnEditIsAConflictNotALoss() throws {
        sharedEntry(body: "Feedback from R.")
        a.write(.trash(seen: a.versionVector), to: entryID, now: 2000)
        let heads = b.state(of: entryID).body.heads.map(\.id)
        b.write(.editBody(text: "Feedback from R.: speak up sooner.", parents: heads), to: entryID, now: 2001)
        let entry = try #require(merged())
        #expect(!entry.isTrashed)
        #expect(entry.conflict?.trash?.unseenEdits.count == 1)
        #expect(entry.body == "Feedback from R.: speak up sooner.")

        // A restore settles it; so would a new trash that has seen the edit.
        var keep = self
        keep.a.receive(b.changes.values)
        keep.a.write(.restore, to: entryID, now: 3000)
        let kept = try #require(keep.merged())
        #expect(!kept.hasConflict && !kept.isTrashed)

        var discard = self
        discard.a.receive(b.changes.values)
        discard.a.write(.trash(seen: discard.a.versionVector), to: entryID, now: 3000)
        let discarded = try #require(discard.merged())
        #expect(!discarded.hasConflict && discarded.isTrashed)
    }

    @Test mutating func aTrashThatSawEveryEditJustTrashes() throws {
        sharedEntry(body: "x")
        a.write(.set(.title, "t"), to: entryID, now: 1500)
        a.write(.trash(seen: a.versionVector), to: entryID, now: 2000)
        let entry = try #require(merged())
        #expect(entry.isTrashed && !entry.hasConflict)
    }

    @Test mutating func patchesProduceOnlyWhatChanges() throws {
        sharedEntry(body: "x")
        var patch = EntryPatch()
        patch.scalars[.title] = "t"
        patch.additions[.tags] = ["ward", "ward"]
        patch.removals[.tags] = ["absent"]
        patch.body = "x"
        let operations = patch.operations(against: a.state(of: entryID))
        #expect(operations == [.set(.title, "t"), .add(.tags, "ward")])
    }
}
