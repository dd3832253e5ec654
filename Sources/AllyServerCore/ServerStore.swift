import AllyProtocol
import Foundation

/// The server's storage contract, implemented on SQLite (`SQLiteServerStore`) and PostgreSQL
/// (`PostgresServerStore`); one conformance suite runs against both (Tests/AllyServerTests).
public protocol ServerStore: Sendable {
    /// Creates or upgrades the schema.
    func migrate() async throws
    /// A random secret made on first start, for the fake salts of unknown users.
    func serverSecret() async throws -> Data

    /// Creates an account; consumes `inviteHash` when given. Throws `conflict` if the username is taken,
    /// `forbidden` if the invite is unknown or used.
    func createUser(_ user: UserRecord, inviteHash: String?) async throws
    func user(named username: String) async throws -> UserRecord?
    func user(id: String) async throws -> UserRecord?
    /// Replaces the passphrase material; the journal key inside stays the same.
    func updateCredentials(userID: String, salt: Data, authHash: String, wrappedKey: Data) async throws
    func createInvite(codeHash: String, at time: Int64) async throws

    /// Registers or re-registers a device with a new token. Throws `conflict` if the device id is another user's.
    func saveDevice(_ device: DeviceRecord) async throws
    func device(tokenHash: String) async throws -> DeviceRecord?
    func devices(userID: String) async throws -> [DeviceRecord]
    /// Revokes a device of `userID`; false if it has none by that id.
    func revokeDevice(userID: String, deviceID: String) async throws -> Bool
    /// Renames one of the user's devices; false if the user has no such device.
    func renameDevice(userID: String, deviceID: String, name: String) async throws -> Bool
    func touchDevice(deviceID: String, at time: Int64) async throws

    /// Why a push acknowledged by this store might not survive a crash or power loss, or nil when every commit is
    /// durable before it returns (SPEC §9). `ally-server serve` refuses to start on an answer.
    func durabilityProblem() async throws -> String?

    /// Stores envelopes in one transaction, in the order given, durably before it returns. The same bytes under a
    /// known `(device, seq)` are duplicates; different bytes throw `conflict` and store nothing, unless the item is
    /// marked `replace` (SPEC §2.3): then the stored envelope leaves its position (its chain kept for that position)
    /// and the new one is stored like a new change. Each new change
    /// takes the next position and extends the user's log chain (`LogChain`).
    func push(userID: String, items: [Wire.Item]) async throws -> Wire.PushResult
    /// The highest position stored for the user (0 if none).
    func latestPosition(userID: String) async throws -> Int64
    /// Changes after `position` in the user's order, at most `limit` and about `maxBytes` (always at least one),
    /// with the chain at `position` (the origin at 0, nil when no change is stored there).
    func pull(userID: String, after position: Int64, limit: Int, maxBytes: Int) async throws -> StoredPage
    /// Records that a device asked to pull after `position` (it has applied everything up to there) and was sent
    /// changes up to `sent`; keeps the largest of each.
    func recordPull(deviceID: String, position: Int64, sent: Int64) async throws
    /// For each of the user's devices that has pulled, the furthest position recorded by `recordPull`.
    func pulledPositions(userID: String) async throws -> [String: Int64]
    /// What a laptop could hold (SPEC §8.1, the report after a loss): the change ids stored at positions up to how
    /// far the device was sent, or that stood there before a replace moved them, and every change it wrote; with
    /// that position (nil if it never pulled).
    func exposure(userID: String, deviceID: String) async throws -> (sentTo: Int64?, ranges: [Wire.HeldRange])

    /// Key rotation (SPEC §8.1): makes `rotation.keyID` the account's key, which must be one above the current one
    /// (a retry of the same rotation is accepted again); stores its wrapped, recovery and per-device copies and
    /// drops those of older keys. Throws `conflict` when another rotation got there first.
    func rotateKey(userID: String, rotation: Wire.KeyRotation, at time: Int64) async throws
    /// The account's current key for the laptop `deviceID`, with the public keys a rotation seals to.
    func currentKey(userID: String, deviceID: String) async throws -> Wire.CurrentKey
    /// Sets a laptop's public key (SPEC §8.1).
    func setDevicePublicKey(deviceID: String, publicKey: Data) async throws
    /// Keeps the recovery key's public half (at registration, or with the first rotation).
    func setRecoveryPublicKey(userID: String, publicKey: Data) async throws
    /// The current key sealed to the recovery key (nil until a rotation made one).
    func recoverySealed(userID: String) async throws -> Data?

    /// The change ids the user's log holds, as runs of consecutive seqs per device, ordered by device and seq.
    func held(userID: String) async throws -> [Wire.HeldRange]
}
