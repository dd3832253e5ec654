import AllyProtocol
import Foundation
import GRDB

/// The embedded default: one SQLite file (WAL, synchronous FULL), no set-up.
public final class SQLiteServerStore: ServerStore {
    let pool: DatabasePool

    /// Opens (creating if needed) the database file at `path`.
    public init(path: String) throws {
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL; PRAGMA secure_delete = ON")
        }
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        pool = try DatabasePool(path: path, configuration: config)
        // Opening a pool turns WAL on and, with it, lowers the writer to `synchronous = NORMAL` after
        // `prepareDatabase` ran: a commit would then be acknowledged before it reached the disk. Raise it again on
        // the one connection that writes; `durabilityProblem()` reads it back from that same connection.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
    }

    /// Pushes waiting for the next group commit (SPEC §9: acknowledged means durable).
    let commits = GroupCommit()

    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL);
                    CREATE TABLE users (
                        id TEXT PRIMARY KEY NOT NULL, username TEXT NOT NULL UNIQUE, salt BLOB NOT NULL,
                        auth_hash TEXT NOT NULL, key_id INTEGER NOT NULL, wrapped_key BLOB NOT NULL,
                        recovery_auth_hash TEXT NOT NULL, recovery_wrapped_key BLOB NOT NULL,
                        created_at INTEGER NOT NULL, next_position INTEGER NOT NULL DEFAULT 0);
                    CREATE TABLE invites (
                        code_hash TEXT PRIMARY KEY NOT NULL, created_at INTEGER NOT NULL, used_by TEXT, used_at INTEGER);
                    CREATE TABLE devices (
                        device_id TEXT PRIMARY KEY NOT NULL, user_id TEXT NOT NULL REFERENCES users(id),
                        name TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL,
                        last_seen_at INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);
                    CREATE TABLE changes (
                        user_id TEXT NOT NULL REFERENCES users(id), position INTEGER NOT NULL,
                        device TEXT NOT NULL, seq INTEGER NOT NULL, envelope BLOB NOT NULL,
                        PRIMARY KEY (user_id, device, seq), UNIQUE (user_id, position));
                    """)
        }
        migrator.registerMigration("v2-log-chain") { db in
            // The hash chain over each user's log (SPEC §9.1), computed for the changes stored before it existed.
            try db.execute(
                sql: """
                    ALTER TABLE changes ADD COLUMN chain BLOB;
                    ALTER TABLE users ADD COLUMN chain_head BLOB NOT NULL DEFAULT x'\(LogChain.origin.hexString)';
                    """)
            let users = try String.fetchAll(db, sql: "SELECT id FROM users")
            let update = try db.makeStatement(sql: "UPDATE changes SET chain = ? WHERE user_id = ? AND position = ?")
            for user in users {
                var chain = LogChain.origin
                let rows = try Row.fetchCursor(
                    db, sql: "SELECT position, device, seq, envelope FROM changes WHERE user_id = ? ORDER BY position",
                    arguments: [user])
                while let row = try rows.next() {
                    chain = LogChain.next(chain, device: row["device"], seq: row["seq"], envelope: row["envelope"])
                    try update.execute(arguments: [chain, user, row["position"] as Int64])
                }
                try db.execute(sql: "UPDATE users SET chain_head = ? WHERE id = ?", arguments: [chain, user])
            }
        }
        migrator.registerMigration("v3-erasure") { db in
            // SPEC §2.3: a replaced change leaves its position for the next one; the chain at the position it left is
            // kept, so a laptop whose cursor is there still finds the log it read. `device_pulls` keeps how far each
            // device has asked to pull after: the receipt of a purge.
            try db.execute(
                sql: """
                    CREATE TABLE vacated (
                        user_id TEXT NOT NULL, position INTEGER NOT NULL, chain BLOB NOT NULL,
                        PRIMARY KEY (user_id, position)) WITHOUT ROWID;
                    CREATE TABLE device_pulls (device_id TEXT PRIMARY KEY NOT NULL, position INTEGER NOT NULL);
                    """)
        }
        migrator.registerMigration("v4-replaced") { db in
            // A change stored by a replace (SPEC §2.3): a plain push of other bytes under its id is a duplicate.
            try db.execute(
                sql: "ALTER TABLE changes ADD COLUMN replaced INTEGER NOT NULL DEFAULT 0 CHECK (replaced IN (0, 1))")
        }
        migrator.registerMigration("v5-keys") { db in
            // Key rotation (SPEC §8.1): the current key's copies sealed to the recovery key and to each laptop, the
            // laptops' public keys, and the recovery key's public half. `vacated` keeps the id of a moved change and
            // `device_pulls.sent_to` how far a device was sent, for the report after a loss.
            try db.execute(
                sql: """
                    CREATE TABLE journal_keys (
                        user_id TEXT NOT NULL, key_id INTEGER NOT NULL, recovery_sealed BLOB NOT NULL,
                        created_at INTEGER NOT NULL, PRIMARY KEY (user_id, key_id));
                    CREATE TABLE sealed_keys (
                        user_id TEXT NOT NULL, key_id INTEGER NOT NULL, device_id TEXT NOT NULL, sealed BLOB NOT NULL,
                        PRIMARY KEY (user_id, key_id, device_id));
                    CREATE TABLE device_public_keys (device_id TEXT PRIMARY KEY NOT NULL, public_key BLOB NOT NULL);
                    ALTER TABLE users ADD COLUMN recovery_public_key BLOB;
                    ALTER TABLE vacated ADD COLUMN device TEXT;
                    ALTER TABLE vacated ADD COLUMN seq INTEGER;
                    ALTER TABLE device_pulls ADD COLUMN sent_to INTEGER NOT NULL DEFAULT 0;
                    """)
        }
        return migrator
    }()

    public func migrate() async throws { try Self.migrator.migrate(pool) }

    public func serverSecret() async throws -> Data {
        try await pool.write { db in
            if let secret = try Data.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'secret'") { return secret }
            let secret = secureRandomBytes(32)
            try db.execute(sql: "INSERT INTO meta(key, value) VALUES ('secret', ?)", arguments: [secret])
            return secret
        }
    }

    public func createUser(_ user: UserRecord, inviteHash: String?) async throws {
        try await pool.write { db in
            // The invite first: without a valid one the answer is the same whether or not the name exists, so an
            // invite server does not tell strangers who has an account. (The transaction undoes its use on a clash.)
            if let inviteHash {
                try db.execute(
                    sql: "UPDATE invites SET used_by = ?, used_at = ? WHERE code_hash = ? AND used_by IS NULL",
                    arguments: [user.id, user.createdAt, inviteHash])
                guard db.changesCount == 1 else {
                    throw ServerError(.forbidden, "the invite code is unknown or already used")
                }
            }
            if try Bool.fetchOne(
                db, sql: "SELECT EXISTS(SELECT 1 FROM users WHERE username = ?)", arguments: [user.username]) == true
            {
                throw ServerError(.conflict, "the username '\(user.username)' is taken")
            }
            try db.execute(
                sql: """
                    INSERT INTO users(id, username, salt, auth_hash, key_id, wrapped_key, recovery_auth_hash,
                        recovery_wrapped_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    user.id, user.username, user.salt, user.authHash, Int64(user.keyID), user.wrappedKey,
                    user.recoveryAuthHash, user.recoveryWrappedKey, user.createdAt,
                ])
        }
    }

    static func user(from row: Row) -> UserRecord {
        UserRecord(
            id: row["id"], username: row["username"], salt: row["salt"], authHash: row["auth_hash"],
            keyID: UInt32(truncatingIfNeeded: row["key_id"] as Int64), wrappedKey: row["wrapped_key"],
            recoveryAuthHash: row["recovery_auth_hash"], recoveryWrappedKey: row["recovery_wrapped_key"],
            createdAt: row["created_at"])
    }

    public func user(named username: String) async throws -> UserRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM users WHERE username = ?", arguments: [username]).map(
                Self.user(from:))
        }
    }

    public func user(id: String) async throws -> UserRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM users WHERE id = ?", arguments: [id]).map(Self.user(from:))
        }
    }

    public func updateCredentials(userID: String, salt: Data, authHash: String, wrappedKey: Data) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE users SET salt = ?, auth_hash = ?, wrapped_key = ? WHERE id = ?",
                arguments: [salt, authHash, wrappedKey, userID])
        }
    }

    public func createInvite(codeHash: String, at time: Int64) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO invites(code_hash, created_at) VALUES (?, ?)", arguments: [codeHash, time])
        }
    }

    public func saveDevice(_ device: DeviceRecord) async throws {
        try await pool.write { db in
            if let owner = try String.fetchOne(
                db, sql: "SELECT user_id FROM devices WHERE device_id = ?", arguments: [device.deviceID]),
                owner != device.userID
            {
                throw ServerError(
                    .conflict, "this device id belongs to another account; use a new journal for this account")
            }
            try db.execute(
                sql: """
                    INSERT INTO devices(device_id, user_id, name, token_hash, created_at, last_seen_at, revoked)
                    VALUES (?, ?, ?, ?, ?, ?, 0)
                    ON CONFLICT(device_id) DO UPDATE SET name = excluded.name, token_hash = excluded.token_hash,
                        last_seen_at = excluded.last_seen_at, revoked = 0
                        WHERE devices.user_id = excluded.user_id
                    """,
                arguments: [
                    device.deviceID, device.userID, device.name, device.tokenHash, device.createdAt, device.lastSeenAt,
                ])
        }
    }

    static func device(from row: Row) -> DeviceRecord {
        DeviceRecord(
            deviceID: row["device_id"], userID: row["user_id"], name: row["name"], tokenHash: row["token_hash"],
            createdAt: row["created_at"], lastSeenAt: row["last_seen_at"], revoked: row["revoked"])
    }

    public func device(tokenHash: String) async throws -> DeviceRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM devices WHERE token_hash = ?", arguments: [tokenHash]).map(
                Self.device(from:))
        }
    }

    public func devices(userID: String) async throws -> [DeviceRecord] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM devices WHERE user_id = ? ORDER BY created_at, device_id", arguments: [userID]
            )
            .map(Self.device(from:))
        }
    }

    public func revokeDevice(userID: String, deviceID: String) async throws -> Bool {
        try await pool.write { db in
            // A revoked device keeps its row (it shows as revoked) but its token can never match again.
            try db.execute(
                sql:
                    "UPDATE devices SET revoked = 1, token_hash = 'revoked:' || device_id WHERE user_id = ? AND device_id = ?",
                arguments: [userID, deviceID])
            let revoked = db.changesCount == 1
            // A revoked laptop keeps no sealed copy of the journal key (SPEC §8.1).
            if revoked {
                try db.execute(
                    sql: "DELETE FROM sealed_keys WHERE user_id = ? AND device_id = ?", arguments: [userID, deviceID])
            }
            return revoked
        }
    }

    public func renameDevice(userID: String, deviceID: String, name: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE devices SET name = ? WHERE user_id = ? AND device_id = ?",
                arguments: [name, userID, deviceID])
            return db.changesCount == 1
        }
    }

    public func touchDevice(deviceID: String, at time: Int64) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE devices SET last_seen_at = ? WHERE device_id = ?", arguments: [time, deviceID])
        }
    }

    public func durabilityProblem() async throws -> String? {
        let level = try await pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        guard let level, level >= 2 else {
            return "the SQLite writer runs with synchronous = \(level ?? -1), not FULL (2): commits could be lost"
        }
        return nil
    }

    public func push(userID: String, items: [Wire.Item]) async throws -> Wire.PushResult {
        try await withCheckedThrowingContinuation { continuation in
            if commits.enqueue(userID: userID, items: items, continuation: continuation) {
                Task { await self.commitWaitingPushes() }
            }
        }
    }

    /// Commits every waiting push in one transaction (one fsync), each inside its own savepoint so that one
    /// refused push (a conflict) leaves the others to commit; repeats while pushes arrived meanwhile.
    func commitWaitingPushes() async {
        while let batch = commits.next() {
            do {
                let results = try await pool.write { db in
                    try batch.map { pending -> Result<Wire.PushResult, any Error> in
                        var result: Result<Wire.PushResult, any Error> = .failure(CancellationError())
                        do {
                            try db.inSavepoint {
                                result = .success(try Self.store(pending.items, userID: pending.userID, in: db))
                                return .commit
                            }
                        } catch let error as ServerError {
                            result = .failure(error)
                        }
                        return result
                    }
                }
                if results.contains(where: { (try? $0.get().replaced) != nil }) {
                    // SPEC §2.3: the replaced envelopes' old bytes leave the WAL too (secure_delete zeroed them in
                    // the database file). Best effort: a reader in the way leaves it for the next replace.
                    _ = try? await pool.writeWithoutTransaction { db in
                        try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
                    }
                }
                for (pending, result) in zip(batch, results) { pending.continuation.resume(with: result) }
            } catch {
                for pending in batch { pending.continuation.resume(throwing: error) }
            }
        }
    }

    /// One push inside the group's transaction.
    static func store(_ items: [Wire.Item], userID: String, in db: Database) throws -> Wire.PushResult {
        var plan = PushPlan()
        let lookup = try db.cachedStatement(
            sql: "SELECT seq, envelope, replaced FROM changes WHERE user_id = ? AND device = ? AND seq IN (?, ?)")
        for item in items {
            var stored: Data?
            var replaced = false
            var previousStored = false
            for row in try Row.fetchAll(lookup, arguments: [userID, item.device, item.seq - 1, item.seq]) {
                if row["seq"] as Int64 == item.seq {
                    stored = row["envelope"]
                    replaced = row["replaced"]
                } else {
                    previousStored = true
                }
            }
            try plan.add(item, stored: stored, storedIsReplacement: replaced, previousStored: previousStored)
        }
        let fresh = plan.fresh
        guard !fresh.isEmpty else { return Wire.PushResult(accepted: 0, duplicates: plan.duplicates) }
        let vacate = try db.cachedStatement(
            sql: """
                INSERT OR REPLACE INTO vacated(user_id, position, chain, device, seq)
                SELECT user_id, position, chain, device, seq FROM changes WHERE user_id = ? AND device = ? AND seq = ?
                """)
        let remove = try db.cachedStatement(sql: "DELETE FROM changes WHERE user_id = ? AND device = ? AND seq = ?")
        for item in fresh where plan.replacing.contains("\(item.device).\(item.seq)") {
            try vacate.execute(arguments: [userID, item.device, item.seq])
            try remove.execute(arguments: [userID, item.device, item.seq])
        }
        guard
            let head = try Row.fetchOne(
                db, sql: "SELECT next_position, chain_head, key_id FROM users WHERE id = ?", arguments: [userID])
        else { throw ServerError(.unauthorized, "the account no longer exists") }
        try PushPlan.checkKeys(fresh, current: UInt32(truncatingIfNeeded: head["key_id"] as Int64))
        var position: Int64 = head["next_position"]
        var chain: Data = head["chain_head"]
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO changes(user_id, position, device, seq, envelope, chain, replaced) VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
        for item in fresh {
            position += 1
            chain = LogChain.next(chain, device: item.device, seq: item.seq, envelope: item.envelope)
            try insert.execute(
                arguments: [userID, position, item.device, item.seq, item.envelope, chain, item.replace == true])
        }
        try db.execute(
            sql: "UPDATE users SET next_position = ?, chain_head = ? WHERE id = ?",
            arguments: [position, chain, userID])
        return Wire.PushResult(
            accepted: fresh.count, duplicates: plan.duplicates,
            replaced: plan.replacing.isEmpty ? nil : plan.replacing.count)
    }

    public func latestPosition(userID: String) async throws -> Int64 {
        try await pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT next_position FROM users WHERE id = ?", arguments: [userID]) ?? 0
        }
    }

    public func pull(userID: String, after position: Int64, limit: Int, maxBytes: Int) async throws -> StoredPage {
        try await pool.read { db in
            let afterChain =
                position == 0
                ? LogChain.origin
                : try Data.fetchOne(
                    db,
                    sql: """
                        SELECT chain FROM changes WHERE user_id = ?1 AND position = ?2
                        UNION ALL SELECT chain FROM vacated WHERE user_id = ?1 AND position = ?2
                        """,
                    arguments: [userID, position])
            let cursor = try Row.fetchCursor(
                db,
                sql: """
                    SELECT position, device, seq, envelope, chain FROM changes WHERE user_id = ? AND position > ?
                    ORDER BY position LIMIT ?
                    """,
                arguments: [userID, position, limit + 1])
            var page: [StoredChange] = []
            var bytes = 0
            while let row = try cursor.next() {
                let change = StoredChange(
                    position: row["position"], device: row["device"], seq: row["seq"], envelope: row["envelope"],
                    chain: row["chain"])
                if page.count == limit || (!page.isEmpty && bytes + change.envelope.count > maxBytes) {
                    return StoredPage(changes: page, hasMore: true, afterChain: afterChain)
                }
                bytes += change.envelope.count
                page.append(change)
            }
            return StoredPage(changes: page, hasMore: false, afterChain: afterChain)
        }
    }

    public func recordPull(deviceID: String, position: Int64, sent: Int64) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO device_pulls(device_id, position, sent_to) VALUES (?, ?, ?)
                    ON CONFLICT(device_id) DO UPDATE SET position = max(position, excluded.position),
                        sent_to = max(sent_to, excluded.sent_to)
                    """, arguments: [deviceID, position, sent])
        }
    }

    public func exposure(userID: String, deviceID: String) async throws -> (sentTo: Int64?, ranges: [Wire.HeldRange]) {
        try await pool.read { db in
            let sent = try Int64.fetchOne(
                db, sql: "SELECT max(position, sent_to) FROM device_pulls WHERE device_id = ?", arguments: [deviceID])
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT device, min(seq) AS first, max(seq) AS last FROM (
                        SELECT device, seq, seq - row_number() OVER (PARTITION BY device ORDER BY seq) AS run FROM (
                            SELECT device, seq FROM changes WHERE user_id = ?1 AND (position <= ?2 OR device = ?3)
                            UNION SELECT device, seq FROM vacated
                                WHERE user_id = ?1 AND position <= ?2 AND device IS NOT NULL))
                    GROUP BY device, run ORDER BY device, first
                    """, arguments: [userID, sent ?? 0, deviceID])
            return (sent, rows.map { Wire.HeldRange(device: $0["device"], first: $0["first"], last: $0["last"]) })
        }
    }

    public func rotateKey(userID: String, rotation: Wire.KeyRotation, at time: Int64) async throws {
        try await pool.write { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT key_id, wrapped_key FROM users WHERE id = ?", arguments: [userID])
            else { throw ServerError(.unauthorized, "the account no longer exists") }
            let current = UInt32(truncatingIfNeeded: row["key_id"] as Int64)
            if current == rotation.keyID, row["wrapped_key"] as Data == rotation.wrappedKey { return }
            guard rotation.keyID == current &+ 1 else {
                throw ServerError(
                    .conflict,
                    "the account's journal key is now \(current): another laptop rotated it first (key \(rotation.keyID) "
                        + "was not made); sync to pick it up")
            }
            try db.execute(
                sql: "UPDATE users SET key_id = ?, wrapped_key = ? WHERE id = ?",
                arguments: [Int64(rotation.keyID), rotation.wrappedKey, userID])
            if let recovery = rotation.recoveryPublicKey {
                try db.execute(
                    sql: "UPDATE users SET recovery_public_key = coalesce(recovery_public_key, ?) WHERE id = ?",
                    arguments: [recovery, userID])
            }
            try db.execute(sql: "DELETE FROM journal_keys WHERE user_id = ?", arguments: [userID])
            try db.execute(sql: "DELETE FROM sealed_keys WHERE user_id = ?", arguments: [userID])
            try db.execute(
                sql: "INSERT INTO journal_keys(user_id, key_id, recovery_sealed, created_at) VALUES (?, ?, ?, ?)",
                arguments: [userID, Int64(rotation.keyID), rotation.recoverySealed, time])
            let seal = try db.makeStatement(
                sql: """
                    INSERT INTO sealed_keys(user_id, key_id, device_id, sealed)
                    SELECT ?, ?, device_id, ? FROM devices WHERE device_id = ? AND user_id = ? AND revoked = 0
                    """)
            for device in rotation.devices {
                try seal.execute(arguments: [userID, Int64(rotation.keyID), device.sealed, device.deviceID, userID])
            }
        }
    }

    public func currentKey(userID: String, deviceID: String) async throws -> Wire.CurrentKey {
        try await pool.read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT key_id, wrapped_key, recovery_public_key FROM users WHERE id = ?",
                    arguments: [userID])
            else { throw ServerError(.unauthorized, "the account no longer exists") }
            let keyID: Int64 = row["key_id"]
            let sealed = try Data.fetchOne(
                db, sql: "SELECT sealed FROM sealed_keys WHERE user_id = ? AND key_id = ? AND device_id = ?",
                arguments: [userID, keyID, deviceID])
            let devices = try Row.fetchAll(
                db,
                sql: """
                    SELECT d.device_id, k.public_key FROM devices d JOIN device_public_keys k ON k.device_id = d.device_id
                    WHERE d.user_id = ? AND d.revoked = 0 ORDER BY d.device_id
                    """, arguments: [userID]
            ).map { Wire.DevicePublicKey(deviceID: $0["device_id"], publicKey: $0["public_key"]) }
            return Wire.CurrentKey(
                keyID: UInt32(truncatingIfNeeded: keyID), wrappedKey: row["wrapped_key"], sealed: sealed,
                recoveryPublicKey: row["recovery_public_key"], devices: devices)
        }
    }

    public func setDevicePublicKey(deviceID: String, publicKey: Data) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO device_public_keys(device_id, public_key) VALUES (?, ?)
                    ON CONFLICT(device_id) DO UPDATE SET public_key = excluded.public_key
                    """, arguments: [deviceID, publicKey])
        }
    }

    public func setRecoveryPublicKey(userID: String, publicKey: Data) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE users SET recovery_public_key = coalesce(recovery_public_key, ?) WHERE id = ?",
                arguments: [publicKey, userID])
        }
    }

    public func recoverySealed(userID: String) async throws -> Data? {
        try await pool.read { db in
            try Data.fetchOne(
                db,
                sql: """
                    SELECT k.recovery_sealed FROM journal_keys k JOIN users u ON u.id = k.user_id AND u.key_id = k.key_id
                    WHERE k.user_id = ?
                    """, arguments: [userID])
        }
    }

    public func pulledPositions(userID: String) async throws -> [String: Int64] {
        try await pool.read { db in
            Dictionary(
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT p.device_id, p.position FROM device_pulls p JOIN devices d ON d.device_id = p.device_id
                        WHERE d.user_id = ?
                        """, arguments: [userID]
                ).map { ($0["device_id"], $0["position"]) }, uniquingKeysWith: { max($0, $1) })
        }
    }

    public func held(userID: String) async throws -> [Wire.HeldRange] {
        try await pool.read { db in
            // Gaps and islands: within a run of consecutive seqs, seq minus its rank is constant.
            try Row.fetchAll(
                db,
                sql: """
                    SELECT device, min(seq) AS first, max(seq) AS last FROM (
                        SELECT device, seq, seq - row_number() OVER (PARTITION BY device ORDER BY seq) AS run
                        FROM changes WHERE user_id = ?)
                    GROUP BY device, run ORDER BY device, first
                    """, arguments: [userID]
            ).map { Wire.HeldRange(device: $0["device"], first: $0["first"], last: $0["last"]) }
        }
    }
}

/// Pushes waiting to be committed together: the first to arrive while no commit runs starts one; those arriving
/// during it wait for the next, which takes them all.
final class GroupCommit: @unchecked Sendable {
    struct Pending {
        let userID: String
        let items: [Wire.Item]
        let continuation: CheckedContinuation<Wire.PushResult, any Error>
    }

    private let lock = NSLock()
    private var waiting: [Pending] = []
    private var running = false

    /// Queues a push; true if the caller must start the committing task.
    func enqueue(
        userID: String, items: [Wire.Item], continuation: CheckedContinuation<Wire.PushResult, any Error>
    ) -> Bool {
        lock.withLock {
            waiting.append(Pending(userID: userID, items: items, continuation: continuation))
            if running { return false }
            running = true
            return true
        }
    }

    /// The pushes to commit next, or nil (and the committing task ends) when none wait.
    func next() -> [Pending]? {
        lock.withLock {
            guard !waiting.isEmpty else {
                running = false
                return nil
            }
            defer { waiting = [] }
            return waiting
        }
    }
}
