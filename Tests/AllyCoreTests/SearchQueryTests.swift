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
