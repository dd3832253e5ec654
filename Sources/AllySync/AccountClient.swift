import AllyCore
import AllyProtocol
import AllyStore
import Foundation

/// Registration, login, passphrase change and recovery (SPEC §8). The passphrase never leaves this laptop:
/// scrypt turns it into an auth key (sent, stored hashed) and a wrapping key (kept) for the journal key.
public struct AccountClient {
    let transport: any SyncTransport

    public init(transport: any SyncTransport) { self.transport = transport }

    /// Creates the account, logs this journal in, and returns the link and the recovery key (to show once).
    public func register(
        server: String, username: String, passphrase: String, invite: String?, journal: Journal, deviceName: String,
        allowInsecureHTTP: Bool
    ) throws -> (AccountLink, RecoveryKey) {
        if let existing = try AccountLink.load(from: journal) {
            throw SyncError(
                .refused,
                "this journal is already linked to \(existing.username) on \(existing.server); `ally account logout` first"
            )
        }
        // The account's secrets are made once and kept in the journal until the registration is known to have
        // succeeded, so that a rerun after a lost answer sends the very same registration and the server answers
        // it as the original (SPEC §9.2), with the recovery key shown here — never an account nobody has the key to.
        let pending =
            try PendingRegistration.load(from: journal, server: server, username: username)
            ?? PendingRegistration.make(server: server, username: username)
        try pending.save(to: journal)
        let salt = pending.salt
        let keys = try PassphraseKeys.derive(passphrase: passphrase, salt: salt)
        let journalKey = try pending.journalKey
        let recovery = try pending.recoveryKey
        let registration = Wire.Registration(
            username: username, invite: invite, salt: salt, authKey: keys.authKey, keyID: journalKey.keyID,
            wrappedKey: try KeyWrap.wrap(journalKey, with: keys.wrappingKey, userName: username),
            recoveryAuthKey: recovery.authKey,
            recoveryWrappedKey: try KeyWrap.wrap(journalKey, with: recovery.wrappingKey, userName: username),
            recoveryPublicKey: recovery.publicKey)
        _ = try transport.register(registration)
        let link = try login(
            server: server, username: username, passphrase: passphrase, journal: journal, deviceName: deviceName,
            allowInsecureHTTP: allowInsecureHTTP)
        try PendingRegistration.clear(from: journal)
        return (link, recovery)
    }

    /// Logs this journal in to an existing account and stores the link.
    public func login(
        server: String, username: String, passphrase: String, journal: Journal, deviceName: String,
        allowInsecureHTTP: Bool
    ) throws -> AccountLink {
        if let existing = try AccountLink.load(from: journal),
            existing.username != username || existing.server != server
        {
            throw SyncError(
                .refused,
                "this journal is already linked to \(existing.username) on \(existing.server); `ally account logout` first"
            )
        }
        let prelogin = try transport.prelogin(Wire.PreloginRequest(username: username))
        try Self.check(prelogin)
        let keys = try PassphraseKeys.derive(passphrase: passphrase, salt: prelogin.salt, rounds: prelogin.rounds)
        let session: Wire.Session
        // This laptop's key pair (SPEC §8.1): kept across logins of the same journal.
        let deviceKey = try AccountLink.load(from: journal)?.deviceKey ?? DeviceKeyPair.generate()
        do {
            // One id for this login and all of its retries: a retry gets the same token (SPEC §9.2).
            session = try transport.login(
                Wire.LoginRequest(
                    username: username, authKey: keys.authKey, deviceID: journal.deviceID.rawValue,
                    deviceName: deviceName, requestID: secureRandomBytes(16).hexString,
                    devicePublicKey: deviceKey.publicKey))
        } catch let error as SyncError where error.code == .unauthorized {
            throw SyncError(.unauthorized, "wrong username or passphrase")
        }
        let journalKey: JournalKey
        do {
            journalKey = try KeyWrap.unwrap(
                session.wrappedKey, with: keys.wrappingKey, userName: username, keyID: session.keyID)
        } catch {
            throw SyncError(
                .untrusted,
                "the server's copy of the journal key does not open with this passphrase; nothing was changed")
        }
        var link = AccountLink(
            server: server, username: username, userID: session.userID, token: session.token, journalKey: journalKey,
            allowInsecureHTTP: allowInsecureHTTP)
        // Keys this journal held before (a logout and login again): kept, to open what was sealed with them.
        if let previous = try AccountLink.load(from: journal) {
            for key in previous.keys where key.keyID != journalKey.keyID { link.oldKeys.append(key) }
        }
        link.deviceKey = deviceKey
        link.deviceKeyUploaded = true
        link.linkedDeviceID = journal.deviceID.rawValue
        try link.save(to: journal)
        return link
    }

    /// Checks `current` with the server before a new passphrase is asked for, by setting the same credentials again
    /// (same salt, same auth key, the journal key wrapped anew): the server accepts only the right passphrase, and
    /// nothing else changes. Returns the current passphrase's keys and the account's salt for
    /// `changePassphrase(link:currentKeys:salt:…)`.
    public func verifyPassphrase(link: AccountLink, current: String) throws -> (keys: PassphraseKeys, salt: Data) {
        let prelogin = try transport.prelogin(Wire.PreloginRequest(username: link.username))
        try Self.check(prelogin)
        let keys = try PassphraseKeys.derive(passphrase: current, salt: prelogin.salt, rounds: prelogin.rounds)
        do {
            try transport.changePassphrase(
                Wire.PassphraseChange(
                    currentAuthKey: keys.authKey, salt: prelogin.salt, authKey: keys.authKey,
                    wrappedKey: try KeyWrap.wrap(link.journalKey, with: keys.wrappingKey, userName: link.username)),
                token: link.token)
        } catch let error as SyncError where error.code == .unauthorized {
            throw SyncError(
                .unauthorized, "the current passphrase is wrong (or this device was revoked); nothing was changed")
        }
        return (keys, prelogin.salt)
    }

    /// Wraps the same journal key with a new passphrase; other laptops keep working with their tokens.
    public func changePassphrase(link: AccountLink, current: String, new: String, signOutOthers: Bool = false) throws {
        let prelogin = try transport.prelogin(Wire.PreloginRequest(username: link.username))
        try Self.check(prelogin)
        let currentKeys = try PassphraseKeys.derive(passphrase: current, salt: prelogin.salt, rounds: prelogin.rounds)
        try changePassphrase(
            link: link, currentKeys: currentKeys, salt: prelogin.salt, new: new, signOutOthers: signOutOthers)
    }

    /// `changePassphrase(link:current:new:)` with the current passphrase's keys already derived (and verified).
    ///
    /// The account keeps its salt (`salt`, from prelogin): a salt that changed with the passphrase would tell anyone
    /// asking prelogin over time that the name is a real account, as an unknown name's salt never changes.
    public func changePassphrase(
        link: AccountLink, currentKeys: PassphraseKeys, salt: Data, new: String, signOutOthers: Bool = false
    ) throws {
        let keys = try PassphraseKeys.derive(passphrase: new, salt: salt)
        do {
            try transport.changePassphrase(
                Wire.PassphraseChange(
                    currentAuthKey: currentKeys.authKey, salt: salt, authKey: keys.authKey,
                    wrappedKey: try KeyWrap.wrap(link.journalKey, with: keys.wrappingKey, userName: link.username),
                    signOutOthers: signOutOthers ? true : nil),
                token: link.token)
        } catch let error as SyncError where error.code == .unauthorized {
            throw SyncError(.unauthorized, "the current passphrase is wrong (or this device was revoked)")
        }
    }

    /// Refuses KDF parameters other than the protocol's (SPEC §8) before the passphrase is used: the laptop, not
    /// the server, decides what a passphrase costs. A server answering `rounds: 2` would get an auth key it can
    /// crack in a second and then open the wrapped journal key; `rounds: 2^20` would make the laptop spend 1 GiB.
    static func check(_ prelogin: Wire.Prelogin) throws {
        guard prelogin.rounds == PassphraseKeys.rounds else {
            throw SyncError(
                .untrusted,
                "the server asked for a passphrase cost of \(prelogin.rounds) rounds; this version of the protocol uses "
                    + "exactly \(PassphraseKeys.rounds). Nothing derived from your passphrase was sent")
        }
        guard prelogin.salt.count == PassphraseKeys.saltLength else {
            throw SyncError(
                .untrusted,
                "the server sent a \(prelogin.salt.count)-byte salt; the protocol uses \(PassphraseKeys.saltLength). "
                    + "Nothing derived from your passphrase was sent")
        }
    }

    /// Sets a new passphrase with the recovery key; returns the journal key it opened.
    @discardableResult
    public func recover(username: String, recoveryKey: RecoveryKey, newPassphrase: String) throws -> JournalKey {
        let copy: Wire.RecoveryKeyCopy
        do {
            copy = try transport.recoveryKey(
                Wire.RecoveryRequest(username: username, recoveryAuthKey: recoveryKey.authKey))
        } catch let error as SyncError where error.code == .unauthorized {
            throw SyncError(.unauthorized, "wrong username or recovery key")
        }
        // After a rotation the current key is sealed to the recovery key's public half (SPEC §8.1); before, the
        // first key is wrapped by it.
        let journalKey: JournalKey
        if let sealed = copy.recoverySealed {
            journalKey = try KeySeal.open(sealed, keyID: copy.keyID, with: recoveryKey, userName: username)
        } else {
            journalKey = try KeyWrap.unwrap(
                copy.recoveryWrappedKey, with: recoveryKey.wrappingKey, userName: username, keyID: copy.keyID)
        }
        // The account keeps its salt (see `changePassphrase`).
        let prelogin = try transport.prelogin(Wire.PreloginRequest(username: username))
        try Self.check(prelogin)
        let salt = prelogin.salt
        let keys = try PassphraseKeys.derive(passphrase: newPassphrase, salt: salt)
        try transport.resetPassphrase(
            Wire.RecoveryReset(
                username: username, recoveryAuthKey: recoveryKey.authKey, salt: salt, authKey: keys.authKey,
                wrappedKey: try KeyWrap.wrap(journalKey, with: keys.wrappingKey, userName: username)))
        return journalKey
    }
}

/// A registration's secrets, kept in the journal from before the request is sent until it is known to have
/// succeeded: salt, journal key and recovery key. The passphrase is not kept; a rerun asks for it again.
struct PendingRegistration: Codable {
    var server: String
    var username: String
    var saltHex: String
    var journalKeyHex: String
    var recoveryKeyPrinted: String

    static let stateKey = "pendingRegistration"

    static func make(server: String, username: String) -> PendingRegistration {
        PendingRegistration(
            server: server, username: username, saltHex: secureRandomBytes(PassphraseKeys.saltLength).hexString,
            journalKeyHex: JournalKey.generate(keyID: 1).bytes.hexString,
            recoveryKeyPrinted: RecoveryKey.generate().printed)
    }

    /// The pending registration for this server and username, if a previous attempt left one.
    static func load(from journal: Journal, server: String, username: String) throws -> PendingRegistration? {
        guard let text = try journal.syncState()[stateKey],
            let pending = try? JSONDecoder().decode(PendingRegistration.self, from: Data(text.utf8)),
            pending.server == server, pending.username == username, pending.isUsable
        else { return nil }
        return pending
    }

    var isUsable: Bool {
        Data(hex: saltHex) != nil && (try? JournalKey(bytes: Data(hex: journalKeyHex) ?? Data(), keyID: 1)) != nil
            && RecoveryKey(printed: recoveryKeyPrinted) != nil
    }

    var salt: Data { Data(hex: saltHex) ?? Data() }
    var journalKey: JournalKey {
        get throws { try JournalKey(bytes: Data(hex: journalKeyHex) ?? Data(), keyID: 1) }
    }
    var recoveryKey: RecoveryKey {
        get throws {
            guard let key = RecoveryKey(printed: recoveryKeyPrinted) else {
                throw SyncError(.refused, "the pending registration's recovery key cannot be read")
            }
            return key
        }
    }

    func save(to journal: Journal) throws {
        try journal.updateSyncState([
            Self.stateKey: String(decoding: try JSONEncoder().encode(self), as: UTF8.self)
        ])
    }

    static func clear(from journal: Journal) throws { try journal.updateSyncState([stateKey: nil]) }
}
