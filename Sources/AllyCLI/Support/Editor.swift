import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Opens the user's editor ($VISUAL, else $EDITOR, else vi) on a text and returns what they saved.
///
/// The editor runs in ally's own process group, so it owns the terminal as git's editor does (a child in a group
/// of its own is stopped as soon as it reads). The text lives in a private draft under the data folder, never in
/// /tmp, so an editor that fails or is interrupted loses nothing (`ally new --resume`).
enum Editor {
    /// Everything from this line down is instructions, removed from what the user saved (git's "scissors"),
    /// so a Markdown heading such as `# Lessons` in the text is kept.
    static let scissors = "# ------------------------ >8 ------------------------"

    /// Edits `text` and returns the result with comment lines removed and surrounding blank lines trimmed.
    /// The draft is deleted once read; use `session` to keep it until the text is safely written.
    static func edit(_ text: String, context: CLIContext, kind: String = "edit") throws -> String {
        let draft = try Draft.make(text, kind: kind, context: context)
        let edited = try edit(draft, context: context)
        draft.discard()
        return edited
    }

    /// Opens the editor on `draft` and returns what was saved, comments stripped. On a failure the draft is kept
    /// and the error says how to get it back.
    static func edit(_ draft: Draft, context: CLIContext) throws -> String {
        let command =
            [context.environment["VISUAL"], context.environment["EDITOR"]].compactMap { $0 }.first { !$0.isEmpty }
            ?? "vi"
        let status: Int32
        do {
            status = try run("\(command) \"$1\"", argument: draft.path, environment: context.environment)
        } catch {
            throw CLIError(
                "cannot start the editor '\(command)': \(error); set $EDITOR. Your text is kept as a draft: \(draft.hint)"
            )
        }
        guard status == 0 else {
            let how =
                status > 128 ? "was interrupted (signal \(status - 128))" : "exited with status \(status)"
            throw CLIError("the editor '\(command)' \(how); nothing was written. Your text is kept: \(draft.hint)")
        }
        guard let data = FileManager.default.contents(atPath: draft.path),
            let saved = String(data: data, encoding: .utf8)
        else {
            throw CLIError(
                "the edited text is not valid UTF-8; nothing was written. The draft is at \(draft.path)", exitCode: 2)
        }
        return stripComments(saved)
    }

    /// Runs `/bin/sh -c SCRIPT ally-editor ARGUMENT` on this terminal and waits for it: the child stays in this
    /// process group with default signal handling, while ally ignores Ctrl-C and Ctrl-\ until it returns (the
    /// editor decides what they mean). Returns the exit status, or 128 + the signal that ended it.
    static func run(_ script: String, argument: String, environment: [String: String]) throws -> Int32 {
        let arguments = ["/bin/sh", "-c", script, "ally-editor", argument]
        let variables = environment.map { "\($0.key)=\($0.value)" }
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = variables.map { strdup($0) } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGQUIT)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF))

        let previousInterrupt = signal(SIGINT, SIG_IGN)
        let previousQuit = signal(SIGQUIT, SIG_IGN)
        defer {
            signal(SIGINT, previousInterrupt)
            signal(SIGQUIT, previousQuit)
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/sh", nil, &attributes, &argv, &envp)
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EINVAL) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .ECHILD) }
        }
        let signalNumber = status & 0x7f
        return signalNumber == 0 ? (status >> 8) & 0xff : 128 + signalNumber
    }

    /// Cuts at the scissors line and trims blank lines at both ends.
    static func stripComments(_ text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).prefix { $0 != scissors }
        return lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The instructions block placed under the text being edited.
    static func instructions(_ lines: [String]) -> String {
        "\n\n" + scissors + "\n# Do not change or remove the line above; everything below it is ignored.\n"
            + lines.map { "# " + $0 }.joined(separator: "\n") + "\n"
    }
}
