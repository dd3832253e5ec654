import AllyProtocol
import Foundation
import Logging
import NIOSSL
import PostgresNIO

/// The scale-out backend: the same contract as `SQLiteServerStore` on PostgreSQL, so several stateless
/// ally-server processes can share one database.
public final class PostgresServerStore: ServerStore {
    let client: PostgresClient
    let runner: Task<Void, Never>
    let logger = Logger(label: "ally-server.postgres")

    /// Connects to `postgres://user[:password]@host[:port]/database[?sslmode=…&sslrootcert=…]`.
    public init(url: String) throws {
        guard let components = URLComponents(string: url), let host = components.host, let user = components.user else {
            throw ServerError(
                .badRequest,
                "the database URL must look like postgres://user[:password]@host[:port]/database[?sslmode=verify-full&sslrootcert=ca.pem]"
            )
        }
        let database = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        let configuration = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: user, password: components.password,
            database: database.isEmpty ? user : database, tls: try Self.tls(from: components.queryItems ?? []))
        let client = PostgresClient(configuration: configuration)
        self.client = client
        runner = Task { await client.run() }
    }

    deinit { runner.cancel() }

    /// TLS as libpq users write it in the URL: `sslmode` disable, prefer (the default, as in libpq), require
    /// (encrypted, certificate not checked), verify-ca (signed by `sslrootcert`, any host name) or verify-full
    /// (signed, and for this host); `sslrootcert` names the PEM file of the authorities to trust (else the system's).
    static func tls(from query: [URLQueryItem]) throws -> PostgresClient.Configuration.TLS {
        let values = Dictionary(query.map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        for name in values.keys where !["sslmode", "sslrootcert"].contains(name) {
            throw ServerError(.badRequest, "the database URL has an unknown parameter '\(name)' (sslmode, sslrootcert)")
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        if let file = values["sslrootcert"] {
            guard FileManager.default.isReadableFile(atPath: file) else {
                throw ServerError(.badRequest, "sslrootcert \(file) cannot be read")
            }
            tls.trustRoots = .file(file)
        }
        switch values["sslmode"] ?? "prefer" {
        case "disable": return .disable
        case "allow", "prefer":
            tls.certificateVerification = .none
            return .prefer(tls)
        case "require":
            // As in libpq, a root certificate given with `require` means verify-ca.
            tls.certificateVerification = values["sslrootcert"] == nil ? .none : .noHostnameVerification
            return .require(tls)
        case "verify-ca":
            tls.certificateVerification = .noHostnameVerification
            return .require(tls)
        case "verify-full":
            tls.certificateVerification = .fullVerification
            return .require(tls)
        case let mode:
            throw ServerError(
                .badRequest, "sslmode '\(mode)' is not one of disable, allow, prefer, require, verify-ca, verify-full")
        }
    }

    /// Runs `body` in a transaction, surfacing the ally error a failed transaction wraps, and a unique-key
    /// violation (a race with another server process) as a conflict.
    func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        } catch let error as PostgresTransactionError {
            if let inner = error.closureError as? ServerError { throw inner }
            if let inner = error.closureError as? PSQLError, inner.serverInfo?[.sqlState] == "23505" {
                throw ServerError(.conflict, "a concurrent request stored the same record first; retry")
            }
            throw error
        }
    }

    public func migrate() async throws {
        try await client.withConnection { connection in
            _ = try await connection.query("SELECT pg_advisory_lock(7744101)", logger: logger)
            defer {
                Task { [logger] in _ = try? await connection.query("SELECT pg_advisory_unlock(7744101)", logger: logger)
                }
            }
            for statement in [
                "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BYTEA NOT NULL)",
                """
                CREATE TABLE IF NOT EXISTS users (
                    id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, salt BYTEA NOT NULL, auth_hash TEXT NOT NULL,
                    key_id BIGINT NOT NULL, wrapped_key BYTEA NOT NULL, recovery_auth_hash TEXT NOT NULL,
                    recovery_wrapped_key BYTEA NOT NULL, created_at BIGINT NOT NULL, next_position BIGINT NOT NULL DEFAULT 0)
                """,
                """
                CREATE TABLE IF NOT EXISTS invites (
                    code_hash TEXT PRIMARY KEY, created_at BIGINT NOT NULL, used_by TEXT, used_at BIGINT)
                """,
                """
                CREATE TABLE IF NOT EXISTS devices (
                    device_id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id), name TEXT NOT NULL,
                    token_hash TEXT NOT NULL UNIQUE, created_at BIGINT NOT NULL, last_seen_at BIGINT NOT NULL,
                    revoked BOOLEAN NOT NULL DEFAULT FALSE)
                """,
                """
                CREATE TABLE IF NOT EXISTS changes (
                    user_id TEXT NOT NULL REFERENCES users(id), position BIGINT NOT NULL, device TEXT NOT NULL,
                    seq BIGINT NOT NULL, envelope BYTEA NOT NULL, PRIMARY KEY (user_id, device, seq),
                    UNIQUE (user_id, position))
                """,
                // The hash chain over each user's log (SPEC §9.1); older databases get it below.
                "ALTER TABLE changes ADD COLUMN IF NOT EXISTS chain BYTEA",
                "ALTER TABLE users ADD COLUMN IF NOT EXISTS chain_head BYTEA",
                // SPEC §2.3: the chain at positions replaced changes left, and how far each device has pulled.
                """
                CREATE TABLE IF NOT EXISTS vacated (
                    user_id TEXT NOT NULL, position BIGINT NOT NULL, chain BYTEA NOT NULL, PRIMARY KEY (user_id, position))
                """,
                "CREATE TABLE IF NOT EXISTS device_pulls (device_id TEXT PRIMARY KEY, position BIGINT NOT NULL)",
                "ALTER TABLE changes ADD COLUMN IF NOT EXISTS replaced BOOLEAN NOT NULL DEFAULT FALSE",
                // Key rotation (SPEC §8.1) and the report after a loss.
                """
                CREATE TABLE IF NOT EXISTS journal_keys (
                    user_id TEXT NOT NULL, key_id BIGINT NOT NULL, recovery_sealed BYTEA NOT NULL,
                    created_at BIGINT NOT NULL, PRIMARY KEY (user_id, key_id))
                """,
                """
                CREATE TABLE IF NOT EXISTS sealed_keys (
                    user_id TEXT NOT NULL, key_id BIGINT NOT NULL, device_id TEXT NOT NULL, sealed BYTEA NOT NULL,
                    PRIMARY KEY (user_id, key_id, device_id))
                """,
                "CREATE TABLE IF NOT EXISTS device_public_keys (device_id TEXT PRIMARY KEY, public_key BYTEA NOT NULL)",
                "ALTER TABLE users ADD COLUMN IF NOT EXISTS recovery_public_key BYTEA",
                "ALTER TABLE vacated ADD COLUMN IF NOT EXISTS device TEXT",
                "ALTER TABLE vacated ADD COLUMN IF NOT EXISTS seq BIGINT",
                "ALTER TABLE device_pulls ADD COLUMN IF NOT EXISTS sent_to BIGINT NOT NULL DEFAULT 0",
            ] {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
            var pending: [String] = []
            for try await id in try await connection.query(
                "SELECT id FROM users WHERE chain_head IS NULL", logger: logger
            ).decode(String.self) {
                pending.append(id)
            }
            for user in pending { try await computeChain(userID: user) }
        }
    }

    /// Computes the chain of a user's changes stored before chains existed.
    func computeChain(userID: String) async throws {
        try await transaction { connection in
            _ = try await connection.query("SELECT 1 FROM users WHERE id = \(userID) FOR UPDATE", logger: logger)
            var rows: [(Int64, String, Int64, Data)] = []
            for try await row in try await connection.query(
                "SELECT position, device, seq, envelope FROM changes WHERE user_id = \(userID) ORDER BY position",
                logger: logger
            ).decode((Int64, String, Int64, Data).self) {
                rows.append(row)
            }
            var chain = LogChain.origin
            for (position, device, seq, envelope) in rows {
                chain = LogChain.next(chain, device: device, seq: seq, envelope: envelope)
                try await connection.query(
                    "UPDATE changes SET chain = \(chain) WHERE user_id = \(userID) AND position = \(position)",
                    logger: logger)
            }
            try await connection.query(
                "UPDATE users SET chain_head = \(chain) WHERE id = \(userID)", logger: logger)
        }
    }

    public func durabilityProblem() async throws -> String? {
        for try await setting in try await client.query("SHOW synchronous_commit", logger: logger).decode(
            String.self)
        {
            // on, local, remote_write and remote_apply all flush the commit to this server's disk first.
            guard setting != "off" else {
                return
                    "PostgreSQL runs with synchronous_commit = off: acknowledged pushes could be lost; set it to on"
            }
        }
        return nil
    }

    public func serverSecret() async throws -> Data {
        let fresh = secureRandomBytes(32)
        try await client.query(
            "INSERT INTO meta(key, value) VALUES ('secret', \(fresh)) ON CONFLICT (key) DO NOTHING", logger: logger)
        for try await value in try await client.query("SELECT value FROM meta WHERE key = 'secret'", logger: logger)
            .decode(Data.self)
        {
            return value
        }
        throw ServerError(.unavailable, "the server secret is missing")
    }

    public func createUser(_ user: UserRecord, inviteHash: String?) async throws {
        try await transaction { connection in
            // The invite first, as on SQLite: without a valid one the answer does not depend on the name.
            if let inviteHash {
                var used = 0
                for try await _ in try await connection.query(
                    """
                    UPDATE invites SET used_by = \(user.id), used_at = \(user.createdAt)
                    WHERE code_hash = \(inviteHash) AND used_by IS NULL RETURNING code_hash
                    """, logger: logger)
                {
                    used += 1
                }
                guard used == 1 else { throw ServerError(.forbidden, "the invite code is unknown or already used") }
            }
            for try await _ in try await connection.query(
                "SELECT 1 FROM users WHERE username = \(user.username)", logger: logger)
            {
                throw ServerError(.conflict, "the username '\(user.username)' is taken")
            }
            try await connection.query(
                """
                INSERT INTO users(id, username, salt, auth_hash, key_id, wrapped_key, recovery_auth_hash,
                    recovery_wrapped_key, created_at, chain_head)
                VALUES (\(user.id), \(user.username), \(user.salt), \(user.authHash), \(Int64(user.keyID)),
                    \(user.wrappedKey), \(user.recoveryAuthHash), \(user.recoveryWrappedKey), \(user.createdAt),
                    \(LogChain.origin))
                """, logger: logger)
        }
    }

    func fetchUser(_ query: PostgresQuery) async throws -> UserRecord? {
        let rows = try await client.query(query, logger: logger)
        for try await (id, username, salt, authHash, keyID, wrappedKey, recoveryHash, recoveryKey, createdAt)
            in rows.decode(
                (String, String, Data, String, Int64, Data, String, Data, Int64).self)
        {
            return UserRecord(
                id: id, username: username, salt: salt, authHash: authHash, keyID: UInt32(truncatingIfNeeded: keyID),
                wrappedKey: wrappedKey, recoveryAuthHash: recoveryHash, recoveryWrappedKey: recoveryKey,
                createdAt: createdAt)
        }
        return nil
    }

    public func user(named username: String) async throws -> UserRecord? {
        try await fetchUser(
            """
            SELECT id, username, salt, auth_hash, key_id, wrapped_key, recovery_auth_hash, recovery_wrapped_key, created_at
            FROM users WHERE username = \(username)
            """)
    }

    public func user(id: String) async throws -> UserRecord? {
        try await fetchUser(
            """
            SELECT id, username, salt, auth_hash, key_id, wrapped_key, recovery_auth_hash, recovery_wrapped_key, created_at
            FROM users WHERE id = \(id)
            """)
    }

    public func updateCredentials(userID: String, salt: Data, authHash: String, wrappedKey: Data) async throws {
        try await client.query(
            "UPDATE users SET salt = \(salt), auth_hash = \(authHash), wrapped_key = \(wrappedKey) WHERE id = \(userID)",
            logger: logger)
    }

    public func createInvite(codeHash: String, at time: Int64) async throws {
        try await client.query(
            "INSERT INTO invites(code_hash, created_at) VALUES (\(codeHash), \(time))", logger: logger)
    }

    public func saveDevice(_ device: DeviceRecord) async throws {
        try await transaction { connection in
            // One statement decides: a new device id is inserted; a known one is updated only if it is this
            // user's. (A `SELECT … FOR UPDATE` beforehand locks nothing when the row does not exist yet, so two
            // users logging in at once with one new device id both passed it, and the second one's token then
            // opened the first one's account.)
            var saved = false
            for try await _ in try await connection.query(
                """
                INSERT INTO devices(device_id, user_id, name, token_hash, created_at, last_seen_at, revoked)
                VALUES (\(device.deviceID), \(device.userID), \(device.name), \(device.tokenHash), \(device.createdAt),
                    \(device.lastSeenAt), FALSE)
                ON CONFLICT (device_id) DO UPDATE SET name = EXCLUDED.name, token_hash = EXCLUDED.token_hash,
                    last_seen_at = EXCLUDED.last_seen_at, revoked = FALSE
                    WHERE devices.user_id = EXCLUDED.user_id
                RETURNING device_id
                """, logger: logger
            ).decode(String.self) {
                saved = true
            }
            guard saved else {
                throw ServerError(
                    .conflict, "this device id belongs to another account; use a new journal for this account")
            }
        }
    }

    func fetchDevices(_ query: PostgresQuery) async throws -> [DeviceRecord] {
        var devices: [DeviceRecord] = []
        for try await (deviceID, userID, name, tokenHash, createdAt, lastSeenAt, revoked) in try await client.query(
            query, logger: logger
        )
        .decode((String, String, String, String, Int64, Int64, Bool).self) {
            devices.append(
                DeviceRecord(
                    deviceID: deviceID, userID: userID, name: name, tokenHash: tokenHash, createdAt: createdAt,
                    lastSeenAt: lastSeenAt, revoked: revoked))
        }
        return devices
    }

    public func device(tokenHash: String) async throws -> DeviceRecord? {
        try await fetchDevices(
            "SELECT device_id, user_id, name, token_hash, created_at, last_seen_at, revoked FROM devices WHERE token_hash = \(tokenHash)"
        ).first
    }

    public func devices(userID: String) async throws -> [DeviceRecord] {
        try await fetchDevices(
            """
            SELECT device_id, user_id, name, token_hash, created_at, last_seen_at, revoked FROM devices
            WHERE user_id = \(userID) ORDER BY created_at, device_id
            """)
    }

    public func revokeDevice(userID: String, deviceID: String) async throws -> Bool {
        var count = 0
        for try await _ in try await client.query(
            """
            UPDATE devices SET revoked = TRUE, token_hash = 'revoked:' || device_id
            WHERE user_id = \(userID) AND device_id = \(deviceID) RETURNING device_id
            """, logger: logger)
        {
            count += 1
        }
        if count == 1 {
            // A revoked laptop keeps no sealed copy of the journal key (SPEC §8.1).
            try await client.query(
                "DELETE FROM sealed_keys WHERE user_id = \(userID) AND device_id = \(deviceID)", logger: logger)
        }
        return count == 1
    }

    public func renameDevice(userID: String, deviceID: String, name: String) async throws -> Bool {
        var count = 0
        for try await _ in try await client.query(
            """
            UPDATE devices SET name = \(name) WHERE user_id = \(userID) AND device_id = \(deviceID) RETURNING device_id
            """, logger: logger)
        {
            count += 1
        }
        return count == 1
    }

    public func touchDevice(deviceID: String, at time: Int64) async throws {
        try await client.query(
            "UPDATE devices SET last_seen_at = \(time) WHERE device_id = \(deviceID)", logger: logger)
    }

    public func push(userID: String, items: [Wire.Item]) async throws -> Wire.PushResult {
        try await transaction { connection in
            // The user's row lock orders concurrent pushes, so positions commit in order and no pull skips one.
            var start: Int64 = 0
            var chain = LogChain.origin
            var currentKey: UInt32 = 1
            for try await (position, head, keyID) in try await connection.query(
                "SELECT next_position, chain_head, key_id FROM users WHERE id = \(userID) FOR UPDATE", logger: logger
            ).decode((Int64, Data?, Int64).self) {
                start = position
                chain = head ?? LogChain.origin
                currentKey = UInt32(truncatingIfNeeded: keyID)
            }
            var plan = PushPlan()
            for item in items {
                var stored: Data?
                var replaced = false
                var previousStored = false
                for try await (seq, envelope, wasReplaced) in try await connection.query(
                    """
                    SELECT seq, envelope, replaced FROM changes
                    WHERE user_id = \(userID) AND device = \(item.device) AND seq IN (\(item.seq - 1), \(item.seq))
                    """,
                    logger: logger
                ).decode((Int64, Data, Bool).self) {
                    if seq == item.seq {
                        stored = envelope
                        replaced = wasReplaced
                    } else {
                        previousStored = true
                    }
                }
                try plan.add(item, stored: stored, storedIsReplacement: replaced, previousStored: previousStored)
            }
            let fresh = plan.fresh
            let duplicates = plan.duplicates
            try PushPlan.checkKeys(fresh, current: currentKey)
            for item in fresh where plan.replacing.contains("\(item.device).\(item.seq)") {
                try await connection.query(
                    """
                    INSERT INTO vacated(user_id, position, chain, device, seq)
                    SELECT user_id, position, chain, device, seq FROM changes
                    WHERE user_id = \(userID) AND device = \(item.device) AND seq = \(item.seq) AND chain IS NOT NULL
                    ON CONFLICT (user_id, position) DO UPDATE
                        SET chain = EXCLUDED.chain, device = EXCLUDED.device, seq = EXCLUDED.seq
                    """, logger: logger)
                try await connection.query(
                    "DELETE FROM changes WHERE user_id = \(userID) AND device = \(item.device) AND seq = \(item.seq)",
                    logger: logger)
            }
            var position = start
            for item in fresh {
                position += 1
                chain = LogChain.next(chain, device: item.device, seq: item.seq, envelope: item.envelope)
                try await connection.query(
                    """
                    INSERT INTO changes(user_id, position, device, seq, envelope, chain, replaced)
                    VALUES (\(userID), \(position), \(item.device), \(item.seq), \(item.envelope), \(chain),
                        \(item.replace == true))
                    """, logger: logger)
            }
            if !fresh.isEmpty {
                try await connection.query(
                    "UPDATE users SET next_position = \(position), chain_head = \(chain) WHERE id = \(userID)",
                    logger: logger)
            }
            return Wire.PushResult(
                accepted: fresh.count, duplicates: duplicates,
                replaced: plan.replacing.isEmpty ? nil : plan.replacing.count)
        }
    }

    public func latestPosition(userID: String) async throws -> Int64 {
        for try await position in try await client.query(
            "SELECT next_position FROM users WHERE id = \(userID)", logger: logger
        ).decode(Int64.self) {
            return position
        }
        return 0
    }

    public func pull(userID: String, after position: Int64, limit: Int, maxBytes: Int) async throws -> StoredPage {
        var afterChain: Data? = position == 0 ? LogChain.origin : nil
        if position > 0 {
            for try await chain in try await client.query(
                """
                SELECT chain FROM changes WHERE user_id = \(userID) AND position = \(position)
                UNION ALL SELECT chain FROM vacated WHERE user_id = \(userID) AND position = \(position)
                """, logger: logger
            ).decode(Data?.self) {
                afterChain = chain
            }
        }
        var page: [StoredChange] = []
        var bytes = 0
        for try await (position, device, seq, envelope, chain) in try await client.query(
            """
            SELECT position, device, seq, envelope, chain FROM changes WHERE user_id = \(userID) AND position > \(position)
            ORDER BY position LIMIT \(limit + 1)
            """, logger: logger
        ).decode((Int64, String, Int64, Data, Data?).self) {
            let change = StoredChange(
                position: position, device: device, seq: seq, envelope: envelope, chain: chain ?? Data())
            if page.count == limit || (!page.isEmpty && bytes + envelope.count > maxBytes) {
                return StoredPage(changes: page, hasMore: true, afterChain: afterChain)
            }
            bytes += envelope.count
            page.append(change)
        }
        return StoredPage(changes: page, hasMore: false, afterChain: afterChain)
    }

    public func recordPull(deviceID: String, position: Int64, sent: Int64) async throws {
        try await client.query(
            """
            INSERT INTO device_pulls(device_id, position, sent_to) VALUES (\(deviceID), \(position), \(sent))
            ON CONFLICT (device_id) DO UPDATE SET position = GREATEST(device_pulls.position, EXCLUDED.position),
                sent_to = GREATEST(device_pulls.sent_to, EXCLUDED.sent_to)
            """, logger: logger)
    }

    public func exposure(userID: String, deviceID: String) async throws -> (sentTo: Int64?, ranges: [Wire.HeldRange]) {
        var sent: Int64?
        for try await value in try await client.query(
            "SELECT GREATEST(position, sent_to) FROM device_pulls WHERE device_id = \(deviceID)", logger: logger
        ).decode(Int64.self) {
            sent = value
        }
        let upTo = sent ?? 0
        var ranges: [Wire.HeldRange] = []
        for try await (device, first, last) in try await client.query(
            """
            SELECT device, min(seq), max(seq) FROM (
                SELECT device, seq, seq - row_number() OVER (PARTITION BY device ORDER BY seq) AS run FROM (
                    SELECT device, seq FROM changes WHERE user_id = \(userID) AND (position <= \(upTo) OR device = \(deviceID))
                    UNION SELECT device, seq FROM vacated
                        WHERE user_id = \(userID) AND position <= \(upTo) AND device IS NOT NULL) AS held) AS runs
            GROUP BY device, run ORDER BY device, min(seq)
            """, logger: logger
        ).decode((String, Int64, Int64).self) {
            ranges.append(Wire.HeldRange(device: device, first: first, last: last))
        }
        return (sent, ranges)
    }

    public func rotateKey(userID: String, rotation: Wire.KeyRotation, at time: Int64) async throws {
        try await transaction { connection in
            var current: UInt32?
            var wrapped = Data()
            for try await (keyID, wrappedKey) in try await connection.query(
                "SELECT key_id, wrapped_key FROM users WHERE id = \(userID) FOR UPDATE", logger: logger
            ).decode((Int64, Data).self) {
                current = UInt32(truncatingIfNeeded: keyID)
                wrapped = wrappedKey
            }
            guard let current else { throw ServerError(.unauthorized, "the account no longer exists") }
            if current == rotation.keyID, wrapped == rotation.wrappedKey { return }
            guard rotation.keyID == current &+ 1 else {
                throw ServerError(
                    .conflict,
                    "the account's journal key is now \(current): another laptop rotated it first (key \(rotation.keyID) "
                        + "was not made); sync to pick it up")
            }
            let keyID = Int64(rotation.keyID)
            try await connection.query(
                "UPDATE users SET key_id = \(keyID), wrapped_key = \(rotation.wrappedKey) WHERE id = \(userID)",
                logger: logger)
            if let recovery = rotation.recoveryPublicKey {
                try await connection.query(
                    "UPDATE users SET recovery_public_key = coalesce(recovery_public_key, \(recovery)) WHERE id = \(userID)",
                    logger: logger)
            }
            try await connection.query("DELETE FROM journal_keys WHERE user_id = \(userID)", logger: logger)
            try await connection.query("DELETE FROM sealed_keys WHERE user_id = \(userID)", logger: logger)
            try await connection.query(
                """
                INSERT INTO journal_keys(user_id, key_id, recovery_sealed, created_at)
                VALUES (\(userID), \(keyID), \(rotation.recoverySealed), \(time))
                """, logger: logger)
            for device in rotation.devices {
                try await connection.query(
                    """
                    INSERT INTO sealed_keys(user_id, key_id, device_id, sealed)
                    SELECT \(userID), \(keyID), device_id, \(device.sealed) FROM devices
                    WHERE device_id = \(device.deviceID) AND user_id = \(userID) AND NOT revoked
                    """, logger: logger)
            }
        }
    }

    public func currentKey(userID: String, deviceID: String) async throws -> Wire.CurrentKey {
        var found: (Int64, Data, Data?)?
        for try await row in try await client.query(
            "SELECT key_id, wrapped_key, recovery_public_key FROM users WHERE id = \(userID)", logger: logger
        ).decode((Int64, Data, Data?).self) {
            found = row
        }
        guard let (keyID, wrapped, recovery) = found else {
            throw ServerError(.unauthorized, "the account no longer exists")
        }
        var sealed: Data?
        for try await value in try await client.query(
            """
            SELECT sealed FROM sealed_keys WHERE user_id = \(userID) AND key_id = \(keyID) AND device_id = \(deviceID)
            """, logger: logger
        ).decode(Data.self) {
            sealed = value
        }
        var devices: [Wire.DevicePublicKey] = []
        for try await (device, key) in try await client.query(
            """
            SELECT d.device_id, k.public_key FROM devices d JOIN device_public_keys k ON k.device_id = d.device_id
            WHERE d.user_id = \(userID) AND NOT d.revoked ORDER BY d.device_id
            """, logger: logger
        ).decode((String, Data).self) {
            devices.append(Wire.DevicePublicKey(deviceID: device, publicKey: key))
        }
        return Wire.CurrentKey(
            keyID: UInt32(truncatingIfNeeded: keyID), wrappedKey: wrapped, sealed: sealed, recoveryPublicKey: recovery,
            devices: devices)
    }

    public func setDevicePublicKey(deviceID: String, publicKey: Data) async throws {
        try await client.query(
            """
            INSERT INTO device_public_keys(device_id, public_key) VALUES (\(deviceID), \(publicKey))
            ON CONFLICT (device_id) DO UPDATE SET public_key = EXCLUDED.public_key
            """, logger: logger)
    }

    public func setRecoveryPublicKey(userID: String, publicKey: Data) async throws {
        try await client.query(
            "UPDATE users SET recovery_public_key = coalesce(recovery_public_key, \(publicKey)) WHERE id = \(userID)",
            logger: logger)
    }

    public func recoverySealed(userID: String) async throws -> Data? {
        for try await sealed in try await client.query(
            """
            SELECT k.recovery_sealed FROM journal_keys k JOIN users u ON u.id = k.user_id AND u.key_id = k.key_id
            WHERE k.user_id = \(userID)
            """, logger: logger
        ).decode(Data.self) {
            return sealed
        }
        return nil
    }

    public func pulledPositions(userID: String) async throws -> [String: Int64] {
        var positions: [String: Int64] = [:]
        for try await (device, position) in try await client.query(
            """
            SELECT p.device_id, p.position FROM device_pulls p JOIN devices d ON d.device_id = p.device_id
            WHERE d.user_id = \(userID)
            """, logger: logger
        ).decode((String, Int64).self) {
            positions[device] = position
        }
        return positions
    }

    public func held(userID: String) async throws -> [Wire.HeldRange] {
        var ranges: [Wire.HeldRange] = []
        for try await (device, first, last) in try await client.query(
            """
            SELECT device, min(seq) AS first, max(seq) AS last FROM (
                SELECT device, seq, seq - row_number() OVER (PARTITION BY device ORDER BY seq) AS run
                FROM changes WHERE user_id = \(userID)) AS runs
            GROUP BY device, run ORDER BY device, first
            """, logger: logger
        ).decode((String, Int64, Int64).self) {
            ranges.append(Wire.HeldRange(device: device, first: first, last: last))
        }
        return ranges
    }
}
