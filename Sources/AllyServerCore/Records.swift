import Crypto
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

/// One stored change: the envelope, its place in the user's log, and the log chain at that place.
public struct StoredChange: Sendable, Equatable {
    public var position: Int64
    public var device: String
    public var seq: Int64
    public var envelope: Data
    public var chain: Data

    public init(position: Int64, device: String, seq: Int64, envelope: Data, chain: Data) {
        self.position = position
        self.device = device
        self.seq = seq
        self.envelope = envelope
        self.chain = chain
    }
}

/// A page read from the store: the changes, whether more follow, and the chain at the position the page starts
/// after (nil when the store holds no change there).
public struct StoredPage: Sendable, Equatable {
    public var changes: [StoredChange]
    public var hasMore: Bool
    public var afterChain: Data?

    public init(changes: [StoredChange], hasMore: Bool, afterChain: Data?) {
        self.changes = changes
        self.hasMore = hasMore
        self.afterChain = afterChain
    }
}

/// The hash chain over a user's log (SPEC §9.1): the value at a position commits to every change before it, in
/// order, so two logs agree up to a position exactly when their chains agree there.
public enum LogChain {
    /// The chain before the first position.
    public static let origin = Data(count: 32)

    /// The chain at the position of a change stored after `previous`.
    public static func next(_ previous: Data, device: String, seq: Int64, envelope: Data) -> Data {
        var hasher = SHA256()
        hasher.update(data: previous)
        hasher.update(data: Data(device.utf8))
        withUnsafeBytes(of: UInt64(bitPattern: seq).bigEndian) { hasher.update(bufferPointer: $0) }
        hasher.update(data: Data(SHA256.hash(data: envelope)))
        return Data(hasher.finalize())
    }
}
