import AllyCore
import AllyProtocol
import AllyStore
import AllySync
import ArgumentParser
import Foundation

/// `ally account`: link this journal to a sync server.
struct AccountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account",
        abstract: "Register, log in, log out, change or recover your passphrase.",
        discussion: """
            Your passphrase never leaves this laptop: it is stretched with scrypt into a login key (the server \
            keeps only a hash of it) and a key that unlocks your journal key (the server never sees it). Every \
            change is encrypted before it leaves; the server cannot read a word.

            A server whose certificate comes from a private authority (a hospital's own CA, a self-signed test \
            server): point SSL_CERT_FILE at that authority's PEM file for every ally command that talks to it.

            Examples:
              ally account register --server https://ally.example.org --username sam --invite 3f9a…
              ally account login --server https://ally.example.org --username sam      # on the second laptop
              ally account passphrase
            """,
        subcommands: [Register.self, Login.self, Logout.self, ChangePassphrase.self, Recover.self, RotateKey.self])
}

struct Register: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create an account on a server and link this journal to it.",
        discussion: """
            Prints a recovery key once: write it down; with it `ally account recover` sets a new passphrase if \
            you forget yours. Entries already in this journal are kept and go to the account at the next sync.

            Example:
              ALLY_PASSPHRASE='…' ally account register --server https://ally.example.org --username sam --invite CODE
            """)
    @OptionGroup var journalOptions: JournalOptions
    @OptionGroup var server: ServerOptions
    @OptionGroup var passphrase: PassphraseOptions
    @Option(help: "The invite code from the server's admin (`ally-server invite`).") var invite: String?

    func validate() throws {
        if server.givenServer == nil || server.givenUsername == nil {
            throw ValidationError("register needs --server and --username")
        }
    }

    func run() throws {
        let context = CLIContext.current
        let (serverURL, username) = try server.account(remembered: nil)
        let transport = try SyncSupport.transport(server: serverURL, allowInsecureHTTP: server.allowInsecureHTTP)
        let secret = try Secrets.read(
            "new passphrase", file: passphrase.passphraseFile, variable: "ALLY_PASSPHRASE", confirm: true,
            minimumLength: 10,
            context: context)
        let journal = try journalOptions.openOrCreate(in: context)
        ServerOptions.remember(server: serverURL, username: username, in: journal)
        let (link, recovery) = try AccountClient(transport: transport).register(
            server: serverURL, username: username, passphrase: secret, invite: invite, journal: journal,
            deviceName: SyncSupport.deviceName(server.deviceName, deviceID: journal.deviceID),
            allowInsecureHTTP: server.allowInsecureHTTP)
        context.print(
            "Registered \(link.username) on \(link.server); this journal is linked (device \(journal.deviceID.short)).")
        context.print("")
        context.print("Recovery key (shown only now; keep it somewhere safe, away from this laptop):")
        context.print("  \(recovery.printed)")
        context.print("")
        context.print("Next: `ally sync`, then `ally account login` on your other laptops.")
    }
}

struct Login: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Link this journal to an existing account.",
        discussion: """
            Entries already in this journal are kept and merge into the account at the next sync.

            Example:
              ally account login --server https://ally.example.org --username sam && ally sync
            """)
    @OptionGroup var journalOptions: JournalOptions
    @OptionGroup var server: ServerOptions
    @OptionGroup var passphrase: PassphraseOptions

    func run() throws {
        let context = CLIContext.current
        let known = try? journalOptions.openExisting(in: context)
        let (serverURL, username) = try server.account(remembered: known)
        let transport = try SyncSupport.transport(server: serverURL, allowInsecureHTTP: server.allowInsecureHTTP)
        let secret = try Secrets.read(
            "passphrase", file: passphrase.passphraseFile, variable: "ALLY_PASSPHRASE", context: context)
        let journal = try known ?? journalOptions.openOrCreate(in: context)
        ServerOptions.remember(server: serverURL, username: username, in: journal)
        let link = try AccountClient(transport: transport).login(
            server: serverURL, username: username, passphrase: secret, journal: journal,
            deviceName: SyncSupport.deviceName(server.deviceName, deviceID: journal.deviceID),
            allowInsecureHTTP: server.allowInsecureHTTP)
        context.print(
            "Logged in as \(link.username) on \(link.server) (device \(journal.deviceID.short)). Run `ally sync`.")
    }
}

/// `ally account rotate-key`: a new journal key, for a suspected leak (SPEC §8.1).
struct RotateKey: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-key",
        abstract: "Make a new journal key and seal the server's copy again under it.",
        discussion: """
            For a suspected leak of the journal key (`ally devices revoke ID --lost` does this for a lost \
            laptop, with a report of what it held). The new key is wrapped by your passphrase and sealed for \
            your recovery key and for each of your laptops, which pick it up at their next sync without asking; \
            then every envelope on the server is sealed again under it, with a progress bar. If it is \
            interrupted, run it again: it finishes what it started. Asks for your passphrase (or \
            $ALLY_PASSPHRASE); an account made before key rotation also asks once for the recovery key \
            ($ALLY_RECOVERY_KEY).

            Example:
              ally account rotate-key
            """)
    @OptionGroup var journalOptions: JournalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var passphrase: PassphraseOptions

    func run() throws {
        let context = CLIContext.current
        let journal = try journalOptions.openExisting(in: context)
        let link = try SyncSupport.link(journal)
        let transport = try SyncSupport.transport(for: link)
        let secret = try Secrets.read(
            "passphrase", file: passphrase.passphraseFile, variable: "ALLY_PASSPHRASE", context: context)
        var engine = SyncEngine(journal: journal, transport: transport, link: link)
        engine.passphrase = secret
        _ = try engine.sync()
        let report = try KeyRotation.run(
            journal: journal, transport: transport, link: engine.link, passphrase: secret, fresh: false,
            json: output.json, context: context)
        if output.json {
            context.print(try JSONOutput.string(report))
            return
        }
        context.print(
            (report.madeHere
                ? "Made journal key \(report.keyID)" : "Adopted journal key \(report.keyID), made by another laptop")
                + "; \(plural(report.resealed, "envelope")) on the server sealed again under it"
                + (report.resumed ? " (an interrupted rotation finished)" : ""))
        if !report.needPassphrase.isEmpty {
            context.print(
                "\(plural(report.needPassphrase.count, "laptop")) will ask for the passphrase once at its next sync: "
                    + report.needPassphrase.map { String($0.prefix(8)) }.joined(separator: ", "))
        }
    }
}

struct Logout: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Unlink this journal from its account; the entries stay here.",
        discussion: """
            Forgets the server, the device token and the journal key on this laptop. To stop a lost laptop from \
            syncing, revoke it from another one: `ally devices revoke ID`.

            Example:
              ally account logout
            """)
    @OptionGroup var journalOptions: JournalOptions

    func run() throws {
        let context = CLIContext.current
        let journal = try journalOptions.openExisting(in: context)
        guard let link = try AccountLink.load(from: journal) else {
            context.print("This journal is not linked to an account; nothing to do.")
            return
        }
        try AccountLink.clear(from: journal)
        context.print("Logged out of \(link.username) on \(link.server). The entries stay in this journal.")
    }
}

struct ChangePassphrase: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passphrase",
        abstract: "Change your passphrase; your other laptops keep working.",
        discussion: """
            The journal key stays the same and is wrapped again with the new passphrase, so nothing is \
            re-encrypted. Your other laptops keep syncing; --sign-out-others signs them out instead (if the old \
            passphrase may have been seen), and each logs in again with the new one. The current passphrase comes from --passphrase-file, $ALLY_PASSPHRASE or the terminal; \
            the new one from --new-passphrase-file, $ALLY_NEW_PASSPHRASE or the terminal.

            Example:
              ally account passphrase
            """)
    @OptionGroup var journalOptions: JournalOptions
    @OptionGroup var passphrase: PassphraseOptions
    @Option(name: .customLong("new-passphrase-file"), help: "Read the new passphrase from this file.")
    var newPassphraseFile: String?
    @Flag(
        name: .customLong("sign-out-others"),
        help: "Also sign every other laptop out (if the old passphrase may have been seen); they log in again.")
    var signOutOthers = false

    func run() throws {
        let context = CLIContext.current
        let journal = try journalOptions.openExisting(in: context)
        let link = try SyncSupport.link(journal)
        let current = try Secrets.read(
            "current passphrase", file: passphrase.passphraseFile, variable: "ALLY_PASSPHRASE", context: context)
        // Check the current passphrase before asking for a new one (issue 10 §5).
        let client = AccountClient(transport: try SyncSupport.transport(for: link))
        let verified = try client.verifyPassphrase(link: link, current: current)
        let new = try Secrets.read(
            "new passphrase", file: newPassphraseFile, variable: "ALLY_NEW_PASSPHRASE", confirm: true,
            minimumLength: 10,
            context: context)
        try client.changePassphrase(
            link: link, currentKeys: verified.keys, salt: verified.salt, new: new, signOutOthers: signOutOthers)
        context.print(
            signOutOthers
                ? "Passphrase changed for \(link.username); every other laptop is signed out and logs in with the new one."
                : "Passphrase changed for \(link.username). Your other laptops keep syncing; use the new one to log in."
        )
    }
}

struct Recover: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Set a new passphrase with your recovery key.",
        discussion: """
            The recovery key comes from --recovery-key, $ALLY_RECOVERY_KEY or the terminal; the new passphrase \
            from --new-passphrase-file, $ALLY_NEW_PASSPHRASE or the terminal. Every laptop is signed out (the old \
            passphrase may be known): log in on each with the new passphrase.

            Example:
              ally account recover --server https://ally.example.org --username sam
            """)
    @OptionGroup var journalOptions: JournalOptions
    @OptionGroup var server: ServerOptions
    @Option(name: .customLong("recovery-key"), help: "The recovery key printed at registration.") var recoveryKey:
        String?
    @Option(name: .customLong("new-passphrase-file"), help: "Read the new passphrase from this file.")
    var newPassphraseFile: String?

    func run() throws {
        let context = CLIContext.current
        let known = try? journalOptions.openExisting(in: context)
        let (serverURL, username) = try server.account(remembered: known)
        let transport = try SyncSupport.transport(server: serverURL, allowInsecureHTTP: server.allowInsecureHTTP)
        let printed: String
        if let recoveryKey {
            printed = recoveryKey
        } else {
            printed = try Secrets.read("recovery key", file: nil, variable: "ALLY_RECOVERY_KEY", context: context)
        }
        guard let key = RecoveryKey(printed: printed) else {
            throw CLIError(Self.whatIsWrong(with: printed), exitCode: 2)
        }
        let new = try Secrets.read(
            "new passphrase", file: newPassphraseFile, variable: "ALLY_NEW_PASSPHRASE", confirm: true,
            minimumLength: 10,
            context: context)
        try AccountClient(transport: transport).recover(username: username, recoveryKey: key, newPassphrase: new)
        if let known { ServerOptions.remember(server: serverURL, username: username, in: known) }
        context.print(
            "New passphrase set for \(username). Every laptop was signed out (a recovery means the old passphrase may be "
                + "known); log in on each with the new one: `ally account login`.")
    }

    /// Which part of a mistyped recovery key is wrong, checked before anything is sent.
    static func whatIsWrong(with printed: String) -> String {
        let groups = printed.split(whereSeparator: { $0 == "-" || $0.isWhitespace })
        guard groups.count == 8 else {
            return "a recovery key is 8 groups of 8 hex digits separated by '-'; this has \(groups.count) groups"
        }
        for (index, group) in groups.enumerated() where group.count != 8 || !group.allSatisfy(\.isHexDigit) {
            let why =
                group.count != 8 ? "has \(group.count) characters, not 8" : "has a character other than 0-9 and a-f"
            return "group \(index + 1) of the recovery key (\(Quoted(String(group)))) \(why); nothing was sent"
        }
        return "that is not a recovery key (8 groups of 8 hex digits)"
    }
}
