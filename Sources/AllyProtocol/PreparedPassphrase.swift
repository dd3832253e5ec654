import Foundation

/// A passphrase prepared as RFC 8265 §4 (the OpaqueString profile) asks before it reaches a KDF (SPEC §8, §6), so
/// that the same passphrase typed on two keyboards, in NFC or NFD, gives the same key.
public enum PreparedPassphrase {
    /// Why a passphrase cannot be prepared.
    public struct Refusal: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    /// The UTF-8 bytes of `passphrase` after preparation: non-ASCII spaces mapped to U+0020, then NFC. A
    /// passphrase that is empty or holds a control character (Cc) is refused, as the profile requires.
    /// - Complexity: O(n).
    public static func bytes(_ passphrase: String) throws(Refusal) -> Data {
        var mapped = String.UnicodeScalarView()
        for scalar in passphrase.unicodeScalars {
            if scalar.properties.generalCategory == .control {
                throw Refusal(description: "a passphrase cannot contain control characters")
            }
            mapped.append(scalar.properties.generalCategory == .spaceSeparator ? " " : scalar)
        }
        let prepared = String(mapped).precomposedStringWithCanonicalMapping
        guard !prepared.isEmpty else { throw Refusal(description: "a passphrase cannot be empty") }
        return Data(prepared.utf8)
    }
}
