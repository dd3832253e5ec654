/// Helpers for the lowercase hexadecimal identifiers used by entries and devices.
enum HexID {
    static let digits = Array("0123456789abcdef")

    /// Whether `text` is non-empty and made only of lowercase hex digits.
    static func isValid(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// Random lowercase hex of `bytes` bytes from `generator`.
    static func random<G: RandomNumberGenerator>(bytes: Int, using generator: inout G) -> String {
        var result = ""
        result.reserveCapacity(bytes * 2)
        for _ in 0..<bytes {
            let byte = UInt8.random(in: 0...255, using: &generator)
            result.append(digits[Int(byte >> 4)])
            result.append(digits[Int(byte & 0x0f)])
        }
        return result
    }
}
