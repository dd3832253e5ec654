import Foundation

/// The file format of `ally bundle`: a journal's changes for offline exchange (Protocol/SPEC.md §6).
///
/// JSON lines: a header naming the format, version, writer and count; one canonical change per line; an end
/// line repeating the count. A file cut short, padded, or not UTF-8 is refused as a whole.
public enum ChangeBundle {
    /// The `format` value of the header line.
    public static let format = "ally-bundle"
    /// The bundle format version this build writes and reads.
    public static let version = 1

    struct Header: Codable {
        var format: String
        var version: Int
        var device: DeviceID
        var count: Int
    }

    struct Trailer: Codable {
        var end: String
        var count: Int
    }

    /// Why a bundle was refused.
    public struct FormatError: Error, CustomStringConvertible, Equatable {
        /// A one-line reason.
        public var description: String
    }

    /// Writes `changes`, from the journal of `deviceID`, as bundle bytes.
    /// - Complexity: O(total change size).
    public static func encode(_ changes: [Change], from deviceID: DeviceID) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(Header(format: format, version: version, device: deviceID, count: changes.count))
        data.append(0x0a)
        for change in changes {
            data.append(try change.canonicalJSON())
            data.append(0x0a)
        }
        data.append(try encoder.encode(Trailer(end: format, count: changes.count)))
        data.append(0x0a)
        return data
    }

    /// Reads bundle bytes, or throws `FormatError` saying what is wrong with them.
    /// - Complexity: O(size).
    public static func decode(_ data: Data) throws -> (device: DeviceID, changes: [Change]) {
        guard let text = String(data: data, encoding: .utf8) else {
            throw FormatError(description: "the bundle is not valid UTF-8 text")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        let decoder = JSONDecoder()
        guard let first = lines.first,
            let header = try? decoder.decode(Header.self, from: Data(first.utf8)), header.format == format
        else { throw FormatError(description: "this is not an ally bundle (no bundle header on the first line)") }
        guard header.version <= version else {
            throw FormatError(
                description: "the bundle has format version \(header.version); this ally reads up to \(version)")
        }
        guard lines.count == header.count + 2,
            let last = lines.last, let trailer = try? decoder.decode(Trailer.self, from: Data(last.utf8)),
            trailer.end == format, trailer.count == header.count
        else {
            throw FormatError(
                description: "the bundle is truncated or damaged: the header promises \(header.count) changes "
                    + "but \(max(0, lines.count - 2)) lines follow without a matching end line")
        }
        var changes: [Change] = []
        changes.reserveCapacity(header.count)
        for (index, line) in lines.dropFirst().dropLast().enumerated() {
            do {
                changes.append(try decoder.decode(Change.self, from: Data(line.utf8)))
            } catch {
                throw FormatError(description: "change \(index + 1) of the bundle is damaged: \(Self.reason(error))")
            }
        }
        return (header.device, changes)
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
