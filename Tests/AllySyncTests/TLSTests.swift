import AllyTesting
import Foundation
import Testing

/// `ally-server serve --tls-cert --tls-key` serves HTTPS itself.
@Suite struct TLSTests {
    let folder = TemporaryDirectory()

    func run(_ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func theServerSpeaksHTTPSWithTheGivenCertificate() throws {
        let cert = folder.file("cert.pem")
        let key = folder.file("key.pem")
        let (made, _) = try run([
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
            "-subj", "/CN=localhost", "-keyout", key, "-out", cert,
        ])
        try #require(made == 0, "openssl could not make a test certificate")
        let server = try ServerProcess(database: folder.file("server.sqlite"), arguments: ["--tls-cert", cert, "--tls-key", key])
        #expect(server.url.hasPrefix("https://"))
        let (status, body) = try run(["curl", "-s", "--cacert", cert, server.url.replacingOccurrences(of: "127.0.0.1", with: "localhost") + "/healthz"])
        #expect(status == 0 && body == "ok\n")
        // Plain HTTP to the TLS port gets no answer.
        let (plain, _) = try run(["curl", "-s", "--max-time", "3", server.url.replacingOccurrences(of: "https://", with: "http://") + "/healthz"])
        #expect(plain != 0)
    }
}
