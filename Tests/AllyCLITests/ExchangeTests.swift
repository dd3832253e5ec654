import AllyCore
import AllyStore
import AllyTesting
import Foundation
import Testing

/// Issue #2 "done means": two journals editing one entry offline end identical after bundles, in either order.
@Suite struct ExchangeTests {
    let folder = TemporaryDirectory()

    func exchange(_ from: Laptop, _ to: Laptop, _ name: String) {
        let file = folder.file(name)
        from.ok("bundle", "export", file)
        to.ok("bundle", "import", file)
    }

    @Test("Offline edits merge or conflict, and a resolution wins everywhere", arguments: [true, false])
    func offlineEditsConverge(aFirst: Bool) throws {
        let clock = ManualClock()
        let a = Laptop(folder, "a", clock: clock)
        let b = Laptop(folder, "b", clock: clock)
        let clean = a.ok("new", "mistake", "What happened: x\nImpact: y\nRepair: z")
        let clash = a.ok("new", "reflection", "Lesson: ?")
        exchange(a, b, "a0")

        // Offline: different lines of one entry, the same line of another, and a tag each.
        a.ok("edit", clean, "--body", "What happened: I talked over Dr. K\nImpact: y\nRepair: z", "--add-tag", "huddle")
        b.ok("edit", clean, "--body", "What happened: x\nImpact: y\nRepair: apologised", "--add-tag", "repair")
        a.ok("edit", clash, "--body", "Lesson: ask first.")
        clock.advance(by: 1000)
        b.ok("edit", clash, "--body", "Lesson: listen longer.")

        if aFirst {
            exchange(b, a, "b1")
            exchange(a, b, "a1")
        } else {
            exchange(a, b, "a1")
            exchange(b, a, "b1")
        }
        #expect(try a.snapshot() == b.snapshot())
        let merged = try decodeJSON(a.ok("show", clean, "--json"))
        #expect(merged["body"] as? String == "What happened: I talked over Dr. K\nImpact: y\nRepair: apologised")
        #expect(merged["tags"] as? [String] == ["huddle", "repair"])
        #expect(a.ok("conflicts").contains(clash) && !a.ok("conflicts").contains(clean))
        let shown = b.ok("show", clash)
        #expect(shown.contains("Lesson: ask first.") && shown.contains("Lesson: listen longer."))

        // Resolve on one side; the resolution wins on both after the next exchange.
        let resolver = aFirst ? b : a
        let other = aFirst ? a : b
        resolver.ok("resolve", clash, "--body", "Lesson: ask first, then listen longer.")
        exchange(resolver, other, "r")
        exchange(other, resolver, "r2")
        #expect(try a.snapshot() == b.snapshot())
        #expect(
            try decodeJSON(other.ok("show", clash, "--json"))["body"] as? String
                == "Lesson: ask first, then listen longer.")
        #expect(other.run("conflicts").stdout.isEmpty)
        try Journal.open(at: a.path).checkInvariants()
        try Journal.open(at: b.path).checkInvariants()
    }

    @Test func resolveTakesAVersionByName() throws {
        let clock = ManualClock()
        let a = Laptop(folder, "a", clock: clock)
        let b = Laptop(folder, "b", clock: clock)
        let id = a.ok("new", "reflection", "Lesson: ?")
        exchange(a, b, "0")
        a.ok("edit", id, "--body", "Lesson: from A")
        b.ok("edit", id, "--body", "Lesson: from B")
        exchange(b, a, "1")
        let conflict = try #require(try decodeJSON(a.ok("show", id, "--json"))["conflict"] as? [String: Any])
        let versions = try #require(conflict["bodyVersions"] as? [[String: Any]])
        #expect(versions.count == 2)
        let shown = a.ok("show", id)
        // "--- from laptop 3fa2c9d1, Mon 23 Nov, 17:48 (version 3fa2c9d1.17)"
        let name = try #require(
            shown.split(separator: "\n").first { $0.contains("--- from") && $0.contains("(version ") })
        let version = String(try #require(name.split(separator: " ").last).dropLast())
        let result = try decodeJSON(a.ok("resolve", id, "--take", version, "--json"))
        #expect(result["hasConflict"] as? Bool == false)
        #expect(["Lesson: from A", "Lesson: from B"].contains(result["body"] as? String ?? ""))
    }

    @Test func trashedOnOneLaptopWhileEditedOnTheOtherStaysVisibleAsAConflict() throws {
        let clock = ManualClock()
        let a = Laptop(folder, "a", clock: clock)
        let b = Laptop(folder, "b", clock: clock)
        let id = a.ok("new", "feedback", "R. said: speak up sooner.")
        exchange(a, b, "0")
        a.ok("trash", id)
        b.ok("edit", id, "--body", "R. said: speak up sooner, and credit the idea.")
        exchange(a, b, "1")
        exchange(b, a, "2")
        #expect(try a.snapshot() == b.snapshot())
        #expect(a.ok("list").contains(id))
        #expect(a.ok("show", id).contains("trashed on this laptop"))
        let needsChoice = a.run("resolve", id)
        #expect(needsChoice.status == 2 && needsChoice.stderr.contains("--keep"))
        a.ok("resolve", id, "--keep")
        exchange(a, b, "3")
        let entry = try decodeJSON(b.ok("show", id, "--json"))
        #expect(entry["hasConflict"] as? Bool == false && entry["trashed"] as? Bool == false)
        #expect(entry["body"] as? String == "R. said: speak up sooner, and credit the idea.")
        try Journal.open(at: a.path).checkInvariants()
        try Journal.open(at: b.path).checkInvariants()
    }

    @Test func sealedBundlesOpenOnlyWithTheirPassphrase() throws {
        let secret = ["ALLY_BUNDLE_PASSPHRASE": "usb stick passphrase"]
        let a = Laptop(folder, "a", environment: secret)
        let b = Laptop(folder, "b")
        a.ok("new", "reflection", "Dr. K was talked over at huddle")
        let plainFile = folder.file("plain.allybundle")
        let sealedFile = folder.file("sealed.allybundle")
        a.ok("bundle", "export", plainFile)
        #expect(a.ok("bundle", "export", "--encrypt", sealedFile).contains("sealed"))
        let plain = try Data(contentsOf: URL(fileURLWithPath: plainFile))
        let sealed = try Data(contentsOf: URL(fileURLWithPath: sealedFile))
        #expect(String(decoding: plain, as: UTF8.self).contains("huddle"))
        #expect(sealed.starts(with: Data("ALLYSEAL".utf8)) && sealed.range(of: Data("huddle".utf8)) == nil)

        // No passphrase, a wrong one, or a damaged file: nothing imported, the journal as it was.
        b.ok("new", "reflection", "already here")
        let before = try b.snapshot()
        let none = b.run("bundle", "import", sealedFile)
        #expect(none.status == 2 && none.stderr.contains("ALLY_BUNDLE_PASSPHRASE"))
        let wrongFile = folder.file("wrong")
        try "usb stick passphrasE\n".write(toFile: wrongFile, atomically: true, encoding: .utf8)
        let wrong = b.run("bundle", "import", "--passphrase-file", wrongFile, sealedFile)
        #expect(wrong.status == 6 && wrong.stderr.contains("wrong passphrase") && wrong.stderr.contains("nothing"))
        var damaged = sealed
        damaged[damaged.count / 2] ^= 0x20
        let damagedFile = folder.file("damaged.allybundle")
        try damaged.write(to: URL(fileURLWithPath: damagedFile))
        let rightFile = folder.file("right")
        try "usb stick passphrase\n".write(toFile: rightFile, atomically: true, encoding: .utf8)
        #expect(b.run("bundle", "import", "--passphrase-file", rightFile, damagedFile).status == 6)
        let cut = folder.file("cut.allybundle")
        try sealed.prefix(30).write(to: URL(fileURLWithPath: cut))
        let truncated = b.run("bundle", "import", "--passphrase-file", rightFile, cut)
        #expect(truncated.status == 2 && truncated.stderr.contains("truncated"))
        #expect(try b.snapshot() == before)
        #expect(try Journal.open(at: b.path).integrityCheck() == "ok")

        // The right passphrase, from a file or the environment (with the bundle on standard input).
        #expect(b.ok("bundle", "import", "--passphrase-file", rightFile, sealedFile).contains("Merged"))
        let c = Laptop(folder, "c", environment: secret)
        let piped = c.run.run(["bundle", "import", "-"], stdin: sealed)
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(b.ok("list").contains("huddle") && c.ok("list").contains("huddle"))

        // On a terminal the passphrase is asked twice; a mismatch writes nothing; short ones are refused.
        let d = Laptop(folder, "d")
        d.ok("new", "reflection", "typed")
        let typedFile = folder.file("typed.allybundle")
        let typed = d.run.runOnTerminal(
            ["bundle", "export", "--encrypt", typedFile], answers: ["terminal passphrase", "terminal passphrase"])
        #expect(typed.status == 0 && FileManager.default.fileExists(atPath: typedFile), "\(typed.stderr)")
        let mismatchFile = folder.file("mismatch.allybundle")
        let mismatch = d.run.runOnTerminal(
            ["bundle", "export", "--encrypt", mismatchFile], answers: ["terminal passphrase", "terminal passphrasE"])
        #expect(mismatch.status == 2 && !FileManager.default.fileExists(atPath: mismatchFile))
        let short = Laptop(folder, "e", environment: ["ALLY_BUNDLE_PASSPHRASE": "short"])
        short.ok("new", "reflection", "x")
        #expect(short.run("bundle", "export", "--encrypt", folder.file("short.allybundle")).status == 2)
    }

    /// A laptop whose clock runs a month fast: its changes merge, the receiver is told, and edits made after
    /// them on the slow-clocked laptop still win as the later ones.
    @Test func aClockFarAheadIsReportedAndStillOrdersCorrectly() throws {
        let now = ManualClock()
        let fast = ManualClock(millis: now.now() + 30 * 86_400_000)
        let a = Laptop(folder, "a", clock: fast)
        let b = Laptop(folder, "b", clock: now)
        let id = a.ok("new", "goal", "Read Athena Rising")
        let aDevice = try Journal.open(at: a.path).deviceID
        let file = folder.file("a.allybundle")
        a.ok("bundle", "export", file)
        let imported = b.run("bundle", "import", file, "--json")
        #expect(imported.status == 0)
        #expect(imported.stderr.contains("device \(aDevice.short)") && imported.stderr.contains("ahead"))
        let ahead = try #require(try decodeJSON(imported.stdout)["clockAhead"] as? [String: String])
        #expect(ahead.keys.sorted() == [aDevice.rawValue])

        // B edits after merging A's future-stamped change; its edit wins on both laptops.
        b.ok("edit", id, "--title", "Read Athena Rising, then lend it on")
        let back = folder.file("b.allybundle")
        b.ok("bundle", "export", back)
        let returned = a.run("bundle", "import", back)
        #expect(returned.status == 0 && !returned.stderr.contains("ahead"), "B's clock is behind A's, not ahead")
        #expect(try decodeJSON(a.ok("show", id, "--json"))["title"] as? String == "Read Athena Rising, then lend it on")
        #expect(try a.snapshot() == b.snapshot())

        // A clock a few minutes fast is ordinary drift: no warning. Three hours (a hardware clock set to local time,
        // say) is named (SPEC §3: more than ten minutes), since its edits win over later ones for those hours.
        let c = Laptop(folder, "c", clock: ManualClock(millis: now.now() + 5 * 60_000))
        c.ok("new", "reflection", "slightly fast")
        let cFile = folder.file("c.allybundle")
        c.ok("bundle", "export", cFile)
        let quiet = b.run("bundle", "import", cFile)
        #expect(quiet.status == 0 && !quiet.stderr.contains("ahead"))
        let d = Laptop(folder, "d", clock: ManualClock(millis: now.now() + 3 * 3_600_000))
        d.ok("new", "reflection", "three hours fast")
        let dFile = folder.file("d.allybundle")
        d.ok("bundle", "export", dFile)
        let named = b.run("bundle", "import", dFile)
        #expect(named.status == 0 && named.stderr.contains("ahead"))
    }

    @Test func theSameBundleTwiceChangesNothing() throws {
        let a = Laptop(folder, "a")
        let b = Laptop(folder, "b")
        a.ok("new", "reflection", "x")
        let file = folder.file("a.allybundle")
        a.ok("bundle", "export", file)
        b.ok("bundle", "import", file)
        let snapshot = try b.snapshot()
        #expect(b.ok("bundle", "import", file).contains("Nothing new"))
        #expect(try b.snapshot() == snapshot)
    }
}
