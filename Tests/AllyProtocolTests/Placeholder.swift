import AllyProtocol
import Foundation
import Testing

@Test func kdfTiming() throws {
    let start = Date()
    _ = try PassphraseKeys.derive(passphrase: "correct horse", salt: Data(repeating: 1, count: 16))
    print("scrypt 2^15 took \(Date().timeIntervalSince(start)) s")
}
