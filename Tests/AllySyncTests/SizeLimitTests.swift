import AllyCore
import AllyStore
import AllyTesting
import Foundation
import Testing

/// Issue 7 §4: no entry is too big to sync, no change blocks the others, a failed push never stops the pull.
@Suite struct SizeLimitTests {
    let folder = TemporaryDirectory()

    func jrnl(_ count: Int, bytes: Int, name: String) throws -> String {
        let filler = String(repeating: "reflection ", count: bytes / 11)
        let items = (1...count).map { #"{"date": "2026-11-02", "title": "long \#($0)", "body": "\#($0) \#(filler)"}"# }
        let path = folder.file(name)
        try #"{"entries": [\#(items.joined(separator: ","))]}"#.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func anEntryTooLongIsRefusedWhenWrittenAndThousandsOfLongOnesSync() throws {
        let a = SyncLaptop(folder, "a")
        // A 1.15 MB body saved with exit 0 and then failed every sync; now it is refused at once.
        let huge = a.run.run(["new", "reflection", "-"], stdin: Data(String(repeating: "x", count: 1_150_000).utf8))
        #expect(huge.status == 2 && huge.stderr.contains("too long"), "\(huge.stderr)")
        let server = try ServerProcess(database: folder.file("server.sqlite"), arguments: ["--open-registration"])
        a.ok("account", "register", "--server", server.url, "--username", "long")
        a.ok("import", try jrnl(1_000, bytes: 12_000, name: "twelve.json"))
        a.ok("import", try jrnl(50, bytes: 200_000, name: "two-hundred.json"))
        a.ok("sync")
        let b = SyncLaptop(folder, "b")
        b.ok("account", "login", "--server", server.url, "--username", "long")
        b.ok("sync")
        #expect(try Journal.open(at: b.path).counts().entries == 1_050)
    }

    @Test func aFailedPushNeverStopsThePull() throws {
        // A server that takes small requests only: A's 200 KB entry cannot go up, but B's words still come down.
        let server = try ServerProcess(
            database: folder.file("server.sqlite"), arguments: ["--open-registration", "--max-body-bytes", "65536"])
        let a = SyncLaptop(folder, "a")
        let b = SyncLaptop(folder, "b")
        a.ok("account", "register", "--server", server.url, "--username", "pat")
        b.ok("account", "login", "--server", server.url, "--username", "pat")
        b.ok("new", "reflection", "From B, small")
        b.ok("sync")
        a.ok("import", try jrnl(1, bytes: 200_000, name: "big.json"))
        let synced = a.run.run(["sync"])
        #expect(synced.status != 0 && synced.stderr.contains("receiving went ahead"), "\(synced.stderr)")
        #expect(a.ok("list").contains("From B, small"))
    }
}
