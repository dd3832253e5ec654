import AllyCore
import AllyStore
import AllyTesting
import Foundation
import Testing

/// Issue 8 §4, §8, §9: what ally writes, ally can read; equal text is equal bytes; errors are one clean line.
@Suite struct WrittenIsReadableTests {
    let folder = TemporaryDirectory()

    /// A jrnl entry dated 1969-07-20 was imported, after which check, history, bundle export and sync all
    /// exited 4 ("a stored change cannot be read").
    @Test func datesBefore1970ImportAndStayReadable() throws {
        let a = Laptop(folder, "a")
        let jrnl = folder.file("jrnl.json")
        try """
        {"entries": [{"date": "1969-07-20", "time": "20:17", "title": "Moon", "body": "One small step", "tags": []},
                     {"date": "0001-01-01", "time": "00:00", "title": "Year one", "body": "Earliest", "tags": []}]}
        """.write(toFile: jrnl, atomically: true, encoding: .utf8)
        let imported = a.run("import", jrnl)
        // Year 1 at midnight local time may fall before 0001-01-01T00:00Z: then it is refused whole, never half.
        if imported.status != 0 {
            #expect(imported.stderr.contains("years 1–9999") && !FileManager.default.fileExists(atPath: a.path))
            try #"{"entries": [{"date": "1969-07-20", "time": "20:17", "title": "Moon", "body": "One small step"}]}"#
                .write(toFile: jrnl, atomically: true, encoding: .utf8)
            a.ok("import", jrnl)
        }
        let id = try #require(
            (try JSONSerialization.jsonObject(with: Data(a.ok("list", "--json").utf8)) as? [[String: Any]])?
                .first { $0["title"] as? String == "Moon" }?["id"] as? String)
        a.ok("check")
        a.ok("history", id)
        let export = folder.file("a.json")
        a.ok("export", "--format", "json", "--output", export)
        a.ok("bundle", "export", folder.file("a.bundle"))
        let b = Laptop(folder, "b")
        b.ok("bundle", "import", folder.file("a.bundle"))
        b.ok("check")
        let c = Laptop(folder, "c")
        c.ok("import", export)
        #expect(try decodeJSON(c.ok("show", id, "--json"))["createdAt"] as? String == "1969-07-20T20:17:00.000Z")
        c.ok("check")
    }

    /// A NUL in a body or title saved "before", hid "after" from search and broke `ally check` everywhere.
    @Test func aNULCharacterIsRefusedAndNothingIsWritten() throws {
        let a = Laptop(folder, "a")
        a.ok("new", "reflection", "first")
        let before = try a.snapshot()
        for arguments in [["new", "reflection", "-"], ["new", "reflection", "--title", "x\u{0}y", "body"]] {
            let result = a.run.run(arguments, stdin: Data("before\u{0}after".utf8))
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("NUL") || result.stderr.contains("not a valid"), "\(result.stderr)")
        }
        #expect(try a.snapshot() == before)
        a.ok("check")
    }

    /// `ally import` of a file it then refuses must not create the journal first.
    @Test func aRefusedImportCreatesNoJournal() throws {
        let a = Laptop(folder, "a")
        let bad = folder.file("bad.json")
        try #"{"entries": [{"date": "2026-02-30", "body": "no such day"}]}"#.write(
            toFile: bad, atomically: true, encoding: .utf8)
        let nul = folder.file("nul.json")
        try #"{"entries": [{"date": "2026-02-03", "body": "a\u0000b"}]}"#.write(
            toFile: nul, atomically: true, encoding: .utf8)
        for file in [bad, nul] {
            let result = a.run("import", file)
            #expect(result.status == 2, "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: a.path), "\(file) created the journal")
        }
    }

    /// §8: "café" tagged in NFC on A and in NFD on B is one tag, found by either spelling on both laptops.
    @Test func aTagTypedInNFCOrNFDIsOneTag() throws {
        let a = Laptop(folder, "a")
        let b = Laptop(folder, "b")
        let nfc = "caf\u{E9}"
        let nfd = "cafe\u{301}"
        let id = a.ok("new", "reflection", "coffee round", "--tag", nfd)
        a.ok("bundle", "export", folder.file("a0"))
        b.ok("bundle", "import", folder.file("a0"))
        b.ok("edit", id, "--add-tag", nfc, "--title", "Caf\u{E9} rounds")
        a.ok("edit", id, "--title", "Cafe\u{301} rounds")
        b.ok("bundle", "export", folder.file("b1"))
        a.ok("bundle", "import", folder.file("b1"))
        a.ok("bundle", "export", folder.file("a1"))
        b.ok("bundle", "import", folder.file("a1"))
        for laptop in [a, b] {
            for spelling in [nfc, nfd] {
                #expect(laptop.ok("list", "--tag", spelling).contains(String(id.prefix(8))), "\(laptop.path)")
            }
            let tags = try decodeJSON(laptop.ok("show", id, "--json"))["tags"] as? [String] ?? []
            #expect(tags.map { Array($0.utf8) } == [Array(nfc.utf8)])
            laptop.ok("check")
        }
        // Byte-identical journals, not just `String ==`-equal ones.
        #expect(Array(a.ok("show", id, "--json").utf8) == Array(b.ok("show", id, "--json").utf8))
    }

    /// §9: an error echoes what the user typed on one line, with newlines and terminal escapes written out.
    @Test func errorsAreOneCleanLine() throws {
        let a = Laptop(folder, "a")
        a.ok("new", "reflection", "first")
        for arguments in [
            ["show", "abc\n\u{1B}[31mred"], ["new", "reflection", "x", "--tag", "two\nlines\u{1B}]0;owned\u{7}"],
            ["list", "--since", "\u{1B}[2Jyesterday\r"], ["new", "diary\u{1B}[5m", "x"],
        ] {
            let result = a.run.run(arguments)
            #expect(result.status != 0)
            let line = result.stderr.trimmingCharacters(in: .newlines)
            #expect(!line.contains("\n") && !line.contains("\r"), "\(arguments): \(result.stderr)")
            #expect(!line.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 }, "\(result.stderr)")
            #expect(line.hasPrefix("ally: error: "))
        }
    }

    /// §8: a sealed bundle's passphrase typed in NFD opens what was sealed with it in NFC (RFC 8265).
    @Test func aPassphraseIsPreparedBeforeTheKDF() throws {
        let a = Laptop(folder, "a", environment: ["ALLY_BUNDLE_PASSPHRASE": "caf\u{E9}\u{A0}au lait 2026"])
        a.ok("new", "reflection", "sealed")
        a.ok("bundle", "export", "--encrypt", folder.file("sealed"))
        let b = Laptop(folder, "b", environment: ["ALLY_BUNDLE_PASSPHRASE": "cafe\u{301} au lait 2026"])
        b.ok("bundle", "import", folder.file("sealed"))
        #expect(b.ok("list").contains("sealed"))
    }
}

/// Issue 10 §3: `ally search 'Dr. Kaur'` failed with an FTS5 syntax error, `shout-out` with "no such column".
@Suite struct PlainSearchTests {
    let folder = TemporaryDirectory()

    @Test func plainWordsPunctuationAndHyphensJustWork() throws {
        let a = Laptop(folder, "a")
        let id = a.ok("new", "reflection", "Spoke with Dr. Kaur about the shout-out plan")
        a.ok("new", "reflection", "Night handover went quiet")
        for query in ["Dr. Kaur", "shout-out", "kaur OR nothing", "\"shout out\"", "shout*"] {
            let found = a.run("search", query)
            #expect(found.status == 0 && found.stdout.contains(String(id.prefix(8))), "\(query): \(found.stderr)")
        }
        // A snippet shows the match, marked; when the limit cuts, the count and how to see more.
        a.ok("new", "reflection", "Asked Dr. Kaur again at the next huddle")
        let limited = a.run("search", "kaur", "--limit", "1")
        #expect(limited.stdout.contains("[Kaur]"), "\(limited.stdout)")
        #expect(
            limited.stderr.contains("best 1 of 2 matches") && limited.stderr.contains("--limit 2"), "\(limited.stderr)")
        // Several words need no quotes on the command line.
        #expect(a.ok("search", "Dr.", "Kaur").contains(String(id.prefix(8))))
        let broken = a.run("search", "\"no closing quote")
        #expect(broken.status == 2 && broken.stderr.contains("without a closing one"), "\(broken.stderr)")
    }
}

/// Issue 10 §2 on the command line: the day order setting, the refusal with both readings, the overdue note.
@Suite struct SpokenDateCommandTests {
    let folder = TemporaryDirectory()

    @Test func slashedDatesAndOverdueGoals() throws {
        let config = folder.file("config.toml")
        let a = Laptop(folder, "a", environment: ["ALLY_CONFIG": config, "LANG": "C"])
        let ambiguous = a.run("new", "goal", "Read Athena Rising", "--due", "01/02/2027")
        #expect(
            ambiguous.status == 2 && ambiguous.stderr.contains("2027-02-01") && ambiguous.stderr.contains("2027-01-02"))
        try "date_order = \"DMY\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        let id = a.ok("new", "goal", "Read Athena Rising", "--due", "01/02/2027")
        #expect(try decodeJSON(a.ok("show", id, "--json"))["due"] as? String == "2027-02-01")
        let late = a.run("new", "goal", "Already late", "--due", "3 days ago")
        #expect(late.status == 0 && late.stderr.contains("overdue from the start"), "\(late.stderr)")
        let british = Laptop(
            folder, "b", environment: ["LANG": "en_GB.UTF-8", "ALLY_CONFIG": folder.file("none.toml")])
        let gb = british.ok("new", "goal", "x", "--due", "03/04/2027")
        #expect(try decodeJSON(british.ok("show", gb, "--json"))["due"] as? String == "2027-04-03")
    }
}

/// Issue 10 §5 and §7: commands forgive a typo, suggest the sibling option, and take `--journal` first.
@Suite struct ForgivingCommandTests {
    let folder = TemporaryDirectory()

    @Test func typosAndHabitsAreMetWithSuggestions() throws {
        let a = Laptop(folder, "a")
        let id = a.ok("new", "reflection", "first")
        for (typed, meant) in [("lsit", "list"), ("shwo", "show"), ("synk", "sync"), ("devics", "devices")] {
            let result = a.run(typed)
            #expect(result.status == 64 && result.stderr.contains("did you mean `ally \(meant)`"), "\(result.stderr)")
        }
        let theme = a.run("edit", id, "--theme", "agency")
        #expect(theme.status == 64 && theme.stderr.contains("--add-theme"), "\(theme.stderr)")
        // git's -C habit: the journal before the command.
        let other = folder.file("other.sqlite")
        let elsewhere = a.run("--journal", other, "new", "reflection", "in the other journal")
        #expect(elsewhere.status == 0 && FileManager.default.fileExists(atPath: other), "\(elsewhere.stderr)")
        #expect(a.run("--journal", other, "list").stdout.contains("in the other journal"))
        #expect(!a.ok("list").contains("in the other journal"))
    }
}

/// Issue 10 §5: questions come before they matter, and a failed sync says the words are safe.
@Suite struct CommandsThatAskTests {
    let folder = TemporaryDirectory()

    @Test func aPledgeActionAsksForItsMinutesAndAScriptIsTold() throws {
        let a = Laptop(folder, "a")
        let script = a.run("new", "action", "Coffee with J.", "--pledge", "mentoring")
        #expect(script.status == 2 && script.stderr.contains("--minutes"), "\(script.stderr)")
        let asked = a.run.runOnTerminal(
            ["new", "action", "Coffee with J.", "--pledge", "mentoring", "--allow-phi"],
            answers: ["half an hour", "30"])
        #expect(asked.status == 0, "\(asked.stderr)")
        #expect(asked.stderr.components(separatedBy: "How many minutes").count == 3, "asked again after a non-number")
        let id = asked.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try decodeJSON(a.ok("show", id, "--json"))["minutes"] as? Int == 30)
    }

    @Test func aPassphraseIsCheckedBeforeItIsAskedAgain() throws {
        let a = Laptop(folder, "a")
        a.ok("new", "reflection", "sealed")
        let short = a.run.runOnTerminal(
            ["bundle", "export", "--encrypt", folder.file("b")], answers: ["short", "short"])
        #expect(short.status == 2 && short.stderr.contains("at least 10 characters"), "\(short.stderr)")
        #expect(!short.stderr.contains("Again"), "the rule is checked before the second prompt: \(short.stderr)")
    }

    @Test func theCurrentPassphraseIsCheckedBeforeANewOneIsAsked() throws {
        let a = Laptop(folder, "a", environment: ["ALLY_PASSPHRASE": "correct horse battery staple"])
        let server = try ServerProcess(database: folder.file("server.sqlite"), arguments: ["--open-registration"])
        a.ok("account", "register", "--server", server.url, "--username", "max")
        a.run.environment["ALLY_PASSPHRASE"] = "not the passphrase at all"
        let wrong = a.run.runOnTerminal(
            ["account", "passphrase"], answers: ["a brand new passphrase", "a brand new passphrase"])
        #expect(wrong.status == 6 && wrong.stderr.contains("current passphrase is wrong"), "\(wrong.stderr)")
        #expect(!wrong.stderr.contains("New passphrase"), "the new one was not asked: \(wrong.stderr)")
        a.run.environment["ALLY_PASSPHRASE"] = "correct horse battery staple"
        a.run.environment["ALLY_NEW_PASSPHRASE"] = "a brand new passphrase"
        a.ok("account", "passphrase")
        a.run.environment["ALLY_PASSPHRASE"] = "a brand new passphrase"
        a.ok("account", "logout")
        a.ok("account", "login")
    }

    @Test func aFailedSyncSaysTheEntriesAreSafe() throws {
        let a = Laptop(folder, "a", environment: ["ALLY_PASSPHRASE": "correct horse battery staple"])
        a.ok("new", "reflection", "kept here")
        let server = try ServerProcess(database: folder.file("server.sqlite"), arguments: ["--open-registration"])
        a.ok("account", "register", "--server", server.url, "--username", "sam")
        _ = server.stop()
        let failed = a.run("sync")
        #expect(failed.status == 7 && failed.stderr.contains("Every entry is safe in this journal"), "\(failed.stderr)")
        #expect(a.ok("list").contains("kept here"))
    }

    @Test func revokingThisLaptopAsksFirst() throws {
        let a = Laptop(folder, "a", environment: ["ALLY_PASSPHRASE": "correct horse battery staple"])
        let server = try ServerProcess(database: folder.file("server.sqlite"), arguments: ["--open-registration"])
        a.ok("account", "register", "--server", server.url, "--username", "kim")
        let device = try #require(try Journal.open(at: a.path).deviceID.rawValue.prefix(8))
        let script = a.run("devices", "revoke", String(device))
        #expect(script.status == 2 && script.stderr.contains("--yes"), "\(script.stderr)")
        let declined = a.run.runOnTerminal(["devices", "revoke", String(device)], answers: ["n"])
        #expect(declined.status == 0 && declined.stdout.contains("Nothing revoked"))
        a.ok("sync")
        a.ok("devices", "revoke", String(device), "--yes")
        #expect(a.run("sync").status == 6)
        #expect(a.ok("status").contains("the server refuses this laptop"))
        #expect(try decodeJSON(a.ok("status", "--json"))["refusedSince"] is String)
    }
}

/// Issue 10 §6: `ally prompt` offers another prompt on each call; `--same` keeps today's.
@Suite struct PromptTurnTests {
    let folder = TemporaryDirectory()

    @Test func eachCallGivesAnotherPrompt() {
        let a = Laptop(folder, "a")
        let three = (0..<3).map { _ in a.ok("prompt", "--theme", "agency") }
        #expect(Set(three).count == 3, "\(three)")
        #expect(a.ok("prompt", "--theme", "agency", "--same") == a.ok("prompt", "--theme", "agency", "--same"))
    }
}

/// Issue 10 §6: the practice views tell the truth about a new journal, a week in progress and small targets.
@Suite struct PracticeViewTests {
    let folder = TemporaryDirectory()
    /// Monday 2026-11-23, noon UTC.
    let monday: Int64 = 1_795_435_200_000

    @Test func pledgeShowsNoGapsBeforeTheJournalStartedAndScalesEachBarToItsTarget() throws {
        let a = Laptop(
            folder, "a", clock: ManualClock(millis: monday + 2 * 86_400_000), environment: ["LANG": "C.UTF-8"])
        a.ok("pledge", "log", "tell-leaders", "1", "Told the chief about the rota gap")
        let shown = a.ok("pledge")
        #expect(!shown.contains("Gaps"), "the journal started this week: \(shown)")
        #expect(shown.contains("in progress") && shown.contains("◌ this week, in progress"), "\(shown)")
        let leaders = try #require(shown.split(separator: "\n").first { $0.contains("tell-leaders") })
        #expect(leaders.contains(String(repeating: "█", count: 30)), "1 of 1 is a full bar: \(leaders)")
        let mentoring = try #require(shown.split(separator: "\n").first { $0.contains("mentoring") })
        #expect(!mentoring.contains("█"), "\(mentoring)")
    }

    @Test func aMondayReviewCoversTheWeekJustEndedAndFindsLessons() throws {
        let clock = ManualClock(millis: monday - 3 * 86_400_000)
        let a = Laptop(folder, "a", clock: clock)
        let inline = a.ok("new", "mistake", "Cut in on R. at handover. Lesson: wait for the last word.")
        let withGoal = a.ok(
            "new", "mistake", "Took over S.'s patient update", "--learning-goal", "Ask before taking over")
        clock.advance(by: 3 * 86_400_000)
        let review = a.run("review", "--json")
        let json = try decodeJSON(review.stdout)
        #expect(json["since"] as? String == "2026-11-16" && json["until"] as? String == "2026-11-22", "\(json)")
        let mistakes = json["mistakes"] as? [[String: Any]] ?? []
        let byID = Dictionary(uniqueKeysWithValues: mistakes.map { (($0["id"] as? String ?? "").prefix(8), $0) })
        #expect(byID[inline.prefix(8)]?["lesson"] as? String == "wait for the last word.")
        #expect(byID[withGoal.prefix(8)]?["learningGoal"] as? String == "Ask before taking over")
        #expect(!a.ok("review").contains("no lesson written yet"))
        #expect(try decodeJSON(a.ok("review", "--week", "--json"))["since"] as? String == "2026-11-23")
    }
}

/// Issue 10 §1: an abort at the patient-identifier question keeps the text as a draft; "[e]dit again" reopens it.
@Suite struct PatientQuestionDraftTests {
    let folder = TemporaryDirectory()

    @Test func abortKeepsADraftAndEditAgainReopensIt() throws {
        let a = Laptop(folder, "a")
        let editor = folder.file("editor.sh")
        try """
        #!/bin/sh
        if grep -q 'MRN' "$1"; then sed -i 's/MRN [0-9]*/the patient/' "$1"
        else printf 'Saw MRN 12345678 in the handover sheet; raised it with the ward manager.\\n' > "$1"; fi
        """.write(toFile: editor, atomically: true, encoding: .utf8)
        chmod(editor, 0o755)
        a.run.environment["EDITOR"] = editor
        let aborted = a.run.runOnTerminal(["new", "reflection"], answers: ["a"])
        #expect(aborted.status == 1 && aborted.stderr.contains("--resume"), "\(aborted.stderr)")
        let drafts = folder.file("data/ally/drafts")
        let kept = try FileManager.default.contentsOfDirectory(atPath: drafts)
        #expect(kept.count == 1)
        #expect(try String(contentsOfFile: drafts + "/" + kept[0], encoding: .utf8).contains("MRN 12345678"))

        // Resumed: the first save keeps the number, the question comes, [e]dit again removes it.
        let second = folder.file("editor2.sh")
        try """
        #!/bin/sh
        if [ -f '\(folder.file("once"))' ]; then sed -i 's/MRN [0-9]*/the patient/' "$1"; else touch '\(folder.file("once"))'; fi
        """.write(toFile: second, atomically: true, encoding: .utf8)
        chmod(second, 0o755)
        a.run.environment["EDITOR"] = second
        let edited = a.run.runOnTerminal(["new", "--resume"], answers: ["e"])
        #expect(edited.status == 0 && edited.stderr.contains("[e]dit again"), "\(edited.stderr)")
        let id = edited.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let body = try decodeJSON(a.ok("show", id, "--json"))["body"] as? String ?? ""
        #expect(body.contains("Saw the patient in the handover sheet") && !body.contains("12345678"), "\(body)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: drafts).isEmpty)
    }
}

/// Issue 10 §4: on a terminal, `show` wraps bodies at word boundaries and `list` fits the width.
@Suite struct TerminalWidthTests {
    let folder = TemporaryDirectory()

    @Test func showWrapsAndListFits() throws {
        let a = Laptop(folder, "a")
        let long = (1...30).map { "word\($0)" }.joined(separator: " ")
        let id = a.ok("new", "reflection", long, "--title", String(repeating: "Handover and huddle notes ", count: 4))
        let shown = a.run.runShowingOnTerminal(["show", id], columns: 50)
        let bodyLines = shown.stdout.split(separator: "\n").filter { $0.contains("word") }
        #expect(bodyLines.count > 1 && bodyLines.allSatisfy { $0.count <= 50 }, "\(shown.stdout)")
        #expect(bodyLines.allSatisfy { !$0.hasPrefix(" ") && !$0.hasSuffix(" ") }, "wrapped at word boundaries")
        #expect(bodyLines.joined(separator: " ") == long)
        let listed = a.run.runShowingOnTerminal(["list"], columns: 60)
        let line = try #require(listed.stdout.split(separator: "\n").first)
        #expect(line.contains("…") && line.count <= 60 + 8, "\(line)")
        // Piped, nothing is cut or wrapped.
        #expect(a.ok("show", id).contains(long))
    }
}
