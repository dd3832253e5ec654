import AllyCore
import AllyStore
import AllyTesting
import Foundation
import Testing

/// Issue 9 §4: a database outage answers 503 with Retry-After, against a real `ally-server` process.
@Suite(.serialized) struct ServerOutageTests {
    let folder = TemporaryDirectory()

    /// Runs a Python snippet with the server's host and port as `HOST`, `PORT`; returns its standard output.
    func python(_ code: String, server: ServerProcess) throws -> String {
        let address = server.url.replacingOccurrences(of: "http://", with: "").split(separator: ":")
        let result = try Subprocess.run(
            "/usr/bin/env",
            ["python3", "-c", "import socket, time\nHOST, PORT = '\(address[0])', \(address[1])\n" + code])
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A database that cannot write (here: its disk is full) answers 503 with Retry-After, not 500, stores nothing,
    /// and works again once space is freed. The database sits on a 3 MiB tmpfs (tests run as root in CI).
    @Test func aFullDiskAnswers503AndRecovers() throws {
        let mountPoint = folder.file("small-disk")
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        let mount = try Subprocess.run("/usr/bin/env", ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", mountPoint])
        try #require(mount.status == 0, "mounting a tmpfs needs root: \(mount.stderr)")
        defer { _ = try? Subprocess.run("/usr/bin/env", ["umount", "-l", mountPoint]) }
        let server = try ServerProcess(
            database: mountPoint + "/server.sqlite", arguments: ["--open-registration"])
        let laptop = SyncLaptop(folder, "a")
        laptop.ok("new", "reflection", "before the disk filled")
        laptop.ok("account", "register", "--server", server.url, "--username", "fuller")
        laptop.ok("sync")
        let token = try #require(try Journal.open(at: laptop.path).syncState()["token"])
        // Fill the disk.
        _ = try Subprocess.run(
            "/usr/bin/env", ["dd", "if=/dev/zero", "of=\(mountPoint)/filler", "bs=64k", "count=100"])
        let answers = try python(
            """
            import http.client, json, os, base64
            device = os.urandom(8).hex()
            out = []
            for attempt in (1, 2):
                seq = 1  # the first attempt is refused (disk full), so the retry sends the same change
                if attempt == 2: os.remove("\(mountPoint)/filler")
                c = http.client.HTTPConnection(HOST, PORT)
                body = json.dumps({"changes": [{"device": device, "seq": seq,
                    "envelope": base64.b64encode(bytes([2, 0, 0, 0, 1]) + os.urandom(200000)).decode()}]})
                c.request("POST", "/v1/changes", body=body,
                          headers={"Authorization": "Bearer \(token)", "Content-Type": "application/json"})
                r = c.getresponse(); r.read()
                out.append(f"{r.status} {r.getheader('Retry-After')}")
            print(";".join(out))
            """, server: server)
        #expect(answers == "503 5;200 None", "\(answers)")
    }

}
