import AllyCore
import AllyProtocol
import AllyServerCore
import AllyTesting
import Foundation
import Testing

/// Stores for the contract suite: SQLite in a temporary folder, PostgreSQL from the cluster Tools/test.sh starts.
enum Backends {
    static let all = ["sqlite", "postgres"]

    static func store(_ backend: String, folder: TemporaryDirectory) async throws -> any ServerStore {
        let store: any ServerStore
        if backend == "sqlite" {
            store = try SQLiteServerStore(path: folder.file("server.sqlite"))
        } else {
            let url = try #require(
                ProcessInfo.processInfo.environment["ALLY_TEST_POSTGRES_URL"],
                "set ALLY_TEST_POSTGRES_URL; Tools/test.sh starts PostgreSQL with Tools/scripts/postgres.sh and sets it")
            store = try PostgresServerStore(url: url)
        }
        try await store.migrate()
        return store
    }
}

/// Names no earlier run used (the PostgreSQL database outlives a test run).
func unique(_ prefix: String) -> String { "\(prefix)\(UInt32.random(in: 0...UInt32.max))" }

/// A fresh random device id.
func freshDevice() -> String { DeviceID.random().rawValue }

/// A user record with throwaway secrets.
func makeUser(_ name: String) -> UserRecord {
    UserRecord(
        id: secureRandomBytes(16).hexString, username: name, salt: secureRandomBytes(16), authHash: sha256Hex(Data(name.utf8)),
        keyID: 1, wrappedKey: secureRandomBytes(60), recoveryAuthHash: sha256Hex(Data("r\(name)".utf8)),
        recoveryWrappedKey: secureRandomBytes(60), createdAt: 1)
}

/// A syntactically valid envelope (what a server can check) holding random bytes.
func envelope(_ size: Int = 64) -> Data {
    var data = Data([Envelope.version, 0, 0, 0, 1])
    data.append(secureRandomBytes(size))
    return data
}
