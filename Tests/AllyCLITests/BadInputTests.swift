import AllyCore
import AllyStore
import AllyTesting
import Foundation
import Testing

/// Bad input gets a clear one-line error and a non-zero exit, and leaves the journal as it was.
@Suite struct BadInputTests {
    let folder = TemporaryDirectory()

    @Test func everyKindOfBadInputIsRefusedWithoutChangingTheJournal() throws {
        let laptop = Laptop(folder, "j")
        let first = laptop.ok("new", "reflection", "first entry", "--tag", "ward")
        laptop.ok("new", "goal", "second entry")
        let bundle = folder.file("good.allybundle")
        laptop.ok("bundle", "export", bundle)
        let bundleBytes = try #require(FileManager.default.contents(atPath: bundle))
        let truncated = folder.file("truncated.allybundle")
        FileManager.default.createFile(atPath: truncated, contents: bundleBytes.prefix(bundleBytes.count * 2 / 3))
        let garbage = folder.file("garbage.json")
        FileManager.default.createFile(atPath: garbage, contents: Data([0x7b, 0xff, 0xfe, 0x00, 0x7d]))
        let notJSON = folder.file("not.json")
        try "hello".write(toFile: notJSON, atomically: true, encoding: .utf8)
        let before = try laptop.snapshot()
        let beforeCounts = try Journal.open(at: laptop.path).counts()

        let cases: [[String]] = [
            ["new", "diary", "x"],
            ["new", "reflection", "x", "--on", "next blue moon"],
            ["new", "reflection", "x", "--theme", "bravery"],
            ["new", "reflection", "x", "--minutes", "5"],
            ["new", "action", "x", "--minutes", "-5"],
            ["new", "reflection", "x", "--tag", "two words"],
            ["new", "reflection", "x", "--link", "ffffffff"],
            ["new", "reflection", "--title", "a\nb", "x"],
            ["show", "ffffffff"],
            ["show", "zz"],
            ["edit", first, "--due", "tomorrow-ish"],
            ["edit", first, "--status", "done"],
            ["list", "--since", "last week"],
            ["list", "--limit", "0"],
            ["search", "\"unbalanced"],
            ["resolve", first, "--take", "x.1"],
            ["import", folder.file("missing.json")],
            ["import", garbage],
            ["import", notJSON],
            ["bundle", "import", truncated],
            ["bundle", "import", garbage],
            ["bundle", "import", folder.path],
            ["frobnicate"],
            ["pledge", "log", "coffee", "30"],
            ["pledge", "log", "mentoring", "0"],
            ["pledge", "show", "--weeks", "0"],
            ["review", "--since", "the dawn of time"],
            ["review", "--until", "today"],
            ["review", "--since", "2026-12-01", "--until", "2026-11-01"],
            ["new", "action", "x", "--goal", "ffffffff"],
            ["new", "reflection", "x", "--learning-goal", "y"],
            ["new", "reflection", "MRN 4459812 was on the board"],
            ["edit", first, "--reflection", "closing"],
            ["export", "--format", "pdf"],
        ]
        for arguments in cases {
            let result = laptop.run.run(arguments)
            #expect(result.status != 0, "\(arguments) succeeded")
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(arguments) printed \(lines.count) lines: \(result.stderr)")
            #expect(result.stderr.hasPrefix("ally: error: "), "\(arguments): \(result.stderr)")
        }
        // Invalid UTF-8 on standard input.
        let utf8 = laptop.run.run(["new", "reflection", "-"], stdin: Data([0x66, 0xff, 0xfe]))
        #expect(utf8.status == 2 && utf8.stderr.contains("UTF-8"))

        #expect(try laptop.snapshot() == before)
        #expect(try Journal.open(at: laptop.path).counts() == beforeCounts)
        #expect(try laptop.integrity() == "ok")
    }

    @Test func anAmbiguousPrefixListsTheCandidates() throws {
        let laptop = Laptop(folder, "j")
        let export = """
            {"format":"ally-export","version":1,"exportedAt":"2026-11-22T09:00:00.000Z","entries":[
            {"id":"abcd1111000000000000000000000000","kind":"reflection","body":"one","createdAt":"2026-11-20T09:00:00.000Z"},
            {"id":"abcd2222000000000000000000000000","kind":"reflection","body":"two","createdAt":"2026-11-21T09:00:00.000Z"}]}
            """
        laptop.ok("import", "-", stdin: export)
        let result = laptop.run("show", "abcd")
        #expect(result.status == 2)
        #expect(result.stderr.contains("abcd1111") && result.stderr.contains("abcd2222"))
        #expect(laptop.ok("show", "abcd2").contains("two"))
    }

    @Test func otherFilesAreNotOpenedAsJournals() throws {
        let path = folder.file("notes.txt")
        try "my private notes".write(toFile: path, atomically: true, encoding: .utf8)
        let run = CLIRun(journal: path)
        for arguments in [["list"], ["new", "reflection", "x"]] {
            let result = run.run(arguments)
            #expect(result.status == 4 && result.stderr.contains("not an ally journal"))
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "my private notes")
    }
}
