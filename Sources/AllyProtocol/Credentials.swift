import Crypto
import Foundation
import _CryptoExtras

/// What a passphrase becomes on the laptop (SPEC §8): an auth key the server sees only hashed, and a wrapping
/// key the server never sees.
public struct PassphraseKeys: Sendable {
    /// Sent to the server at registration and login; the server stores SHA-256 of it.
    public let authKey: Data
    /// Wraps the journal key; never leaves the laptop.
    public let wrappingKey: SymmetricKey

    /// scrypt cost: N = 2^15, r = 8, p = 1 — about 32 MiB and a fraction of a second on a laptop.
    public static let rounds = 1 << 15
    /// The salt's length in bytes.
    public static let saltLength = 16

    /// Derives the keys from `passphrase` and the account's `salt` with scrypt.
    /// - Complexity: deliberately slow and memory-hard.
    public static func derive(passphrase: String, salt: Data, rounds: Int = rounds) throws -> PassphraseKeys {
        let derived = try KDF.Scrypt.deriveKey(
            from: try PreparedPassphrase.bytes(passphrase), salt: salt, outputByteCount: 64, rounds: rounds,
            blockSize: 8, parallelism: 1)
        let bytes = derived.withUnsafeBytes { Data($0) }
        return PassphraseKeys(authKey: bytes.prefix(32), wrappingKey: SymmetricKey(data: bytes.suffix(32)))
    }

    init(authKey: Data, wrappingKey: SymmetricKey) {
        self.authKey = authKey
        self.wrappingKey = wrappingKey
    }
}

/// A recovery key: 32 random bytes shown once at registration as 8 groups of hex, which can set a new passphrase.
public struct RecoveryKey: Sendable {
    public let bytes: Data

    /// Makes a fresh recovery key.
    public static func generate() -> RecoveryKey {
        RecoveryKey(bytes: SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) })
    }

    init(bytes: Data) { self.bytes = bytes }

    /// Parses the printed form (hex, any grouping and case).
    public init?(printed: String) {
        let hex = printed.lowercased().filter { !$0.isWhitespace && $0 != "-" }
        guard let data = Data(hex: hex), data.count == 32 else { return nil }
        bytes = data
    }

    /// `xxxxxxxx-xxxxxxxx-…` in 8 groups.
    public var printed: String {
        let hex = bytes.hexString
        return stride(from: 0, to: hex.count, by: 8).map { offset in
            String(hex.dropFirst(offset).prefix(8))
        }.joined(separator: "-")
    }

    /// Sent to the server to prove the recovery key; stored there only hashed.
    public var authKey: Data {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: bytes), info: Data("ally recovery auth v1".utf8), outputByteCount: 32
        )
        .withUnsafeBytes { Data($0) }
    }

    /// Wraps the recovery copy of the journal key.
    public var wrappingKey: SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: bytes), info: Data("ally recovery wrap v1".utf8), outputByteCount: 32)
    }
}

/// Wrapping of the journal key for storage on the server (SPEC §8).
public enum KeyWrap {
    static func aad(userName: String, keyID: UInt32) -> Data {
        var data = Data("ally-journal-key".utf8)
        data.append(0)
        data.append(Data(userName.utf8))
        data.append(bigEndian: keyID)
        return data
    }

    /// The journal key sealed with `wrappingKey`, bound to the username and key id.
    public static func wrap(_ journalKey: JournalKey, with wrappingKey: SymmetricKey, userName: String) throws -> Data {
        try ChaChaPoly.seal(
            journalKey.bytes, using: wrappingKey, authenticating: aad(userName: userName, keyID: journalKey.keyID)
        ).combined
    }

    /// Opens a wrapped journal key, or throws `wrongSecret`.
    public static func unwrap(_ wrapped: Data, with wrappingKey: SymmetricKey, userName: String, keyID: UInt32) throws
        -> JournalKey
    {
        do {
            let bytes = try ChaChaPoly.open(
                ChaChaPoly.SealedBox(combined: wrapped), using: wrappingKey,
                authenticating: aad(userName: userName, keyID: keyID))
            return try JournalKey(bytes: bytes, keyID: keyID)
        } catch {
            throw ProtocolError(.wrongSecret, "the passphrase or recovery key does not open this account's journal key")
        }
    }
}

/// SHA-256 as lowercase hex: how the server stores auth keys, tokens and invite codes.
public func sha256Hex(_ data: Data) -> String { Data(SHA256.hash(data: data)).hexString }

/// `count` random bytes from the system's secure generator.
public func secureRandomBytes(_ count: Int) -> Data {
    var generator = SystemRandomNumberGenerator()
    return Data((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) })
}

extension Data {
    /// Lowercase hex.
    public var hexString: String { map { String(format: "%02x", $0) }.joined() }

    /// Parses lowercase or uppercase hex.
    public init?(hex: String) {
        guard hex.count % 2 == 0 else { return nil }
        var data = Data(capacity: hex.count / 2)
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            data.append(byte)
            index = next
        }
        self = data
    }
}
