import AllyCore
import AllyStore
import AllyTesting
import Foundation
import Testing

/// A laptop for sync tests: a journal driven through the real CLI in-process.
struct SyncLaptop {
    let path: String
    let run: CLIRun

    init(
        _ folder: TemporaryDirectory, _ name: String, passphrase: String = "correct horse battery staple",
        clock: ManualClock = ManualClock()
    ) {
        path = folder.file(name + ".sqlite")
        run = CLIRun(journal: path, clock: clock, environment: ["ALLY_PASSPHRASE": passphrase])
    }

    @discardableResult
    func ok(_ arguments: String..., sourceLocation: SourceLocation = #_sourceLocation) -> String {
        let result = run.run(arguments)
        #expect(result.status == 0, "\(arguments) failed: \(result.stderr)", sourceLocation: sourceLocation)
        return result.stdout.trimmingCharacters(in: .newlines)
    }

    /// Every entry, trash included, as JSON text sorted by id (comparable across journals).
    func snapshot() throws -> String {
        var entries: [[String: Any]] = []
        for arguments in [["list", "--json"], ["list", "--json", "--trashed"]] {
            let output = run.run(arguments).stdout
            entries += (try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]]) ?? []
        }
        entries.sort { ($0["id"] as? String ?? "") < ($1["id"] as? String ?? "") }
        // updatedAt is the time of the latest change *this* journal holds; everything else must match.
        let comparable = entries.map { $0.filter { $0.key != "updatedAt" } }
        return String(
            decoding: try JSONSerialization.data(withJSONObject: comparable, options: [.sortedKeys]), as: UTF8.self)
    }
}
