import AllyCore
import AllyStore
import AllyTesting
import Foundation
import Testing

/// Issue #4: goals, the pledge, the review, guided entries, prompts from the config file.
@Suite struct PracticeCommandTests {
    let folder = TemporaryDirectory()

    /// A laptop whose clock reads Sunday 2026-11-22 18:00 UTC.
    func laptop() -> Laptop {
        Laptop(folder, "j", clock: ManualClock(millis: ISOTimestamp.parse("2026-11-22T18:00:00Z") ?? 0))
    }

    @Test func thePledgeCountsThisWeeksActionsAndTheStreak() throws {
        let j = laptop()
        for day in ["2026-11-03", "2026-11-10"] {
            j.ok("pledge", "log", "mentoring", "30", "--on", day)
            j.ok("pledge", "log", "shout-out", "5", "--on", day)
            j.ok("pledge", "log", "tell-leaders", "1", "--on", day)
        }
        j.ok("pledge", "log", "mentoring", "20", "Coffee with J.", "--on", "monday")
        j.ok("pledge", "log", "mentoring", "15", "--on", "2026-11-15")  // Sunday: the previous week
        let json = try decodeJSON(j.ok("pledge", "--json"))
        #expect(json["mentoring"] as? Int == 20 && json["shoutOut"] as? Int == 0 && json["met"] as? Bool == false)
        #expect(json["streak"] as? Int == 2)  // the weeks of 3 and 10 November; this week is not met yet
        let text = j.ok("pledge")
        #expect(text.contains("Week of 2026-11-16 – 2026-11-22") && text.contains("20 / 30"))
        #expect(text.contains("Streak: 2 weeks"))
        #expect(j.run("pledge", "log", "coffee", "30").status != 0)
        #expect(j.run("pledge", "log", "mentoring", "0").status != 0)
    }

    @Test func weeksCanStartOnSunday() throws {
        let j = laptop()
        let config = folder.file("config.toml")
        try "week_starts = \"sunday\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        j.run.environment["ALLY_CONFIG"] = config
        j.ok("pledge", "log", "mentoring", "30", "--on", "2026-11-22")
        let json = try decodeJSON(j.ok("pledge", "--json"))
        let week = try #require(json["week"] as? [String: Any])
        #expect(week["start"] as? String == "2026-11-22")
        #expect(json["mentoring"] as? Int == 30)
    }

    @Test func goalsListOverdueFirstWithTheirActions() throws {
        let j = laptop()
        let later = j.ok("new", "goal", "Sponsor J. for the fellowship", "--due", "2026-12-15")
        let overdue = j.ok("new", "goal", "Read Good Guys", "--due", "2026-11-01")
        j.ok("new", "action", "Coffee with J.", "--minutes", "30", "--pledge", "mentoring", "--goal", later)
        let text = j.ok("goals")
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first?.contains(overdue) == true && lines.first?.contains("overdue since 2026-11-01") == true)
        #expect(text.contains("1 action logged, 30 min"))
        let items = try #require(
            try JSONSerialization.jsonObject(with: Data(j.ok("goals", "--json").utf8)) as? [[String: Any]])
        #expect(items.count == 2 && items[0]["overdue"] as? Bool == true)
        // Closing a goal with a reflection links the reflection to it.
        j.ok("edit", overdue, "--status", "done", "--reflection", "Read it; chapter 3 changed my handovers.")
        #expect(!j.ok("goals").contains(overdue))
        #expect(j.ok("goals", "--all").contains(overdue))
        #expect(
            j.ok("show", overdue).contains("linked from") && j.ok("show", overdue).contains("Closing: Read Good Guys"))
        #expect(j.run("edit", later, "--reflection", "x").status == 64)
        #expect(j.run("new", "reflection", "x", "--goal", later).status == 64)
    }

    @Test func aMistakeCanBecomeALinkedLearningGoal() throws {
        let j = laptop()
        let mistake = j.run(
            "new", "mistake", "Talked over Dr. K.\nLesson: wait, then amplify.", "--learning-goal",
            "Pause three seconds")
        #expect(mistake.status == 0 && mistake.stderr.contains("Created learning goal"))
        let id = mistake.stdout.trimmingCharacters(in: .newlines)
        let shown = j.ok("show", id)
        #expect(shown.contains("linked from") && shown.contains("goal: Pause three seconds"))
        let goals = try #require(
            try JSONSerialization.jsonObject(with: Data(j.ok("goals", "--json").utf8)) as? [[String: Any]])
        #expect(goals.count == 1)
    }

    @Test func theMistakeOffersAGoalOnATerminal() throws {
        let j = laptop()
        let result = j.run.runOnTerminal(
            ["new", "mistake", "Took credit for R.'s plan."], answers: ["Name whose idea it was, every time"])
        #expect(result.status == 0 && result.stderr.contains("Turn the lesson into a learning goal?"))
        #expect(j.ok("goals").contains("Name whose idea it was"))
    }

    @Test func theReviewShowsEverySectionInTextAndJSON() throws {
        let j = laptop()
        j.ok(
            "new", "reflection", "Noticed the note-taking", "--theme", "humility", "--level", "interpersonal", "--on",
            "monday")
        j.ok(
            "new", "mistake", "Talked over Dr. K.\nLesson: wait three seconds.", "--theme", "integrity", "--on",
            "tuesday")
        j.ok("new", "feedback", "R.: decide after the nurses finish.", "--theme", "humility", "--on", "wednesday")
        let acted = j.ok("new", "feedback", "A.: women on the big teaching sessions.", "--on", "thursday")
        j.ok("new", "action", "Asked A. which sessions she wants", "--link", acted, "--on", "friday")
        j.ok("pledge", "log", "mentoring", "30", "--on", "friday")
        j.ok("new", "goal", "Read Good Guys", "--due", "2026-11-01")
        j.ok("new", "reflection", "Last month", "--theme", "agency", "--on", "2026-10-02")
        let text = j.ok("review")
        for section in [
            "The 36-minute pledge", "Entries per theme", "Entries per level", "Open goals", "Mistakes and lessons",
            "Feedback with no follow-up action", "For the week ahead",
        ] {
            #expect(text.contains(section), "missing \(section)")
        }
        #expect(
            text.contains("Lesson: wait three seconds.") && text.contains("R.: decide after")
                && !text.contains("A.: women"))
        #expect(text.contains("█") || text.contains("▏"))
        let ascii = j.ok("review", "--ascii")
        #expect(!ascii.contains("█") && ascii.contains("#"))
        let json = try decodeJSON(j.ok("review", "--json"))
        #expect(json["entryCount"] as? Int == 7)
        let themes = try #require(json["themes"] as? [[String: Any]])
        #expect(themes.first { $0["name"] as? String == "humility" }?["count"] as? Int == 2)
        #expect(themes.first { $0["name"] as? String == "agency" }?["count"] as? Int == 0)
        // The thinnest theme gets the prompt: capability (0, and first in DOMAIN order among the zeros).
        #expect(json["thinnestTheme"] as? String == "capability")
        #expect((json["prompt"] as? [String: Any])?["theme"] as? String == "capability")
        let month = try decodeJSON(j.ok("review", "--month", "--json"))
        #expect(month["since"] as? String == "2026-11-01" && month["entryCount"] as? Int == 7)
        let custom = try decodeJSON(j.ok("review", "--since", "2026-10-01", "--until", "2026-10-31", "--json"))
        #expect(custom["entryCount"] as? Int == 1)
        #expect(j.run("review", "--since", "2026-11-30", "--until", "2026-11-01").status == 2)
        #expect(j.run("review", "--week", "--month").status == 64)
    }

    @Test func userPromptsComeFromTheConfigFile() throws {
        let j = laptop()
        let config = folder.file("config.toml")
        try """
        # my prompts
        [[prompts]]
        text = "Did I leave on time so my partner could?"
        theme = "reliability"
        kinds = ["audit"]
        """.write(toFile: config, atomically: true, encoding: .utf8)
        j.run.environment["ALLY_CONFIG"] = config
        var seen = Set<String>()
        for _ in 0..<6 {
            seen.insert(j.ok("prompt", "--kind", "audit"))
            j.run.clock.advance(by: 86_400_000)
        }
        #expect(seen.contains { $0.contains("Did I leave on time") })
        #expect(seen.count >= 3, "prompts should rotate day by day")
        try "week_starts = \"someday\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        let bad = j.run("prompt")
        #expect(bad.status == 2 && bad.stderr.contains("line 1"))
    }

    @Test func theEditorTemplateGuidesEachKind() throws {
        let j = laptop()
        let script = folder.file("keep-template.sh")
        try "#!/bin/sh\ncp \"$1\" \"\(folder.file("seen.txt"))\"\n".write(
            toFile: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
        j.run.environment["EDITOR"] = script
        let untouched = j.run("new", "mistake", "--edit")
        // An untouched template writes nothing, and says so without calling it an error (issue 10 §1).
        #expect(untouched.status == 0 && untouched.stderr.contains("nothing was written"))
        #expect(j.run("list").status == 3, "no journal was even created")
        let template = try String(contentsOfFile: folder.file("seen.txt"), encoding: .utf8)
        for heading in ["What happened:", "Impact:", "Repair made:", "Lesson:", "Next step:", "Prompt ("] {
            #expect(template.contains(heading), "mistake template lacks \(heading)")
        }
        _ = j.run("new", "audit", "--edit")
        let audit = try String(contentsOfFile: folder.file("seen.txt"), encoding: .utf8)
        #expect(audit.contains("Child care") && audit.contains("clothing sizes"))
    }
}
