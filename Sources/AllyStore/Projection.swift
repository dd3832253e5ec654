import AllyCore
import Foundation
import GRDB

/// SQL for the projection tables: the entry row, its tag and theme rows and its search row, kept in step.
enum Projection {
    static let separator = "\u{1F}"

    /// Writes `entry` over whatever the projection held for it.
    static func save(_ entry: Entry, in db: Database) throws {
        let conflict = try entry.conflict.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        let tags = entry.tags.joined(separator: separator)
        let values: [(any DatabaseValueConvertible)?] = [
            entry.kind.rawValue, entry.title, entry.body, entry.level?.rawValue, entry.occurredOn?.description,
            entry.createdAt, entry.updatedAt, entry.due?.description, entry.status?.rawValue, entry.minutes,
            entry.pledge?.rawValue, entry.themes.map(\.rawValue).joined(separator: ","), tags,
            entry.links.map(\.rawValue).joined(separator: ","), entry.isTrashed, conflict,
        ]
        let find = try db.cachedStatement(sql: "SELECT rowid FROM entry WHERE id = ?")
        let rowID: Int64
        if let existing = try Int64.fetchOne(find, arguments: [entry.id.rawValue]) {
            rowID = existing
            let update = try db.cachedStatement(
                sql: """
                    UPDATE entry SET kind = ?, title = ?, body = ?, level = ?, occurred_on = ?, created_at = ?,
                        updated_at = ?, due = ?, status = ?, minutes = ?, pledge = ?, themes = ?, tags = ?, links = ?,
                        trashed = ?, conflict = ? WHERE rowid = ?
                    """)
            try update.execute(arguments: StatementArguments(values + [rowID]))
            try db.cachedStatement(sql: "DELETE FROM entry_tag WHERE entry = ?").execute(arguments: [rowID])
            try db.cachedStatement(sql: "DELETE FROM entry_theme WHERE entry = ?").execute(arguments: [rowID])
            try db.cachedStatement(sql: "DELETE FROM entry_link WHERE entry = ?").execute(arguments: [rowID])
            try db.cachedStatement(sql: "DELETE FROM entry_search WHERE rowid = ?").execute(arguments: [rowID])
        } else {
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO entry(id, kind, title, body, level, occurred_on, created_at, updated_at, due, status,
                        minutes, pledge, themes, tags, links, trashed, conflict)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            try insert.execute(arguments: StatementArguments([entry.id.rawValue] + values))
            rowID = db.lastInsertedRowID
        }
        let tagRow = try db.cachedStatement(sql: "INSERT INTO entry_tag(tag, entry) VALUES (?, ?)")
        for tag in entry.tags { try tagRow.execute(arguments: [tag, rowID]) }
        let themeRow = try db.cachedStatement(sql: "INSERT INTO entry_theme(theme, entry) VALUES (?, ?)")
        for theme in entry.themes { try themeRow.execute(arguments: [theme.rawValue, rowID]) }
        let linkRow = try db.cachedStatement(sql: "INSERT INTO entry_link(target, entry) VALUES (?, ?)")
        for link in entry.links { try linkRow.execute(arguments: [link.rawValue, rowID]) }
        // The trash is not searched, so it is not indexed: a search then ranks inside FTS5 alone, without
        // joining every match to its entry row first.
        if !entry.isTrashed {
            let searchRow = try db.cachedStatement(
                sql: "INSERT INTO entry_search(rowid, title, body, tags) VALUES (?, ?, ?, ?)")
            try searchRow.execute(arguments: [rowID, entry.title ?? "", entry.body, entry.tags.joined(separator: " ")])
        }
    }

    /// Removes an entry from the projection and the search index (a purged entry, SPEC §2.3).
    static func remove(_ entryID: EntryID, in db: Database) throws {
        guard
            let rowID = try Int64.fetchOne(
                db, sql: "SELECT rowid FROM entry WHERE id = ?", arguments: [entryID.rawValue])
        else { return }
        try db.execute(sql: "DELETE FROM entry_search WHERE rowid = ?", arguments: [rowID])
        try db.execute(sql: "DELETE FROM entry WHERE rowid = ?", arguments: [rowID])
    }

    static let columns = """
        e.id, e.kind, e.title, e.body, e.level, e.occurred_on, e.created_at, e.updated_at, e.due, e.status,
        e.minutes, e.pledge, e.themes, e.tags, e.links, e.trashed, e.conflict
        """

    /// Reads an entry from a row selected with `columns`.
    static func entry(from row: Row) throws -> Entry {
        guard let id = EntryID(rawValue: row["id"]), let kind = EntryKind(rawValue: row["kind"]) else {
            throw JournalError(.corrupt, "an entry row cannot be read; the journal is damaged")
        }
        var entry = Entry(id: id, kind: kind, createdAt: row["created_at"])
        entry.title = row["title"]
        entry.body = row["body"]
        entry.level = (row["level"] as String?).flatMap(Level.init(rawValue:))
        entry.occurredOn = (row["occurred_on"] as String?).flatMap(LocalDate.init(iso:))
        entry.updatedAt = row["updated_at"]
        entry.due = (row["due"] as String?).flatMap(LocalDate.init(iso:))
        entry.status = (row["status"] as String?).flatMap(GoalStatus.init(rawValue:))
        entry.minutes = row["minutes"]
        entry.pledge = (row["pledge"] as String?).flatMap(PledgeCategory.init(rawValue:))
        entry.themes = split(row["themes"], ",").compactMap(Theme.init(rawValue:))
        entry.tags = split(row["tags"], separator)
        entry.links = split(row["links"], ",").compactMap(EntryID.init(rawValue:))
        entry.isTrashed = row["trashed"]
        if let conflict = row["conflict"] as String? {
            entry.conflict = try? JSONDecoder().decode(Conflict.self, from: Data(conflict.utf8))
        }
        return entry
    }

    private static func split(_ text: String, _ separator: String) -> [String] {
        text.isEmpty ? [] : text.components(separatedBy: separator)
    }
}
