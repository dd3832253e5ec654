import AllyCore
import GRDB

/// Queries over the projection and the change log.
extension Journal {
    /// The entry `id`, or nil.
    public func entry(_ id: EntryID) throws -> Entry? {
        try Journal.wrap {
            try database.read { db in
                try Row.fetchOne(
                    db, sql: "SELECT \(Projection.columns) FROM entry e WHERE e.id = ?", arguments: [id.rawValue]
                )
                .map(Projection.entry(from:))
            }
        }
    }

    /// The merge state of entry `id`, built from its changes: what `ally history` and `ally resolve` read.
    public func state(of id: EntryID) throws -> EntryState {
        try Journal.wrap { try database.read { db in try ChangeLog.state(of: id, in: db) } }
    }

    /// The body of entry `id` as a user is about to see it, with the versions it is made from: what an edit of
    /// that text names as parents (SPEC §4.3).
    public func bodyBase(of id: EntryID) throws -> EntryPatch.BodyBase {
        let body = try state(of: id).body
        return EntryPatch.BodyBase(parents: body.heads.map(\.id), text: body.resolved().text)
    }

    /// Every change of entry `id`, oldest first by hybrid timestamp.
    /// The changes this journal holds from `device` with seqs in `seqs`, in seq order.
    public func changes(from device: DeviceID, seqs: ClosedRange<Int64>) throws -> [Change] {
        try Journal.wrap {
            try database.read { db in
                try String.fetchAll(
                    db, sql: "SELECT json FROM change WHERE device = ? AND seq BETWEEN ? AND ? ORDER BY seq",
                    arguments: [device.rawValue, seqs.lowerBound, seqs.upperBound]
                ).map(ChangeLog.decode)
            }
        }
    }

    public func changes(for id: EntryID) throws -> [Change] {
        try Journal.wrap { try database.read { db in try ChangeLog.changes(for: id, in: db) } }.sorted { $0.at < $1.at }
    }

    /// Entries matching `query`, newest first (by occurred-on date, then creation time).
    /// - Complexity: one indexed SQL query; O(limit) rows decoded.
    public func entries(matching query: EntryQuery) throws -> [Entry] {
        var conditions = [query.trashed ? "e.trashed = 1" : "e.trashed = 0"]
        var arguments: [any DatabaseValueConvertible] = []
        func anyOf(_ column: String, _ values: [String]) {
            guard !values.isEmpty else { return }
            conditions.append("\(column) IN (\(values.map { _ in "?" }.joined(separator: ", ")))")
            arguments.append(contentsOf: values)
        }
        anyOf("e.kind", query.kinds.map(\.rawValue))
        anyOf("e.level", query.levels.map(\.rawValue))
        anyOf("e.status", query.statuses.map(\.rawValue))
        for theme in query.themes {
            conditions.append("EXISTS (SELECT 1 FROM entry_theme WHERE theme = ? AND entry = e.rowid)")
            arguments.append(theme.rawValue)
        }
        for tag in query.tags {
            conditions.append("EXISTS (SELECT 1 FROM entry_tag WHERE tag = ? AND entry = e.rowid)")
            arguments.append(tag)
        }
        if let since = query.since {
            conditions.append("e.occurred_on >= ?")
            arguments.append(since.description)
        }
        if let until = query.until {
            conditions.append("e.occurred_on <= ?")
            arguments.append(until.description)
        }
        if query.conflictsOnly { conditions.append("e.conflict IS NOT NULL") }
        var sql = "SELECT \(Projection.columns) FROM entry e WHERE \(conditions.joined(separator: " AND "))"
        sql += " ORDER BY e.occurred_on DESC, e.created_at DESC, e.id"
        if let limit = query.limit {
            sql += " LIMIT ?"
            arguments.append(limit)
        }
        return try Journal.wrap {
            try database.read { db in
                try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map(Projection.entry(from:))
            }
        }
    }

    /// Entries not in the trash that link to `id`: the other direction of `Entry.links`.
    public func backlinks(to id: EntryID) throws -> [Entry] {
        try Journal.wrap {
            try database.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT \(Projection.columns) FROM entry_link l JOIN entry e ON e.rowid = l.entry
                        WHERE l.target = ? AND e.trashed = 0 ORDER BY e.occurred_on DESC, e.created_at DESC
                        """, arguments: [id.rawValue]
                ).map(Projection.entry(from:))
            }
        }
    }

    /// Every entry not in the trash, for the review and the pledge (oldest first).
    /// - Complexity: O(n) rows decoded.
    public func allEntries() throws -> [Entry] {
        var query = EntryQuery()
        query.limit = nil
        return try entries(matching: query).reversed()
    }

    /// Entries with a conflict, including a trash-versus-edit one, newest first.
    public func conflicts() throws -> [Entry] {
        var query = EntryQuery()
        query.conflictsOnly = true
        return try entries(matching: query)
    }

    /// How many of the newest matches a search ranks when a query matches more than that (see `search`).
    public static let rankedMatchLimit = 10_000

    /// Entries not in the trash that match an FTS5 query over title, body and tags, best match first.
    ///
    /// Ranking (bm25) costs a little for every match, so a query that matches more than `rankedMatchLimit`
    /// entries ranks the newest `rankedMatchLimit` of them: a word in most of a 100,000-entry journal still
    /// answers in milliseconds, with the best of its recent matches first (docs/PERFORMANCE.md).
    /// - Complexity: O(min(matches, rankedMatchLimit)) rank computations.
    public func search(_ text: String, limit: Int = 50, rankedMatchLimit: Int = Journal.rankedMatchLimit) throws
        -> [Entry]
    {
        try searchHits(text, limit: limit, rankedMatchLimit: rankedMatchLimit).entries
    }

    /// What a search shows a person: the best entries, a snippet of each around the match, and how many match in
    /// all. In a snippet the matched words sit between `Journal.matchStart` and `Journal.matchEnd`.
    public struct SearchHits: Sendable {
        /// The best matches, best first.
        public var entries: [Entry]
        /// A few words around the match in each entry's body (or title), by entry.
        public var snippets: [EntryID: String]
        /// How many entries match in all (more than `entries.count` when the limit cut them).
        public var total: Int
    }

    /// Marks the start of a matched word in a snippet.
    public static let matchStart = "\u{2}"
    /// Marks the end of a matched word in a snippet.
    public static let matchEnd = "\u{3}"

    /// `search(_:limit:)` with snippets and the total count.
    /// - Complexity: as `search`, plus one count over the matches.
    public func searchHits(_ text: String, limit: Int = 50, rankedMatchLimit: Int = Journal.rankedMatchLimit) throws
        -> SearchHits
    {
        let query: String
        do {
            query = try SearchQuery.fts(text)
        } catch {
            throw JournalError(.invalidQuery, error.description)
        }
        let entries = try rankedSearch(text, query: query, limit: limit, rankedMatchLimit: rankedMatchLimit)
        return try Journal.wrap {
            try database.read { db in
                let total =
                    try Int.fetchOne(
                        db, sql: "SELECT count(*) FROM entry_search WHERE entry_search MATCH ?", arguments: [query])
                    ?? 0
                var snippets: [EntryID: String] = [:]
                let statement = try db.cachedStatement(
                    sql: """
                        SELECT snippet(entry_search, -1, ?, ?, '…', 12) FROM entry_search
                        WHERE entry_search MATCH ? AND rowid = (SELECT rowid FROM entry WHERE id = ?)
                        """)
                for entry in entries {
                    if let snippet = try String.fetchOne(
                        statement, arguments: [Journal.matchStart, Journal.matchEnd, query, entry.id.rawValue])
                    {
                        snippets[entry.id] = snippet.replacingOccurrences(of: "\n", with: " ")
                    }
                }
                return SearchHits(entries: entries, snippets: snippets, total: max(total, entries.count))
            }
        }
    }

    func rankedSearch(_ text: String, query: String, limit: Int, rankedMatchLimit: Int) throws -> [Entry] {
        do {
            return try Journal.wrap {
                try database.read { db in
                    // Entry rowids grow with creation, and FTS5 walks a term's matches by rowid cheaply, so the
                    // rowid of the N-th newest match bounds the set worth ranking.
                    let floor =
                        try Int64.fetchOne(
                            db,
                            sql: """
                                SELECT rowid FROM entry_search WHERE entry_search MATCH ?
                                ORDER BY rowid DESC LIMIT 1 OFFSET ?
                                """, arguments: [query, rankedMatchLimit]) ?? 0
                    // Rank and cut inside FTS5 first (its ORDER BY rank LIMIT path), then read just those rows.
                    return try Row.fetchAll(
                        db,
                        sql: """
                            WITH hits AS (
                                SELECT rowid, rank FROM entry_search WHERE entry_search MATCH ? AND rowid > ?
                                ORDER BY rank LIMIT ?)
                            SELECT \(Projection.columns) FROM hits JOIN entry e ON e.rowid = hits.rowid
                            ORDER BY hits.rank
                            """, arguments: [query, floor, limit]
                    ).map(Projection.entry(from:))
                }
            }
        } catch let error as JournalError where error.code == .storage {
            let detail = (error.cause as? DatabaseError)?.message ?? error.message
            throw JournalError(
                .invalidQuery,
                "the search \(Quoted(text)) cannot be read (\(detail)); plain words need no quoting, and \"…\" "
                    + "searches for a phrase",
                cause: error.cause)
        }
    }

    /// Every change in the log, in local arrival order: what a bundle carries.
    public func allChanges() throws -> [Change] {
        try Journal.wrap {
            try database.read { db in
                try String.fetchAll(db, sql: "SELECT json FROM change ORDER BY rowid").map(ChangeLog.decode)
            }
        }
    }

    /// Entries, trashed entries, entries with a conflict, and changes, as four SELECT columns.
    static let countColumns = """
        (SELECT count(*) FROM entry WHERE trashed = 0), (SELECT count(*) FROM entry WHERE trashed = 1),
        (SELECT count(*) FROM entry WHERE conflict IS NOT NULL), (SELECT count(*) FROM change)
        """

    /// Counts for `ally status`-like summaries.
    public func counts() throws -> (entries: Int, trashed: Int, conflicts: Int, changes: Int) {
        try Journal.wrap {
            try database.read { db in
                let row = try Row.fetchOne(db, sql: "SELECT \(Journal.countColumns)")
                return (row?[0] ?? 0, row?[1] ?? 0, row?[2] ?? 0, row?[3] ?? 0)
            }
        }
    }

    /// SQLite's `PRAGMA integrity_check` result: `ok`, or the problems found.
    public func integrityCheck() throws -> String {
        try Journal.wrap {
            try database.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ") }
        }
    }
}
