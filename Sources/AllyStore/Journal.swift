import AllyCore
import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One ally journal: a single SQLite file holding the change log and its projection (DESIGN.md §8).
///
/// Every public write is one transaction that appends changes and updates the projection together, so a crash
/// leaves either all of a write or none of it.
///
/// ```swift
/// let journal = try Journal.create(at: path)
/// let entry = try journal.create(.reflection, patch: patch)
/// ```
public struct Journal: Sendable {
    /// The SQLite `application_id` that marks a file as an ally journal ("ALLY").
    public static let applicationID: Int32 = 0x414C_4C59

    /// The connection the app uses.
    public let database: DatabaseQueue
    /// This journal's device id, fixed when the journal was created.
    public let deviceID: DeviceID
    /// Where the file is.
    public let path: String
    let clock: @Sendable () -> Int64
    /// Whether opening found the file (or its -wal/-shm) readable by others and made it private (0600).
    public internal(set) var tightenedPermissions = false

    /// Creates a new journal file at `path`; refuses if a journal is already there.
    ///
    /// Creation is all or nothing and safe against a racing creator (DESIGN.md §8): the file is built under a
    /// temporary name and renamed into place while this process holds the folder's creation lock, so no other
    /// process ever sees a half-made journal at `path`, and a loser finds the winner's journal complete. A file
    /// left half-made by an interrupted creation (an older ally killed mid-way) is moved aside, never deleted.
    public static func create(
        at path: String, deviceID: DeviceID = .random(), clock: @escaping @Sendable () -> Int64 = Journal.systemClock
    ) throws -> Journal {
        try JournalCreation.makeFolder(for: path)
        try JournalCreation.withLock(for: path) {
            if FileManager.default.fileExists(atPath: path) || JournalCreation.isSymbolicLink(path) {
                guard JournalCreation.halfMadeReason(at: path) != nil else {
                    throw JournalError(.alreadyExists, "a journal already exists at \(path)")
                }
                try JournalCreation.moveAside(path)
            }
            try JournalCreation.build(at: path, deviceID: deviceID)
        }
        return try open(at: path, clock: clock)
    }

    /// Opens the journal at `path`, upgrading an older schema; refuses a missing file, a file that is not an
    /// ally journal, a journal from a newer ally, or a damaged one, without writing to it.
    public static func open(at path: String, clock: @escaping @Sendable () -> Int64 = Journal.systemClock) throws
        -> Journal
    {
        try checkFile(at: path)
        let tightened = tightenPermissions(at: path)
        recoverHotJournal(at: path)
        // Vet the file through a read-only connection first: nothing, not even a switch to WAL, may be written
        // to a file that turns out not to be ours, to be newer, or to be damaged.
        let deviceID = try wrap {
            let inspector = try DatabaseQueue(path: path, configuration: inspectionConfiguration())
            defer { try? inspector.close() }
            return try inspector.read { db -> DeviceID in
                if let reason = try JournalCreation.halfMadeReason(db) {
                    throw JournalError(
                        .halfMade,
                        "\(path) was left half-made (\(reason)) by an interrupted creation; the next `ally new` "
                            + "moves it aside and starts a new journal")
                }
                let applicationID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
                guard applicationID == Journal.applicationID else {
                    throw JournalError(.notAJournal, "\(path) is an SQLite database but not an ally journal")
                }
                if try migrator.hasBeenSuperseded(db) {
                    throw JournalError(
                        .newerSchema, "\(path) was written by a newer version of ally; upgrade ally to open it")
                }
                guard try db.tableExists("meta"),
                    let raw = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'device'"),
                    let deviceID = DeviceID(rawValue: raw)
                else { throw JournalError(.notAJournal, "\(path) has no device id; it is not a usable ally journal") }
                // The schema's first pages and the log's tail must read back; a damaged file fails here.
                _ = try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM (SELECT rowid FROM change ORDER BY rowid DESC LIMIT 16)")
                _ = try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM (SELECT rowid FROM entry ORDER BY rowid DESC LIMIT 16)")
                return deviceID
            }
        }
        let database = try wrap { try DatabaseQueue(path: path, configuration: configuration()) }
        do {
            try wrap { try migrator.migrate(database) }
            var journal = Journal(database: database, deviceID: deviceID, path: path, clock: clock)
            journal.tightenedPermissions = tightened
            return journal
        } catch {
            try? database.close()
            throw error
        }
    }

    /// A process killed inside a rollback-journal transaction (the first open of a new journal switches it to WAL
    /// in one) leaves a hot `-journal` beside the file; a read-only connection cannot roll it back and fails with
    /// "attempt to write a readonly database". SQLite's own recovery runs on the first read of a read-write
    /// connection, which restores the file to its last commit, so that runs first, before the file is vetted.
    static func recoverHotJournal(at path: String) {
        guard FileManager.default.fileExists(atPath: path + "-journal") else { return }
        // Usually the journal belongs to a live transaction of another process (a new journal switching to WAL):
        // then the read waits for it and finds nothing to do. A failure here is left to the vetting that follows.
        var config = Configuration()
        config.busyMode = .timeout(5)
        guard let recovery = try? DatabaseQueue(path: path, configuration: config) else { return }
        defer { try? recovery.close() }
        _ = try? recovery.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") }
    }

    /// Milliseconds since the epoch from the system clock.
    public static let systemClock: @Sendable () -> Int64 = { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

    static func configuration() -> Configuration {
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(5)
        config.prepareDatabase { db in
            // DESIGN.md §8: durability and no remnants of deleted text; checked by a test on this connection.
            // WAL is set here rather than through `journalMode = .wal`, which would also lower synchronous to NORMAL.
            try db.execute(sql: "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA secure_delete = ON")
        }
        return config
    }

    /// A read-only connection that writes nothing, used to vet a file before the real connection touches it.
    static func inspectionConfiguration() -> Configuration {
        var config = Configuration()
        config.readonly = true
        config.foreignKeysEnabled = false
        // Wait for a writer's lock instead of failing at once (the journal is often busy with a sync).
        config.busyMode = .timeout(5)
        return config
    }

    /// Makes the journal file and its -wal and -shm readable and writable by their owner only (0600), whatever
    /// the umask they were made under: the file holds the entries, the journal key and the device token. Returns
    /// whether a mode was looser. (SQLite gives -wal and -shm the mode of the journal file when it makes them.)
    @discardableResult
    public static func tightenPermissions(at path: String) -> Bool {
        var changed = false
        for suffix in ["", "-wal", "-shm"] where makePrivate(path + suffix, mode: 0o600) { changed = true }
        return changed
    }

    /// Sets `mode` on `path` if it exists and group or others have any access to it; returns whether it did.
    @discardableResult
    public static func makePrivate(_ path: String, mode: mode_t) -> Bool {
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & 0o077 != 0 else { return false }
        return chmod(path, mode) == 0
    }

    /// Refuses, before SQLite touches it, a path that is missing, empty, a folder, or not an SQLite file.
    static func checkFile(at path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw JournalError(.notFound, "no journal at \(path)")
        }
        guard !isDirectory.boolValue else { throw JournalError(.notAJournal, "\(path) is a folder, not a journal") }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw JournalError(.storage, "cannot read \(path) (check its permissions)")
        }
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: 16)) ?? Data()
        guard header == Data("SQLite format 3\0".utf8) else {
            if header.isEmpty {
                throw JournalError(
                    .halfMade,
                    "\(path) is empty, as an interrupted creation leaves it; the next `ally new` moves it aside and "
                        + "starts a new journal")
            }
            throw JournalError(.notAJournal, "\(path) is not an ally journal")
        }
    }

    /// Runs `body`, turning SQLite's failures into `JournalError`s that say what they mean.
    static func wrap<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as JournalError {
            throw error
        } catch let error as DatabaseError {
            switch error.resultCode {
            case .SQLITE_CORRUPT, .SQLITE_NOTADB:
                throw JournalError(
                    .corrupt, "the journal file is damaged (\(error.message ?? "corrupt")); restore it from a backup",
                    cause: error)
            case .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM:
                throw JournalError(.storage, "cannot write the journal: \(error.message ?? "\(error)")", cause: error)
            default:
                throw JournalError(.storage, "journal storage failed: \(error.message ?? "\(error)")", cause: error)
            }
        }
    }
}
