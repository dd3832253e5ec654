import AllyCore
import AllyProtocol
import Foundation
import Testing

/// SPEC §7: envelopes seal a change for one user, device and seq; anything else fails authentication.
@Suite struct EnvelopeTests {
    static let device = DeviceID(rawValue: "aaaaaaaaaaaaaaaa")!
    static let entry = EntryID(rawValue: "0123456789abcdef0123456789abcdef")!
    static let change = Change(
        id: ChangeID(deviceID: device, seq: 7), at: HybridTimestamp(wallMillis: 1_795_338_000_000, counter: 2, deviceID: device),
        entryID: entry, operation: .editBody(text: "Talked over Dr. K at huddle.", parents: []))
    static let key = try! JournalKey(bytes: Data(repeating: 0x42, count: 32), keyID: 1)

    @Test func sealingIsDeterministicAndOpensBack() throws {
        let first = try Envelope.seal(Self.change, userID: "user-1", key: Self.key)
        let second = try Envelope.seal(Self.change, userID: "user-1", key: Self.key)
        #expect(first == second)
        #expect(first[0] == Envelope.version)
        #expect(try Envelope.open(first, userID: "user-1", id: Self.change.id, keys: [Self.key]) == Self.change)
        #expect(!String(decoding: first, as: UTF8.self).contains("Talked"))
        // A different change never reuses the nonce.
        var other = Self.change
        other.operation = .editBody(text: "Something else.", parents: [])
        #expect(try Envelope.seal(other, userID: "user-1", key: Self.key).subdata(in: 5..<17) != first.subdata(in: 5..<17))
    }

    /// Issue 9 §6: a version 1 envelope was its plaintext plus 33 bytes, so the server read every title's, body's and
    /// tag's length and, from it, the operation and field. Version 2 pads to a bucket: changes of different kinds
    /// and sizes seal to one size, and the size shows only to the bucket (Padmé, under 12 % over).
    @Test func paddingHidesSizesToTheBucketAndVersionOneStillOpens() throws {
        func change(_ seq: Int64, _ operation: ChangeOperation) -> Change {
            Change(
                id: ChangeID(deviceID: Self.device, seq: seq),
                at: HybridTimestamp(wallMillis: 1_795_338_000_000, counter: 0, deviceID: Self.device), entryID: Self.entry,
                operation: operation)
        }
        let small = [
            change(1, .create(kind: .mistake, createdAt: 1_795_338_000_000)), change(2, .set(.title, "A")),
            change(3, .set(.title, "A title of forty characters, give or tk")), change(4, .add(.tags, "repair")),
            change(5, .editBody(text: "x", parents: [])), change(6, .trash(seen: VersionVector([Self.device: 5]))),
        ]
        let sizes = Set(try small.map { try Envelope.seal($0, userID: "user-1", key: Self.key).count })
        #expect(sizes == [256 + 33], "every small change seals to one size: \(sizes)")
        for length in [300, 1_000, 5_000, 40_000, 700_000] {
            let body = change(9, .editBody(text: String(repeating: "w", count: length), parents: []))
            let plain = try body.canonicalJSON().count
            let sealed = try Envelope.seal(body, userID: "user-1", key: Self.key)
            #expect(sealed.count - 33 >= plain + 1 && Double(sealed.count - 33) <= Double(plain + 1) * 1.12)
            #expect(try Envelope.open(sealed, userID: "user-1", id: body.id, keys: [Self.key]) == body)
            // Bodies a few bytes apart fall in one bucket.
            let near = change(9, .editBody(text: String(repeating: "w", count: length + 3), parents: []))
            #expect(try Envelope.seal(near, userID: "user-1", key: Self.key).count == sealed.count, "\(length)")
        }
        let old = try Envelope.seal(Self.change, userID: "user-1", key: Self.key, version: 1)
        let oldPlain = try Self.change.canonicalJSON().count
        #expect(old[0] == 1 && old.count == oldPlain + 33)
        #expect(try Envelope.open(old, userID: "user-1", id: Self.change.id, keys: [Self.key]) == Self.change)
    }

    @Test func movingTamperingOrTheWrongKeyIsRefused() throws {
        let sealed = try Envelope.seal(Self.change, userID: "user-1", key: Self.key)
        let otherDevice = ChangeID(deviceID: DeviceID(rawValue: "bbbbbbbbbbbbbbbb")!, seq: 7)
        let cases: [(String, () throws -> Change)] = [
            ("another user", { try Envelope.open(sealed, userID: "user-2", id: Self.change.id, keys: [Self.key]) }),
            ("another device", { try Envelope.open(sealed, userID: "user-1", id: otherDevice, keys: [Self.key]) }),
            ("another seq", { try Envelope.open(sealed, userID: "user-1", id: ChangeID(deviceID: Self.device, seq: 8), keys: [Self.key]) }),
            ("a flipped ciphertext bit", {
                var bytes = sealed
                bytes[20] ^= 1
                return try Envelope.open(bytes, userID: "user-1", id: Self.change.id, keys: [Self.key])
            }),
            ("a flipped tag bit", {
                var bytes = sealed
                bytes[bytes.count - 1] ^= 0x80
                return try Envelope.open(bytes, userID: "user-1", id: Self.change.id, keys: [Self.key])
            }),
            ("the wrong key", { try Envelope.open(sealed, userID: "user-1", id: Self.change.id, keys: [try JournalKey(bytes: Data(repeating: 1, count: 32), keyID: 1)]) }),
            ("a downgraded version", {
                var bytes = sealed
                bytes[0] = 0
                return try Envelope.open(bytes, userID: "user-1", id: Self.change.id, keys: [Self.key])
            }),
            ("an unknown key id", {
                var bytes = sealed
                bytes[4] = 9
                return try Envelope.open(bytes, userID: "user-1", id: Self.change.id, keys: [Self.key])
            }),
            ("a truncated envelope", { try Envelope.open(sealed.prefix(20), userID: "user-1", id: Self.change.id, keys: [Self.key]) }),
        ]
        for (name, attempt) in cases {
            #expect(throws: ProtocolError.self, "\(name) was accepted") { _ = try attempt() }
        }
    }

    @Test func keysWrapAndUnwrapOnlyWithTheRightSecret() throws {
        let salt = Data(repeating: 7, count: 16)
        let keys = try PassphraseKeys.derive(passphrase: "correct horse battery", salt: salt, rounds: 1 << 10)
        let again = try PassphraseKeys.derive(passphrase: "correct horse battery", salt: salt, rounds: 1 << 10)
        let wrong = try PassphraseKeys.derive(passphrase: "correct horse batterz", salt: salt, rounds: 1 << 10)
        #expect(keys.authKey == again.authKey && keys.authKey != wrong.authKey && keys.authKey.count == 32)
        let wrapped = try KeyWrap.wrap(Self.key, with: keys.wrappingKey, userName: "sam")
        #expect(try KeyWrap.unwrap(wrapped, with: again.wrappingKey, userName: "sam", keyID: 1).bytes == Self.key.bytes)
        #expect(throws: ProtocolError.self) { try KeyWrap.unwrap(wrapped, with: wrong.wrappingKey, userName: "sam", keyID: 1) }
        #expect(throws: ProtocolError.self) { try KeyWrap.unwrap(wrapped, with: keys.wrappingKey, userName: "alex", keyID: 1) }
        let recovery = RecoveryKey.generate()
        #expect(RecoveryKey(printed: recovery.printed)?.bytes == recovery.bytes)
        #expect(RecoveryKey(printed: recovery.printed.uppercased().replacingOccurrences(of: "-", with: " "))?.bytes == recovery.bytes)
        #expect(RecoveryKey(printed: "not a key") == nil)
    }
}

/// Protocol/vectors/envelopes: a known key and change give exactly these bytes; the tampered ones are refused.
@Suite struct EnvelopeVectorTests {
    struct Vector: Codable {
        var description: String
        var userID: String
        var keyHex: String
        var keyID: UInt32
        /// The envelope version the vector is sealed with (1 when absent: the vectors made before version 2).
        var version: UInt8?
        var change: Change
        var envelopeHex: String
        var tampered: [Tampered]
    }

    struct Tampered: Codable {
        var description: String
        var userID: String
        var device: String
        var seq: Int64
        var envelopeHex: String
    }

    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Protocol/vectors/envelopes")

    @Test func vectorsSealToTheExactBytesAndTamperedOnesFail() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).filter { $0.hasSuffix(".json") }.sorted()
        #expect(!names.isEmpty)
        for name in names {
            let url = Self.folder.appendingPathComponent(name)
            var vector = try JSONDecoder().decode(Vector.self, from: Data(contentsOf: url))
            let key = try JournalKey(bytes: try #require(Data(hex: vector.keyHex)), keyID: vector.keyID)
            let sealed = try Envelope.seal(vector.change, userID: vector.userID, key: key, version: vector.version ?? 1)
            if ProcessInfo.processInfo.environment["ALLY_REGENERATE_VECTORS"] == "1" {
                vector.envelopeHex = sealed.hexString
                var flipped = sealed
                flipped[flipped.count / 2] ^= 0x01
                vector.tampered = [
                    Tampered(description: "one ciphertext bit flipped", userID: vector.userID, device: vector.change.id.deviceID.rawValue, seq: vector.change.id.seq, envelopeHex: flipped.hexString),
                    Tampered(description: "replayed under another seq", userID: vector.userID, device: vector.change.id.deviceID.rawValue, seq: vector.change.id.seq + 1, envelopeHex: sealed.hexString),
                    Tampered(description: "moved to another user", userID: vector.userID + "x", device: vector.change.id.deviceID.rawValue, seq: vector.change.id.seq, envelopeHex: sealed.hexString),
                    Tampered(description: "version byte downgraded to 0", userID: vector.userID, device: vector.change.id.deviceID.rawValue, seq: vector.change.id.seq, envelopeHex: "00" + sealed.hexString.dropFirst(2)),
                ]
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                try (encoder.encode(vector) + Data("\n".utf8)).write(to: url)
                continue
            }
            #expect(sealed.hexString == vector.envelopeHex, "\(name): \(vector.description)")
            #expect(try Envelope.open(sealed, userID: vector.userID, id: vector.change.id, keys: [key]) == vector.change)
            #expect(vector.tampered.count >= 4)
            for tampered in vector.tampered {
                let id = ChangeID(deviceID: try #require(DeviceID(rawValue: tampered.device)), seq: tampered.seq)
                #expect(throws: ProtocolError.self, "\(name): \(tampered.description) was accepted") {
                    try Envelope.open(try #require(Data(hex: tampered.envelopeHex)), userID: tampered.userID, id: id, keys: [key])
                }
            }
        }
    }
}
