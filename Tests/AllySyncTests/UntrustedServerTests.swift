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
}
