import Foundation

/// The check every received change passes before it is stored (SPEC §2.1): its bytes must decode to a valid change
/// and be its canonical encoding. A change that fails is held aside, never fatal to the rest: `unknown` when it
/// carries an operation this version does not know (written by a newer ally), `invalid` otherwise.
public enum ReceivedChange {
    /// Why a received change is held aside instead of applied.
    public enum Reason: String, Sendable, Codable {
        /// An operation this version does not know; a newer ally applies it.
        case unknown
        /// Not a valid change in canonical form (bounds, structure, an extra or repeated key, a number spelt
        /// another way).
        case invalid
    }

    /// A change that cannot be applied: its id and entry as far as they can be read, and why.
    public struct Refusal: Error, Sendable, Equatable {
        public var reason: Reason
        public var id: ChangeID?
        public var entryID: EntryID?
        public var problem: String

        public init(reason: Reason, id: ChangeID?, entryID: EntryID?, problem: String) {
            self.reason = reason
            self.id = id
            self.entryID = entryID
            self.problem = problem
        }
    }

    /// The operations this version applies.
    public static let knownOperations: Set<String> = [
        "create", "set", "add", "remove", "editBody", "trash", "restore", "purge", "redact", "stub",
    ]

    /// The fields every change has, read leniently so that a change can be named even when it cannot be applied.
    struct Header: Decodable {
        var device: DeviceID?
        var seq: Int64?
        var entry: EntryID?
        var op: String?

        enum CodingKeys: String, CodingKey { case device, seq, entry, op }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            device = try? c.decode(DeviceID.self, forKey: .device)
            seq = try? c.decode(Int64.self, forKey: .seq)
            entry = try? c.decode(EntryID.self, forKey: .entry)
            op = try? c.decode(String.self, forKey: .op)
        }
    }

    /// Checks received change bytes; `expected` is the id the change travelled under, when the channel names one.
    public static func check(_ bytes: Data, expected: ChangeID? = nil) -> Result<Change, Refusal> {
        let header = try? JSONDecoder().decode(Header.self, from: bytes)
        let id = header.flatMap { header in
            header.device.flatMap { device in header.seq.map { ChangeID(deviceID: device, seq: $0) } }
        }
        func refuse(_ reason: Reason, _ problem: String) -> Result<Change, Refusal> {
            .failure(Refusal(reason: reason, id: expected ?? id, entryID: header?.entry, problem: problem))
        }
        if let op = header?.op, !knownOperations.contains(op) {
            return refuse(.unknown, "operation '\(op)' is not known to this version of ally (written by a newer one?)")
        }
        let change: Change
        do {
            change = try JSONDecoder().decode(Change.self, from: bytes)
        } catch let DecodingError.dataCorrupted(context) {
            return refuse(.invalid, context.debugDescription)
        } catch {
            return refuse(.invalid, "not a valid change")
        }
        if let expected, change.id != expected {
            return refuse(.invalid, "it names itself \(change.id.short) but travelled as \(expected.short)")
        }
        guard (try? change.canonicalJSON()) == bytes else {
            return refuse(.invalid, "not in canonical form (an extra or repeated key, or a number written another way)")
        }
        return .success(change)
    }
}
