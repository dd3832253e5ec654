import AllyCore
import AllyStore
import AllyTesting
import Foundation
import Testing

@Suite struct ExportImportTests {
    let folder = TemporaryDirectory()

    @Test func aJSONRoundTripLosesNothing() throws {
        let a = Laptop(folder, "a")
        let goal = a.ok(
            "new", "goal", "Sponsor one registrar", "--due", "2026-12-31", "--theme", "agency", "--title", "Sponsor")
        a.ok(
            "new", "action", "Shout-out for S. at grand rounds", "--minutes", "5", "--pledge", "shout-out", "--link",
            goal,
            "--tag", "rounds", "--level", "public", "--on", "2026-11-18")
        let gone = a.ok("new", "reflection", "To the trash")
        a.ok("trash", gone)
        let file = folder.file("export.json")
        a.ok("export", "--format", "json", "--output", file)
        let b = Laptop(folder, "b")
        #expect(b.ok("import", file).contains("Imported 3"))
        #expect(b.ok("import", file).contains("skipped 3"))
        func comparable(_ snapshot: [String: NSDictionary]) -> [String: NSDictionary] {
            snapshot.mapValues { entry in
                let copy = entry.mutableCopy() as? NSMutableDictionary ?? NSMutableDictionary()
                copy.removeObject(forKey: "updatedAt")  // the time of the last change in *this* journal
                return copy
            }
        }
        #expect(comparable(try a.snapshot()) == comparable(try b.snapshot()))
        #expect(try a.snapshot().count == 3)
    }

    @Test func markdownExportReadsLikeAJournal() throws {
        let a = Laptop(folder, "a")
        a.ok("new", "mistake", "Interrupted Dr. A.", "--title", "Huddle", "--theme", "integrity")
        let markdown = a.ok("export", "--format", "markdown")
        #expect(markdown.hasPrefix("# Allyship journal"))
        #expect(
            markdown.contains("· mistake · Huddle") && markdown.contains("Themes: integrity")
                && markdown.contains("Interrupted Dr. A."))
    }

    @Test func aLargeImportShowsProgressOnATerminalOnly() throws {
        let items = (0..<600).map {
            "{\"title\": \"t\($0)\", \"body\": \"b\", \"date\": \"2024-03-05\", \"time\": \"07:30\", \"tags\": []}"
        }
        let file = folder.file("jrnl.json")
        try "{\"entries\": [\(items.joined(separator: ","))]}".write(toFile: file, atomically: true, encoding: .utf8)
        let a = Laptop(folder, "a")
        let onTerminal = a.run.runOnTerminal(["import", file], answers: [])
        #expect(onTerminal.status == 0 && onTerminal.stderr.contains("importing 500/600 entries"))
        let b = Laptop(folder, "b")
        let piped = b.run("import", file)
        #expect(piped.status == 0 && !piped.stderr.contains("importing"))
    }

    @Test func jrnlExportsImportAsReflections() throws {
        let jrnl = """
            {"tags": {"@ward": 1}, "entries": [
              {"title": "Night shift.", "body": "Asked the charge nurse what she needed.", "date": "2024-03-05",
               "time": "07:30", "tags": ["@ward"], "starred": true},
              {"title": "Journal club", "body": "", "date": "2024-03-06", "time": "18:00", "tags": [], "starred": false}
            ]}
            """
        let a = Laptop(folder, "a")
        #expect(a.ok("import", "-", stdin: jrnl).contains("Imported 2 entries from the jrnl export"))
        let entries = try #require(
            try JSONSerialization.jsonObject(with: Data(a.ok("list", "--json").utf8)) as? [[String: Any]])
        let night = try #require(entries.first { $0["title"] as? String == "Night shift." })
        #expect(night["kind"] as? String == "reflection")
        #expect(night["occurredOn"] as? String == "2024-03-05")
        #expect(night["tags"] as? [String] == ["starred", "ward"])
        #expect(night["createdAt"] as? String == "2024-03-05T07:30:00.000Z")
    }
}
