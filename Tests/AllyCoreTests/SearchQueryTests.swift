import AllyCore
import Testing

/// Issue 10 §3: plain words, punctuation and hyphens are searched as typed; FTS5's own syntax still works; a real
/// syntax error is said in words.
@Suite struct SearchQueryTests {
    @Test(
        "What a user types becomes a valid FTS5 query",
        arguments: [
            ("Dr. Kaur", #""Dr." "Kaur""#), ("shout-out", #""shout-out""#), ("kaur OR night", #""kaur" OR "night""#),
            (#""went silent" NOT night"#, #""went silent" NOT "night""#), ("hand*", #""hand"*"#),
            ("title:rounds", #"title:"rounds""#), ("(a OR b) c", #"( "a" OR "b" ) "c""#), ("it's", #""it's""#),
            ("say \"hi\"", #""say" "hi""#), ("or and", #""or" "and""#),
        ])
    func translation(typed: String, expected: String) throws {
        #expect(try SearchQuery.fts(typed) == expected)
    }

    @Test func realSyntaxErrorsAreSaidInWords() {
        for typed in [#""unbalanced"#, "OR", "night AND", "(night OR kaur", "   "] {
            #expect(throws: SearchQuery.Problem.self, "\(typed)") { try SearchQuery.fts(typed) }
        }
    }
}

/// Issue 10 §4: a conflict shows where the versions differ, word by word.
@Suite struct WordDiffTests {
    @Test func wordsOnlyInOneVersionAreMarked() {
        let segments = WordDiff.diff("Handover went fine, thanks to R.", "Handover went badly; I talked over R.")
        let rendered = segments.map { segment -> String in
            switch segment {
            case .same(let words): words
            case .onlyFirst(let words): "[-\(words)-]"
            case .onlySecond(let words): "{+\(words)+}"
            }
        }.joined()
        #expect(rendered == "Handover went [-fine, thanks to-]{+badly; I talked over+} R.")
        #expect(WordDiff.diff("same", "same") == [.same("same")])
        #expect(WordDiff.diff("", "new") == [.onlySecond("new")])
    }
}

extension WordDiffTests {
    @Test func spacesAndUnchangedTextKeepTheirOrder() {
        let text = { (segments: [WordDiff.Segment]) in
            segments.map { segment -> (String, String) in
                switch segment {
                case .same(let w): (w, w)
                case .onlyFirst(let w): (w, "")
                case .onlySecond(let w): ("", w)
                }
            }
        }
        for (first, second) in [("a b c d", "a x c y"), ("one two", "one two three"), ("x  y", "x y"), ("", "")] {
            let parts = text(WordDiff.diff(first, second))
            #expect(parts.map(\.0).joined() == first && parts.map(\.1).joined() == second, "\(first) → \(second)")
        }
    }
}
