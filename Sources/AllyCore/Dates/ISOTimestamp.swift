/// Formats and parses instants as ISO 8601 UTC with milliseconds (`2026-11-22T16:41:37.123Z`).
public enum ISOTimestamp {
    /// `millis` since the epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    public static func format(_ millis: Int64) -> String {
        let dayMillis: Int64 = 86_400_000
        var day = millis / dayMillis
        var rest = millis % dayMillis
        if rest < 0 {
            rest += dayMillis
            day -= 1
        }
        let date = LocalDate(dayNumber: Int(day))
        let hours = rest / 3_600_000
        let minutes = rest / 60_000 % 60
        let seconds = rest / 1000 % 60
        let ms = rest % 1000
        return "\(date)T\(two(hours)):\(two(minutes)):\(two(seconds)).\(three(ms))Z"
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.mmm]Z` (or with a `+HH:MM`/`-HH:MM` offset) into ms since the epoch.
    public static func parse(_ text: String) -> Int64? {
        let chars = Array(text.utf8)
        guard chars.count >= 20, chars[10] == UInt8(ascii: "T") || chars[10] == UInt8(ascii: " "),
            let date = LocalDate(iso: String(decoding: chars[0..<10], as: UTF8.self)),
            chars[13] == UInt8(ascii: ":"), chars[16] == UInt8(ascii: ":"),
            let hours = number(chars[11..<13]), let minutes = number(chars[14..<16]),
            let seconds = number(chars[17..<19]), hours < 24, minutes < 60, seconds < 61
        else { return nil }
        var index = 19
        var ms: Int64 = 0
        if index < chars.count, chars[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            while index < chars.count, (48...57).contains(chars[index]) { index += 1 }
            guard index > start else { return nil }
            let digits = String(decoding: chars[start..<min(index, start + 3)], as: UTF8.self)
            ms = (Int64(digits) ?? 0) * Int64([100, 10, 1][digits.count - 1])
        }
        var offset: Int64 = 0
        let zone = chars[index...]
        if zone.elementsEqual("Z".utf8) {
            offset = 0
        } else if zone.count == 6, zone.first == UInt8(ascii: "+") || zone.first == UInt8(ascii: "-"),
            let h = number(zone.dropFirst().prefix(2)), let m = number(zone.suffix(2))
        {
            offset = (h * 60 + m) * 60_000 * (zone.first == UInt8(ascii: "-") ? -1 : 1)
        } else {
            return nil
        }
        return Int64(date.dayNumber) * 86_400_000 + ((hours * 60 + minutes) * 60 + seconds) * 1000 + ms - offset
    }

    private static func number(_ bytes: some Collection<UInt8>) -> Int64? {
        guard !bytes.isEmpty, bytes.allSatisfy({ (48...57).contains($0) }) else { return nil }
        return Int64(String(decoding: bytes, as: UTF8.self))
    }

    private static func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
    private static func three(_ value: Int64) -> String {
        value < 10 ? "00\(value)" : value < 100 ? "0\(value)" : "\(value)"
    }
}
