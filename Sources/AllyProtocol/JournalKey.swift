import Crypto
import Foundation

/// The random 256-bit key that encrypts every change of one user's journal (DESIGN.md §6, SPEC §8).
///
/// It never leaves a laptop in clear: the server holds it only wrapped by a key derived from the passphrase
/// (and a second copy wrapped by the recovery key).
public struct JournalKey: Sendable {
    /// The key material.
    public let key: SymmetricKey
    /// Names the key in envelopes, so a future key rotation can tell keys apart.
    public let keyID: UInt32

    /// Makes a journal key from its bytes.
    public init(bytes: some DataProtocol, keyID: UInt32) throws {
        guard bytes.count == 32 else { throw ProtocolError(.malformedValue, "a journal key is 32 bytes") }
        key = SymmetricKey(data: Data(bytes))
        self.keyID = keyID
    }

    /// Makes a fresh random key.
    public static func generate(keyID: UInt32 = 1) -> JournalKey {
        // swift-format-ignore: NeverUseForceTry
        try! JournalKey(bytes: SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }, keyID: keyID)
    }

    /// The raw bytes, for wrapping and for local storage.
    public var bytes: Data { key.withUnsafeBytes { Data($0) } }

    /// The sub-key that derives deterministic nonces (SPEC §7), kept apart from the encryption key.
    var nonceKey: SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: key, info: Data("ally nonce key v1".utf8), outputByteCount: 32)
    }
}
