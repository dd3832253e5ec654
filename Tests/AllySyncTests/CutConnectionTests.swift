import AllyCore
import AllyProtocol
import AllyStore
import AllySync
import AllyTesting
import Foundation
import Testing

/// A cut connection in the middle of a push or a pull, and a replayed push, change nothing a user can see: a
/// rerun converges, with no duplicates. The cut is injected around the real HTTP transport to a real server,
/// after the server has done the work and before the answer arrives: the worst moment.
@Suite(.serialized) struct CutConnectionTests {
    let folder = TemporaryDirectory()

    /// The real HTTP transport, except that chosen calls lose their answer.
    final class CuttingTransport: SyncTransport, @unchecked Sendable {
        let base: HTTPSyncTransport
        var cutPushNumber: Int?
        var cutPullNumber: Int?
        var pushes = 0
        var pulls = 0

        init(base: HTTPSyncTransport) { self.base = base }

        func info() throws -> Wire.Info { try base.info() }
        func register(_ request: Wire.Registration) throws -> Wire.Account { try base.register(request) }
        func prelogin(_ request: Wire.PreloginRequest) throws -> Wire.Prelogin { try base.prelogin(request) }
        func login(_ request: Wire.LoginRequest) throws -> Wire.Session { try base.login(request) }
        func changePassphrase(_ request: Wire.PassphraseChange, token: String) throws {
            try base.changePassphrase(request, token: token)
        }
        func recoveryKey(_ request: Wire.RecoveryRequest) throws -> Wire.RecoveryKeyCopy {
            try base.recoveryKey(request)
        }
        func resetPassphrase(_ request: Wire.RecoveryReset) throws { try base.resetPassphrase(request) }
        func devices(token: String) throws -> Wire.Devices { try base.devices(token: token) }
        func held(token: String) throws -> Wire.Held { try base.held(token: token) }
        func revoke(deviceID: String, token: String) throws { try base.revoke(deviceID: deviceID, token: token) }
        func rename(deviceID: String, name: String, token: String) throws {
            try base.rename(deviceID: deviceID, name: name, token: token)
        }

        func push(_ request: Wire.Push, token: String) throws -> Wire.PushResult {
            pushes += 1
            let result = try base.push(request, token: token)
            if pushes == cutPushNumber {
                throw SyncError(.unreachable, "connection cut after the server stored the push")
            }
            return result
        }

        func pull(after cursor: String, limit: Int, token: String) throws -> Wire.Page {
            pulls += 1
            let page = try base.pull(after: cursor, limit: limit, token: token)
            if pulls == cutPullNumber { throw SyncError(.unreachable, "connection cut while the page was on its way") }
            return page
        }
    }

    @Test func cutPushesAndPullsResumeWithoutLossOrDuplicates() throws {
        let server = try ServerProcess(database: folder.file("server.sqlite"), arguments: ["--open-registration"])
        let a = SyncLaptop(folder, "a")
        let b = SyncLaptop(folder, "b")
        for index in 0..<30 { a.ok("new", "reflection", "entry \(index)", "--tag", "t\(index % 3)") }
        a.ok("account", "register", "--server", server.url, "--username", "cutter")
        b.ok("account", "login", "--server", server.url, "--username", "cutter")

        // Push in batches of 50; the second batch's answer is lost.
        let journalA = try Journal.open(at: a.path)
        let linkA = try #require(try AccountLink.load(from: journalA))
        let cutA = CuttingTransport(base: try HTTPSyncTransport(server: server.url))
        cutA.cutPushNumber = 2
        var engineA = SyncEngine(journal: journalA, transport: cutA, link: linkA)
        engineA.batchSize = 50
        #expect(throws: SyncError.self) { try engineA.sync() }
        let total = try journalA.counts().changes
        // The first batch is marked pushed. The cut one is too: a failed push no longer stops the pull (SPEC §10),
        // and pulling brought the server's copy of the cut batch back, which shows the server has it.
        #expect(try journalA.unpushedCount() == total - 100)
        // The rerun pushes only what the server lacks.
        let rerun = try SyncEngine(journal: journalA, transport: try HTTPSyncTransport(server: server.url), link: linkA)
            .sync()
        #expect(rerun.alreadyOnServer == 0 && rerun.pushed == total - 100)
        #expect(try journalA.unpushedCount() == 0)

        // Pull in pages of 40 on B; the third page's answer is lost, mid-way.
        let journalB = try Journal.open(at: b.path)
        let linkB = try #require(try AccountLink.load(from: journalB))
        let cutB = CuttingTransport(base: try HTTPSyncTransport(server: server.url))
        cutB.cutPullNumber = 3
        var engineB = SyncEngine(journal: journalB, transport: cutB, link: linkB)
        engineB.batchSize = 40
        #expect(throws: SyncError.self) { try engineB.sync() }
        let partial = try journalB.counts()
        #expect(partial.changes == 80, "two whole pages applied, the cut one not at all")
        #expect(try journalB.integrityCheck() == "ok")
        try journalB.checkInvariants()
        b.ok("sync")

        // Both journals agree, and nothing is duplicated.
        #expect(try a.snapshot() == b.snapshot())
        #expect(try journalA.counts().changes == journalB.counts().changes)
        #expect(try journalB.counts().entries == 30)
        try journalB.checkInvariants()
    }

    @Test func aServerThatLostDataIsRefilledFromTheLaptops() throws {
        // Given a laptop that synced with a server…
        let path = folder.file("server.sqlite")
        var server = try ServerProcess(database: path, arguments: ["--open-registration"])
        let a = SyncLaptop(folder, "a")
        a.ok("new", "reflection", "before the backup")
        a.ok("account", "register", "--server", server.url, "--username", "restored")
        a.ok("sync")
        _ = server.stop()
        // A consistent backup of the stopped server: the database and its write-ahead log, as SQLite left them.
        let backup = folder.file("backup.sqlite")
        func copyDatabase(from source: String, to target: String) throws {
            for suffix in ["", "-wal", "-shm"] {
                try? FileManager.default.removeItem(atPath: target + suffix)
                if FileManager.default.fileExists(atPath: source + suffix) {
                    try FileManager.default.copyItem(atPath: source + suffix, toPath: target + suffix)
                }
            }
        }
        try copyDatabase(from: path, to: backup)
        server = try ServerProcess(database: path, arguments: ["--open-registration"])
        let url = server.url
        try Journal.open(at: a.path).updateSyncState(["server": url])
        a.ok("new", "reflection", "after the backup")
        a.ok("sync")
        // …when the server is restored from the older backup
        _ = server.stop()
        try copyDatabase(from: backup, to: path)
        server = try ServerProcess(database: path, arguments: ["--open-registration"])
        try Journal.open(at: a.path).updateSyncState(["server": server.url])
        // Then the next sync notices, says so, and sends everything again; a new laptop gets it all.
        let result = a.run.run(["sync"])
        #expect(result.status == 0 && result.stderr.contains("restored from a backup?"))
        let b = SyncLaptop(folder, "b")
        b.ok("account", "login", "--server", server.url, "--username", "restored")
        b.ok("sync")
        #expect(b.ok("list").contains("after the backup") && b.ok("list").contains("before the backup"))
    }
}
