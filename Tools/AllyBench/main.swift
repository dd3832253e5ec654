// Benchmarks the journal at 1k, 10k and 100k entries: add, list, search and export, in-process and through
// the `ally` binary. Prints a Markdown table for docs/PERFORMANCE.md. Run with Tools/bench.sh (release build).
import AllyCLI
import AllyCore
import AllyStore
import AllyTesting
import Foundation

let arguments = CommandLine.arguments.dropFirst()
// `--fill PATH N`: just write a journal of N synthetic entries (for Tools/sync-bench.sh).
if arguments.first == "--fill", arguments.count == 3, let count = Int(arguments[arguments.startIndex + 2]) {
    let journal = try Journal.create(at: arguments[arguments.startIndex + 1])
    var generator = JournalGenerator(seed: 7)
    try generator.fill(journal, count: count)
    exit(0)
}
let sizes = arguments.first.map { $0.split(separator: ",").compactMap { Int($0) } } ?? [1_000, 10_000, 100_000]
let allyBinary = arguments.dropFirst().first
let folder = TemporaryDirectory()

func milliseconds(_ body: () throws -> Void) rethrows -> Double {
    let start = ContinuousClock.now
    try body()
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
}

func stats(_ samples: [Double]) -> (median: Double, p95: Double) {
    let sorted = samples.sorted()
    return (sorted[sorted.count / 2], sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.95))])
}

/// Runs the `ally` binary and times it to exit. Uses posix_spawn and waitpid directly: Foundation's
/// `Process.waitUntilExit` polls a run loop every 50 ms on Linux, which would swamp the figures.
func runBinary(_ arguments: [String], journal: String) throws -> Double {
    guard let allyBinary else { return .nan }
    let argv: [UnsafeMutablePointer<CChar>?] = ([allyBinary] + arguments).map { (text: String) in strdup(text) } + [nil]
    let envp: [UnsafeMutablePointer<CChar>?] =
        ["ALLY_JOURNAL=\(journal)", "NO_COLOR=1", "HOME=\(folder.path)"].map { (text: String) in strdup(text) } + [nil]
    defer { (argv + envp).forEach { free($0) } }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    var status: Int32 = 0
    let elapsed = milliseconds {
        var pid: pid_t = 0
        guard posix_spawn(&pid, allyBinary, &actions, nil, argv, envp) == 0 else { return }
        waitpid(pid, &status, 0)
    }
    precondition(status == 0, "ally \(arguments) failed with status \(status)")
    return elapsed
}

func format(_ value: Double) -> String { value.isNaN ? "–" : String(format: "%.1f", value) }

var rows: [String] = []
for size in sizes {
    let path = folder.file("bench-\(size).sqlite")
    let journal = try Journal.create(at: path)
    var generator = JournalGenerator(seed: 42)
    let fillTime = try milliseconds { try generator.fill(journal, count: size) }
    let fileMB = Double((try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0) / 1_048_576

    var addSamples: [Double] = []
    for index in 0..<60 {
        let write = generator.makeWrite(index: size + index)
        addSamples.append(try milliseconds { _ = try journal.write([write]) })
    }
    var listSamples: [Double] = []
    var query = EntryQuery()
    query.limit = 50
    for _ in 0..<30 { listSamples.append(try milliseconds { _ = try journal.entries(matching: query) }) }
    var filtered = EntryQuery()
    filtered.tags = ["huddle"]
    filtered.themes = [.integrity]
    filtered.limit = 50
    var filterSamples: [Double] = []
    for _ in 0..<30 { filterSamples.append(try milliseconds { _ = try journal.entries(matching: filtered) }) }
    var rareSamples: [Double] = []
    var commonSamples: [Double] = []
    for _ in 0..<30 {
        rareSamples.append(try milliseconds { _ = try journal.search("athena rising", limit: 50) })
        commonSamples.append(try milliseconds { _ = try journal.search("colleague", limit: 50) })
    }
    let exportFile = folder.file("export-\(size).json")
    let exportTime = try milliseconds {
        let status = AllyCLI.run(
            ["export", "--format", "json", "--output", exportFile, "--journal", path],
            context: CLIContext(
                environment: [:], clock: Journal.systemClock, readInput: { Data() }, writeOut: { _ in },
                writeErr: { _ in }))
        precondition(status == 0, "export failed")
    }
    var cliAdd: [Double] = []
    var cliList: [Double] = []
    var cliSearch: [Double] = []
    if allyBinary != nil {
        for index in 0..<15 {
            cliAdd.append(
                try runBinary(["new", "reflection", "Benchmark entry \(index)", "--tag", "bench"], journal: path))
            cliList.append(try runBinary(["list", "--limit", "50"], journal: path))
            cliSearch.append(try runBinary(["search", "athena"], journal: path))
        }
    }
    let add = stats(addSamples)
    rows.append(
        "| \(size) | \(format(fillTime / 1000)) s | \(format(fileMB)) MB | \(format(add.median)) / \(format(add.p95)) | "
            + "\(format(stats(listSamples).median)) | \(format(stats(filterSamples).median)) | "
            + "\(format(stats(rareSamples).median)) | \(format(stats(commonSamples).median)) | \(format(exportTime)) | "
            + "\(cliAdd.isEmpty ? "–" : format(stats(cliAdd).median)) | \(cliList.isEmpty ? "–" : format(stats(cliList).median)) | "
            + "\(cliSearch.isEmpty ? "–" : format(stats(cliSearch).median)) |")
    FileHandle.standardError.write(Data("measured \(size) entries\n".utf8))
}

print(
    "| entries | fill | file | add ms (median / p95) | list 50 ms | filtered list ms | search rare ms | search common ms | export JSON ms | `ally new` ms | `ally list` ms | `ally search` ms |"
)
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for row in rows { print(row) }
