import AllyCore
import AllyStore
import AllyTesting
import Foundation
import GRDB
import Testing

/// A server whose copy was altered gets nothing applied; and the server's log never holds a secret.
@Suite struct UntrustedServerTests {
    let folder = TemporaryDirectory()

    @Test func anAlteredEnvelopeIsRefusedAndNothingOfItsPageIsApplied() throws {
        let database = folder.file("server.sqlite")
        let log = folder.file("server.log")
        let server = try ServerProcess(database: database, arguments: ["--open-registration"], logFile: log)
        let a = SyncLaptop(folder, "a")
        for index in 0..<5 { a.ok("new", "reflection", "honest entry \(index)") }
        a.ok("account", "register", "--server", server.url, "--username", "victim")
        a.ok("sync")
        let token = try #require(try Journal.open(at: a.path).syncState()["token"])

        // The server's copy of one envelope is altered (one byte of ciphertext flipped).
        let queue = try DatabaseQueue(path: database)
        try queue.write { db in
            let envelope = try #require(try Data.fetchOne(db, sql: "SELECT envelope FROM changes WHERE position = 3"))
            var altered = envelope
            altered[altered.count - 20] ^= 0x01
            try db.execute(sql: "UPDATE changes SET envelope = ? WHERE position = 3", arguments: [altered])
        }
        try queue.close()

        let b = SyncLaptop(folder, "b")
        b.ok("account", "login", "--server", server.url, "--username", "victim")
        let result = b.run.run(["sync"])
        #expect(
            result.status == 8 && result.stderr.contains("failed authentication") && result.stderr.contains("nothing"))
        let journal = try Journal.open(at: b.path)
        #expect(try journal.counts().changes == 0 && (try journal.counts().entries) == 0)
        #expect(try journal.syncState()["cursor"] == nil)
        #expect(try journal.integrityCheck() == "ok")

        // The log names requests, never the token or the passphrase.
        _ = server.stop()
        let text = try String(contentsOfFile: log, encoding: .utf8)
        #expect(text.contains("/v1/changes"))
        #expect(!text.contains(token) && !text.contains("correct horse battery staple"))
    }

    /// Issue 9 §1 (critical): the laptop, not the server, decides what a passphrase costs. A server answering
    /// `rounds: 2` would get an auth key cracked in a second, then open the wrapped journal key; `rounds: 2^20`
    /// would make the laptop spend 1 GiB. Login and passphrase change refuse, and nothing derived is sent.
    @Test func aServerThatLiesAboutTheKDFCostGetsNothing() throws {
        let server = try ServerProcess(database: folder.file("server.sqlite"), arguments: ["--open-registration"])
        let mode = folder.file("mode")
        let log = folder.file("requests.log")
        try "honest".write(toFile: mode, atomically: true, encoding: .utf8)
        let liar = Process()
        liar.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/lying-server.py").path
        liar.arguments = ["python3", script, server.url, mode, log]
        let out = Pipe()
        liar.standardOutput = out
        liar.standardError = FileHandle.nullDevice
        try liar.run()
        // SIGKILL: a child of the test process inherits a signal mask that blocks SIGTERM.
        defer { kill(liar.processIdentifier, SIGKILL) }
        let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        let url = try #require(
            line.components(separatedBy: "listening on ").last?.trimmingCharacters(in: .whitespacesAndNewlines))

        let a = SyncLaptop(folder, "a")
        a.ok("new", "reflection", "private words")
        a.ok("account", "register", "--server", url, "--username", "kim")
        a.ok("sync")
        a.run.environment["ALLY_NEW_PASSPHRASE"] = "a new passphrase, long enough"
        for lie in ["weak", "huge", "short-salt"] {
            try lie.write(toFile: mode, atomically: true, encoding: .utf8)
            try "".write(toFile: log, atomically: true, encoding: .utf8)
            let b = SyncLaptop(folder, "b-\(lie)")
            let started = Date()
            let login = b.run.run(["account", "login", "--server", url, "--username", "kim"])
            #expect(login.status == 8, "\(lie): \(login.stderr)")
            #expect(login.stderr.contains("Nothing derived from your passphrase was sent"), "\(login.stderr)")
            #expect(Date().timeIntervalSince(started) < 10, "\(lie): refused before any key was derived")
            let passphrase = a.run.run(["account", "passphrase"], stdin: Data())
            #expect(passphrase.status == 8, "\(lie): \(passphrase.stderr)")
            let requests = try String(contentsOfFile: log, encoding: .utf8)
            #expect(requests.contains("/v1/prelogin"))
            #expect(!requests.contains("/v1/sessions") && !requests.contains("/v1/account/passphrase"), "\(requests)")
        }
    }
}
