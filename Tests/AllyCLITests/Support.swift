import AllyCore
import AllyStore
import AllyTesting
import Foundation
import Testing

/// A journal file for CLI tests, with a runner bound to it.
struct Laptop {
    let path: String
    let run: CLIRun

    init(
        _ folder: TemporaryDirectory, _ name: String, clock: ManualClock = ManualClock(),
        environment: [String: String] = [:]
    ) {
        path = folder.file(name + ".sqlite")
        run = CLIRun(journal: path, clock: clock, environment: environment)
    }

    /// Runs a command that must succeed and returns its standard output.
    @discardableResult
    func ok(_ arguments: String..., stdin: String = "", sourceLocation: SourceLocation = #_sourceLocation) -> String {
        let result = run.run(arguments, stdin: Data(stdin.utf8))
        #expect(result.status == 0, "\(arguments) failed: \(result.stderr)", sourceLocation: sourceLocation)
        return result.stdout.trimmingCharacters(in: .newlines)
    }

    /// Every entry, trash included, as JSON objects keyed by id.
    func snapshot() throws -> [String: NSDictionary] {
        var result: [String: NSDictionary] = [:]
        for arguments in [["list", "--json"], ["list", "--json", "--trashed"]] {
            let output = run.run(arguments).stdout
            let entries = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [NSDictionary] ?? []
            for entry in entries { result[entry["id"] as? String ?? ""] = entry }
        }
        return result
    }

    /// Exact bytes of the journal file, for "nothing changed" checks.
    func integrity() throws -> String { try Journal.open(at: path).integrityCheck() }
}

func decodeJSON(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}
