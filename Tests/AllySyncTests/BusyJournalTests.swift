import AllyCore
import AllyStore
import AllyTesting
import Foundation
import Testing

/// Issue 8 §3: while 100 other ally processes write at once, two sync and one imports, every command waits for the lock instead of
/// failing, `ally check` reads one snapshot, and nothing is lost.
@Suite struct BusyJournalTests {
    let folder = TemporaryDirectory()

    static var ally: String {
        URL(fileURLWithPath: ServerProcess.binary).deletingLastPathComponent().appendingPathComponent("ally").path
    }

    @Test func writersSyncsAndAnImportShareOneJournal() throws {
        let server = try ServerProcess(database: folder.file("server.sqlite"))
        let laptop = SyncLaptop(folder, "busy")
        laptop.ok("account", "register", "--server", server.url, "--username", "busy", "--invite", try server.invite())
        let jrnl = folder.file("jrnl.json")
        let items = (1...50).map {
            #"{"date": "2026-11-0\#($0 % 9 + 1)", "title": "imported \#($0)", "body": "from jrnl \#($0)"}"#
        }
        try #"{"entries": [\#(items.joined(separator: ","))]}"#.write(toFile: jrnl, atomically: true, encoding: .utf8)
        let script = """
            j='\(laptop.path)'; a='\(Self.ally)'; out='\(folder.path)'
            for w in $(seq 1 100); do
              ( "$a" new reflection "writer $w" --journal "$j" >/dev/null 2>>"$out/fail" || echo "new $w" >> "$out/fail" ) &
            done
            for s in 1 2; do ( "$a" sync --journal "$j" >/dev/null 2>>"$out/fail" || echo "sync $s" >> "$out/fail" ) & done
            ( "$a" import "\(jrnl)" --journal "$j" >/dev/null 2>>"$out/fail" || echo "import" >> "$out/fail" ) &
            for r in $(seq 1 10); do
              ( "$a" list --journal "$j" >/dev/null 2>>"$out/fail" || echo "list $r" >> "$out/fail" ) &
              ( "$a" check --journal "$j" >/dev/null 2>>"$out/fail" || echo "check $r" >> "$out/fail" ) &
            done
            wait
            cat "$out/fail" 2>/dev/null || true
            """
        let result = try Subprocess.run(
            "/bin/bash", ["-c", script], environment: ["PATH": "/usr/bin:/bin", "HOME": folder.path])
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "failures:\n\(result.stdout)")
        let journal = try Journal.open(at: laptop.path)
        #expect(try journal.counts().entries == 150)
        try journal.checkInvariants()
        // A last sync carries everything; a fresh laptop gets all 150.
        laptop.ok("sync")
        let fresh = SyncLaptop(folder, "fresh")
        fresh.ok("account", "login", "--server", server.url, "--username", "busy")
        fresh.ok("sync")
        #expect(try Journal.open(at: fresh.path).counts().entries == 150)
    }
}
