import AllyProtocol
import Foundation
import Testing

/// Sealed bundles (SPEC §6): a passphrase opens them; anything else, including a changed header, does not.
@Suite struct SealedBundleTests {
    struct Vector: Codable {
        var passphrase: String
        var saltHex: String
        var nonceHex: String
        var logRounds: UInt8
        var plain: String
        var sealedHex: String
    }

    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Protocol/vectors/sealed-bundles")

    @Test func theVectorSealsToTheExactBytesAndOpensBack() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).filter {
            $0.hasSuffix(".json")
        }
        try #require(!files.isEmpty, "no vectors in \(Self.folder.path)")
        for name in files {
            let vector = try JSONDecoder().decode(
                Vector.self, from: Data(contentsOf: Self.folder.appendingPathComponent(name)))
            let salt = try #require(Data(hex: vector.saltHex))
            let nonce = try #require(Data(hex: vector.nonceHex))
            let sealed = try SealedBundle.seal(
                Data(vector.plain.utf8), passphrase: vector.passphrase, logRounds: vector.logRounds, salt: salt,
                nonce: nonce)
            #expect(sealed.hexString == vector.sealedHex, "\(name)")
            let expected = try #require(Data(hex: vector.sealedHex))
            #expect(try SealedBundle.open(expected, passphrase: vector.passphrase) == Data(vector.plain.utf8))
        }
    }

    @Test func onlyTheRightPassphraseAndAnUnchangedFileOpen() throws {
        let plain = Data(
            "{\"count\":0,\"device\":\"00000000000000a1\",\"format\":\"ally-bundle\",\"version\":1}\n".utf8)
        // The cheapest cost a reader accepts keeps the test quick; ally writes 15.
        let sealed = try SealedBundle.seal(plain, passphrase: "a long passphrase", logRounds: 10)
        #expect(SealedBundle.isSealed(sealed) && !SealedBundle.isSealed(plain))
        #expect(try SealedBundle.open(sealed, passphrase: "a long passphrase") == plain)
        // Two seals of the same bundle differ (fresh salt and nonce), and both open.
        let again = try SealedBundle.seal(plain, passphrase: "a long passphrase", logRounds: 10)
        #expect(again != sealed)
        #expect(try SealedBundle.open(again, passphrase: "a long passphrase") == plain)

        #expect(throws: SealedBundle.Failure.wrongPassphraseOrDamaged) {
            try SealedBundle.open(sealed, passphrase: "a long passphrasE")
        }
        // Every byte matters: salt, nonce, ciphertext, tag, and the cost bytes (kept in range, so the header
        // checks pass and the authenticated data must catch it).
        for index in [9, 12, 27, 28, 39, 40, sealed.count - 1] {
            var changed = sealed
            changed[index] = index == 9 ? 11 : changed[index] ^ 0x01
            #expect(throws: SealedBundle.Failure.wrongPassphraseOrDamaged, "byte \(index)") {
                try SealedBundle.open(changed, passphrase: "a long passphrase")
            }
        }
        #expect(throws: SealedBundle.Failure.truncated) {
            try SealedBundle.open(sealed.prefix(50), passphrase: "a long passphrase")
        }
        var future = sealed
        future[8] = 2
        #expect(throws: SealedBundle.Failure.unknownVersion(2)) {
            try SealedBundle.open(future, passphrase: "a long passphrase")
        }
        // A crafted cost is refused before any key is derived (2^40 rounds would never finish).
        // Nor may a file ask for more than ally's own cost (log2 N 15, r 8, p 1): with log2 N 20 and r 16 a
        // reader would spend 2 GiB and a minute and a half before saying "wrong passphrase" (issue 8).
        for (index, value) in [(9, 40), (9, 16), (9, 20), (10, 16), (10, 9), (11, 2), (11, 4)] as [(Int, UInt8)] {
            var costly = sealed
            costly[index] = value
            #expect(throws: SealedBundle.Failure.unreasonableCost, "byte \(index) = \(value)") {
                try SealedBundle.open(costly, passphrase: "a long passphrase")
            }
        }
    }
}
