import AllyCore
import AllyProtocol
import Crypto
import Foundation

/// The server's logic without HTTP: accounts, devices, tokens and the change relay (DESIGN.md §7).
/// It never holds a passphrase, a journal key or a plaintext change.
public struct SyncService: Sendable {
    public let store: any ServerStore
    public let limits: Wire.Limits
    /// Whether anyone may register without an invite.
    public let openRegistration: Bool
    let limiter: LoginLimiter
    /// Growing delays after failed logins and recoveries (SPEC §9.3).
    let delays = FailureDelays()
    let clock: @Sendable () -> Int64
    /// The server secret, read from the store once and then held in memory.
    let secret = SecretCache()
    let pulls = PullPositions()

    public init(
        store: any ServerStore, limits: Wire.Limits = SyncService.defaultLimits, openRegistration: Bool = false,
        clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
    ) {
        self.store = store
        self.limits = limits
        self.openRegistration = openRegistration
        self.limiter = LoginLimiter(perMinute: limits.loginAttemptsPerMinute)
        self.clock = clock
    }

    public static let defaultLimits = Wire.Limits(
        maxBodyBytes: 8 << 20, maxPushChanges: 2_000, maxPageChanges: 2_000, maxPageBytes: 4 << 20,
        maxEnvelopeBytes: 1 << 20, loginAttemptsPerMinute: 10)

    /// Who a request is from, once its token checks out.
    public struct Caller: Sendable {
        public var userID: String
        public var deviceID: String
    }

    public func info() -> Wire.Info {
        Wire.Info(
            protocolVersion: 1, server: "ally-server 0.1.0", registration: openRegistration ? "open" : "invite",
            limits: limits)
    }

    static func checkUsername(_ name: String) throws {
        guard (3...64).contains(name.count),
            name.unicodeScalars.allSatisfy({
                CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyz0123456789._-").contains($0)
            })
        else { throw ServerError(.badRequest, "a username is 3–64 characters of a–z, 0–9, '.', '_' and '-'") }
    }

    static func checkLength(_ data: Data, _ count: ClosedRange<Int>, _ name: String) throws {
        guard count.contains(data.count) else {
            throw ServerError(.badRequest, "\(name) must be \(count.lowerBound)–\(count.upperBound) bytes")
        }
    }

    /// Creates an invite code (printed once; stored hashed).
    public func makeInvite() async throws -> String {
        let code = secureRandomBytes(12).hexString
        try await store.createInvite(codeHash: sha256Hex(Data(code.utf8)), at: clock())
        return code
    }

    public func register(_ request: Wire.Registration, from address: String) async throws -> Wire.Account {
        try await limiter.check("register:\(address)", now: clock())
        try Self.checkUsername(request.username)
        try Self.checkLength(request.salt, 16...64, "salt")
        try Self.checkLength(request.authKey, 32...32, "authKey")
        try Self.checkLength(request.recoveryAuthKey, 32...32, "recoveryAuthKey")
        try Self.checkLength(request.wrappedKey, 48...128, "wrappedKey")
        try Self.checkLength(request.recoveryWrappedKey, 48...128, "recoveryWrappedKey")
        if let key = request.recoveryPublicKey { try Self.checkLength(key, 32...32, "recoveryPublicKey") }
        var inviteHash: String?
        if !openRegistration {
            guard let invite = request.invite, !invite.isEmpty else {
                throw ServerError(
                    .forbidden, "this server needs an invite code to register (ask its admin for `ally-server invite`)")
            }
            inviteHash = sha256Hex(Data(invite.utf8))
        }
        // A retry of a registration that already succeeded (its answer lost, SPEC §9.2) gets the same answer: the
        // account exists with exactly these credentials, which only the first request's sender can know.
        if let existing = try await store.user(named: request.username), Self.isSameRegistration(existing, request) {
            return Wire.Account(userID: existing.id, username: existing.username)
        }
        let user = UserRecord(
            id: secureRandomBytes(16).hexString, username: request.username, salt: request.salt,
            authHash: sha256Hex(request.authKey), keyID: request.keyID, wrappedKey: request.wrappedKey,
            recoveryAuthHash: sha256Hex(request.recoveryAuthKey), recoveryWrappedKey: request.recoveryWrappedKey,
            createdAt: clock())
        do {
            try await store.createUser(user, inviteHash: inviteHash)
        } catch let error as ServerError where error.code == .conflict {
            // Two copies of one request racing: the one that lost finds the other's account.
            if let existing = try await store.user(named: request.username), Self.isSameRegistration(existing, request)
            {
                return Wire.Account(userID: existing.id, username: existing.username)
            }
            throw error
        }
        // The recovery key's public half (SPEC §8.1), for sealing the journal keys later rotations make.
        if let key = request.recoveryPublicKey { try await store.setRecoveryPublicKey(userID: user.id, publicKey: key) }
        return Wire.Account(userID: user.id, username: user.username)
    }

    /// Whether `user` was made by this very registration: same salt, auth key and recovery auth key.
    static func isSameRegistration(_ user: UserRecord, _ request: Wire.Registration) -> Bool {
        constantTimeEqual(user.authHash, sha256Hex(request.authKey))
            && constantTimeEqual(user.recoveryAuthHash, sha256Hex(request.recoveryAuthKey)) && user.salt == request.salt
    }

    /// The salt to derive keys with. Unknown usernames get a stable fake, so this does not reveal who exists; both
    /// paths do the same work (one user lookup, one HMAC with the secret held in memory), so neither does its time.
    public func prelogin(_ request: Wire.PreloginRequest) async throws -> Wire.Prelogin {
        try Self.checkUsername(request.username)
        let secret = SymmetricKey(data: try await serverSecret())
        let fake = Data(HMAC<SHA256>.authenticationCode(for: Data(request.username.utf8), using: secret)).prefix(16)
        let user = try await store.user(named: request.username)
        return Wire.Prelogin(salt: user?.salt ?? Data(fake), rounds: PassphraseKeys.rounds)
    }

    /// The server secret, from memory after the first read.
    func serverSecret() async throws -> Data {
        if let known = secret.value { return known }
        let value = try await store.serverSecret()
        secret.value = value
        return value
    }

    /// Failures allowed, first delay and ceiling (ms) per username, per client address, and per the pair.
    public static let usernamePolicy = FailureDelays.Policy(free: 5, firstDelay: 1_000, ceiling: 60_000)
    public static let addressPolicy = FailureDelays.Policy(free: 20, firstDelay: 1_000, ceiling: 300_000)
    public static let pairPolicy = FailureDelays.Policy(free: 5, firstDelay: 1_000, ceiling: 300_000)

    public func login(_ request: Wire.LoginRequest, from address: String) async throws -> Wire.Session {
        // Checked before anything keeps it (the delays' keys): a 7 MiB "username" is a 400, not memory.
        try Self.checkUsername(request.username)
        guard DeviceID(rawValue: request.deviceID) != nil else {
            throw ServerError(.badRequest, "deviceID must be 16 lowercase hex digits")
        }
        let now = clock()
        let name = request.username.lowercased()
        let keys = (user: "user:\(name)", address: "addr:\(address)", pair: "pair:\(name)|\(address)")
        let user = try await store.user(named: request.username)
        // A laptop the account already has (not revoked) is judged by its address alone: strangers' failures against
        // the name slow strangers, and never keep the owner's own laptops out (SPEC §9.3).
        // The same lookups whether or not the name exists, so the answer's time does not tell.
        let known = try await store.devices(userID: user?.id ?? "").contains {
            user != nil && $0.deviceID == request.deviceID && !$0.revoked
        }
        try await delays.check(known ? [keys.address, keys.pair] : [keys.address, keys.pair, keys.user], now: now)
        guard let user, constantTimeEqual(user.authHash, sha256Hex(request.authKey)) else {
            await delays.fail(
                [(keys.user, Self.usernamePolicy), (keys.address, Self.addressPolicy), (keys.pair, Self.pairPolicy)],
                now: now)
            throw ServerError(.unauthorized, "wrong username or passphrase")
        }
        await delays.succeed(keys.pair)
        // A known laptop's success says nothing about strangers still guessing the name; a new one's, after waiting
        // out the delay, does end the name's run of failures.
        if !known { await delays.succeed(keys.user) }
        let token: String
        if let requestID = request.requestID {
            guard requestID.count == 32, requestID.allSatisfy(\.isHexDigit) else {
                throw ServerError(.badRequest, "requestID must be 32 hex digits")
            }
            // The same login, retried, gets the same token: derived, not stored, from a secret only the server has.
            let secret = SymmetricKey(data: try await serverSecret())
            let material = Data("session|\(user.id)|\(request.deviceID)|\(requestID.lowercased())".utf8)
            token = Data(HMAC<SHA256>.authenticationCode(for: material, using: secret)).hexString
        } else {
            token = secureRandomBytes(32).hexString
        }
        if let key = request.devicePublicKey { try Self.checkLength(key, 32...32, "devicePublicKey") }
        try await store.saveDevice(
            DeviceRecord(
                deviceID: request.deviceID, userID: user.id, name: String(request.deviceName.prefix(100)),
                tokenHash: sha256Hex(Data(token.utf8)), createdAt: now, lastSeenAt: now, revoked: false))
        if let key = request.devicePublicKey {
            try await store.setDevicePublicKey(deviceID: request.deviceID, publicKey: key)
        }
        return Wire.Session(userID: user.id, token: token, keyID: user.keyID, wrappedKey: user.wrappedKey)
    }

    /// The caller behind a bearer token, or `unauthorized`.
    public func authenticate(token: String?) async throws -> Caller {
        guard let token, !token.isEmpty, let device = try await store.device(tokenHash: sha256Hex(Data(token.utf8))),
            !device.revoked
        else { throw ServerError(.unauthorized, "missing, unknown or revoked device token; log in again") }
        let now = clock()
        if now - device.lastSeenAt > 60_000 { try await store.touchDevice(deviceID: device.deviceID, at: now) }
        return Caller(userID: device.userID, deviceID: device.deviceID)
    }

    public func changePassphrase(_ request: Wire.PassphraseChange, caller: Caller) async throws {
        guard let user = try await store.user(id: caller.userID) else {
            throw ServerError(.unauthorized, "unknown account")
        }
        try await limiter.check("passphrase:\(caller.userID)", now: clock())
        guard constantTimeEqual(user.authHash, sha256Hex(request.currentAuthKey)) else {
            // A retry of a change that already took effect (its answer lost, SPEC §9.2): the stored credentials are
            // the new ones this request carries.
            if constantTimeEqual(user.authHash, sha256Hex(request.authKey)), user.salt == request.salt,
                user.wrappedKey == request.wrappedKey
            {
                if request.signOutOthers == true { try await revokeAll(userID: user.id, except: caller.deviceID) }
                return
            }
            throw ServerError(.unauthorized, "the current passphrase is wrong")
        }
        try Self.checkLength(request.salt, 16...64, "salt")
        try Self.checkLength(request.authKey, 32...32, "authKey")
        try Self.checkLength(request.wrappedKey, 48...128, "wrappedKey")
        try await store.updateCredentials(
            userID: user.id, salt: request.salt, authHash: sha256Hex(request.authKey), wrappedKey: request.wrappedKey)
        if request.signOutOthers == true { try await revokeAll(userID: user.id, except: caller.deviceID) }
    }

    /// Revokes every device of the account but `kept` (SPEC §8: a recovery signs every laptop out).
    func revokeAll(userID: String, except kept: String?) async throws {
        for device in try await store.devices(userID: userID) where device.deviceID != kept && !device.revoked {
            _ = try await store.revokeDevice(userID: userID, deviceID: device.deviceID)
        }
    }

    public func recoveryKey(_ request: Wire.RecoveryRequest, from address: String) async throws -> Wire.RecoveryKeyCopy
    {
        let user = try await recoveringUser(
            username: request.username, proof: request.recoveryAuthKey, address: address)
        return Wire.RecoveryKeyCopy(
            keyID: user.keyID, recoveryWrappedKey: user.recoveryWrappedKey,
            recoverySealed: user.keyID > 1 ? try await store.recoverySealed(userID: user.id) : nil)
    }

    public func resetPassphrase(_ request: Wire.RecoveryReset, from address: String) async throws {
        let user = try await recoveringUser(
            username: request.username, proof: request.recoveryAuthKey, address: address)
        try Self.checkLength(request.salt, 16...64, "salt")
        try Self.checkLength(request.authKey, 32...32, "authKey")
        try Self.checkLength(request.wrappedKey, 48...128, "wrappedKey")
        try await store.updateCredentials(
            userID: user.id, salt: request.salt, authHash: sha256Hex(request.authKey), wrappedKey: request.wrappedKey)
        // A recovery means the passphrase was lost or exposed: every laptop must log in again with the new one.
        try await revokeAll(userID: user.id, except: nil)
    }

    func recoveringUser(username: String, proof: Data, address: String) async throws -> UserRecord {
        try Self.checkUsername(username)
        let now = clock()
        let name = username.lowercased()
        let keys = (user: "recover:\(name)", address: "addr:\(address)", pair: "recover:\(name)|\(address)")
        try await delays.check([keys.address, keys.pair, keys.user], now: now)
        guard let user = try await store.user(named: username),
            constantTimeEqual(user.recoveryAuthHash, sha256Hex(proof))
        else {
            await delays.fail(
                [(keys.user, Self.usernamePolicy), (keys.address, Self.addressPolicy), (keys.pair, Self.pairPolicy)],
                now: now)
            throw ServerError(.unauthorized, "wrong username or recovery key")
        }
        await delays.succeed(keys.pair)
        return user
    }

    public func devices(caller: Caller) async throws -> Wire.Devices {
        let pulled = try await store.pulledPositions(userID: caller.userID)
        return Wire.Devices(
            devices: try await store.devices(userID: caller.userID).map { device in
                Wire.Device(
                    deviceID: device.deviceID, name: device.name, createdAt: ISOTimestamp.format(device.createdAt),
                    lastSeenAt: ISOTimestamp.format(device.lastSeenAt), revoked: device.revoked,
                    current: device.deviceID == caller.deviceID, pulledTo: pulled[device.deviceID].map(String.init))
            })
    }

    /// Renames one of the caller's devices (1–64 characters, no control characters).
    public func rename(deviceID: String, to request: Wire.DeviceRename, caller: Caller) async throws {
        let name = request.name.trimmingCharacters(in: .whitespaces)
        guard (1...64).contains(name.count),
            !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { throw ServerError(.badRequest, "a device name is 1 to 64 characters, with no control characters") }
        guard try await store.renameDevice(userID: caller.userID, deviceID: deviceID, name: name) else {
            throw ServerError(.notFound, "no device \(deviceID.prefix(16)) on this account")
        }
    }

    public func revoke(deviceID: String, caller: Caller) async throws {
        // Another user's device id answers exactly like one that does not exist.
        guard try await store.revokeDevice(userID: caller.userID, deviceID: deviceID) else {
            throw ServerError(.notFound, "no device \(deviceID.prefix(16)) on this account")
        }
    }

    /// The largest seq a push may carry: 2^53 − 1, the largest integer every JSON reader holds exactly (SPEC §2).
    public static let maxSeq: Int64 = 9_007_199_254_740_991

    public func push(_ request: Wire.Push, caller: Caller) async throws -> Wire.PushResult {
        guard request.changes.count <= limits.maxPushChanges else {
            throw ServerError(.tooLarge, "at most \(limits.maxPushChanges) changes per push")
        }
        for item in request.changes {
            guard DeviceID(rawValue: item.device) != nil, (1...Self.maxSeq).contains(item.seq) else {
                throw ServerError(
                    .badRequest, "each change needs a 16-hex-digit device and a seq from 1 to \(Self.maxSeq)")
            }
            guard item.envelope.count <= limits.maxEnvelopeBytes else {
                throw ServerError(.tooLarge, "an envelope is larger than \(limits.maxEnvelopeBytes) bytes")
            }
            guard Envelope.header(of: item.envelope) != nil else {
                throw ServerError(
                    .badRequest,
                    "change \(item.device.prefix(8)).\(item.seq) is not an envelope of versions "
                        + "\(Envelope.readableVersions.lowerBound)–\(Envelope.readableVersions.upperBound)")
            }
        }
        return try await store.push(userID: caller.userID, items: request.changes)
    }

    public func pull(after cursor: String?, limit: Int?, caller: Caller) async throws -> Wire.Page {
        let after: Int64
        if let cursor, !cursor.isEmpty {
            guard let value = Int64(cursor), value >= 0 else {
                throw ServerError(.badRequest, "after must be a cursor from an earlier page")
            }
            after = value
        } else {
            after = 0
        }
        let count = limit ?? 500
        guard (1...limits.maxPageChanges).contains(count) else {
            throw ServerError(.badRequest, "limit must be between 1 and \(limits.maxPageChanges)")
        }
        let page = try await store.pull(
            userID: caller.userID, after: after, limit: count, maxBytes: limits.maxPageBytes)
        let sent = page.changes.last?.position ?? after
        if sent > 0, pulls.advance(caller.deviceID, after: after, sent: sent) {
            // The receipt of a purge (SPEC §2.3): asking after a position means everything up to it is applied; and
            // what a lost laptop may hold (SPEC §8.1): everything it was sent.
            try await store.recordPull(deviceID: caller.deviceID, position: after, sent: sent)
        }
        let latest = try await store.latestPosition(userID: caller.userID)
        let nextChain = page.changes.last?.chain ?? page.afterChain
        return Wire.Page(
            changes: page.changes.map { Wire.Item(device: $0.device, seq: $0.seq, envelope: $0.envelope) },
            next: String(page.changes.last?.position ?? after), hasMore: page.hasMore, latest: String(latest),
            afterChain: page.afterChain?.hexString, nextChain: nextChain?.hexString)
    }

    /// `POST /v1/account/keys`: a rotation's new journal key (SPEC §8.1).
    public func rotateKey(_ rotation: Wire.KeyRotation, caller: Caller) async throws {
        guard rotation.keyID >= 2 else { throw ServerError(.badRequest, "a rotation makes key 2 or later") }
        try Self.checkLength(rotation.wrappedKey, 48...128, "wrappedKey")
        try Self.checkLength(rotation.recoverySealed, 64...128, "recoverySealed")
        if let key = rotation.recoveryPublicKey { try Self.checkLength(key, 32...32, "recoveryPublicKey") }
        guard rotation.devices.count <= 1_000 else { throw ServerError(.tooLarge, "at most 1,000 laptops") }
        for device in rotation.devices {
            guard DeviceID(rawValue: device.deviceID) != nil else {
                throw ServerError(.badRequest, "deviceID must be 16 lowercase hex digits")
            }
            try Self.checkLength(device.sealed, 64...128, "sealed")
        }
        try await store.rotateKey(userID: caller.userID, rotation: rotation, at: clock())
    }

    /// `GET /v1/account/keys/current`.
    public func currentKey(caller: Caller) async throws -> Wire.CurrentKey {
        try await store.currentKey(userID: caller.userID, deviceID: caller.deviceID)
    }

    /// `PUT /v1/devices/{id}/key`: a laptop sets its own public key.
    public func setDeviceKey(deviceID: String, _ request: Wire.DevicePublicKey, caller: Caller) async throws {
        guard deviceID == caller.deviceID, request.deviceID == caller.deviceID else {
            throw ServerError(.forbidden, "a laptop sets only its own public key")
        }
        try Self.checkLength(request.publicKey, 32...32, "publicKey")
        try await store.setDevicePublicKey(deviceID: deviceID, publicKey: request.publicKey)
    }

    /// `GET /v1/devices/{id}/exposure`: what a laptop of the caller's account could hold.
    public func exposure(deviceID: String, caller: Caller) async throws -> Wire.Exposure {
        guard let device = try await store.devices(userID: caller.userID).first(where: { $0.deviceID == deviceID })
        else { throw ServerError(.notFound, "no device \(deviceID.prefix(16)) on this account") }
        let (sent, ranges) = try await store.exposure(userID: caller.userID, deviceID: deviceID)
        return Wire.Exposure(
            deviceID: device.deviceID, name: device.name, lastSeenAt: ISOTimestamp.format(device.lastSeenAt),
            revoked: device.revoked, sentTo: sent.map(String.init), ranges: ranges)
    }

    /// `GET /v1/changes/held`: the runs of change ids the caller's log holds.
    public func held(caller: Caller) async throws -> Wire.Held {
        Wire.Held(ranges: try await store.held(userID: caller.userID))
    }
}

/// Compares two hex digests without an early exit.
public func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8)
    let y = Array(b.utf8)
    guard x.count == y.count else { return false }
    return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
}

/// The furthest pull position recorded per device by this process, so that only a pull that goes further writes.
final class PullPositions: @unchecked Sendable {
    private let lock = NSLock()
    private var positions: [String: Int64] = [:]

    private var sent: [String: Int64] = [:]

    /// Whether `after` or `sent` is beyond what was recorded for `device` (and remembers them).
    func advance(_ device: String, after: Int64, sent position: Int64) -> Bool {
        lock.withLock {
            guard after > positions[device] ?? 0 || position > sent[device] ?? 0 else { return false }
            if positions.count > 100_000 {
                positions.removeAll()
                sent.removeAll()
            }
            positions[device] = max(after, positions[device] ?? 0)
            sent[device] = max(position, sent[device] ?? 0)
            return true
        }
    }
}

/// A value read once and shared by every copy of a `SyncService`.
final class SecretCache: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Data?

    var value: Data? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
