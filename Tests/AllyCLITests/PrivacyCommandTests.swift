import AllyCore
import AllyStore
import AllyTesting
import Foundation
import Testing

/// Issue #4 §5: the patient-identifier guard on save, `ally scan`, and `ally export --redact`.
@Suite struct PrivacyCommandTests {
    let folder = TemporaryDirectory()
    let text = "Mrs Patel in bed 12 (MRN 4459812) asked for the nurse, not me."

    @Test func aScriptIsRefusedUnlessItSaysWhatToDo() throws {
        let j = Laptop(folder, "j")
        j.ok("new", "reflection", "a clean one")
        let before = try j.snapshot()
        let refused = j.run("new", "reflection", text)
        #expect(
            refused.status == 2 && refused.stderr.contains("MRN 4459812") && refused.stderr.contains("--redact-phi"))
        #expect(try j.snapshot() == before)
        let redacted = try decodeJSON(j.ok("new", "reflection", text, "--redact-phi", "--json"))
        #expect(redacted["body"] as? String == "[redacted] ([redacted]) asked for the nurse, not me.")
        let kept = try decodeJSON(j.ok("new", "reflection", text, "--allow-phi", "--json"))
        #expect(kept["body"] as? String == text)
        let config = folder.file("config.toml")
        try "allow_phi = true\n".write(toFile: config, atomically: true, encoding: .utf8)
        j.run.environment["ALLY_CONFIG"] = config
        #expect(j.run("new", "reflection", text).status == 0)
    }

    @Test func aTerminalUserChoosesRedactKeepOrAbort() throws {
        let j = Laptop(folder, "j")
        for (answer, expected) in [
            ("r", "[redacted] ([redacted]) asked for the nurse, not me."), ("k", text), ("a", nil),
        ] {
            let result = j.run.runOnTerminal(["new", "reflection", text, "--json"], answers: ["maybe", answer])
            let output = result.stdout + result.stderr
            if let expected {
                #expect(result.status == 0 && output.contains("MRN 4459812") && output.contains(expected))
            } else {
                #expect(result.status != 0 && output.contains("aborted"))
            }
        }
        #expect(try j.snapshot().count == 2)
    }

    @Test func editsAreGuardedAndScanFindsWhatRemains() throws {
        let j = Laptop(folder, "j")
        let id = j.ok("new", "reflection", "clean text")
        #expect(j.run("edit", id, "--body", text).status == 2)
        j.ok("edit", id, "--body", text, "--allow-phi")
        let other = j.ok("new", "feedback", "Call the daughter on 07700 900123", "--allow-phi")
        let scan = j.run("scan")
        #expect(
            scan.status == 1 && scan.stdout.contains(id) && scan.stdout.contains(other)
                && scan.stdout.contains("07700 900123"))
        let findings = try #require(
            try JSONSerialization.jsonObject(with: Data(j.run("scan", "--json").stdout.utf8)) as? [[String: Any]])
        #expect(findings.count == 2)
        j.ok("edit", id, "--redact-phi")
        j.ok("edit", other, "--redact-phi")
        let clean = j.run("scan")
        #expect(clean.status == 0 && clean.stdout.contains("No entry looks like"))
    }

    @Test func aRedactedExportHidesIdentifiersAndColleagues() throws {
        let j = Laptop(folder, "j")
        j.ok(
            "new", "mistake", "I talked over Dr. K about Mrs Patel in bed 12.\nLesson: ask J. first.", "--allow-phi",
            "--title", "Huddle with Dr. Okafor")
        let markdown = j.ok("export", "--format", "markdown", "--redact")
        #expect(
            !markdown.contains("Patel") && !markdown.contains("Dr. K") && !markdown.contains("Okafor")
                && !markdown.contains("J. first"))
        #expect(markdown.contains("[colleague]") && markdown.contains("[redacted]"))
        let json = try decodeJSON(j.ok("export", "--format", "json", "--redact"))
        let body = (json["entries"] as? [[String: Any]])?.first?["body"] as? String
        #expect(body == "I talked over [colleague] about [redacted].\nLesson: ask [colleague] first.")
        #expect(j.ok("export", "--format", "markdown").contains("Mrs Patel"))
    }
}
