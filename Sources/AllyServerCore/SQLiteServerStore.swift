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
    }

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
            if try Bool.fetchOne(
                db, sql: "SELECT EXISTS(SELECT 1 FROM users WHERE username = ?)", arguments: [user.username]) == true
            {
                throw ServerError(.conflict, "the username '\(user.username)' is taken")
            }
            if let inviteHash {
                try db.execute(
                    sql: "UPDATE invites SET used_by = ?, used_at = ? WHERE code_hash = ? AND used_by IS NULL",
                    arguments: [user.id, user.createdAt, inviteHash])
                guard db.changesCount == 1 else {
                    throw ServerError(.forbidden, "the invite code is unknown or already used")
                }
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
            return db.changesCount == 1
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

    public func push(userID: String, items: [Wire.Item]) async throws -> Wire.PushResult {
        try await pool.write { db in
            var plan = PushPlan()
            let lookup = try db.cachedStatement(
                sql: "SELECT envelope FROM changes WHERE user_id = ? AND device = ? AND seq = ?")
            for item in items {
                try plan.add(item, stored: try Data.fetchOne(lookup, arguments: [userID, item.device, item.seq]))
            }
            let fresh = plan.fresh
            let duplicates = plan.duplicates
            var accepted = 0
            guard !fresh.isEmpty else { return Wire.PushResult(accepted: 0, duplicates: duplicates) }
            try db.execute(
                sql: "UPDATE users SET next_position = next_position + ? WHERE id = ?",
                arguments: [fresh.count, userID])
            let last =
                try Int64.fetchOne(db, sql: "SELECT next_position FROM users WHERE id = ?", arguments: [userID]) ?? 0
            var position = last - Int64(fresh.count)
            let insert = try db.cachedStatement(
                sql: "INSERT INTO changes(user_id, position, device, seq, envelope) VALUES (?, ?, ?, ?, ?)")
            for item in fresh {
                position += 1
                try insert.execute(arguments: [userID, position, item.device, item.seq, item.envelope])
                accepted += 1
            }
            return Wire.PushResult(accepted: accepted, duplicates: duplicates)
        }
    }

    public func latestPosition(userID: String) async throws -> Int64 {
        try await pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT next_position FROM users WHERE id = ?", arguments: [userID]) ?? 0
        }
    }

    public func pull(userID: String, after position: Int64, limit: Int, maxBytes: Int) async throws
        -> (changes: [StoredChange], hasMore: Bool)
    {
        try await pool.read { db in
            let cursor = try Row.fetchCursor(
                db,
                sql:
                    "SELECT position, device, seq, envelope FROM changes WHERE user_id = ? AND position > ? ORDER BY position LIMIT ?",
                arguments: [userID, position, limit + 1])
            var page: [StoredChange] = []
            var bytes = 0
            while let row = try cursor.next() {
                let change = StoredChange(
                    position: row["position"], device: row["device"], seq: row["seq"], envelope: row["envelope"])
                if page.count == limit || (!page.isEmpty && bytes + change.envelope.count > maxBytes) {
                    return (page, true)
                }
                bytes += change.envelope.count
                page.append(change)
            }
            return (page, false)
        }
    }
}
