import AllyCore
import GRDB

/// Entry ids as people type and read them: unique prefixes.
extension Journal {
    /// The shortest prefix of at least 8 digits that names `ids` uniquely in this journal.
    /// - Complexity: two indexed lookups per id.
    public func shortIDs(for ids: [EntryID]) throws -> [EntryID: String] {
        try Journal.wrap {
            try database.read { db in
                let before = try db.cachedStatement(sql: "SELECT id FROM entry WHERE id < ? ORDER BY id DESC LIMIT 1")
                let after = try db.cachedStatement(sql: "SELECT id FROM entry WHERE id > ? ORDER BY id LIMIT 1")
                var result: [EntryID: String] = [:]
                for id in ids {
                    var length = 8
                    for neighbour in [
                        try String.fetchOne(before, arguments: [id.rawValue]),
                        try String.fetchOne(after, arguments: [id.rawValue]),
                    ] {
                        guard let neighbour else { continue }
                        let common = zip(id.rawValue, neighbour).prefix { $0 == $1 }.count
                        length = max(length, common + 1)
                    }
                    result[id] = String(id.rawValue.prefix(length))
                }
                return result
            }
        }
    }

    /// The entry a typed id names: a unique prefix of 4 or more hex digits, any case.
    public func resolveID(_ typed: String) throws -> EntryID {
        let prefix = typed.lowercased()
        guard prefix.count >= 4, prefix.count <= 32, prefix.allSatisfy({ $0.isHexDigit }) else {
            throw JournalError(
                .invalidInput, "'\(typed)' is not an entry id (give 4 to 32 hex digits, as `ally list` shows them)")
        }
        let matches = try Journal.wrap {
            try database.read { db in
                try String.fetchAll(
                    db, sql: "SELECT id FROM entry WHERE id >= ? AND id < ? ORDER BY id LIMIT 10",
                    arguments: [prefix, prefix + "g"])
            }
        }
        switch matches.count {
        case 0:
            throw JournalError(.unknownEntry, "no entry has an id starting with '\(prefix)' (see `ally list`)")
        case 1:
            guard let id = EntryID(rawValue: matches[0]) else { throw JournalError(.corrupt, "a stored id is damaged") }
            return id
        default:
            let shown = matches.prefix(9).map { String($0.prefix(max(8, prefix.count + 2))) }.joined(separator: ", ")
            throw JournalError(
                .ambiguousEntry,
                "'\(prefix)' matches several entries: \(shown)\(matches.count > 9 ? ", …" : ""); type more digits")
        }
    }
}
