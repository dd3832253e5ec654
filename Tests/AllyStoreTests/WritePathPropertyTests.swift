import AllyCore
import AllyTesting
import Foundation
import GRDB
import Testing

@testable import AllyStore

/// Issue 8 §4: any change the write path produces decodes and re-encodes to the same bytes; anything else is
/// refused before it is stored, leaving the journal as it was.
@Suite struct WritePathPropertyTests {
    let folder = TemporaryDirectory()

    static let pieces = [
        "ward", "café", "cafe\u{301}", "😀", "👩🏽‍⚕️", "\r\n", "\n", "\t", "\u{0}", "\u{1B}[31m", "\u{FEFF}", "\u{202E}",
        "\"quoted\"", "back\\slash", "/slash/", "日本語", "Ελληνικά", "   ", "\u{7F}", "\u{85}", "\u{2028}",
    ]

    func text(_ generator: inout SplitMix64, pieces count: Int) -> String {
        (0..<count).map { _ in Self.pieces[Int.random(in: 0..<Self.pieces.count, using: &generator)] }.joined()
    }

    @Test func whatTheWritePathStoresReadsBackByteForByte() throws {
        let seed =
            ProcessInfo.processInfo.environment["ALLY_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 0...UInt64.max)
        print("WritePathPropertyTests seed \(seed) (replay with ALLY_SEED=\(seed))")
        var generator = SplitMix64(seed: seed)
        let journal = try Journal.create(at: folder.file("j.sqlite"))
        var refused = 0
        var written = 0
        for round in 0..<300 {
            var patch = EntryPatch()
            patch.body = text(&generator, pieces: Int.random(in: 0...12, using: &generator))
            if Bool.random(using: &generator) {
                patch.scalars[.title] = text(&generator, pieces: Int.random(in: 0...4, using: &generator))
            }
            if Bool.random(using: &generator) {
                patch.additions[.tags] = [text(&generator, pieces: Int.random(in: 1...2, using: &generator))]
            }
            let year = Int.random(in: -1...10_001, using: &generator)
            let createdAt = (Int64(year) - 1970) * 31_556_952_000 + Int64.random(in: -1000...1000, using: &generator)
            let before = try journal.counts().changes
            do {
                try journal.write([
                    LocalWrite(entryID: .random(), kind: .reflection, createdAt: createdAt, patch: patch)
                ])
                written += 1
            } catch let error as JournalError {
                #expect(error.code == .invalidInput, "seed \(seed) round \(round): \(error.message)")
                #expect(
                    try journal.counts().changes == before,
                    "seed \(seed) round \(round): a refused write stored changes")
                refused += 1
            }
        }
        let stored = try journal.database.read { db in try String.fetchAll(db, sql: "SELECT json FROM change") }
        for json in stored {
            let change = try JSONDecoder().decode(Change.self, from: Data(json.utf8))
            #expect(Array(try change.canonicalJSON()) == Array(json.utf8), "seed \(seed): \(json)")
        }
        try journal.checkInvariants()
        print("WritePathPropertyTests: \(written) writes stored, \(refused) refused, \(stored.count) changes read back")
        #expect(written > 0 && refused > 0, "seed \(seed): the generator should produce both")
    }
}
