import AllyCore
import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The steps of creating a journal file atomically (DESIGN.md §8): a folder lock, a temporary file, a rename.
enum JournalCreation {
    /// Creates the journal's folder (and its parents), private to the user.
    static func makeFolder(for path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        guard !directory.isEmpty else { return }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue {
            return
        }
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw JournalError(.storage, "cannot create the folder \(directory): \(error.localizedDescription)")
        }
    }

    /// Runs `body` holding an exclusive lock on the journal's folder, so two processes creating journals in it
    /// take turns. The kernel drops the lock if the process dies.
    static func withLock<T>(for path: String, _ body: () throws -> T) throws -> T {
        let directory = (path as NSString).deletingLastPathComponent
        let descriptor = Glibc.open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw JournalError(.storage, "cannot open the folder of \(path): \(String(cString: strerror(errno)))")
        }
        defer { Glibc.close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                throw JournalError(.storage, "cannot lock the folder of \(path): \(String(cString: strerror(errno)))")
            }
        }
        defer { flock(descriptor, LOCK_UN) }
        removeStaleTemporaries(for: path)
        return try body()
    }

    /// The prefix of the temporary files a creation builds before renaming one into place.
    static func temporaryPrefix(for path: String) -> String { path + ".creating-" }

    /// Removes temporary files of creations that never finished. Called under the folder lock, so no creation is
    /// under way and every such file is a leftover of a killed process.
    static func removeStaleTemporaries(for path: String) {
        let directory = (path as NSString).deletingLastPathComponent
        let prefix = ((temporaryPrefix(for: path)) as NSString).lastPathComponent
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory)) ?? []
        for name in names where name.hasPrefix(prefix) {
            try? FileManager.default.removeItem(atPath: directory.isEmpty ? name : directory + "/" + name)
        }
    }

    static func isSymbolicLink(_ path: String) -> Bool {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) != nil
    }

    /// Builds a complete journal under a temporary name, then renames it to `path` (which must not exist).
    static func build(at path: String, deviceID: DeviceID) throws {
        let temporary = temporaryPrefix(for: path) + String(getpid()) + "-" + String(UInt32.random(in: 0...UInt32.max))
        do {
            // Rollback journal mode while building: no -wal file to carry along; the first real open turns WAL on.
            var config = Configuration()
            config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL; PRAGMA secure_delete = ON") }
            let database = try Journal.wrap { try DatabaseQueue(path: temporary, configuration: config) }
            try Journal.wrap {
                try Journal.migrator.migrate(database)
                try database.write { db in
                    try db.execute(
                        sql: "INSERT INTO meta(key, value) VALUES ('device', ?)", arguments: [deviceID.rawValue])
                }
                try database.close()
            }
            chmod(temporary, 0o600)
            guard rename(temporary, path) == 0 else {
                throw JournalError(.storage, "cannot create \(path): \(String(cString: strerror(errno)))")
            }
            syncFolder(of: path)
        } catch {
            for suffix in ["", "-journal"] { unlink(temporary + suffix) }
            throw error
        }
    }

    /// Makes a rename in the folder durable.
    static func syncFolder(of path: String) {
        let directory = (path as NSString).deletingLastPathComponent
        let descriptor = Glibc.open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        Glibc.close(descriptor)
    }

    /// Moves a half-made file (and its -wal and -shm) to `PATH.interrupted-SECONDS`, keeping every byte.
    static func moveAside(_ path: String) throws {
        let aside = path + ".interrupted-" + String(Int(Date().timeIntervalSince1970))
        for suffix in ["-wal", "-shm", ""] where FileManager.default.fileExists(atPath: path + suffix) {
            guard rename(path + suffix, aside + suffix) == 0 else {
                throw JournalError(
                    .storage, "cannot move the half-made \(path) aside: \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Why the file at `path` is a half-made journal left by an interrupted creation, or nil if it is not one
    /// (a complete journal, another application's file, or no file).
    static func halfMadeReason(at path: String) -> String? {
        do {
            try Journal.checkFile(at: path)
        } catch let error as JournalError {
            return error.code == .halfMade ? "empty" : nil
        } catch {
            return nil
        }
        do {
            let inspector = try DatabaseQueue(path: path, configuration: Journal.inspectionConfiguration())
            defer { try? inspector.close() }
            return try inspector.read { db in try halfMadeReason(db) }
        } catch {
            return nil
        }
    }

    /// Why the open database is a half-made journal, or nil. Only two shapes qualify: no schema at all, or
    /// ally's schema with neither a device id nor a single change — what the steps of a creation leave when cut.
    static func halfMadeReason(_ db: Database) throws -> String? {
        let objects = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0
        if objects == 0 { return "no tables" }
        let applicationID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
        guard applicationID == Journal.applicationID, try db.tableExists("meta") else { return nil }
        let hasDevice = try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM meta WHERE key = 'device')") ?? false
        let hasChanges =
            try db.tableExists("change") && (try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM change)") ?? false)
        return !hasDevice && !hasChanges ? "no device id" : nil
    }
}
