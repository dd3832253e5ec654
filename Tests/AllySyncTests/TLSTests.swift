import AllySync
import AllyTesting
import Foundation
import Testing

/// `ally-server serve --tls-cert --tls-key` serves HTTPS itself.
@Suite struct TLSTests {
    let folder = TemporaryDirectory()

    @Test func theServerSpeaksHTTPSWithTheGivenCertificate() throws {
        let cert = folder.file("cert.pem")
        let key = folder.file("key.pem")
        let made = try Subprocess.run(
            "openssl",
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                "-subj", "/CN=localhost", "-keyout", key, "-out", cert,
            ]
        ).status
        try #require(made == 0, "openssl could not make a test certificate")
        let server = try ServerProcess(
            database: folder.file("server.sqlite"),
            arguments: ["--tls-cert", cert, "--tls-key", key, "--open-registration"])
        #expect(server.url.hasPrefix("https://"))
        let https = try Subprocess.run(
            "curl",
            ["-s", "--cacert", cert, server.url.replacingOccurrences(of: "127.0.0.1", with: "localhost") + "/healthz"])
        #expect(https.status == 0 && https.stdout == "ok\n")
        // Plain HTTP to the TLS port gets no answer.
        let plain = try Subprocess.run(
            "curl",
            ["-s", "--max-time", "3", server.url.replacingOccurrences(of: "https://", with: "http://") + "/healthz"])
        #expect(plain.status != 0)

        // ally's own client (libcurl, loaded on first use) trusts the certificate it is given, and only that.
        let local = server.url.replacingOccurrences(of: "127.0.0.1", with: "localhost")
        let trusting = try HTTPSyncTransport(server: local, caFile: cert)
        #expect(try trusting.info().protocolVersion == 1)
        let started = Date()
        // Ten retries with backoff would take over four minutes.
        let doubting = try HTTPSyncTransport(server: local, caFile: nil, retries: 10)
        #expect {
            _ = try doubting.info()
        } throws: { error in
            guard let error = error as? SyncError else { return false }
            return error.code == .unreachable && error.message.contains("certificate")
        }
        // A certificate that fails verification is final: it is not retried.
        #expect(Date().timeIntervalSince(started) < 30)
        let missing = try HTTPSyncTransport(server: local, caFile: folder.file("no-such-ca.pem"))
        #expect(throws: SyncError.self) { try missing.info() }

        // The CLI: SSL_CERT_FILE names the authority to trust.
        let register = ["account", "register", "--server", local, "--username", "tess"]
        let doubtingLaptop = CLIRun(
            journal: folder.file("a.sqlite"), environment: ["ALLY_PASSPHRASE": "a long passphrase"])
        let refused = doubtingLaptop.run(register)
        #expect(refused.status == 7 && refused.stderr.contains("certificate"), "\(refused.stderr)")
        let laptop = CLIRun(
            journal: folder.file("b.sqlite"),
            environment: ["ALLY_PASSPHRASE": "a long passphrase", "SSL_CERT_FILE": cert])
        let registered = laptop.run(register)
        #expect(registered.status == 0, "\(registered.stderr)")
        #expect(laptop.run(["new", "reflection", "over TLS"]).status == 0)
        let synced = laptop.run(["sync"])
        #expect(
            synced.status == 0 && synced.stdout.contains("pushed ") && !synced.stdout.contains("pushed 0"),
            "\(synced.stdout) \(synced.stderr)")
    }
}
