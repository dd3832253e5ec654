import AllyCore
import AllyStore
import AllyTesting
import Foundation
import Testing

/// Issue 10 §4: conflicts and history name laptops and local times, and `resolve --take` takes mine, theirs or a
/// laptop's name.
@Suite struct HumaneConflictTests {
    let folder = TemporaryDirectory()

    @Test func conflictsSpeakOfLaptopsAndLocalTimes() throws {
        let server = try ServerProcess(database: folder.file("server.sqlite"), arguments: ["--open-registration"])
        let home = SyncLaptop(folder, "home")
        let work = SyncLaptop(folder, "work")
        home.ok("account", "register", "--server", server.url, "--username", "ana", "--device-name", "home-laptop")
        work.ok("account", "login", "--server", server.url, "--username", "ana", "--device-name", "work-laptop")
        let id = home.ok("new", "reflection", "Handover went fine.")
        home.ok("sync")
        work.ok("sync")
        home.ok("edit", id, "--body", "Handover went fine, thanks to R.")
        work.ok("edit", id, "--body", "Handover went badly; I talked over R.")
        work.ok("sync")
        home.ok("sync")
        let shown = home.ok("show", id)
        #expect(shown.contains("from work-laptop") && shown.contains("from this laptop"), "\(shown)")
        #expect(
            shown.range(
                of: #"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2}( \d{4})?, \d{2}:\d{2}"#,
                options: .regularExpression) != nil, "\(shown)")
        #expect(!shown.contains("T09:") && !shown.contains(".000Z"), "no UTC stamps: \(shown)")
        // Where they differ, word by word, instead of raw merge markers.
        #expect(
            shown.contains("[-fine, thanks to R.-]{+badly; I talked over R.+}") || shown.contains("{+badly"), "\(shown)"
        )
        #expect(!shown.contains("<<<<<<<"), "\(shown)")
        let history = home.ok("history", id)
        #expect(history.contains("work-laptop") && history.contains("this laptop"), "\(history)")

        // Renaming a laptop: everyone sees the new name after their next sync.
        let workDevice = try #require(try Journal.open(at: work.path).deviceID.rawValue.prefix(8))
        home.ok("devices", "rename", String(workDevice), "ward-pc")
        #expect(home.ok("devices").contains("ward-pc"))
        #expect(home.ok("show", id).contains("from ward-pc"))
        let bad = home.run.run(["devices", "rename", String(workDevice), String(repeating: "x", count: 65)])
        #expect(bad.status != 0, "\(bad.stderr)")
        home.ok("devices", "rename", String(workDevice), "work-laptop")
        let unknown = home.run.run(["resolve", id, "--take", "nobody"])
        #expect(unknown.status == 2 && unknown.stderr.contains("work-laptop"), "\(unknown.stderr)")
        home.ok("resolve", id, "--take", "theirs")
        #expect(
            try decodeJSON(home.ok("show", id, "--json"))["body"] as? String == "Handover went badly; I talked over R.")
    }

    /// Issue 10 §5: `ally account login` needs no options when the journal knows its account; a mistyped
    /// recovery key says which group is wrong before anything is sent.
    @Test func loginRemembersTheAccountAndARecoveryKeyIsCheckedFirst() throws {
        let server = try ServerProcess(database: folder.file("server.sqlite"), arguments: ["--open-registration"])
        let a = SyncLaptop(folder, "a")
        let registered = a.ok("account", "register", "--server", server.url, "--username", "lee")
        let key = try #require(
            registered.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                .first { $0.split(separator: "-").count == 8 })
        a.ok("account", "logout")
        #expect(a.ok("account", "login").contains("Logged in as lee"))
        var groups = key.split(separator: "-").map(String.init)
        groups[2] = "zz" + groups[2].dropFirst(2)
        let typo = a.run.run(["account", "recover", "--recovery-key", groups.joined(separator: "-")])
        #expect(typo.status == 2 && typo.stderr.contains("group 3"), "\(typo.stderr)")
        let short = a.run.run(["account", "recover", "--recovery-key", "abcd-1234"])
        #expect(short.status == 2 && short.stderr.contains("this has 2 groups"), "\(short.stderr)")
    }

    func decodeJSON(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }
}
