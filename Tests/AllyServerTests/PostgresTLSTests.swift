import AllyCore
import AllyProtocol
@testable import AllyServerCore
import AllyTesting
import Foundation
import PostgresNIO
import Testing

/// Issue 9 §5: TLS to PostgreSQL from the URL, as libpq users write it (`sslmode`, `sslrootcert`). The test cluster
/// (Tools/scripts/postgres.sh) serves TLS with a certificate from its own private authority.
@Suite struct PostgresTLSTests {
    let folder = TemporaryDirectory()

    var base: String {
        get throws {
            try #require(
                ProcessInfo.processInfo.environment["ALLY_TEST_POSTGRES_URL"],
                "set ALLY_TEST_POSTGRES_URL; Tools/test.sh starts PostgreSQL with Tools/scripts/postgres.sh and sets it")
        }
    }
    var authority: String {
        get throws {
            try #require(
                ProcessInfo.processInfo.environment["ALLY_TEST_POSTGRES_CA"],
                "set ALLY_TEST_POSTGRES_CA to the output of Tools/scripts/postgres.sh ca")
        }
    }

    /// Whether the store's connection is encrypted, as the server sees it.
    func encrypted(_ store: PostgresServerStore) async throws -> Bool {
        for try await ssl in try await store.client.query(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", logger: store.logger
        ).decode(Bool.self) {
            return ssl
        }
        return false
    }

    @Test func sslModesFromTheURLAreHonoured() async throws {
        let url = try base
        let ca = try authority
        for (query, expected) in [
            ("?sslmode=verify-full&sslrootcert=\(ca)", true), ("?sslmode=require", true), ("", true),
            ("?sslmode=disable", false),
        ] {
            let store = try PostgresServerStore(url: url + query)
            try await store.migrate()
            #expect(try await encrypted(store) == expected, "\(query)")
            #expect(try await store.durabilityProblem() == nil)
        }
    }

    @Test func anUntrustedCertificateIsRefusedWithVerifyFull() async throws {
        // Another authority than the cluster's: verify-full must not connect.
        let other = folder.file("other-ca.pem")
        let made = try Subprocess.run(
            "/usr/bin/env",
            [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=someone else",
                "-keyout", folder.file("other.key"), "-out", other,
            ])
        try #require(made.status == 0, "\(made.stderr)")
        let store = try PostgresServerStore(url: try base + "?sslmode=verify-full&sslrootcert=\(other)")
        // The pool keeps retrying a refused handshake for a minute before it gives up; five seconds without a
        // connection is the answer.
        let connected = await withTaskGroup(of: Bool.self) { group in
            group.addTask { (try? await store.migrate()) != nil }
            group.addTask {
                try? await Task.sleep(for: .seconds(5))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        #expect(!connected, "verify-full connected through a certificate from another authority")
        // Malformed TLS settings are refused before any connection.
        #expect(throws: ServerError.self) { try PostgresServerStore(url: try base + "?sslmode=sometimes") }
        #expect(throws: ServerError.self) { try PostgresServerStore(url: try base + "?sslrootcert=/no/such/file") }
        #expect(throws: ServerError.self) { try PostgresServerStore(url: try base + "?sslcert=x") }
    }
}
