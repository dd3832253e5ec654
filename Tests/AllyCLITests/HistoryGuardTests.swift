import AllyCore
import AllyStore
import AllyTesting
import Foundation
import Testing

/// Issue 12 §3: the identifier guard reaches the history (`ally scan --history`, `ally redact --phi`), imports,
/// and sentences that combine details about one person; nursing titles are colleagues' names in a redacted export.
@Suite struct HistoryGuardTests {
    let folder = TemporaryDirectory()

    @Test func scanHistoryFindsWhatAnEditReplacedAndRedactTakesItOutEverywhere() throws {
        let j = Laptop(folder, "j")
        let id = j.ok("new", "reflection", "Saw Mrs Okafor (MRN 4459812) on the ward.", "--allow-phi")
        j.ok("edit", id, "--body", "Saw a patient on the ward; I rushed the handover.")
        // The current text is clean: plain scan is quiet, the history is not.
        #expect(j.run("scan").status == 0)
        let history = j.run("scan", "--history", "--json")
        #expect(history.status == 1)
        let findings = try #require(
            try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [[String: Any]])
        #expect(findings.count == 1 && (findings[0]["fix"] as? String ?? "").hasPrefix("ally redact"))
        let texts = (findings[0]["matches"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }
        #expect(texts.contains { $0.contains("4459812") })
        let redacted = try decodeJSON(j.ok("redact", id, "--phi", "--json"))
        #expect(redacted["changesRedacted"] as? Int == 1)
        #expect(j.run("scan", "--history").status == 0)
        let bytes = FileManager.default.contents(atPath: j.path) ?? Data()
        #expect(bytes.range(of: Data("4459812".utf8)) == nil && bytes.range(of: Data("Okafor".utf8)) == nil)
        #expect(j.ok("show", id, "--json").contains("I rushed the handover"))
    }

    @Test func redactRefusesBadInputAndLeavesTheJournalAsItWas() throws {
        let j = Laptop(folder, "j")
        let id = j.ok("new", "reflection", "Nothing to hide here.")
        let before = try j.snapshot()
        #expect(j.run("redact", id).status == 64)
        #expect(j.run("redact", id, "--text", "absentword").status != 0)
        #expect(j.run("redact", id, "--phi").status != 0)
        #expect(j.run("redact", "zzzz", "--text", "x").status != 0)
        #expect(j.run("purge", id).status == 2, "a script must confirm with --yes")
        #expect(try j.snapshot() == before)
    }

    func jrnlExport(_ body: String) throws -> String {
        let file = folder.file("jrnl-\(UInt32.random(in: 0...UInt32.max)).json")
        let document: [String: Any] = [
            "entries": [
                ["date": "2026-11-01", "time": "09:00", "title": "Handover", "body": body, "tags": ["@work"]],
                ["date": "2026-11-02", "time": "10:00", "title": "Clean", "body": "Coffee with J.", "tags": []],
            ]
        ]
        try JSONSerialization.data(withJSONObject: document).write(to: URL(fileURLWithPath: file))
        return file
    }

    @Test func importRunsTheGuardOnceForTheWholeFile() throws {
        let file = try jrnlExport("Mr Jenkins in bed 12, NHS number 943 476 5919, waited all night.")
        let j = Laptop(folder, "j")
        j.ok("new", "reflection", "already here")
        let before = try j.snapshot()
        let refused = j.run("import", file)
        #expect(refused.status == 2 && refused.stderr.contains("--redact-phi") && refused.stderr.contains("1 entry"))
        #expect(try j.snapshot() == before)

        let redacted = try decodeJSON(j.ok("import", file, "--redact-phi", "--json"))
        #expect(redacted["imported"] as? Int == 2 && redacted["redacted"] as? Int == 1)
        #expect(j.run("scan").status == 0)
        let listed = j.ok("list", "--json")
        #expect(listed.contains("Handover") && !listed.contains("943 476 5919") && !listed.contains("Jenkins"))
        #expect(j.ok("search", "waited").contains("Handover"))

        let k = Laptop(folder, "k")
        let kept = try decodeJSON(k.ok("import", file, "--allow-phi", "--json"))
        #expect(kept["keptIdentifiers"] as? Int == 1)
        #expect(k.run("scan").status == 1)

        let t = Laptop(folder, "t")
        for (answer, status) in [("a", Int32(1)), ("r", 0)] {
            let result = t.run.runOnTerminal(["import", file], answers: [answer])
            #expect(result.status == status, "\(answer): \(result.stderr)")
        }
        #expect(t.run("scan").status == 0)
    }

    @Test func aSentenceThatPointsAtOnePatientIsNoted() {
        let j = Laptop(folder, "j")
        let result = j.run(
            "new", "reflection", "I ignored the 34-year-old woman on the labour ward with pre-eclampsia last Tuesday.")
        #expect(result.status == 0, "a warning, not a refusal: \(result.stderr)")
        #expect(result.stderr.contains("could identify a patient"))
        let scan = j.run("scan", "--json")
        #expect(scan.status == 1 && scan.stdout.contains("combinations"))
        let plain = j.run("new", "reflection", "The woman registrar led the arrest call well on Tuesday.")
        #expect(!plain.stderr.contains("could identify"))
    }
}

@Suite struct NursingTitleTests {
    @Test func nursingAndAlliedTitlesAreColleaguesNames() {
        let cases: [(String, String)] = [
            ("Sr. Okoye covered my break.", "[colleague] covered my break."),
            ("Charge Nurse Bell ran the board.", "[colleague] ran the board."),
            ("Staff Nurse Adams and Midwife Amara stayed late.", "[colleague] and [colleague] stayed late."),
            (
                "Matron Hughes asked me to apologise to Ward Sister Kaur.",
                "[colleague] asked me to apologise to [colleague]."
            ),
            ("Nurse P. spotted the error.", "[colleague] spotted the error."),
        ]
        for (text, expected) in cases { #expect(ColleagueNames.redact(text) == expected, "\(text)") }
    }
}
