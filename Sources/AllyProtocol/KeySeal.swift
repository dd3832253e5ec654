import Crypto
import Foundation

/// A laptop's own key pair (X25519, SPEC §8.1): the server keeps the public half, and a journal key made by a
/// rotation is sealed to it, so the laptop picks the new key up at its next sync without asking for the passphrase.
/// A revoked laptop gets no sealed copy.
public struct DeviceKeyPair: Sendable {
    let privateKey: Curve25519.KeyAgreement.PrivateKey

    /// Makes a fresh key pair.
    public static func generate() -> DeviceKeyPair { DeviceKeyPair(privateKey: .init()) }

    /// The key pair stored as its 32 private bytes.
    public init(rawPrivate: Data) throws {
        do {
            privateKey = try .init(rawRepresentation: rawPrivate)
        } catch {
            throw ProtocolError(.malformedValue, "a device key is 32 bytes")
        }
    }

    init(privateKey: Curve25519.KeyAgreement.PrivateKey) { self.privateKey = privateKey }

    /// The 32 private bytes, for the journal's sync state.
    public var rawPrivate: Data { privateKey.rawRepresentation }
    /// The 32 public bytes, for the server.
    public var publicKey: Data { privateKey.publicKey.rawRepresentation }
}

extension RecoveryKey {
    /// The recovery key's agreement key (SPEC §8.1), derived from its 32 bytes, so the printed key also opens
    /// journal keys that later rotations sealed to its public half.
    var agreementKey: Curve25519.KeyAgreement.PrivateKey {
        let seed = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: bytes), info: Data("ally recovery agreement v1".utf8),
            outputByteCount: 32
        ).withUnsafeBytes { Data($0) }
        // swift-format-ignore: NeverUseForceTry
        return try! Curve25519.KeyAgreement.PrivateKey(rawRepresentation: seed)
    }

    /// The public half the laptops and the server keep, to seal each new journal key for recovery.
    public var publicKey: Data { agreementKey.publicKey.rawRepresentation }
}

/// A journal key sealed to a public key with HPKE (RFC 9180, X25519, HKDF-SHA256, ChaCha20-Poly1305; SPEC §8.1):
/// `encapsulated key (32 bytes) · ciphertext and tag`. The info binds the username; the authenticated data binds the
/// key id and the recipient ("device:ID" or "recovery"), so a copy cannot be moved to another key id or laptop.
public enum KeySeal {
    static let suite = HPKE.Ciphersuite.Curve25519_SHA256_ChachaPoly

    static func info(userName: String) -> Data { Data("ally journal key v1\u{0}\(userName)".utf8) }

    static func aad(keyID: UInt32, recipient: String) -> Data {
        var data = Data("ally-sealed-key".utf8)
        data.append(0)
        data.append(Data(recipient.utf8))
        data.append(bigEndian: keyID)
        return data
    }

    /// Seals `key` to `publicKey` (32 bytes of X25519) for `recipient`.
    public static func seal(_ key: JournalKey, to publicKey: Data, userName: String, recipient: String) throws -> Data {
        let recipientKey: Curve25519.KeyAgreement.PublicKey
        do {
            recipientKey = try .init(rawRepresentation: publicKey)
        } catch {
            throw ProtocolError(.malformedValue, "a public key is 32 bytes")
        }
        var sender = try HPKE.Sender(recipientKey: recipientKey, ciphersuite: suite, info: info(userName: userName))
        let ciphertext = try sender.seal(key.bytes, authenticating: aad(keyID: key.keyID, recipient: recipient))
        return sender.encapsulatedKey + ciphertext
    }

    /// Opens a sealed journal key with a device's key pair.
    public static func open(
        _ sealed: Data, keyID: UInt32, with device: DeviceKeyPair, userName: String, deviceID: String
    )
        throws -> JournalKey
    {
        try open(
            sealed, keyID: keyID, privateKey: device.privateKey, userName: userName, recipient: "device:\(deviceID)")
    }

    /// Opens the recovery copy of a journal key with the recovery key.
    public static func open(_ sealed: Data, keyID: UInt32, with recovery: RecoveryKey, userName: String) throws
        -> JournalKey
    {
        try open(sealed, keyID: keyID, privateKey: recovery.agreementKey, userName: userName, recipient: "recovery")
    }

    static func open(
        _ sealed: Data, keyID: UInt32, privateKey: Curve25519.KeyAgreement.PrivateKey, userName: String,
        recipient: String
    ) throws -> JournalKey {
        guard sealed.count > 32 + 16 else { throw ProtocolError(.wrongSecret, "the sealed journal key is damaged") }
        do {
            var receiver = try HPKE.Recipient(
                privateKey: privateKey, ciphersuite: suite, info: info(userName: userName),
                encapsulatedKey: Data(sealed.prefix(32)))
            let bytes = try receiver.open(
                Data(sealed.dropFirst(32)), authenticating: aad(keyID: keyID, recipient: recipient))
            return try JournalKey(bytes: bytes, keyID: keyID)
        } catch {
            throw ProtocolError(.wrongSecret, "this key does not open the sealed journal key")
        }
    }
}
