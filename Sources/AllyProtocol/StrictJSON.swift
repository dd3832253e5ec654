import Foundation

/// The JSON the protocol accepts (SPEC §9): no object repeats a key, and every number is an integer written as
/// one (`1000`, not `1e3` or `1000.0`). Foundation's decoder would keep one of two repeated keys and read `1e3` as
/// 1000, so two readers could disagree about one request; this check runs first and refuses both.
public enum StrictJSON {
    public struct Violation: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    /// Throws `Violation` for a repeated key, a non-integer number or malformed JSON.
    public static func check(_ data: Data) throws {
        var scanner = Scanner(bytes: [UInt8](data))
        scanner.skipSpace()
        try scanner.value(depth: 0)
        scanner.skipSpace()
        guard scanner.index == scanner.bytes.count else { throw Violation(description: "text after the JSON value") }
    }

    struct Scanner {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        var current: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skipSpace() {
            while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0a || byte == 0x0d { index += 1 }
        }

        mutating func expect(_ byte: UInt8) throws {
            guard current == byte else { throw Violation(description: "malformed JSON at byte \(index)") }
            index += 1
        }

        mutating func value(depth: Int) throws {
            guard depth < 64 else { throw Violation(description: "JSON nested too deeply") }
            switch current {
            case UInt8(ascii: "{"): try object(depth: depth)
            case UInt8(ascii: "["): try array(depth: depth)
            case UInt8(ascii: "\""): _ = try string()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            case .some(let byte) where byte == UInt8(ascii: "-") || (0x30...0x39).contains(byte): try number()
            default: throw Violation(description: "malformed JSON at byte \(index)")
            }
        }

        mutating func object(depth: Int) throws {
            try expect(UInt8(ascii: "{"))
            skipSpace()
            var keys = Set<[UInt8]>()
            if current == UInt8(ascii: "}") {
                index += 1
                return
            }
            while true {
                skipSpace()
                let key = try string()
                guard keys.insert(key).inserted else {
                    throw Violation(
                        description: "the key \"\(String(decoding: key, as: UTF8.self).prefix(40))\" appears twice")
                }
                skipSpace()
                try expect(UInt8(ascii: ":"))
                skipSpace()
                try value(depth: depth + 1)
                skipSpace()
                if current == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                try expect(UInt8(ascii: "}"))
                return
            }
        }

        mutating func array(depth: Int) throws {
            try expect(UInt8(ascii: "["))
            skipSpace()
            if current == UInt8(ascii: "]") {
                index += 1
                return
            }
            while true {
                skipSpace()
                try value(depth: depth + 1)
                skipSpace()
                if current == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                try expect(UInt8(ascii: "]"))
                return
            }
        }

        /// A string's raw bytes between the quotes (escapes left as written: two spellings of one key are not
        /// told apart here, and Foundation's decoder refuses neither, so such a request is refused by neither).
        mutating func string() throws -> [UInt8] {
            try expect(UInt8(ascii: "\""))
            let start = index
            while let byte = current {
                if byte == UInt8(ascii: "\\") {
                    index += 2
                    continue
                }
                if byte == UInt8(ascii: "\"") {
                    let content = Array(bytes[start..<index])
                    index += 1
                    return content
                }
                index += 1
            }
            throw Violation(description: "an unterminated string in the JSON")
        }

        mutating func literal(_ word: String) throws {
            for byte in word.utf8 { try expect(byte) }
        }

        mutating func number() throws {
            if current == UInt8(ascii: "-") { index += 1 }
            let start = index
            while let byte = current, (0x30...0x39).contains(byte) { index += 1 }
            guard index > start else { throw Violation(description: "malformed number at byte \(start)") }
            if let byte = current, byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
                throw Violation(description: "numbers must be integers written as such (no fraction or exponent)")
            }
        }
    }
}
