import AllyCore
import AllyStore
import AllyTesting
import Foundation
import Testing

@Suite struct EntryCommandTests {
    let folder = TemporaryDirectory()

    @Test func initCreatesOnceAndReadCommandsNeverCreate() {
        let laptop = Laptop(folder, "j")
        let missing = laptop.run("list")
        #expect(missing.status == 3 && missing.stderr.contains("ally init"))
        #expect(!FileManager.default.fileExists(atPath: laptop.path))
        #expect(laptop.ok("init").contains("Created a new journal"))
        let again = laptop.run("init")
        #expect(again.status == 0 && again.stdout.contains("already exists"))
    }

    @Test func theFirstWriteCreatesTheJournalAndSaysWhere() {
        let laptop = Laptop(folder, "j")
        let result = laptop.run("new", "reflection", "Noticed who spoke first at handover.")
        #expect(result.status == 0)
        #expect(result.stderr.contains("Created a new journal at \(laptop.path)"))
        #expect(result.stdout.trimmingCharacters(in: .newlines).count == 8)
    }

    @Test func newPrintsEveryJSONKey() throws {
        let laptop = Laptop(folder, "j")
        let goal = laptop.ok(
            "new", "goal", "Read Athena Rising", "--title", "Reading", "--due", "2026-12-31", "--theme", "capability")
        let json = try decodeJSON(
            laptop.ok(
                "new", "action", "Coffee with J.", "--minutes", "30", "--pledge", "mentoring", "--theme", "agency",
                "--level", "interpersonal", "--tag", "#Coffee", "--on", "yesterday", "--link", goal, "--json"))
        let keys: Set<String> = [
            "id", "kind", "title", "body", "themes", "level", "tags", "occurredOn", "createdAt", "updatedAt", "due",
            "status",
            "minutes", "pledge", "links", "trashed", "hasConflict", "conflict",
        ]
        #expect(Set(json.keys) == keys)
        #expect(json["minutes"] as? Int == 30 && json["pledge"] as? String == "mentoring")
        #expect(json["tags"] as? [String] == ["coffee"])
        #expect(json["occurredOn"] as? String == "2026-11-21")
        #expect((json["links"] as? [String])?.first?.hasPrefix(goal) == true)
        #expect(json["title"] is NSNull && json["due"] is NSNull && json["status"] is NSNull)
    }

    @Test func listShowSearchEditTrashRestoreHistory() throws {
        let laptop = Laptop(folder, "j")
        let id = laptop.ok(
            "new", "mistake", "Talked over Dr. A in the huddle.", "--theme", "integrity", "--tag", "huddle")
        laptop.ok("new", "reflection", "A quiet week.", "--on", "2026-11-01")
        #expect(laptop.ok("list").split(separator: "\n").count == 2)
        #expect(laptop.ok("list", "--kind", "mistake").contains(id))
        #expect(laptop.ok("list", "--since", "2026-11-10").split(separator: "\n").count == 1)
        #expect(laptop.ok("search", "huddle").contains(id))
        laptop.ok("edit", id, "--title", "Huddle", "--add-tag", "repair", "--remove-tag", "huddle", "--level", "public")
        let shown = laptop.ok("show", id)
        #expect(shown.contains("Huddle") && shown.contains("#repair") && !shown.contains("#huddle"))
        laptop.ok("edit", id, "--body", "-", stdin: "Talked over Dr. A in the huddle; apologised after.\n")
        #expect(laptop.ok("search", "apologised").contains(id))
        laptop.ok("trash", id)
        #expect(!laptop.ok("list").contains(id))
        #expect(laptop.ok("list", "--trashed").contains(id))
        let editTrashed = laptop.run("edit", id, "--title", "x")
        #expect(editTrashed.status == 5 && editTrashed.stderr.contains("restore"))
        laptop.ok("restore", id)
        let history = laptop.ok("history", id)
        for expected in [
            "created as mistake", "set title to \"Huddle\"", "removed huddle from tags", "moved to the trash",
            "restored", "apologised after",
        ] {
            #expect(history.contains(expected), "history lacks \(expected)")
        }
        let items = try #require(
            try JSONSerialization.jsonObject(with: Data(laptop.ok("history", id, "--json").utf8)) as? [[String: Any]])
        #expect(items.contains { $0["operation"] as? String == "editBody" })
    }

    @Test func plainOutputHasNoColourWhenPiped() {
        let laptop = Laptop(folder, "j")
        laptop.ok("new", "reflection", "x", "--theme", "humility")
        #expect(!laptop.ok("list").contains("\u{1B}["))
    }

    @Test func theEditorWritesTheEntryAndAnEmptyEditorWritesNothing() throws {
        let laptop = Laptop(folder, "j")
        let script = folder.file("fake-editor.sh")
        // The fake editor keeps the template (with its scissors line) and writes a body above it.
        try
            "#!/bin/sh\n{ printf '# Lessons\\nAsk before stepping in.\\n'; cat \"$1\"; } > \"$1.new\" && mv \"$1.new\" \"$1\"\n"
            .write(toFile: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
        laptop.run.environment["EDITOR"] = script
        let id = laptop.ok("new", "mistake", "--edit")
        let body = try decodeJSON(laptop.ok("show", id, "--json"))["body"] as? String
        #expect(body == "# Lessons\nAsk before stepping in.")

        let empty = folder.file("empty-editor.sh")
        try "#!/bin/sh\n: > \"$1\"\n".write(toFile: empty, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: empty)
        laptop.run.environment["EDITOR"] = empty
        let aborted = laptop.run("new", "reflection", "--edit")
        // Saving an empty text is how an editor user cancels: "nothing written", not an error (issue 10 §1).
        #expect(aborted.status == 0 && aborted.stderr.contains("nothing was written"), "\(aborted.stderr)")
        #expect(laptop.ok("list").split(separator: "\n").count == 1)
    }

    @Test func promptsFilterByThemeAndKind() throws {
        let laptop = Laptop(folder, "j")
        let json = try decodeJSON(laptop.ok("prompt", "--theme", "integrity", "--json"))
        #expect(json["theme"] as? String == "integrity")
        let mistake = try decodeJSON(laptop.ok("prompt", "--kind", "mistake", "--json"))
        #expect((mistake["kinds"] as? [String])?.contains("mistake") == true)
        #expect(laptop.run("prompt", "--theme", "agency", "--kind", "audit").status == 3)
    }
}
