import AllyTesting
import Foundation
import Testing

/// The real `ally` executable: exit statuses and streams as a shell sees them.
@Suite struct BinaryTests {
    static var binary: String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/ally").path
    }

    func run(_ arguments: [String], environment: [String: String]) throws -> (Int32, String, String) {
        let result = try Subprocess.run(Self.binary, arguments, environment: environment)
        return (result.status, result.stdout, result.stderr)
    }

    @Test func theBinaryWritesReadsAndFailsLikeAShellToolShould() throws {
        #expect(
            FileManager.default.isExecutableFile(atPath: Self.binary), "build the ally product first: \(Self.binary)")
        let folder = NSTemporaryDirectory() + "ally-binary-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let environment = ["ALLY_JOURNAL": folder + "/j.sqlite", "HOME": folder, "PATH": "/usr/bin:/bin"]
        let (status, id, created) = try run(["new", "reflection", "From a real process"], environment: environment)
        #expect(status == 0 && created.contains("Created a new journal"))
        let (listStatus, listing, _) = try run(["list"], environment: environment)
        #expect(listStatus == 0 && listing.contains(id.trimmingCharacters(in: .newlines)))
        let (badStatus, _, badError) = try run(["show", "ffffffff"], environment: environment)
        #expect(badStatus == 3 && badError.hasPrefix("ally: error: "))
        let (helpStatus, help, _) = try run(["new", "--help"], environment: environment)
        #expect(helpStatus == 0 && help.contains("Examples:"))
        let (completionStatus, completion, _) = try run(
            ["--generate-completion-script", "bash"], environment: environment)
        #expect(completionStatus == 0 && completion.contains("complete"))
    }

    /// Every command pays for what the binary links at start; libcurl (and FoundationNetworking) are loaded only
    /// by the commands that talk to a server (docs/PERFORMANCE.md).
    @Test func theBinaryDoesNotLinkTheNetworkStack() throws {
        let linked = try Subprocess.run("ldd", [Self.binary])
        try #require(linked.status == 0, "ldd failed: \(linked.stderr)")
        #expect(linked.stdout.contains("libsqlite3"), "ldd lists the libraries the binary links: \(linked.stdout)")
        #expect(!linked.stdout.contains("libcurl"))
        #expect(!linked.stdout.contains("FoundationNetworking"))

        // Without libcurl, the commands that need no server work, and the others say what is missing.
        let folder = NSTemporaryDirectory() + "ally-binary-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let environment = [
            "ALLY_JOURNAL": folder + "/j.sqlite", "HOME": folder, "PATH": "/usr/bin:/bin",
            "ALLY_LIBCURL": folder + "/no-libcurl.so", "ALLY_PASSPHRASE": "a long passphrase",
        ]
        let (written, _, _) = try run(["new", "reflection", "Offline, as ever"], environment: environment)
        #expect(written == 0)
        let (status, _, stderr) = try run(
            ["account", "login", "--server", "http://127.0.0.1:9", "--username", "sam"], environment: environment)
        #expect(status == 7 && stderr.contains("cannot load libcurl"), "\(stderr)")
    }
}
