import Foundation

/// The JSON bodies of the HTTP protocol (SPEC §9, Protocol/openapi.yaml). `Data` fields travel as base64.
public enum Wire {
    /// `GET /v1/info`.
    public struct Info: Codable, Sendable, Equatable {
        public var protocolVersion: Int
        public var server: String
        public var registration: String
        public var limits: Limits
        public init(protocolVersion: Int, server: String, registration: String, limits: Limits) {
            self.protocolVersion = protocolVersion
            self.server = server
            self.registration = registration
            self.limits = limits
        }
    }

    /// What the server accepts, so clients can size their requests.
    public struct Limits: Codable, Sendable, Equatable {
        public var maxBodyBytes: Int
        public var maxPushChanges: Int
        public var maxPageChanges: Int
        public var maxPageBytes: Int
        public var maxEnvelopeBytes: Int
        public var loginAttemptsPerMinute: Int
        public init(
            maxBodyBytes: Int, maxPushChanges: Int, maxPageChanges: Int, maxPageBytes: Int, maxEnvelopeBytes: Int,
            loginAttemptsPerMinute: Int
        ) {
            self.maxBodyBytes = maxBodyBytes
            self.maxPushChanges = maxPushChanges
            self.maxPageChanges = maxPageChanges
            self.maxPageBytes = maxPageBytes
            self.maxEnvelopeBytes = maxEnvelopeBytes
            self.loginAttemptsPerMinute = loginAttemptsPerMinute
        }
    }

    /// `POST /v1/accounts`.
    public struct Registration: Codable, Sendable {
        public var username: String
        public var invite: String?
        public var salt: Data
        public var authKey: Data
        public var keyID: UInt32
        public var wrappedKey: Data
        public var recoveryAuthKey: Data
        public var recoveryWrappedKey: Data
        /// The recovery key's public half (SPEC §8.1), so that later journal keys can be sealed for recovery.
        public var recoveryPublicKey: Data?
        public init(
            username: String, invite: String?, salt: Data, authKey: Data, keyID: UInt32, wrappedKey: Data,
            recoveryAuthKey: Data, recoveryWrappedKey: Data, recoveryPublicKey: Data? = nil
        ) {
            self.username = username
            self.invite = invite
            self.salt = salt
            self.authKey = authKey
            self.keyID = keyID
            self.wrappedKey = wrappedKey
            self.recoveryAuthKey = recoveryAuthKey
            self.recoveryWrappedKey = recoveryWrappedKey
            self.recoveryPublicKey = recoveryPublicKey
        }
    }

    /// `POST /v1/accounts` answer.
    public struct Account: Codable, Sendable {
        public var userID: String
        public var username: String
        public init(userID: String, username: String) {
            self.userID = userID
            self.username = username
        }
    }

    /// `POST /v1/prelogin`: what a laptop needs to derive its keys. Unknown users get a stable fake salt.
    public struct PreloginRequest: Codable, Sendable {
        public var username: String
        public init(username: String) { self.username = username }
    }

    public struct Prelogin: Codable, Sendable {
        public var salt: Data
        public var rounds: Int
        public init(salt: Data, rounds: Int) {
            self.salt = salt
            self.rounds = rounds
        }
    }

    /// `POST /v1/sessions`: log a device in.
    public struct LoginRequest: Codable, Sendable {
        public var username: String
        public var authKey: Data
        public var deviceID: String
        public var deviceName: String
        /// A random 32-hex-digit id the client makes once per login and sends again with every retry of it: the
        /// server answers a retry with the same token (SPEC §9.2), so a lost or duplicated answer is harmless.
        public var requestID: String?
        /// The laptop's public key (SPEC §8.1): journal keys made by later rotations are sealed to it.
        public var devicePublicKey: Data?
        public init(
            username: String, authKey: Data, deviceID: String, deviceName: String, requestID: String? = nil,
            devicePublicKey: Data? = nil
        ) {
            self.username = username
            self.authKey = authKey
            self.deviceID = deviceID
            self.deviceName = deviceName
            self.requestID = requestID
            self.devicePublicKey = devicePublicKey
        }
    }

    /// A session: the device token (shown once) and the wrapped journal key.
    public struct Session: Codable, Sendable {
        public var userID: String
        public var token: String
        public var keyID: UInt32
        public var wrappedKey: Data
        public init(userID: String, token: String, keyID: UInt32, wrappedKey: Data) {
            self.userID = userID
            self.token = token
            self.keyID = keyID
            self.wrappedKey = wrappedKey
        }
    }

    /// `PUT /v1/account/passphrase`: a new passphrase wraps the same journal key; other laptops keep working.
    public struct PassphraseChange: Codable, Sendable {
        public var currentAuthKey: Data
        public var salt: Data
        public var authKey: Data
        public var wrappedKey: Data
        /// Revoke every other device of the account (their tokens stop working at once).
        public var signOutOthers: Bool?
        public init(currentAuthKey: Data, salt: Data, authKey: Data, wrappedKey: Data, signOutOthers: Bool? = nil) {
            self.currentAuthKey = currentAuthKey
            self.salt = salt
            self.authKey = authKey
            self.wrappedKey = wrappedKey
            self.signOutOthers = signOutOthers
        }
    }

    /// `POST /v1/recovery/key`: prove the recovery key, get the recovery copy of the journal key.
    public struct RecoveryRequest: Codable, Sendable {
        public var username: String
        public var recoveryAuthKey: Data
        public init(username: String, recoveryAuthKey: Data) {
            self.username = username
            self.recoveryAuthKey = recoveryAuthKey
        }
    }

    public struct RecoveryKeyCopy: Codable, Sendable {
        public var keyID: UInt32
        /// The first journal key wrapped by the recovery key (key id 1).
        public var recoveryWrappedKey: Data
        /// After a rotation: the current journal key (`keyID`) sealed to the recovery key's public half.
        public var recoverySealed: Data?
        public init(keyID: UInt32, recoveryWrappedKey: Data, recoverySealed: Data? = nil) {
            self.keyID = keyID
            self.recoveryWrappedKey = recoveryWrappedKey
            self.recoverySealed = recoverySealed
        }
    }

    /// `POST /v1/account/keys`: a rotation's new journal key (SPEC §8.1), `keyID` one above the current.
    public struct KeyRotation: Codable, Sendable, Equatable {
        public var keyID: UInt32
        /// The new key wrapped by the passphrase's wrapping key, as at registration.
        public var wrappedKey: Data
        /// The new key sealed to the recovery key's public half.
        public var recoverySealed: Data
        /// The recovery key's public half, when the server does not have it yet.
        public var recoveryPublicKey: Data?
        /// The new key sealed to each remaining laptop's public key.
        public var devices: [SealedKey]
        public init(
            keyID: UInt32, wrappedKey: Data, recoverySealed: Data, recoveryPublicKey: Data? = nil, devices: [SealedKey]
        ) {
            self.keyID = keyID
            self.wrappedKey = wrappedKey
            self.recoverySealed = recoverySealed
            self.recoveryPublicKey = recoveryPublicKey
            self.devices = devices
        }
    }

    /// A journal key sealed to one laptop.
    public struct SealedKey: Codable, Sendable, Equatable {
        public var deviceID: String
        public var sealed: Data
        public init(deviceID: String, sealed: Data) {
            self.deviceID = deviceID
            self.sealed = sealed
        }
    }

    /// `GET /v1/account/keys/current`: the account's current journal key id, its wrapped copy, the copy sealed to
    /// the asking laptop (if any), and what a rotating laptop needs: the recovery public key and the public keys of
    /// the account's laptops that are not revoked.
    public struct CurrentKey: Codable, Sendable, Equatable {
        public var keyID: UInt32
        public var wrappedKey: Data
        public var sealed: Data?
        public var recoveryPublicKey: Data?
        public var devices: [DevicePublicKey]
        public init(
            keyID: UInt32, wrappedKey: Data, sealed: Data?, recoveryPublicKey: Data?, devices: [DevicePublicKey]
        ) {
            self.keyID = keyID
            self.wrappedKey = wrappedKey
            self.sealed = sealed
            self.recoveryPublicKey = recoveryPublicKey
            self.devices = devices
        }
    }

    /// A laptop's public key (`PUT /v1/devices/{id}/key` sets the caller's own).
    public struct DevicePublicKey: Codable, Sendable, Equatable {
        public var deviceID: String
        public var publicKey: Data
        public init(deviceID: String, publicKey: Data) {
            self.deviceID = deviceID
            self.publicKey = publicKey
        }
    }

    /// `GET /v1/devices/{id}/exposure`: what a laptop could hold — every change the server sent it (up to `sentTo`,
    /// counting changes that moved since) and every change it wrote — for the report after a loss.
    public struct Exposure: Codable, Sendable, Equatable {
        public var deviceID: String
        public var name: String
        public var lastSeenAt: String
        public var revoked: Bool
        public var sentTo: String?
        public var ranges: [HeldRange]
        public init(
            deviceID: String, name: String, lastSeenAt: String, revoked: Bool, sentTo: String?, ranges: [HeldRange]
        ) {
            self.deviceID = deviceID
            self.name = name
            self.lastSeenAt = lastSeenAt
            self.revoked = revoked
            self.sentTo = sentTo
            self.ranges = ranges
        }
    }

    /// `PUT /v1/recovery/passphrase`: set a new passphrase with the recovery key.
    public struct RecoveryReset: Codable, Sendable {
        public var username: String
        public var recoveryAuthKey: Data
        public var salt: Data
        public var authKey: Data
        public var wrappedKey: Data
        public init(username: String, recoveryAuthKey: Data, salt: Data, authKey: Data, wrappedKey: Data) {
            self.username = username
            self.recoveryAuthKey = recoveryAuthKey
            self.salt = salt
            self.authKey = authKey
            self.wrappedKey = wrappedKey
        }
    }

    /// One encrypted change on the wire.
    public struct Item: Codable, Sendable, Equatable {
        public var device: String
        public var seq: Int64
        public var envelope: Data
        /// In a push: this envelope replaces the one the server holds under `(device, seq)`, if any (SPEC §2.3, a
        /// stub or a redacted copy). Absent otherwise.
        public var replace: Bool?
        public init(device: String, seq: Int64, envelope: Data, replace: Bool? = nil) {
            self.device = device
            self.seq = seq
            self.envelope = envelope
            self.replace = replace
        }
    }

    /// `POST /v1/changes`.
    public struct Push: Codable, Sendable {
        public var changes: [Item]
        public init(changes: [Item]) { self.changes = changes }
    }

    public struct PushResult: Codable, Sendable, Equatable {
        /// New changes stored, replacements included.
        public var accepted: Int
        public var duplicates: Int
        /// Of `accepted`, how many replaced a stored envelope (SPEC §2.3); absent when none did.
        public var replaced: Int?
        public init(accepted: Int, duplicates: Int, replaced: Int? = nil) {
            self.accepted = accepted
            self.duplicates = duplicates
            self.replaced = replaced
        }
    }

    /// `GET /v1/changes?after=&limit=`: one page in the server's order.
    public struct Page: Codable, Sendable {
        public var changes: [Item]
        /// Pass as `after` for the next page; unchanged when the page is empty.
        public var next: String
        public var hasMore: Bool
        /// The newest position the server holds for this user. A laptop whose cursor is beyond it is talking to
        /// a server that lost data (restored from an old backup, say).
        public var latest: String
        /// The server's log chain (SPEC §9.1, hex) at the position `after` named, or nil when the server holds no
        /// change at that position. A laptop compares it with the value it stored for its cursor: a difference means
        /// the server's log is not the one the cursor refers to (restored from a backup, or lost its newest commits).
        public var afterChain: String?
        /// The chain at `next`, for the laptop to store with its new cursor.
        public var nextChain: String?
        public init(
            changes: [Item], next: String, hasMore: Bool, latest: String, afterChain: String? = nil,
            nextChain: String? = nil
        ) {
            self.changes = changes
            self.next = next
            self.hasMore = hasMore
            self.latest = latest
            self.afterChain = afterChain
            self.nextChain = nextChain
        }
    }

    /// `GET /v1/changes/held`: which change ids the server holds, as runs of consecutive seqs per device. A laptop
    /// that finds the server's log is not the one it knew re-pushes exactly the changes outside these runs.
    public struct Held: Codable, Sendable, Equatable {
        public var ranges: [HeldRange]
        public init(ranges: [HeldRange]) { self.ranges = ranges }
    }

    /// Seqs `first...last` of `device`, all held.
    public struct HeldRange: Codable, Sendable, Equatable {
        public var device: String
        public var first: Int64
        public var last: Int64
        public init(device: String, first: Int64, last: Int64) {
            self.device = device
            self.first = first
            self.last = last
        }
    }

    /// `GET /v1/devices`.
    public struct Device: Codable, Sendable, Equatable {
        public var deviceID: String
        public var name: String
        public var createdAt: String
        public var lastSeenAt: String
        public var revoked: Bool
        public var current: Bool
        /// The furthest position of the log this device has asked to pull after: it has applied everything up to
        /// there (SPEC §2.3, the receipt of a purge). Absent before its first such pull.
        public var pulledTo: String?
        public init(
            deviceID: String, name: String, createdAt: String, lastSeenAt: String, revoked: Bool, current: Bool,
            pulledTo: String? = nil
        ) {
            self.deviceID = deviceID
            self.name = name
            self.createdAt = createdAt
            self.lastSeenAt = lastSeenAt
            self.revoked = revoked
            self.current = current
            self.pulledTo = pulledTo
        }
    }

    /// `PUT /v1/devices/{deviceID}`: a new name for a device.
    public struct DeviceRename: Codable, Sendable {
        public var name: String
        public init(name: String) { self.name = name }
    }

    public struct Devices: Codable, Sendable {
        public var devices: [Device]
        public init(devices: [Device]) { self.devices = devices }
    }

    /// RFC 9457 problem details.
    public struct Problem: Codable, Sendable, Equatable, Error {
        public var type: String
        public var title: String
        public var status: Int
        public var detail: String
        public init(type: String, title: String, status: Int, detail: String) {
            self.type = type
            self.title = title
            self.status = status
            self.detail = detail
        }
    }
}
