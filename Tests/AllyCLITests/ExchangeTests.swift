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
        let name = try #require(
            shown.split(separator: "\n").first { $0.contains("--- version") && $0.contains("device") })
        let version = String(name.split(separator: " ")[2])
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
        #expect(a.ok("show", id).contains("trashed on device"))
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
