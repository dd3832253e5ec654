import AllyCore
import AllyProtocol
import AllyStore
import Foundation

/// The account a journal is linked to, kept in the journal's sync state: the server, the user, this device's
/// token and the journal key. The journal file is as private as the key, so they live together.
public struct AccountLink: Sendable {
    public var server: String
    public var username: String
    public var userID: String
    public var token: String
    /// The current journal key: every change is sealed with it.
    public var journalKey: JournalKey
    public var allowInsecureHTTP: Bool
    /// Keys replaced by rotations (SPEC §8.1), kept to open what the server has not re-sealed yet.
    public var oldKeys: [JournalKey] = []
    /// This laptop's key pair: a rotation seals the new journal key to its public half.
    public var deviceKey: DeviceKeyPair?
    /// Whether the server has the public half of `deviceKey`.
    public var deviceKeyUploaded = false
    /// The device id this journal logged in as (the server's name for this laptop), when it differs from the
    /// journal's own after a fork moved the journal to a new id.
    public var linkedDeviceID: String?

    public init(
        server: String, username: String, userID: String, token: String, journalKey: JournalKey, allowInsecureHTTP: Bool
    ) {
        self.server = server
        self.username = username
        self.userID = userID
        self.token = token
        self.journalKey = journalKey
        self.allowInsecureHTTP = allowInsecureHTTP
    }

    /// Every key this laptop holds, the current one first.
    public var keys: [JournalKey] { [journalKey] + oldKeys.filter { $0.keyID != journalKey.keyID } }

    /// Makes `key` the current key, keeping the one it replaces among the old ones.
    public mutating func adopt(_ key: JournalKey) {
        guard key.keyID != journalKey.keyID else { return }
        if !oldKeys.contains(where: { $0.keyID == journalKey.keyID }) { oldKeys.append(journalKey) }
        oldKeys.removeAll { $0.keyID == key.keyID }
        journalKey = key
    }

    /// The link stored in `journal`, or nil if it has never logged in (or has logged out).
    public static func load(from journal: Journal) throws -> AccountLink? {
        let state = try journal.syncState()
        guard let server = state["server"], let username = state["username"], let userID = state["userID"],
            let token = state["token"], let keyHex = state["journalKey"], let keyIDText = state["keyID"],
            let keyBytes = Data(hex: keyHex), let keyID = UInt32(keyIDText)
        else { return nil }
        var link = AccountLink(
            server: server, username: username, userID: userID, token: token,
            journalKey: try JournalKey(bytes: keyBytes, keyID: keyID),
            allowInsecureHTTP: state["allowInsecureHTTP"] == "true")
        for item in (state["oldKeys"] ?? "").split(separator: ",") {
            let parts = item.split(separator: ":")
            guard parts.count == 2, let id = UInt32(parts[0]), let bytes = Data(hex: String(parts[1])) else { continue }
            link.oldKeys.append(try JournalKey(bytes: bytes, keyID: id))
        }
        if let hex = state["deviceKey"], let bytes = Data(hex: hex) {
            link.deviceKey = try DeviceKeyPair(rawPrivate: bytes)
        }
        link.deviceKeyUploaded = state["deviceKeyUploaded"] == "true"
        link.linkedDeviceID = state["linkedDevice"]
        return link
    }

    /// Stores the link in `journal`.
    public func save(to journal: Journal) throws {
        try journal.updateSyncState([
            "server": server, "username": username, "userID": userID, "token": token,
            "journalKey": journalKey.bytes.hexString, "keyID": String(journalKey.keyID),
            "allowInsecureHTTP": allowInsecureHTTP ? "true" : "false", "refusedSince": String?.none,
            "oldKeys": oldKeys.isEmpty
                ? nil : oldKeys.map { "\($0.keyID):\($0.bytes.hexString)" }.joined(separator: ","),
            "deviceKey": deviceKey?.rawPrivate.hexString, "deviceKeyUploaded": deviceKeyUploaded ? "true" : nil,
            "linkedDevice": linkedDeviceID,
        ])
    }

    /// Forgets the account, the token, the key and the cursor; the entries stay. A later login pushes them again.
    public static func clear(from journal: Journal) throws {
        try journal.rewindCursor(to: 0, chain: nil)
        try journal.updateSyncState(
            Dictionary(
                uniqueKeysWithValues: [
                    "server", "username", "userID", "token", "journalKey", "keyID", "allowInsecureHTTP", "cursor",
                    "cursor-chain", "lastSync", "refusedSince", "oldKeys", "deviceKey", "deviceKeyUploaded",
                    "linkedDevice",
                    "rotation",
                ].map { ($0, String?.none) }))
        try journal.markAllUnpushed()
    }
}
