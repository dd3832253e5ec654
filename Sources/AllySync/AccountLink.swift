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
    public var journalKey: JournalKey
    public var allowInsecureHTTP: Bool

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

    /// The link stored in `journal`, or nil if it has never logged in (or has logged out).
    public static func load(from journal: Journal) throws -> AccountLink? {
        let state = try journal.syncState()
        guard let server = state["server"], let username = state["username"], let userID = state["userID"],
            let token = state["token"], let keyHex = state["journalKey"], let keyIDText = state["keyID"],
            let keyBytes = Data(hex: keyHex), let keyID = UInt32(keyIDText)
        else { return nil }
        return AccountLink(
            server: server, username: username, userID: userID, token: token,
            journalKey: try JournalKey(bytes: keyBytes, keyID: keyID),
            allowInsecureHTTP: state["allowInsecureHTTP"] == "true")
    }

    /// Stores the link in `journal`.
    public func save(to journal: Journal) throws {
        try journal.updateSyncState([
            "server": server, "username": username, "userID": userID, "token": token,
            "journalKey": journalKey.bytes.hexString, "keyID": String(journalKey.keyID),
            "allowInsecureHTTP": allowInsecureHTTP ? "true" : "false", "refusedSince": String?.none,
        ])
    }

    /// Forgets the account, the token, the key and the cursor; the entries stay. A later login pushes them again.
    public static func clear(from journal: Journal) throws {
        try journal.rewindCursor(to: 0, chain: nil)
        try journal.updateSyncState(
            Dictionary(
                uniqueKeysWithValues: [
                    "server", "username", "userID", "token", "journalKey", "keyID", "allowInsecureHTTP", "cursor",
                    "cursor-chain", "lastSync", "refusedSince",
                ].map { ($0, String?.none) }))
        try journal.markAllUnpushed()
    }
}
