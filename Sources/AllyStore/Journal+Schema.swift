import AllyCore
import GRDB

/// The journal's schema, as append-only named migrations: never edit one that has shipped; add the next.
extension Journal {
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-change-log") { db in
            try db.execute(sql: "PRAGMA application_id = \(Journal.applicationID)")
            try db.execute(
                sql: """
                    CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID;

                    -- The append-only log. A change is named by (device, seq); json is its canonical encoding,
                    -- compared byte for byte when a change arrives again. rowid is the local arrival order.
                    CREATE TABLE change (
                        rowid INTEGER PRIMARY KEY,
                        device TEXT NOT NULL CHECK (length(device) = 16),
                        seq INTEGER NOT NULL CHECK (seq >= 1),
                        wall INTEGER NOT NULL CHECK (wall >= 0),
                        counter INTEGER NOT NULL CHECK (counter >= 0),
                        entry TEXT NOT NULL CHECK (length(entry) = 32),
                        json TEXT NOT NULL,
                        UNIQUE (device, seq)
                    );
                    CREATE INDEX change_by_entry ON change(entry);
                    CREATE INDEX change_by_time ON change(wall, counter, device);

                    -- The projection: what the change log materialises to, one row per entry.
                    CREATE TABLE entry (
                        rowid INTEGER PRIMARY KEY,
                        id TEXT NOT NULL UNIQUE CHECK (length(id) = 32),
                        kind TEXT NOT NULL,
                        title TEXT,
                        body TEXT NOT NULL,
                        level TEXT,
                        occurred_on TEXT,
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL,
                        due TEXT,
                        status TEXT,
                        minutes INTEGER,
                        pledge TEXT,
                        themes TEXT NOT NULL,
                        tags TEXT NOT NULL,
                        links TEXT NOT NULL,
                        trashed INTEGER NOT NULL CHECK (trashed IN (0, 1)),
                        conflict TEXT
                    );
                    CREATE INDEX entry_by_date ON entry(occurred_on, created_at);
                    CREATE INDEX entry_with_conflict ON entry(id) WHERE conflict IS NOT NULL;

                    CREATE TABLE entry_tag (
                        tag TEXT NOT NULL,
                        entry INTEGER NOT NULL REFERENCES entry(rowid) ON DELETE CASCADE,
                        PRIMARY KEY (tag, entry)
                    ) WITHOUT ROWID;
                    CREATE INDEX entry_tag_by_entry ON entry_tag(entry);

                    CREATE TABLE entry_theme (
                        theme TEXT NOT NULL,
                        entry INTEGER NOT NULL REFERENCES entry(rowid) ON DELETE CASCADE,
                        PRIMARY KEY (theme, entry)
                    ) WITHOUT ROWID;
                    CREATE INDEX entry_theme_by_entry ON entry_theme(entry);
                    """)
        }
        migrator.registerMigration("v2-search") { db in
            // Filled by the projection code in the same transaction as the entry row, not by triggers, so a
            // bulk import pays one insert per entry and nothing per trigger.
            try db.execute(
                sql: """
                    CREATE VIRTUAL TABLE entry_search USING fts5(
                        title, body, tags, tokenize = 'unicode61 remove_diacritics 2');
                    INSERT INTO entry_search(rowid, title, body, tags)
                        SELECT rowid, coalesce(title, ''), body, replace(tags, char(31), ' ') FROM entry WHERE trashed = 0;
                    """)
        }
        migrator.registerMigration("v3-links") { db in
            // Links are stored on the entry that makes them; this index answers "what links here" for
            // `ally show` and the review without scanning every entry.
            try db.execute(
                sql: """
                    CREATE TABLE entry_link (
                        target TEXT NOT NULL CHECK (length(target) = 32),
                        entry INTEGER NOT NULL REFERENCES entry(rowid) ON DELETE CASCADE,
                        PRIMARY KEY (target, entry)
                    ) WITHOUT ROWID;
                    CREATE INDEX entry_link_by_entry ON entry_link(entry);
                    INSERT INTO entry_link(target, entry)
                        SELECT value, entry.rowid FROM entry, json_each('["' || replace(links, ',', '","') || '"]')
                        WHERE links != '';
                    """)
        }
        migrator.registerMigration("v4-sync") { db in
            // `pushed` marks changes the server already has: local writes and bundle imports start at 0,
            // pulled changes at 1. `sync_state` holds the account, the token, the journal key and the cursor.
            try db.execute(
                sql: """
                    ALTER TABLE change ADD COLUMN pushed INTEGER NOT NULL DEFAULT 0 CHECK (pushed IN (0, 1));
                    CREATE INDEX change_unpushed ON change(rowid) WHERE pushed = 0;
                    CREATE TABLE sync_state (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v5-held-changes") { db in
            // Received changes kept out of the log (SPEC §2.1): `gap` waits for an earlier change of its device and
            // is applied once that arrives; `differs` is another copy of a change this journal holds, kept for the
            // user to see and settle (`settled` = 1 once `ally check --settle` wrote its content anew).
            try db.execute(
                sql: """
                    CREATE TABLE held_change (
                        rowid INTEGER PRIMARY KEY,
                        device TEXT NOT NULL CHECK (length(device) = 16),
                        seq INTEGER NOT NULL CHECK (seq >= 1),
                        entry TEXT NOT NULL CHECK (length(entry) = 32),
                        json TEXT NOT NULL,
                        reason TEXT NOT NULL CHECK (reason IN ('gap', 'differs')),
                        held_at INTEGER NOT NULL,
                        settled INTEGER NOT NULL DEFAULT 0 CHECK (settled IN (0, 1)),
                        UNIQUE (device, seq, json)
                    );
                    CREATE INDEX held_change_by_reason ON held_change(reason, device, seq);
                    """)
        }
        migrator.registerMigration("v6-unreadable-changes") { db in
            // Received changes that cannot be applied (SPEC §2.1): `unknown` carries an operation this version does
            // not know, `invalid` fails the checks. Kept as received, tried again at every merge (a newer ally
            // applies what this one could not), and listed by `ally status` and `ally check`.
            try db.execute(
                sql: """
                    CREATE TABLE unreadable_change (
                        rowid INTEGER PRIMARY KEY,
                        device TEXT NOT NULL CHECK (length(device) = 16),
                        seq INTEGER NOT NULL CHECK (seq >= 1),
                        entry TEXT,
                        json TEXT NOT NULL,
                        reason TEXT NOT NULL CHECK (reason IN ('unknown', 'invalid')),
                        problem TEXT NOT NULL,
                        held_at INTEGER NOT NULL,
                        UNIQUE (device, seq, json)
                    );
                    """)
        }
        migrator.registerMigration("v7-unconfirmed-pushes") { db in
            // Changes a push acknowledged that no pull has shown in the server's log yet (SPEC §9.1): a complete pull
            // that started after the acknowledgement must show them, so any left after one were lost by the server
            // (restored before this laptop read them back) and are sent again. `ack` numbers the acknowledgements
            // (from sync_state 'ackCounter'), so that a pull judges only those made before it started.
            try db.execute(
                sql: """
                    CREATE TABLE push_unconfirmed (
                        device TEXT NOT NULL, seq INTEGER NOT NULL, ack INTEGER NOT NULL, PRIMARY KEY (device, seq)
                    ) WITHOUT ROWID;
                    CREATE INDEX push_unconfirmed_by_ack ON push_unconfirmed(ack);
                    """)
        }
        migrator.registerMigration("v8-held-from-server") { db in
            // A held `differs` copy that came in a pull is the server's (SPEC §2.2): after a server restore, a copy
            // this laptop once pulled (and so counts as pushed) can lose to another the restored server accepted.
            try db.execute(
                sql: """
                    ALTER TABLE held_change ADD COLUMN from_server INTEGER NOT NULL DEFAULT 0 CHECK (from_server IN (0, 1));
                    """)
        }
        migrator.registerMigration("v9-erasure") { db in
            // Purges and redactions this journal holds (SPEC §2.3): a purged entry's later-arriving changes become
            // stubs, and `ally purge --status` lists them. `position` is a server position at or after the change,
            // once a pull has shown it.
            try db.execute(
                sql: """
                    CREATE TABLE erasure (
                        rowid INTEGER PRIMARY KEY,
                        device TEXT NOT NULL CHECK (length(device) = 16),
                        seq INTEGER NOT NULL CHECK (seq >= 1),
                        entry TEXT NOT NULL CHECK (length(entry) = 32),
                        kind TEXT NOT NULL CHECK (kind IN ('purge', 'redact')),
                        written_at INTEGER NOT NULL,
                        position INTEGER,
                        UNIQUE (device, seq)
                    );
                    CREATE INDEX erasure_by_entry ON erasure(entry, kind);
                    """)
        }
        migrator.registerMigration("v10-erasure-identifiers") { db in
            // A redaction of identifiers (`ally redact --phi`, SPEC §2.3): the entry's changes are redacted by the
            // guard whenever they arrive.
            try db.execute(
                sql: "ALTER TABLE erasure ADD COLUMN phi INTEGER NOT NULL DEFAULT 0 CHECK (phi IN (0, 1))")
        }
        migrator.registerMigration("v11-replace-pending") { db in
            // Changes the server holds in a less erased form than this journal (SPEC §2.3): sent again with
            // `replace`. Kept apart from `pushed`, which says whether the server ever had the change: a journal's
            // unpushed changes stay a suffix of its own, as the fork rules (§2.2) count on.
            try db.execute(
                sql: """
                    CREATE TABLE replace_pending (
                        device TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (device, seq)) WITHOUT ROWID;
                    """)
        }
        return migrator
    }()

    /// The names of the schema migrations, oldest first.
    public static var migrationNames: [String] { migrator.migrations }

    /// Creates a journal file migrated only up to `migration`, for tests of upgrades from older versions.
    public static func _createLegacy(at path: String, upTo migration: String, deviceID: DeviceID) throws {
        let database = try DatabaseQueue(path: path, configuration: configuration())
        try migrator.migrate(database, upTo: migration)
        try database.write { db in
            try db.execute(sql: "INSERT INTO meta(key, value) VALUES ('device', ?)", arguments: [deviceID.rawValue])
        }
        try database.close()
    }
}
