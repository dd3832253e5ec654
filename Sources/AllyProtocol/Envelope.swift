import AllyCore
import Crypto
import Foundation

/// An encrypted change as the server stores and relays it (SPEC §7).
///
/// Bytes: version (1) · key id (4, big-endian) · nonce (12) · ChaCha20-Poly1305 ciphertext and tag. Version 2
/// pads the plaintext (`0x80`, then zeros) to a bucket size before sealing, so the server learns a change's size
/// only to the bucket; version 1 (unpadded) still opens. The
/// authenticated data binds the user, device, seq, key id and version, so the server cannot move an envelope
/// to another user, device or place in the log, replay it elsewhere, or downgrade its format unnoticed. The
/// nonce is derived from the key, the authenticated data and the plaintext, so the same change always seals to
/// the same bytes — any laptop can push any change idempotently — and a nonce repeats only for an identical
/// message.
public enum Envelope {
    /// The format version this build writes.
    public static let version: UInt8 = 2
    /// The versions this build opens (and a server accepts).
    public static let readableVersions: ClosedRange<UInt8> = 1...2

    /// The padded size of a plaintext of `length` bytes plus its `0x80` marker (version 2): at least 256 bytes,
    /// then rounded up by Padmé (Nikitin et al., 2019), which keeps the overhead under 12 % while leaving
    /// O(log log n) bits of the length visible.
    public static func paddedLength(_ length: Int) -> Int {
        let size = max(length, 256)
        let exponent = Int.bitWidth - 1 - size.leadingZeroBitCount
        let exponentBits = Int.bitWidth - exponent.leadingZeroBitCount
        let mask = (1 << (exponent - exponentBits)) - 1
        return (size + mask) & ~mask
    }
    /// Header bytes before the ciphertext.
    static let headerSize = 1 + 4 + 12
    /// The tag's size.
    static let tagSize = 16

    /// The authenticated data for a change of `userID` at `(deviceID, seq)`.
    public static func authenticatedData(userID: String, id: ChangeID, keyID: UInt32, version: UInt8 = version) -> Data
    {
        var data = Data("ally-envelope".utf8)
        data.append(0)
        data.append(Data(userID.utf8))
        data.append(0)
        data.append(Data(id.deviceID.rawValue.utf8))
        data.append(bigEndian: UInt64(id.seq))
        data.append(bigEndian: keyID)
        data.append(version)
        return data
    }

    /// Seals `change` for `userID` with `key`.
    public static func seal(_ change: Change, userID: String, key: JournalKey, version: UInt8 = version) throws
        -> Data
    {
        try seal(plaintext: try change.canonicalJSON(), id: change.id, userID: userID, key: key, version: version)
    }

    /// Seals `plaintext` as the change `id`. Writers seal a change's canonical JSON (`seal(_:userID:key:)`); this
    /// form exists for tests that must play a newer or a faulty writer.
    public static func seal(
        plaintext unpadded: Data, id: ChangeID, userID: String, key: JournalKey, version: UInt8 = version
    ) throws -> Data {
        var plaintext = unpadded
        if version >= 2 {
            plaintext.append(0x80)
            plaintext.append(Data(count: paddedLength(plaintext.count) - plaintext.count))
        }
        let aad = authenticatedData(userID: userID, id: id, keyID: key.keyID, version: version)
        var mac = HMAC<SHA256>(key: key.nonceKey)
        mac.update(data: aad)
        mac.update(data: plaintext)
        let nonce = try ChaChaPoly.Nonce(data: Data(mac.finalize()).prefix(12))
        let box = try ChaChaPoly.seal(plaintext, using: key.key, nonce: nonce, authenticating: aad)
        var envelope = Data([version])
        envelope.append(bigEndian: key.keyID)
        envelope.append(contentsOf: nonce)
        envelope.append(box.ciphertext)
        envelope.append(box.tag)
        return envelope
    }

    /// The key id an envelope names, or nil if it is too short or of an unknown version (what a server checks).
    public static func header(of envelope: Data) -> (version: UInt8, keyID: UInt32)? {
        guard envelope.count >= headerSize + tagSize, let version = envelope.first, readableVersions.contains(version)
        else {
            return nil
        }
        let start = envelope.startIndex
        let keyID = envelope[(start + 1)..<(start + 5)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        return (version, keyID)
    }

    /// Opens an envelope said to hold change `id` of `userID`, and checks that it does.
    public static func open(_ envelope: Data, userID: String, id: ChangeID, keys: [JournalKey]) throws -> Change {
        try openWithPlaintext(envelope, userID: userID, id: id, keys: keys).change
    }

    /// `open`, also returning the plaintext: the change's canonical JSON as its writer sealed it, so a receiver can
    /// store it without encoding it again.
    public static func openWithPlaintext(_ envelope: Data, userID: String, id: ChangeID, keys: [JournalKey]) throws
        -> (change: Change, plaintext: Data)
    {
        let plaintext = try openPlaintext(envelope, userID: userID, id: id, keys: keys)
        let change: Change
        do {
            change = try JSONDecoder().decode(Change.self, from: plaintext)
        } catch {
            throw ProtocolError(.malformedEnvelope, "change \(id.short) decrypted to something that is not a change")
        }
        guard change.id == id else {
            throw ProtocolError(.authenticationFailed, "change \(id.short) holds another change (\(change.id.short))")
        }
        return (change, plaintext)
    }

    /// Decrypts and authenticates an envelope sealed as the change `id`, returning the plaintext unread: what its
    /// writer sealed, for the receiver to check (`ReceivedChange`).
    public static func openPlaintext(_ envelope: Data, userID: String, id: ChangeID, keys: [JournalKey]) throws
        -> Data
    {
        guard let header = header(of: envelope) else {
            throw ProtocolError(.malformedEnvelope, "change \(id.short) is not a valid envelope")
        }
        guard let key = keys.first(where: { $0.keyID == header.keyID }) else {
            throw ProtocolError(
                .unknownKey, "change \(id.short) is sealed with journal key \(header.keyID), which this laptop lacks")
        }
        let start = envelope.startIndex
        let aad = authenticatedData(userID: userID, id: id, keyID: header.keyID, version: header.version)
        let plaintext: Data
        do {
            let box = try ChaChaPoly.SealedBox(
                nonce: ChaChaPoly.Nonce(data: envelope[(start + 5)..<(start + 17)]),
                ciphertext: envelope[(start + 17)..<(envelope.endIndex - tagSize)],
                tag: envelope[(envelope.endIndex - tagSize)...])
            plaintext = try ChaChaPoly.open(box, using: key.key, authenticating: aad)
        } catch {
            throw ProtocolError(
                .authenticationFailed,
                "change \(id.short) failed authentication: it was altered, moved, or sealed with another key")
        }
        guard header.version >= 2 else { return plaintext }
        // Version 2: the change, 0x80, then zeros up to the bucket size.
        guard let marker = plaintext.lastIndex(where: { $0 != 0 }), plaintext[marker] == 0x80 else {
            throw ProtocolError(.malformedEnvelope, "change \(id.short) is not padded as its envelope version says")
        }
        return Data(plaintext[plaintext.startIndex..<marker])
    }
}

extension Data {
    mutating func append(bigEndian value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    mutating func append(bigEndian value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }
}
