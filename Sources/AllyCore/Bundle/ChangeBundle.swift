import Foundation

/// The file format of `ally bundle`: a journal's changes for offline exchange (Protocol/SPEC.md §6).
///
/// JSON lines: a header naming the format, version, writer and count; one change per line, each with the SHA-256
/// of its canonical bytes; an end line repeating the count with the SHA-256 of everything above it. A file cut
/// short, padded, altered, not UTF-8 or beyond the size bounds is refused as a whole, before anything is applied.
public enum ChangeBundle {
    /// The `format` value of the header line.
    public static let format = "ally-bundle"
    /// The bundle format version this build writes; it reads this one and version 1 (no digests).
    public static let version = 2
    /// The largest bundle file a reader accepts, checked before the file is read whole.
    public static let maximumBytes = 1 << 30
    /// The longest line a reader accepts: a change with the largest body, escaped, and its digest.
    public static let maximumLineBytes = 16 << 20

    struct Header: Codable {
        var format: String
        var version: Int
        var device: DeviceID
        var count: Int
    }

    struct Trailer: Codable {
        var end: String
        var count: Int
        var sha256: String?
    }

    /// Why a bundle was refused.
    public struct FormatError: Error, CustomStringConvertible, Equatable {
        /// A one-line reason.
        public var description: String
    }

    static let linePrefix = Array(#"{"change":"#.utf8)
    static let digestInfix = Array(#","sha256":""#.utf8)
    static let lineSuffix = Array(#""}"#.utf8)

    /// Writes `changes`, from the journal of `deviceID`, as bundle bytes.
    /// - Complexity: O(total change size).
    public static func encode(_ changes: [Change], from deviceID: DeviceID) throws -> Data {
        try encode(lines: changes.map { try $0.canonicalJSON() }, from: deviceID)
    }

    /// Writes change lines given as their bytes. Writers pass canonical JSON (`encode(_:from:)`); this form exists
    /// for tests that must play a newer or a faulty writer.
    public static func encode(lines: [Data], from deviceID: DeviceID) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(Header(format: format, version: version, device: deviceID, count: lines.count))
        data.append(0x0a)
        for canonical in lines {
            data.append(contentsOf: linePrefix)
            data.append(canonical)
            data.append(contentsOf: digestInfix)
            data.append(contentsOf: Array(SHA256Digest.hex(of: canonical).utf8))
            data.append(contentsOf: lineSuffix)
            data.append(0x0a)
        }
        let whole = SHA256Digest.hex(of: data)
        data.append(try encoder.encode(Trailer(end: format, count: lines.count, sha256: whole)))
        data.append(0x0a)
        return data
    }

    /// Reads bundle bytes, or throws `FormatError` saying what is wrong with them.
    ///
    /// Every change must be in canonical form (re-encoding it gives the same bytes), so a line with an extra key,
    /// a duplicated key or a number written another way is refused rather than stored as something else.
    /// - Complexity: O(size).
    public static func decode(_ data: Data) throws -> (device: DeviceID, changes: [Change]) {
        let decoded = try decodeKeepingUnreadable(data)
        if let first = decoded.unreadable.first {
            throw FormatError(description: "a change of the bundle cannot be applied: \(first.refusal.problem)")
        }
        return (decoded.device, decoded.changes)
    }

    /// `decode`, except that in a version 2 bundle a change line whose digest matches (so written as it is, not
    /// damaged on the way) but which this version cannot apply — an operation from a newer ally, or a change that
    /// fails the checks — is returned apart, with its text, for the journal to keep aside (SPEC §2.1, §6).
    public static func decodeKeepingUnreadable(_ data: Data) throws -> (
        device: DeviceID, changes: [Change], unreadable: [(refusal: ReceivedChange.Refusal, json: String)]
    ) {
        guard data.count <= maximumBytes else {
            throw FormatError(description: "the bundle is larger than \(maximumBytes >> 20) MiB")
        }
        let bytes = [UInt8](data)
        var lines: [Range<Int>] = []
        var start = 0
        for index in bytes.indices where bytes[index] == 0x0a {
            lines.append(start..<index)
            start = index + 1
        }
        if start < bytes.count { lines.append(start..<bytes.count) }
        if let long = lines.firstIndex(where: { $0.count > maximumLineBytes }) {
            throw FormatError(
                description: "line \(long + 1) of the bundle is longer than \(maximumLineBytes >> 20) MiB")
        }
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw FormatError(description: "the bundle is not valid UTF-8 text")
        }
        let decoder = JSONDecoder()
        guard let first = lines.first, let header = try? decoder.decode(Header.self, from: Data(bytes[first])),
            header.format == format
        else { throw FormatError(description: "this is not an ally bundle (no bundle header on the first line)") }
        guard (1...version).contains(header.version) else {
            throw FormatError(
                description: "the bundle has format version \(header.version); this ally reads up to \(version)")
        }
        // Compare counts without arithmetic on the header's number, which may be anything.
        guard header.count >= 0, lines.count >= 2, header.count == lines.count - 2,
            let last = lines.last, let trailer = try? decoder.decode(Trailer.self, from: Data(bytes[last])),
            trailer.end == format, trailer.count == header.count
        else {
            throw FormatError(
                description: "the bundle is truncated or damaged: the header promises \(header.count) changes "
                    + "but \(max(0, lines.count - 2)) lines follow without a matching end line")
        }
        if header.version >= 2 {
            guard let whole = trailer.sha256, whole == SHA256Digest.hex(of: bytes[0..<last.lowerBound]) else {
                throw FormatError(description: "the bundle is damaged: its digest does not match its content")
            }
        }
        var changes: [Change] = []
        var unreadable: [(refusal: ReceivedChange.Refusal, json: String)] = []
        changes.reserveCapacity(header.count)
        for (index, line) in lines.dropFirst().dropLast().enumerated() {
            let canonical = try changeBytes(bytes[line], version: header.version, number: index + 1)
            if header.version >= 2 {
                switch ReceivedChange.check(Data(canonical)) {
                case .success(let change): changes.append(change)
                case .failure(let refusal):
                    guard refusal.id != nil else {
                        throw FormatError(
                            description: "change \(index + 1) of the bundle is damaged: \(refusal.problem)")
                    }
                    unreadable.append((refusal, String(decoding: canonical, as: UTF8.self)))
                }
                continue
            }
            do {
                let change = try decoder.decode(Change.self, from: Data(canonical))
                guard try change.canonicalJSON().elementsEqual(canonical) else {
                    throw FormatError(description: "change \(index + 1) of the bundle is not in canonical form")
                }
                changes.append(change)
            } catch let error as FormatError {
                throw error
            } catch {
                throw FormatError(description: "change \(index + 1) of the bundle is damaged: \(Self.reason(error))")
            }
        }
        return (header.device, changes, unreadable)
    }

    /// The canonical change bytes of one line, after checking the line's digest (version 2).
    static func changeBytes(_ line: ArraySlice<UInt8>, version: Int, number: Int) throws -> ArraySlice<UInt8> {
        guard version >= 2 else { return line }
        let tail = digestInfix.count + 64 + lineSuffix.count
        guard line.count > linePrefix.count + tail, line.starts(with: linePrefix),
            line.suffix(lineSuffix.count).elementsEqual(lineSuffix),
            line.dropLast(lineSuffix.count).suffix(64 + digestInfix.count).starts(with: digestInfix)
        else { throw FormatError(description: "change \(number) of the bundle is damaged: not a change line") }
        let canonical = line.dropFirst(linePrefix.count).dropLast(tail)
        let digest = line.dropLast(lineSuffix.count).suffix(64)
        guard SHA256Digest.hex(of: canonical).utf8.elementsEqual(digest) else {
            throw FormatError(
                description: "the bundle is damaged: change \(number) does not match its digest (a bad copy?)")
        }
        return canonical
    }

    static func reason(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context): context.debugDescription
        case DecodingError.keyNotFound(let key, _): "missing '\(key.stringValue)'"
        case DecodingError.typeMismatch(_, let context): context.debugDescription
        case DecodingError.valueNotFound(_, let context): context.debugDescription
        default: "\(error)"
        }
    }
}
