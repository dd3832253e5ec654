import AllyCore
import AllyStore
import AllyTesting
import Foundation
import Testing

/// Issue 11 §2: the journal on a full disk. Real `ally` processes write to a journal on a 2 MiB tmpfs until it is
/// full: every failure is one clean line and a non-zero exit, every acknowledged entry (exit 0 and a printed id)
/// is still there, `ally check` passes, and writing works again once space is freed. Needs root (CI has it).
@Suite(.serialized) struct FullDiskTests {
    let folder = TemporaryDirectory()

    @Test func aFullDiskRefusesCleanlyLosesNothingAndRecovers() throws {
        let disk = folder.file("small-disk")
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        let mount = try Subprocess.run("/usr/bin/env", ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", disk])
        try #require(mount.status == 0, "mounting a tmpfs needs root: \(mount.stderr)")
        defer { _ = try? Subprocess.run("/usr/bin/env", ["umount", "-l", disk]) }
        let journal = disk + "/journal.sqlite"
        func ally(_ arguments: [String]) throws -> Subprocess.Result {
            try Subprocess.run(BinaryTests.binary, arguments + ["--journal", journal])
        }
        #expect(try ally(["new", "reflection", "the first entry"]).status == 0)
        // Fill most of the disk with another file, then write entries with long bodies until writes fail.
        _ = try Subprocess.run("/usr/bin/env", ["dd", "if=/dev/zero", "of=\(disk)/filler", "bs=64k", "count=24"])
        var acknowledged: [String] = []
        var failures: [String] = []
        let body = String(repeating: "A long reflection line about the handover. ", count: 300)
        for index in 0..<60 {
            let result = try ally(["new", "reflection", "\(index) " + body])
            if result.status == 0 {
                acknowledged.append(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
            } else {
                failures.append(result.stderr)
            }
        }
        #expect(!failures.isEmpty, "the disk never filled")
        for failure in failures {
            let lines = failure.split(separator: "\n").filter { !$0.isEmpty }
            #expect(lines.count == 1 && lines[0].hasPrefix("ally: error:"), "not one clean line: \(failure)")
            #expect(!failure.contains("Fatal error") && !failure.contains("SQLite error"), "\(failure)")
        }
        // Nothing acknowledged is lost, even while the disk is still full.
        let listed = try ally(["list", "--json"])
        #expect(listed.status == 0, "\(listed.stderr)")
        for id in acknowledged { #expect(listed.stdout.contains(id), "acknowledged entry \(id) is missing") }
        // Space freed: the journal checks out and takes writes again.
        try FileManager.default.removeItem(atPath: disk + "/filler")
        let check = try ally(["check"])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        let after = try ally(["new", "reflection", "after the disk was freed"])
        #expect(after.status == 0, "\(after.stderr)")
        #expect(try ally(["list"]).stdout.contains("after the disk was freed"))
    }
}
