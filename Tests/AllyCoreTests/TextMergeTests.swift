import AllyCore
import Foundation
import Testing

@Suite struct TextMergeTests {
    let base = "Line one about handover.\nLine two about rounds.\nLine three about coffee.\n"

    @Test func editsOnDifferentLinesMergeSilently() {
        // Given one side edits the first line and the other the last
        let ours = "Line one about the night handover.\nLine two about rounds.\nLine three about coffee.\n"
        let theirs = "Line one about handover.\nLine two about rounds.\nLine three about coffee with J.\n"
        // When merged
        let result = TextMerge.merge(base: base, ours: ours, theirs: theirs)
        // Then both edits are there and there is no conflict
        #expect(!result.hasConflict)
        #expect(
            result.text
                == "Line one about the night handover.\nLine two about rounds.\nLine three about coffee with J.\n")
    }

    @Test func editsToDifferentWordsOfOneLineMergeByWord() {
        let base = "I interrupted Dr. A during rounds today.\n"
        let ours = "I interrupted Dr. A during morning rounds today.\n"
        let theirs = "I talked over Dr. A during rounds today.\n"
        let result = TextMerge.merge(base: base, ours: ours, theirs: theirs)
        #expect(!result.hasConflict)
        #expect(result.text == "I talked over Dr. A during morning rounds today.\n")
    }

    @Test func overlappingEditsConflictAndKeepBothTexts() {
        let base = "Repair: none yet.\n"
        let ours = "Repair: apologised in private.\n"
        let theirs = "Repair: apologised at the next M&M.\n"
        let result = TextMerge.merge(base: base, ours: ours, theirs: theirs, oursLabel: "A", theirsLabel: "B")
        #expect(result.hasConflict)
        #expect(result.text.contains("<<<<<<< A\n"))
        #expect(result.text.contains("Repair: apologised in private.\n=======\n"))
        #expect(result.text.contains("Repair: apologised at the next M&M.\n>>>>>>> B\n"))
    }

    @Test func sameEditOnBothSidesIsNotAConflict() {
        let edited = base.replacingOccurrences(of: "coffee", with: "tea")
        let result = TextMerge.merge(base: base, ours: edited, theirs: edited)
        #expect(result == TextMerge.Result(text: edited, hasConflict: false))
    }

    @Test func deletionAndUnrelatedInsertionBothApply() {
        let ours = "Line one about handover.\nLine three about coffee.\n"
        let theirs = base + "Line four, new.\n"
        let result = TextMerge.merge(base: base, ours: ours, theirs: theirs)
        #expect(!result.hasConflict)
        #expect(result.text == "Line one about handover.\nLine three about coffee.\nLine four, new.\n")
    }

    @Test func textWithoutFinalNewlineMerges() {
        let result = TextMerge.merge(base: "a\nb\nc", ours: "A\nb\nc", theirs: "a\nb\nC")
        #expect(result == TextMerge.Result(text: "A\nb\nC", hasConflict: false))
    }

    @Test("A clean 3-way merge contains both sides' edits", arguments: ConvergenceTests.seeds(count: 20))
    func cleanMergeContainsBothSides(seed: UInt64) {
        print("TextMergeTests.cleanMergeContainsBothSides seed \(seed) (replay with ALLY_SEED=\(seed))")
        // Given a base and two sides editing regions separated by at least one untouched line
        var generator = SplitMix64(seed: seed)
        let count = Int.random(in: 6...40, using: &generator)
        let baseLines = (0..<count).map { "base line \($0)" }
        let split = Int.random(in: 1..<(count - 1), using: &generator)
        var ours = baseLines
        var theirs = baseLines
        let oursAt = Int.random(in: 0..<split, using: &generator)
        let theirsAt = Int.random(in: (split + 1)..<count, using: &generator)
        let oursLine = "ours edited \(generator.next())"
        let theirsLine = "theirs edited \(generator.next())"
        if Bool.random(using: &generator) {
            theirs.insert(theirsLine, at: theirsAt)
        } else {
            theirs[theirsAt] = theirsLine
        }
        if Bool.random(using: &generator) { ours.insert(oursLine, at: oursAt) } else { ours[oursAt] = oursLine }
        // When merged
        let result = TextMerge.merge(
            base: baseLines.joined(separator: "\n"), ours: ours.joined(separator: "\n"),
            theirs: theirs.joined(separator: "\n"))
        // Then it is clean and holds both edits and the untouched separating line
        #expect(!result.hasConflict, "seed \(seed)")
        #expect(result.text.contains(oursLine), "seed \(seed)")
        #expect(result.text.contains(theirsLine), "seed \(seed)")
        #expect(result.text.contains(baseLines[split]), "seed \(seed)")
    }
}
