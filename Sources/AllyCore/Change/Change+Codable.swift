import Foundation

/// The JSON form of a change (Protocol/SPEC.md §2): one flat object, the operation named by `op`.
extension Change: Codable {
    enum CodingKeys: String, CodingKey {
        case device, seq, wall, counter, entry, op
        case kind, createdAt, field, value, element, observed, text, parents, seen, targets, was, redacted, phi
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let device = try c.decode(DeviceID.self, forKey: .device)
        let seq = try c.decode(Int64.self, forKey: .seq)
        let wall = try c.decode(Int64.self, forKey: .wall)
        let counter = try c.decode(Int32.self, forKey: .counter)
        guard (1...Change.maximumSeq).contains(seq), (0...ChangeOperation.latestMillis).contains(wall), counter >= 0
        else {
            throw DecodingError.dataCorruptedError(
                forKey: .seq, in: c,
                debugDescription: "seq must be 1…2^53−1, wall 0…year 9999 and counter not negative")
        }
        id = ChangeID(deviceID: device, seq: seq)
        at = HybridTimestamp(wallMillis: wall, counter: counter, deviceID: device)
        entryID = try c.decode(EntryID.self, forKey: .entry)
        let op = try c.decode(String.self, forKey: .op)
        switch op {
        case "create":
            operation = .create(
                kind: try c.decode(EntryKind.self, forKey: .kind),
                createdAt: try c.decode(Int64.self, forKey: .createdAt))
        case "set":
            operation = .set(
                try c.decode(ScalarField.self, forKey: .field), try c.decodeIfPresent(String.self, forKey: .value))
        case "add":
            operation = .add(try c.decode(SetField.self, forKey: .field), try c.decode(String.self, forKey: .element))
        case "remove":
            operation = .remove(
                try c.decode(SetField.self, forKey: .field), try c.decode(String.self, forKey: .element),
                observed: try c.decode([ChangeID].self, forKey: .observed))
        case "editBody":
            operation = .editBody(
                text: try c.decode(String.self, forKey: .text), parents: try c.decode([ChangeID].self, forKey: .parents)
            )
        case "trash":
            operation = .trash(seen: try c.decode(VersionVector.self, forKey: .seen))
        case "restore":
            operation = .restore
        case "purge":
            operation = .purge
        case "redact":
            let phi = try c.decodeIfPresent(Bool.self, forKey: .phi)
            guard phi != false else {
                throw DecodingError.dataCorruptedError(
                    forKey: .phi, in: c, debugDescription: "phi is written only when true")
            }
            operation = .redact(targets: try c.decode([ChangeID].self, forKey: .targets), phi: phi == true)
        case "stub":
            operation = .stub(
                was: try c.decode(String.self, forKey: .was), parents: try c.decode([ChangeID].self, forKey: .parents))
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .op, in: c, debugDescription: "unknown operation '\(op)' (written by a newer ally?)")
        }
        if let problem = operation.problem {
            throw DecodingError.dataCorruptedError(forKey: .op, in: c, debugDescription: "\(problem) in change \(id)")
        }
        isRedacted = try c.decodeIfPresent(Bool.self, forKey: .redacted) ?? false
        if isRedacted, !operation.canBeRedacted {
            throw DecodingError.dataCorruptedError(
                forKey: .redacted, in: c, debugDescription: "a '\(op)' change cannot be a redacted copy (\(id))")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id.deviceID, forKey: .device)
        try c.encode(id.seq, forKey: .seq)
        try c.encode(at.wallMillis, forKey: .wall)
        try c.encode(at.counter, forKey: .counter)
        try c.encode(entryID, forKey: .entry)
        try c.encode(operation.name, forKey: .op)
        switch operation {
        case .create(let kind, let createdAt):
            try c.encode(kind, forKey: .kind)
            try c.encode(createdAt, forKey: .createdAt)
        case .set(let field, let value):
            try c.encode(field, forKey: .field)
            try c.encode(value, forKey: .value)
        case .add(let field, let element):
            try c.encode(field, forKey: .field)
            try c.encode(element, forKey: .element)
        case .remove(let field, let element, let observed):
            try c.encode(field, forKey: .field)
            try c.encode(element, forKey: .element)
            try c.encode(observed.sorted(), forKey: .observed)
        case .editBody(let text, let parents):
            try c.encode(text, forKey: .text)
            try c.encode(parents.sorted(), forKey: .parents)
        case .trash(let seen):
            try c.encode(seen, forKey: .seen)
        case .restore, .purge:
            break
        case .redact(let targets, let phi):
            try c.encode(targets.sorted(), forKey: .targets)
            if phi { try c.encode(true, forKey: .phi) }
        case .stub(let was, let parents):
            try c.encode(was, forKey: .was)
            try c.encode(parents.sorted(), forKey: .parents)
        }
        if isRedacted { try c.encode(true, forKey: .redacted) }
    }
}

extension Change {
    /// The largest seq a change may carry, so that it stays exact in every JSON reader (SPEC §2).
    public static let maximumSeq: Int64 = 9_007_199_254_740_991

    /// The largest canonical encoding a change may have when it is written (SPEC §10): 768 KiB, so that its
    /// envelope fits the server's 1 MiB envelope limit. About 100,000 words of body text.
    public static let maximumBytes = 768 << 10

    /// The canonical JSON bytes of the change: sorted keys, no extra whitespace. Identical changes encode
    /// identically, which is how a journal tells a replayed change from a different one under the same id.
    public func canonicalJSON() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
