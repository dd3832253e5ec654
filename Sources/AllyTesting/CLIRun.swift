import AllyCLI
import Foundation

/// Runs `ally` commands in-process against captured output, a fixed environment and a manual clock.
public final class CLIRun: @unchecked Sendable {
    /// What one command printed and returned.
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Environment for every command (add `ALLY_JOURNAL`, `EDITOR`, …).
    public var environment: [String: String]
    /// The clock commands read.
    public let clock: ManualClock

    /// Makes a runner whose commands use `journal` unless they pass `--journal`.
    public init(journal: String, clock: ManualClock = ManualClock(), environment: [String: String] = [:]) {
        // Drafts go to a data folder next to the journal, never the real home.
        let data = (journal as NSString).deletingLastPathComponent + "/data"
        self.environment = environment.merging(["ALLY_JOURNAL": journal, "NO_COLOR": "1", "XDG_DATA_HOME": data]) {
            mine, _ in mine
        }
        self.clock = clock
    }

    /// Runs one command line, with `stdin` as standard input.
    @discardableResult
    public func callAsFunction(_ arguments: String..., stdin: String = "") -> Result {
        run(arguments, stdin: Data(stdin.utf8))
    }

    /// Runs one command line with raw bytes on standard input.
    public func run(_ arguments: [String], stdin: Data = Data()) -> Result {
        let out = Buffer()
        let err = Buffer()
        let context = CLIContext(
            environment: environment, clock: clock.reading, readInput: { stdin }, writeOut: { out.append($0) },
            writeErr: { err.append($0) })
        let status = AllyCLI.run(arguments, context: context)
        return Result(status: status, stdout: out.text, stderr: err.text)
    }

    /// Runs one command whose output goes to a terminal `columns` wide (no colour: NO_COLOR stays set).
    public func runShowingOnTerminal(_ arguments: [String], columns: Int) -> Result {
        let out = Buffer()
        let err = Buffer()
        var environment = environment
        environment["COLUMNS"] = String(columns)
        let context = CLIContext(
            environment: environment, stdoutIsTerminal: true, clock: clock.reading, readInput: { Data() },
            writeOut: { out.append($0) }, writeErr: { err.append($0) })
        let status = AllyCLI.run(arguments, context: context)
        return Result(status: status, stdout: out.text, stderr: err.text)
    }

    /// Runs one command as if typed on a terminal, answering its questions with `answers` in order.
    public func runOnTerminal(_ arguments: [String], answers: [String]) -> Result {
        let out = Buffer()
        let err = Buffer()
        var pending = answers
        let context = CLIContext(
            environment: environment, stdinIsTerminal: true, stdoutIsTerminal: false, stderrIsTerminal: true,
            clock: clock.reading,
            readInput: { Data() }, readLine: { pending.isEmpty ? nil : pending.removeFirst() },
            writeOut: { out.append($0) }, writeErr: { err.append($0) })
        let status = AllyCLI.run(arguments, context: context)
        return Result(status: status, stdout: out.text, stderr: err.text)
    }

    final class Buffer: @unchecked Sendable {
        private(set) var text = ""
        func append(_ more: String) { text += more }
    }
}
