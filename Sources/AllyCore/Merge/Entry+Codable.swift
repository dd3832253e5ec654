/// The JSON form of an entry, shared by `--json`, `ally export` and `ally import` (docs/JSON.md).
///
/// Keys are always present; absent values are `null` or empty lists. Times are ISO 8601 UTC strings.
extension Entry: Codable {
    enum CodingKeys: String, CodingKey {
        case id, kind, title, body, themes, level, tags, occurredOn, createdAt, updatedAt, due, status, minutes
        case pledge, links, trashed, hasConflict, conflict
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(kind, forKey: .kind)
        try c.encode(title, forKey: .title)
        try c.encode(body, forKey: .body)
        try c.encode(themes, forKey: .themes)
        try c.encode(level, forKey: .level)
        try c.encode(tags, forKey: .tags)
        try c.encode(occurredOn, forKey: .occurredOn)
        try c.encode(ISOTimestamp.format(createdAt), forKey: .createdAt)
        try c.encode(ISOTimestamp.format(updatedAt), forKey: .updatedAt)
        try c.encode(due, forKey: .due)
        try c.encode(status, forKey: .status)
        try c.encode(minutes, forKey: .minutes)
        try c.encode(pledge, forKey: .pledge)
        try c.encode(links, forKey: .links)
        try c.encode(isTrashed, forKey: .trashed)
        try c.encode(hasConflict, forKey: .hasConflict)
        try c.encode(conflict, forKey: .conflict)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func time(_ key: CodingKeys) throws -> Int64? {
            guard let text = try c.decodeIfPresent(String.self, forKey: key) else { return nil }
            guard let millis = ISOTimestamp.parse(text) else {
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: c, debugDescription: "not an ISO 8601 time: \(text)")
            }
            return millis
        }
        let createdAt = try time(.createdAt) ?? 0
        self.init(
            id: try c.decode(EntryID.self, forKey: .id), kind: try c.decode(EntryKind.self, forKey: .kind),
            createdAt: createdAt)
        updatedAt = try time(.updatedAt) ?? createdAt
        title = try c.decodeIfPresent(String.self, forKey: .title)
        body = try c.decodeIfPresent(String.self, forKey: .body) ?? ""
        themes = try c.decodeIfPresent([Theme].self, forKey: .themes) ?? []
        level = try c.decodeIfPresent(Level.self, forKey: .level)
        tags = try c.decodeIfPresent([String].self, forKey: .tags) ?? []
        occurredOn = try c.decodeIfPresent(LocalDate.self, forKey: .occurredOn)
        due = try c.decodeIfPresent(LocalDate.self, forKey: .due)
        status = try c.decodeIfPresent(GoalStatus.self, forKey: .status)
        minutes = try c.decodeIfPresent(Int.self, forKey: .minutes)
        pledge = try c.decodeIfPresent(PledgeCategory.self, forKey: .pledge)
        links = try c.decodeIfPresent([EntryID].self, forKey: .links) ?? []
        isTrashed = try c.decodeIfPresent(Bool.self, forKey: .trashed) ?? false
        conflict = try c.decodeIfPresent(Conflict.self, forKey: .conflict)
    }
}
