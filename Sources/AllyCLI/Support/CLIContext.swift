import AllyCore
import Foundation

/// Everything a command reads from or writes to the outside world, so tests can run commands in-process.
///
/// The binary uses `CLIContext.live()`; tests build one with an environment, captured output and a fixed clock.
public final class CLIContext: @unchecked Sendable {
    /// Environment variables (`ALLY_JOURNAL`, `NO_COLOR`, `EDITOR`, …). `ally --journal PATH COMMAND` sets
    /// `ALLY_JOURNAL` here before the command runs.
    public internal(set) var environment: [String: String]
    /// Whether standard input, output and error are terminals.
    public let stdinIsTerminal: Bool
    public let stdoutIsTerminal: Bool
    public let stderrIsTerminal: Bool
    /// The wall clock in ms since the epoch.
    public let clock: @Sendable () -> Int64
    /// The user's offset from UTC in seconds, for "today" and weeks.
    public let utcOffsetSeconds: Int
    private let readInput: () -> Data
    private let readAnswer: () -> String?
    private let writeOut: (String) -> Void
    private let writeErr: (String) -> Void

    /// Makes a context.
    public init(
        environment: [String: String], stdinIsTerminal: Bool = false, stdoutIsTerminal: Bool = false,
        stderrIsTerminal: Bool = false, clock: @escaping @Sendable () -> Int64, utcOffsetSeconds: Int = 0,
        readInput: @escaping () -> Data, readLine: @escaping () -> String? = { nil },
        writeOut: @escaping (String) -> Void, writeErr: @escaping (String) -> Void
    ) {
        self.environment = environment
        self.stdinIsTerminal = stdinIsTerminal
        self.stdoutIsTerminal = stdoutIsTerminal
        self.stderrIsTerminal = stderrIsTerminal
        self.clock = clock
        self.utcOffsetSeconds = utcOffsetSeconds
        self.readInput = readInput
        self.readAnswer = readLine
        self.writeOut = writeOut
        self.writeErr = writeErr
    }

    /// The real process: its environment, terminals, clock and time zone. `ALLY_NOW` (an ISO 8601 time) pins
    /// the clock, for scripted tours and tests.
    public static func live() -> CLIContext {
        let environment = ProcessInfo.processInfo.environment
        var clock: @Sendable () -> Int64 = { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
        if let pinned = environment["ALLY_NOW"].flatMap(ISOTimestamp.parse) {
            // Each call moves on by 1 ms so that pinned runs still order their writes.
            let counter = PinnedClock(start: pinned)
            clock = { counter.next() }
        }
        let offset = TimeZone.current.secondsFromGMT(for: Date(timeIntervalSince1970: Double(clock()) / 1000))
        return CLIContext(
            environment: environment, stdinIsTerminal: isatty(0) == 1, stdoutIsTerminal: isatty(1) == 1,
            stderrIsTerminal: isatty(2) == 1, clock: clock, utcOffsetSeconds: offset,
            readInput: { FileHandle.standardInput.readDataToEndOfFile() }, readLine: { Swift.readLine() },
            writeOut: { FileHandle.standardOutput.write(Data($0.utf8)) },
            writeErr: { FileHandle.standardError.write(Data($0.utf8)) })
    }

    /// The context commands run in; set by `AllyCLI.run`.
    @TaskLocal public static var current: CLIContext = .live()

    /// Writes a line to standard output.
    public func print(_ text: String = "") { writeOut(text + "\n") }
    /// Writes text to standard output without a newline.
    public func write(_ text: String) { writeOut(text) }
    /// Writes text to standard error without a newline (progress bars).
    public func noteInline(_ text: String) { writeErr(text) }

    /// Writes a line to standard error.
    public func note(_ text: String) { writeErr(text + "\n") }
    /// All of standard input.
    public func readAllInput() -> Data { readInput() }

    /// Asks a question on standard error and reads one line of answer (nil at end of input).
    public func ask(_ question: String) -> String? {
        writeErr(question)
        return readAnswer()
    }

    /// Today in the time zone `identifier` (the system's if nil or unknown).
    public func today(inTimeZone identifier: String?) -> LocalDate {
        guard let identifier, let zone = TimeZone(identifier: identifier) else { return today }
        let now = clock()
        let offset = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(now) / 1000)))
        let local = now / 1000 + offset
        return LocalDate(dayNumber: Int((local - ((local % 86_400) + 86_400) % 86_400) / 86_400))
    }

    /// Today in the user's time zone.
    public var today: LocalDate {
        let local = clock() / 1000 + Int64(utcOffsetSeconds)
        return LocalDate(dayNumber: Int((local - ((local % 86_400) + 86_400) % 86_400) / 86_400))
    }

    /// Whether to colour standard output: a terminal, and `NO_COLOR` unset or empty.
    public var usesColour: Bool {
        stdoutIsTerminal && (environment["NO_COLOR"] ?? "").isEmpty && environment["TERM"] != "dumb"
    }
}

final class PinnedClock: @unchecked Sendable {
    private var value: Int64
    private let lock = NSLock()
    init(start: Int64) { value = start }
    func next() -> Int64 {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}
