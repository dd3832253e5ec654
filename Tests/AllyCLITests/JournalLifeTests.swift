import AllyCore
import AllyStore
import AllyTesting
import Foundation
import GRDB
import Testing

/// Issue 8 §1–§3, §6: real `ally` processes racing to create a journal, killed while creating it, and an edit
/// saved while another process merged a bundle into the same journal.
@Suite struct JournalLifeTests {
    let folder = TemporaryDirectory()

    func shell(_ script: String) throws -> Subprocess.Result {
        try Subprocess.run(
            "/bin/bash", ["-c", script], environment: ["PATH": "/usr/bin:/bin", "HOME": folder.path, "NO_COLOR": "1"])
    }

    /// 94 of 100 acknowledged first entries vanished when 100 processes wrote the first entry at once.
    @Test func aHundredConcurrentFirstWritesAreAllKept() throws {
        let journal = folder.file("new/journal.sqlite")
        let result = try shell(
            """
            for i in $(seq 1 100); do
              ( id=$('\(BinaryTests.binary)' new reflection "first write $i" --journal '\(journal)' 2>'\(folder.path)'/err.$i) \
                && echo "$id" >> '\(folder.path)'/ids ) &
            done
            wait
            cat '\(folder.path)'/err.* | grep -v 'Created a new journal' || true
            """)
        let acknowledged =
            (try? String(contentsOfFile: folder.file("ids"), encoding: .utf8))?
            .split(separator: "\n").map(String.init) ?? []
        #expect(acknowledged.count == 100, "failures: \(result.stdout)")
        let listed = try Subprocess.run(BinaryTests.binary, ["list", "--json", "--journal", journal])
        let entries = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]] ?? []
        let ids = Set(entries.compactMap { $0["id"] as? String })
        for id in acknowledged { #expect(ids.contains { $0.hasPrefix(id) }, "acknowledged entry \(id) is missing") }
        #expect(entries.count == 100)
        let created = try shell("cat '\(folder.path)'/err.* | grep -c 'Created a new journal' || true")
        #expect(created.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1", "one process created it")
        try Journal.open(at: journal).checkInvariants()
    }

    /// 43 of 147 kills during the first `ally new` left a path every later command refused.
    @Test func aKilledCreationLeavesNothingHalfMade() throws {
        let seed =
            ProcessInfo.processInfo.environment["ALLY_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 0...UInt64.max)
        print("JournalLifeTests.aKilledCreationLeavesNothingHalfMade seed \(seed) (replay with ALLY_SEED=\(seed))")
        var generator = SplitMix64(seed: seed)
        for trial in 0..<30 {
            let journal = folder.file("kill\(trial)/journal.sqlite")
            let delay = Double(Int.random(in: 0...40, using: &generator)) / 1000
            _ = try shell(
                """
                '\(BinaryTests.binary)' new reflection "maybe" --journal '\(journal)' >/dev/null 2>&1 &
                sleep \(delay); kill -9 $! 2>/dev/null; wait
                """)
            // Whatever the kill left, the next write works and every command after it reads the journal.
            let write = try Subprocess.run(
                BinaryTests.binary, ["new", "reflection", "after the kill", "--journal", journal])
            #expect(write.status == 0, "trial \(trial) (seed \(seed)): \(write.stderr)")
            let check = try Subprocess.run(BinaryTests.binary, ["check", "--journal", journal])
            #expect(check.status == 0, "trial \(trial) (seed \(seed)): \(check.stderr)")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.file("kill\(trial)"))
            #expect(!leftovers.contains { $0.contains(".creating-") }, "trial \(trial): \(leftovers)")
        }
    }

    /// Found by `aKilledCreationLeavesNothingHalfMade` under load: a process killed inside a rollback-journal
    /// transaction (a new journal's first open switches it to WAL in one) left a hot `-journal`, and every later
    /// command failed with "attempt to write a readonly database" (the read-only vetting connection cannot roll
    /// it back). Reproduced exactly: a writer killed with -9 mid-transaction, with its pages already in the file.
    @Test func aHotRollbackJournalLeftByAKilledWriterIsRecovered() throws {
        let journal = folder.file("hot/journal.sqlite")
        let first = try Subprocess.run(BinaryTests.binary, ["new", "reflection", "kept", "--journal", journal])
        #expect(first.status == 0)
        _ = try shell(
            """
            python3 -c "
            import os, sqlite3
            c = sqlite3.connect('\(journal)', isolation_level=None)
            c.execute('PRAGMA journal_mode=DELETE'); c.execute('PRAGMA cache_size=1'); c.execute('BEGIN')
            c.execute('CREATE TABLE filler(x)')
            [c.execute('INSERT INTO filler VALUES (?)', (os.urandom(500),)) for _ in range(2000)]
            os.kill(os.getpid(), 9)"
            """)
        #expect(FileManager.default.fileExists(atPath: journal + "-journal"), "the kill must leave a hot journal")
        let listed = try Subprocess.run(BinaryTests.binary, ["list", "--journal", journal])
        #expect(listed.status == 0 && listed.stdout.contains("kept"), "\(listed.stderr)")
        let write = try Subprocess.run(BinaryTests.binary, ["new", "reflection", "after", "--journal", journal])
        #expect(write.status == 0, "\(write.stderr)")
        let check = try Subprocess.run(BinaryTests.binary, ["check", "--journal", journal])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    }

    /// What an older ally, killed while creating, left behind: recognised, moved aside (never deleted), replaced.
    @Test func aHalfMadeFileIsMovedAsideAndReplaced() throws {
        func halfMade(_ name: String, _ make: (String) throws -> Void) throws -> String {
            let path = folder.file(name + "/journal.sqlite")
            try FileManager.default.createDirectory(atPath: folder.file(name), withIntermediateDirectories: true)
            try make(path)
            return path
        }
        let empty = try halfMade("empty") { FileManager.default.createFile(atPath: $0, contents: Data()) }
        let noTables = try halfMade("no-tables") { path in
            let queue = try DatabaseQueue(path: path)
            try queue.write { try $0.execute(sql: "PRAGMA user_version = 0") }
            try queue.writeWithoutTransaction { try $0.execute(sql: "VACUUM") }
            try queue.close()
        }
        let noDevice = try halfMade("no-device") { path in
            try Journal._createLegacy(at: path, upTo: "v4-sync", deviceID: .random())
            let queue = try DatabaseQueue(path: path)
            try queue.write { try $0.execute(sql: "DELETE FROM meta") }
            try queue.close()
        }
        for path in [empty, noTables, noDevice] {
            let before = FileManager.default.contents(atPath: path)
            let list = try Subprocess.run(BinaryTests.binary, ["list", "--journal", path])
            #expect(
                list.status == 3 && list.stderr.contains("half-made") || list.stderr.contains("empty"), "\(list.stderr)"
            )
            #expect(FileManager.default.contents(atPath: path) == before, "a read must not touch it")
            let write = try Subprocess.run(BinaryTests.binary, ["new", "reflection", "fresh start", "--journal", path])
            #expect(write.status == 0 && write.stderr.contains("Moved aside"), "\(write.stderr)")
            let folderPath = (path as NSString).deletingLastPathComponent
            let aside = try FileManager.default.contentsOfDirectory(atPath: folderPath).filter {
                $0.hasPrefix("journal.sqlite.interrupted-") && !$0.hasSuffix("-wal") && !$0.hasSuffix("-shm")
            }
            #expect(aside.count == 1)
            #expect(FileManager.default.contents(atPath: folderPath + "/" + (aside.first ?? "")) == before)
            #expect(try Journal.open(at: path).counts().entries == 1)
        }
        // Another application's database is never taken for a half-made journal.
        let other = try halfMade("other") { path in
            let queue = try DatabaseQueue(path: path)
            try queue.write { try $0.execute(sql: "CREATE TABLE notes(text)") }
            try queue.close()
        }
        let refused = try Subprocess.run(BinaryTests.binary, ["new", "reflection", "no", "--journal", other])
        #expect(refused.status == 4 && refused.stderr.contains("not an ally journal"), "\(refused.stderr)")
    }

    /// §6: an edit names as parents the versions the user saw when the editor opened; B's version, merged from a
    /// bundle while the editor was open, stays and merges.
    @Test func anEditKeepsAVersionThatArrivedWhileTheEditorWasOpen() throws {
        let clock = ManualClock()
        let a = Laptop(folder, "a", clock: clock)
        let b = Laptop(folder, "b", clock: clock)
        let id = a.ok("new", "reflection", "line one\nline two\nline three")
        a.ok("bundle", "export", folder.file("a0"))
        b.ok("bundle", "import", folder.file("a0"))
        clock.advance(by: 1000)
        b.ok("edit", id, "--body", "line one\nline two\nB's line three")
        b.ok("bundle", "export", folder.file("b1"))
        clock.advance(by: 1000)

        let editor = folder.file("editor.sh")
        try """
        #!/bin/sh
        '\(BinaryTests.binary)' bundle import '\(folder.file("b1"))' --journal '\(a.path)' >/dev/null 2>&1 || exit 9
        printf "A's line one\\nline two\\nline three\\n" > "$1"
        """.write(toFile: editor, atomically: true, encoding: .utf8)
        chmod(editor, 0o755)
        a.run.environment["EDITOR"] = editor
        let edited = a.run.runOnTerminal(["edit", id], answers: [])
        #expect(edited.status == 0, "\(edited.stderr)")
        let entry = try decodeJSON(a.ok("show", id, "--json"))
        #expect(entry["body"] as? String == "A's line one\nline two\nB's line three")
        #expect(entry["conflict"] == nil || entry["conflict"] is NSNull)
    }

    /// §6 for `ally resolve`: a version that arrives while the resolution is being written stays a head.
    @Test func aResolutionKeepsAVersionThatArrivedMeanwhile() throws {
        let clock = ManualClock()
        let a = Laptop(folder, "a", clock: clock)
        let b = Laptop(folder, "b", clock: clock)
        let id = a.ok("new", "reflection", "line one\nline two\nline three")
        a.ok("bundle", "export", folder.file("a0"))
        b.ok("bundle", "import", folder.file("a0"))
        clock.advance(by: 1000)
        a.ok("edit", id, "--body", "A's line one\nline two\nline three")
        b.ok("edit", id, "--body", "B's line one\nline two\nline three")
        b.ok("bundle", "export", folder.file("b1"))
        a.ok("bundle", "import", folder.file("b1"))
        #expect(a.ok("conflicts").contains(id))
        clock.advance(by: 1000)
        b.ok("edit", id, "--body", "B's line one\nline two\nB's line three")
        b.ok("bundle", "export", folder.file("b2"))
        clock.advance(by: 1000)

        let editor = folder.file("resolver.sh")
        try """
        #!/bin/sh
        '\(BinaryTests.binary)' bundle import '\(folder.file("b2"))' --journal '\(a.path)' >/dev/null 2>&1 || exit 9
        printf "Settled line one\\nline two\\nline three\\n" > "$1"
        """.write(toFile: editor, atomically: true, encoding: .utf8)
        chmod(editor, 0o755)
        a.run.environment["EDITOR"] = editor
        let resolved = a.run.runOnTerminal(["resolve", id], answers: [])
        #expect(resolved.status == 0, "\(resolved.stderr)")
        let entry = try decodeJSON(a.ok("show", id, "--json"))
        #expect(entry["body"] as? String == "Settled line one\nline two\nB's line three")
    }
}

/// Issue 8 §5 and issue 7 §3: "differs" is never a dead end. Two copies of one journal file (same device id) write
/// different entries; their bundles used to be refused both ways forever ("change … differs"). Now the fork is
/// resolved on import: one copy moves to a new device id and both converge.
@Suite struct CopiedJournalTests {
    let folder = TemporaryDirectory()

    func exchange(_ from: Laptop, _ to: Laptop, _ name: String) -> String {
        from.ok("bundle", "export", folder.file(name))
        return to.ok("bundle", "import", folder.file(name))
    }

    @Test func twoCopiesOfOneJournalKeepExchangingAndSettleWithoutLoss() throws {
        let clock = ManualClock()
        let a = Laptop(folder, "a", clock: clock)
        let b = Laptop(folder, "b", clock: clock)
        a.ok("new", "reflection", "shared before the copy")
        try FileManager.default.copyItem(atPath: a.path, toPath: folder.file("copy.sqlite"))
        let copy = Laptop(folder, "copy", clock: clock)
        clock.advance(by: 1000)
        let fromA = a.ok("new", "reflection", "written on A after the copy")
        let fromCopy = copy.ok("new", "reflection", "written on the copy")
        let fromB = b.ok("new", "reflection", "written on B")
        _ = exchange(b, a, "b0")

        // The copy imports A's bundle: A's own two changes clash with the copy's; B's entry still arrives, and
        // exactly one of the two copies moves to a new device id (SPEC §2.2) — here or when A imports the copy's.
        var forks = 0
        for (from, to, name) in [(a, copy, "a1"), (copy, a, "c1"), (a, copy, "a2"), (copy, a, "c2")] {
            from.ok("bundle", "export", folder.file(name))
            let imported = try decodeJSON(to.ok("bundle", "import", "--json", folder.file(name)))
            if imported["fork"] != nil { forks += 1 }
        }
        #expect(forks == 1)
        #expect(copy.ok("list").contains(String(fromB.prefix(8))))
        _ = exchange(a, b, "a3")
        for laptop in [a, b, copy] {
            let listing = laptop.ok("list")
            for id in [fromA, fromCopy, fromB] { #expect(listing.contains(String(id.prefix(8))), "\(laptop.path)") }
            let report = try decodeJSON(laptop.ok("check", "--json"))
            #expect(
                ((report["heldAside"] as? [String: Any])?["differing"] as? [Any])?.isEmpty == true, "\(laptop.path)")
        }
        let comparable = { (laptop: Laptop) in
            try laptop.snapshot().mapValues { $0.mutableCopy() as! NSMutableDictionary }
                .mapValues { entry -> NSDictionary in
                    entry.removeObject(forKey: "updatedAt"); return entry
                }
        }
        #expect(try comparable(a) == comparable(copy))
        #expect(try comparable(a) == comparable(b))
    }
}

/// Issue 9 §2: the journal (entries, journal key, device token), its -wal and -shm, drafts, exports and bundles
/// are private whatever the umask; a journal made readable by others is tightened when opened, with a note.
@Suite struct PrivateFilesTests {
    let folder = TemporaryDirectory()

    func mode(_ path: String) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    @Test func everyFileAllyWritesIsPrivateUnderUmask022() throws {
        let data = folder.file("data")
        let config = folder.file("config")
        let script = """
            umask 022
            export HOME='\(folder.path)' XDG_DATA_HOME='\(data)' XDG_CONFIG_HOME='\(config)' PATH=/usr/bin:/bin
            mkdir -p '\(config)/ally'
            a='\(BinaryTests.binary)'
            "$a" new reflection "private words" >/dev/null 2>&1 || exit 11
            "$a" export --format json --output '\(folder.file("export.json"))' || exit 12
            "$a" bundle export '\(folder.file("plain.bundle"))' >/dev/null 2>&1 || exit 13
            sqlite3 '\(data)/ally/journal.sqlite' 'PRAGMA journal_mode' >/dev/null 2>&1 || true
            """
        let result = try Subprocess.run("/bin/bash", ["-c", script])
        #expect(result.status == 0, "\(result.stderr)")
        let journal = data + "/ally/journal.sqlite"
        #expect(try mode(data + "/ally") == 0o700)
        #expect(try mode(config + "/ally") == 0o700)
        #expect(try mode(journal) == 0o600)
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: journal + suffix) {
            #expect(try mode(journal + suffix) == 0o600, "\(suffix)")
        }
        #expect(try mode(folder.file("export.json")) == 0o600)
        #expect(try mode(folder.file("plain.bundle")) == 0o600)

        // A journal someone made readable by others is tightened on the next command, with a one-line note.
        chmod(journal, 0o644)
        chmod(data + "/ally", 0o755)
        let list = try Subprocess.run(
            BinaryTests.binary, ["list"],
            environment: ["HOME": folder.path, "XDG_DATA_HOME": data, "PATH": "/usr/bin:/bin"])
        #expect(list.status == 0)
        #expect(list.stderr.contains("readable only by you"), "\(list.stderr)")
        #expect(try mode(journal) == 0o600 && (try mode(data + "/ally")) == 0o700)
    }
}

/// Issue 10 §7: shell completion offers recent entry ids, through the real bash completion script.
@Suite struct CompletionTests {
    let folder = TemporaryDirectory()

    @Test func bashCompletesEntryIDs() throws {
        let journal = folder.file("j.sqlite")
        let environment = ["ALLY_JOURNAL": journal, "HOME": folder.path, "PATH": "/usr/bin:/bin"]
        let id = try Subprocess.run(BinaryTests.binary, ["new", "reflection", "complete me"], environment: environment)
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let script = folder.file("ally.bash")
        let generated = try Subprocess.run(BinaryTests.binary, ["--generate-completion-script", "bash"])
        try generated.stdout.write(toFile: script, atomically: true, encoding: .utf8)
        // What bash does on `ally show <TAB>`: the completion function fills COMPREPLY.
        let shell = """
            export ALLY_JOURNAL='\(journal)'
            source '\(script)'
            COMP_WORDS=('\(BinaryTests.binary)' show ''); COMP_CWORD=2; COMP_LINE="ally show "; COMP_POINT=${#COMP_LINE}
            _ally
            printf '%s\\n' "${COMPREPLY[@]}"
            """
        let completed = try Subprocess.run("/bin/bash", ["-c", shell], environment: environment)
        #expect(completed.stdout.contains(id), "\(completed.stdout) \(completed.stderr)")
    }
}
