import AllyCore
import AllyProtocol
import AllyStore
import Foundation

/// The account link a sync may change (a rotated key picked up), shared by the engine's copies.
public final class LinkBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: AccountLink

    init(_ link: AccountLink) { stored = link }

    public var link: AccountLink {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

extension SyncEngine {
    /// Whether the server refused a push because it is sealed with a key older than the account's (SPEC §8.1).
    static func isStaleKey(_ error: SyncError) -> Bool {
        error.code == .conflict && error.message.contains("journal key is now")
    }

    /// Gives the server this laptop's public key, once (SPEC §8.1): laptops logged in before key pairs existed make
    /// one at their next sync. Best effort: a rotation before it succeeds asks this laptop for the passphrase once.
    func shareDeviceKey() throws {
        var link = box.link
        guard !link.deviceKeyUploaded else { return }
        let pair = link.deviceKey ?? DeviceKeyPair.generate()
        link.deviceKey = pair
        do {
            if link.linkedDeviceID == nil {
                // Logged in before the link kept it: the server names this laptop by the id it logged in with, which a
                // fork since may have changed here.
                link.linkedDeviceID = try transport.devices(token: link.token).devices.first(where: \.current)?.deviceID
            }
            try transport.setDeviceKey(
                Wire.DevicePublicKey(
                    deviceID: link.linkedDeviceID ?? journal.deviceID.rawValue, publicKey: pair.publicKey),
                token: link.token)
            link.deviceKeyUploaded = true
        } catch let error as SyncError where error.code == .unauthorized {
            throw error
        } catch {
            // Tried again at the next sync.
        }
        try link.save(to: journal)
        box.link = link
    }

    /// Picks up the account's current journal key when it is newer than this laptop's (SPEC §8.1): from the copy
    /// sealed to this laptop, or else from the passphrase-wrapped copy when the user gave the passphrase. Returns
    /// whether a new key was adopted.
    @discardableResult
    public func refreshKey() throws -> Bool {
        var link = box.link
        let current = try transport.currentKey(token: link.token)
        guard current.keyID > link.journalKey.keyID else { return false }
        let key: JournalKey
        let deviceID = link.linkedDeviceID ?? journal.deviceID.rawValue
        if let sealed = current.sealed, let pair = link.deviceKey,
            let opened = try? KeySeal.open(
                sealed, keyID: current.keyID, with: pair, userName: link.username, deviceID: deviceID)
        {
            key = opened
        } else if let passphrase {
            let prelogin = try transport.prelogin(Wire.PreloginRequest(username: link.username))
            try AccountClient.check(prelogin)
            let keys = try PassphraseKeys.derive(passphrase: passphrase, salt: prelogin.salt, rounds: prelogin.rounds)
            do {
                key = try KeyWrap.unwrap(
                    current.wrappedKey, with: keys.wrappingKey, userName: link.username, keyID: current.keyID)
            } catch {
                throw SyncError(.unauthorized, "wrong passphrase: it does not open the account's new journal key")
            }
        } else {
            throw SyncError(
                .needsPassphrase,
                "the account's journal key was rotated (key \(current.keyID)) and this laptop had no key pair on the "
                    + "server at the time: give the passphrase once to pick the new key up")
        }
        link.adopt(key)
        try link.save(to: journal)
        box.link = link
        return true
    }
}
