import AllyCore
import AllyProtocol
import AllySync
import AllyStore
import AllyTesting
import Foundation
import Testing

/// Issue 7 §6: every state-changing request is safe to retry. Through a proxy that loses, duplicates or cuts off
/// the server's answer after the server acted, registration, login, passphrase change and revoke end as if the
/// network had been perfect; a registration always shows the recovery key of the account it made (SPEC §9.2).
@Suite(.serialized) struct LostAnswerTests {
    let folder = TemporaryDirectory()

    /// A real server behind `Tests/Fixtures/lossy-proxy.py`, with its rules file.
    final class LossyNetwork {
        let server: ServerProcess
        let proxy: Process
        let url: String
        let rules: String
        let log: String

        init(folder: TemporaryDirectory) throws {
            server = try ServerProcess(database: folder.file("server.sqlite"), arguments: ["--open-registration"])
            rules = folder.file("rules")
            log = folder.file("proxy.log")
            try "".write(toFile: rules, atomically: true, encoding: .utf8)
            proxy = Process()
            proxy.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("Fixtures/lossy-proxy.py").path
            proxy.arguments = ["python3", script, server.url, rules, log]
            let out = Pipe()
            proxy.standardOutput = out
            proxy.standardError = FileHandle.nullDevice
            try proxy.run()
            let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
            url = line.components(separatedBy: "listening on ").last?.trimmingCharacters(in: .whitespacesAndNewlines)
                ?? ""
        }

        /// Replaces the rules: lines of "METHOD PATH-PREFIX MODE COUNT".
        func set(_ lines: String...) throws {
            try lines.joined(separator: "\n").write(toFile: rules, atomically: true, encoding: .utf8)
        }

        /// How many requests reached the proxy for `method path-prefix`.
        func requests(_ method: String, _ prefix: String) -> Int {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").filter { $0.hasPrefix("\(method) \(prefix)") }.count
        }

        // SIGKILL: a child of the test process inherits a signal mask that blocks SIGTERM.
        deinit { kill(proxy.processIdentifier, SIGKILL) }
    }

    /// The recovery key a registration printed.
    func recoveryKey(in output: String) throws -> String {
        let lines = output.components(separatedBy: "\n")
        let index = try #require(lines.firstIndex { $0.hasPrefix("Recovery key") }, "no recovery key in: \(output)")
        return lines[index + 1].trimmingCharacters(in: .whitespaces)
    }

    /// Proves `key` is the account's recovery key: another laptop sets a new passphrase with it.
    func expectRecovers(_ key: String, username: String, network: LossyNetwork, _ label: String) {
        let other = SyncLaptop(folder, "recover-\(username)")
        other.run.environment["ALLY_NEW_PASSPHRASE"] = "a brand new passphrase"
        let result = other.run.run([
            "account", "recover", "--server", network.url, "--username", username, "--recovery-key", key,
        ])
        #expect(result.status == 0, "\(label): the recovery key shown does not recover the account: \(result.stderr)")
    }

    @Test(arguments: ["drop", "cut", "duplicate"])
    func aRegistrationWhoseAnswerGoesAstrayStillShowsItsRecoveryKey(mode: String) throws {
        let network = try LossyNetwork(folder: folder)
        try network.set("POST /v1/accounts \(mode) 1")
        let a = SyncLaptop(folder, "a-\(mode)")
        a.ok("new", "reflection", "before the account")
        let result = a.run.run(["account", "register", "--server", network.url, "--username", "reg\(mode)"])
        #expect(result.status == 0, "\(mode): \(result.stderr)")
        #expect(network.requests("POST", "/v1/accounts") >= (mode == "duplicate" ? 1 : 2))
        expectRecovers(try recoveryKey(in: result.stdout), username: "reg\(mode)", network: network, mode)
    }

    @Test func aRegistrationRerunAfterEveryAnswerWasLostSendsTheSameAccount() throws {
        let network = try LossyNetwork(folder: folder)
        try network.set("POST /v1/accounts drop 10")
        let a = SyncLaptop(folder, "a")
        let failed = a.run.run(["account", "register", "--server", network.url, "--username", "rerun"])
        #expect(failed.status != 0)
        try network.set()
        // The rerun sends the very same registration: the server answers it as the first, not "taken".
        let rerun = a.run.run(["account", "register", "--server", network.url, "--username", "rerun"])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        expectRecovers(try recoveryKey(in: rerun.stdout), username: "rerun", network: network, "rerun")
        #expect(try Journal.open(at: a.path).syncState()["pendingRegistration"] == nil)
    }

    @Test func loginPassphraseChangeAndRevokeSurviveLostAndDuplicatedAnswers() throws {
        let network = try LossyNetwork(folder: folder)
        let a = SyncLaptop(folder, "a")
        a.ok("new", "reflection", "words to sync")
        a.ok("account", "register", "--server", network.url, "--username", "retry")
        a.ok("sync")

        // A login that reaches the server twice: the token the laptop keeps is the one the server holds.
        for mode in ["duplicate", "drop", "cut"] {
            try network.set("POST /v1/sessions \(mode) 1")
            let b = SyncLaptop(folder, "b-\(mode)")
            b.ok("account", "login", "--server", network.url, "--username", "retry")
            let sync = b.run.run(["sync"])
            #expect(sync.status == 0, "login with a \(mode) answer: \(sync.stderr)")
            #expect(b.ok("list").contains("words to sync"))
        }

        // A passphrase change whose answer is lost: the first PUT checks the current passphrase, the second
        // changes it and loses its answer, the retry finds the change made.
        try network.set("PUT /v1/account/passphrase pass 1", "PUT /v1/account/passphrase drop 1")
        a.run.environment["ALLY_NEW_PASSPHRASE"] = "the second passphrase"
        let changed = a.run.run(["account", "passphrase"])
        #expect(changed.status == 0, "\(changed.stderr)")
        #expect(network.requests("PUT", "/v1/account/passphrase") == 3)
        let c = SyncLaptop(folder, "c", passphrase: "the second passphrase")
        c.ok("account", "login", "--server", network.url, "--username", "retry")

        // A revoke whose answer is lost.
        let victim = try Journal.open(at: folder.file("b-drop.sqlite")).deviceID.rawValue
        try network.set("DELETE /v1/devices drop 1")
        let revoked = a.run.run(["devices", "revoke", String(victim.prefix(8))])
        #expect(revoked.status == 0, "\(revoked.stderr)")
        #expect(SyncLaptop(folder, "b-drop").run.run(["sync"]).status != 0)
    }
}

/// Issue 9 §3: an unknown name's prelogin salt never changes; a real account's used to change with every passphrase
/// change or recovery, which told anyone asking over time that the name exists. The account now keeps its salt.
@Suite struct StableSaltTests {
    let folder = TemporaryDirectory()

    @Test func passphraseChangeAndRecoveryKeepTheSalt() throws {
        let server = try ServerProcess(database: folder.file("server.sqlite"), arguments: ["--open-registration"])
        let transport = try HTTPSyncTransport(server: server.url)
        func salt() throws -> Data { try transport.prelogin(Wire.PreloginRequest(username: "steady")).salt }
        let a = SyncLaptop(folder, "a")
        let registered = a.ok("account", "register", "--server", server.url, "--username", "steady")
        let first = try salt()
        a.run.environment["ALLY_NEW_PASSPHRASE"] = "the second passphrase"
        a.ok("account", "passphrase")
        #expect(try salt() == first, "a passphrase change changed the salt")
        let key = registered.components(separatedBy: "\n").drop { !$0.hasPrefix("Recovery key") }.dropFirst().first?
            .trimmingCharacters(in: .whitespaces) ?? ""
        let b = SyncLaptop(folder, "b")
        b.run.environment["ALLY_NEW_PASSPHRASE"] = "the third passphrase"
        b.ok("account", "recover", "--server", server.url, "--username", "steady", "--recovery-key", key)
        #expect(try salt() == first, "a recovery changed the salt")
        // And the new passphrase works.
        let c = SyncLaptop(folder, "c", passphrase: "the third passphrase")
        c.ok("account", "login", "--server", server.url, "--username", "steady")
    }
}
