import Foundation

/// An account as the server stores it: nothing here opens the journal.
public struct UserRecord: Sendable, Equatable {
    public var id: String
    public var username: String
    public var salt: Data
    /// SHA-256 (hex) of the auth key derived from the passphrase.
    public var authHash: String
    public var keyID: UInt32
    /// The journal key wrapped by a key derived from the passphrase, which the server never sees.
    public var wrappedKey: Data
    public var recoveryAuthHash: String
    public var recoveryWrappedKey: Data
    public var createdAt: Int64

    public init(
        id: String, username: String, salt: Data, authHash: String, keyID: UInt32, wrappedKey: Data,
        recoveryAuthHash: String, recoveryWrappedKey: Data, createdAt: Int64
    ) {
        self.id = id
        self.username = username
        self.salt = salt
        self.authHash = authHash
        self.keyID = keyID
        self.wrappedKey = wrappedKey
        self.recoveryAuthHash = recoveryAuthHash
        self.recoveryWrappedKey = recoveryWrappedKey
        self.createdAt = createdAt
    }
}

/// A logged-in laptop.
public struct DeviceRecord: Sendable, Equatable {
    public var deviceID: String
    public var userID: String
    public var name: String
    /// SHA-256 (hex) of the device token.
    public var tokenHash: String
    public var createdAt: Int64
    public var lastSeenAt: Int64
    public var revoked: Bool

    public init(
        deviceID: String, userID: String, name: String, tokenHash: String, createdAt: Int64, lastSeenAt: Int64,
        revoked: Bool
    ) {
        self.deviceID = deviceID
        self.userID = userID
        self.name = name
        self.tokenHash = tokenHash
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
        self.revoked = revoked
    }
}

/// One stored change: the envelope and its place in the user's log.
public struct StoredChange: Sendable, Equatable {
    public var position: Int64
    public var device: String
    public var seq: Int64
    public var envelope: Data

    public init(position: Int64, device: String, seq: Int64, envelope: Data) {
        self.position = position
        self.device = device
        self.seq = seq
        self.envelope = envelope
    }
}
