import AllyCore
import Foundation
import Testing

/// Issue 8, the parts that live in the pure core: criss-cross merges, parent cycles, the clock's counter,
/// validity limits, NFC, quoting, bundle digests and bounds.
@Suite struct CoreEdgeTests {
    let entryID = EntryID(rawValue: "0123456789abcdef0123456789abcdef")!
    let deviceA = DeviceID(rawValue: "aaaaaaaaaaaaaaaa")!
    let deviceB = DeviceID(rawValue: "bbbbbbbbbbbbbbbb")!

    func version(_ device: DeviceID, _ seq: Int64, wall: Int64, _ text: String, parents: [ChangeID]) -> Change {
        Change(
            id: ChangeID(deviceID: device, seq: seq),
            at: HybridTimestamp(wallMillis: wall, counter: 0, deviceID: device),
            entryID: entryID, operation: .editBody(text: text, parents: parents))
    }

    /// Issue 8 §7: after a clean merge, A appends a line while B deliberately reverts line 1. With two best
    /// common ancestors the base is their merge, so B's revert survives, whichever ancestor is newer.
    @Test("A criss-cross merge keeps a deliberate revert", arguments: [true, false])
    func crissCrossKeepsTheRevert(aNewer: Bool) throws {
        let create = Change(
            id: ChangeID(deviceID: deviceA, seq: 1),
            at: HybridTimestamp(wallMillis: 1000, counter: 0, deviceID: deviceA),
            entryID: entryID, operation: .create(kind: .reflection, createdAt: 1000))
        let origin = version(deviceA, 2, wall: 1001, "one\ntwo\nthree\n", parents: [])
        // Concurrent edits of different lines: A changes line 1, B line 3; the newer one differs per run.
        let a1 = version(deviceA, 3, wall: aNewer ? 2100 : 2000, "ONE\ntwo\nthree\n", parents: [origin.id])
        let b1 = version(deviceB, 1, wall: aNewer ? 2000 : 2100, "one\ntwo\nTHREE\n", parents: [origin.id])
        // Both laptops see the clean merge "ONE two THREE"; A appends, B reverts line 1 on purpose.
        let a2 = version(deviceA, 4, wall: 3000, "ONE\ntwo\nTHREE\nfour\n", parents: [a1.id, b1.id])
        let b2 = version(deviceB, 2, wall: 3001, "one\ntwo\nTHREE\n", parents: [a1.id, b1.id])
        let all = [create, origin, a1, b1, a2, b2]
        let entry = try #require(Materializer.materialize(all)[entryID])
        #expect(entry.body == "one\ntwo\nTHREE\nfour\n")
        #expect(!entry.hasConflict)
        #expect(Materializer.materialize(all.reversed())[entryID] == entry)
    }

    /// Issue 7 §5 (found with issue 8's bundle fuzzing): a parent cycle must not make every version look
    /// superseded and empty the body; a parent stamped after its child does not count.
    @Test func aParentCycleDoesNotEmptyTheBody() throws {
        let first = ChangeID(deviceID: deviceA, seq: 2)
        let second = ChangeID(deviceID: deviceA, seq: 3)
        var graph = BodyGraph()
        graph.insert(
            BodyVersion(
                id: first, at: HybridTimestamp(wallMillis: 1, counter: 0, deviceID: deviceA), text: "kept",
                parents: [second]))
        graph.insert(
            BodyVersion(
                id: second, at: HybridTimestamp(wallMillis: 2, counter: 0, deviceID: deviceA), text: "kept, edited",
                parents: [first]))
        #expect(graph.heads.map(\.id) == [second])
        #expect(graph.resolved().text == "kept, edited")
    }

    /// Issue 7 §5: a remove names the adds it observed; an id of another element's add among them (a buggy or
    /// hostile writer) must not cancel that element.
    @Test func aRemoveCancelsOnlyAddsOfItsOwnElement() throws {
        let entry = EntryID.random()
        func change(_ seq: Int64, _ operation: ChangeOperation) -> Change {
            Change(
                id: ChangeID(deviceID: deviceA, seq: seq),
                at: HybridTimestamp(wallMillis: 10 + seq, counter: 0, deviceID: deviceA), entryID: entry,
                operation: operation)
        }
        let addA = change(2, .add(.tags, "alpha"))
        let addB = change(3, .add(.tags, "beta"))
        let state = EntryState(
            entryID: entry,
            changes: [
                change(1, .create(kind: .reflection, createdAt: 1)), addA, addB,
                change(4, .remove(.tags, "beta", observed: [addA.id, addB.id])),
            ])
        #expect(state.elements(of: .tags) == ["alpha"])
        #expect(state.liveAdds(of: "alpha", in: .tags) == [addA.id])
    }

    /// Issue 8 §5: one change with counter 2^31 − 1 made every later write trap. The wall moves on instead.
    @Test func theClockCounterNeverOverflows() {
        var clock = HybridClock(deviceID: deviceA)
        clock.observe(HybridTimestamp(wallMillis: 5000, counter: .max, deviceID: deviceB))
        let next = clock.tick(wallMillis: 4000)
        #expect(next.wallMillis == 5001 && next.counter == 0)
        #expect(next > HybridTimestamp(wallMillis: 5000, counter: .max, deviceID: deviceB))
    }

    /// Issue 8 §4: dates from year 1 to 9999 are valid, beyond is refused, and NUL is refused in every text.
    @Test func validityIsOneDefinitionForWritingAndReading() throws {
        for createdAt in [ChangeOperation.earliestMillis, -14_182_940_000, 0, ChangeOperation.latestMillis] {
            let change = Change(
                id: ChangeID(deviceID: deviceA, seq: 1),
                at: HybridTimestamp(wallMillis: 1, counter: 0, deviceID: deviceA), entryID: entryID,
                operation: .create(kind: .reflection, createdAt: createdAt))
            #expect(change.operation.problem == nil)
            let bytes = try change.canonicalJSON()
            #expect(try JSONDecoder().decode(Change.self, from: bytes).canonicalJSON() == bytes)
        }
        let refused: [ChangeOperation] = [
            .create(kind: .reflection, createdAt: ChangeOperation.earliestMillis - 1),
            .create(kind: .reflection, createdAt: ChangeOperation.latestMillis + 1),
            .editBody(text: "before\0after", parents: []), .set(.title, "a\0b"), .set(.title, "two\nlines"),
            .add(.tags, "nul\0tag"),
        ]
        for operation in refused {
            #expect(operation.problem != nil, "\(operation)")
            let change = Change(
                id: ChangeID(deviceID: deviceA, seq: 1),
                at: HybridTimestamp(wallMillis: 1, counter: 0, deviceID: deviceA), entryID: entryID,
                operation: operation)
            #expect(throws: (any Error).self) { try JSONDecoder().decode(Change.self, from: change.canonicalJSON()) }
        }
    }

    /// Issue 8 §8: a tag or title typed in NFD becomes the same bytes as one typed in NFC.
    @Test func titlesAndTagsAreNormalisedToNFC() {
        let nfc = "caf\u{E9}"
        let nfd = "cafe\u{301}"
        #expect(nfc == nfd && Array(nfc.utf8) != Array(nfd.utf8), "Swift calls them equal; their bytes differ")
        var patch = EntryPatch()
        patch.scalars[.title] = nfd
        patch.additions[.tags] = [Tag.normalized(nfd), nfd]
        let operations = patch.operations(against: EntryState(entryID: entryID))
        for case .set(_, let value?) in operations { #expect(Array(value.utf8) == Array(nfc.utf8)) }
        let added = operations.compactMap { if case .add(_, let element) = $0 { element } else { nil } }
        #expect(added.count == 1 && Array(added[0].utf8) == Array(nfc.utf8))
    }

    /// Issue 8 §9: user text in an error is one quoted line; escapes and newlines are written out.
    @Test func quotedTextIsOneHarmlessLine() {
        let typed = "bad\n\u{1B}[31mred\u{7}\u{202E}"
        let shown = Quoted(typed).description
        #expect(shown == "'bad\\n\\u{1B}[31mred\\u{7}\\u{202E}'")
        #expect(!shown.unicodeScalars.contains { $0.properties.generalCategory == .control })
        #expect(Quoted(String(repeating: "x", count: 200)).description.count == 83)
    }

    @Test func sha256MatchesTheFIPSVectors() {
        #expect(
            SHA256Digest.hex(of: Array("".utf8)) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            SHA256Digest.hex(of: Array("abc".utf8))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            SHA256Digest.hex(of: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            SHA256Digest.hex(of: [UInt8](repeating: 0x61, count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}
