import AllyProtocol
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Where passphrases and recovery keys come from: a file, an environment variable, or the terminal without echo.
enum Secrets {
    /// Reads a secret: `file` (its first line), else `$variable`, else the terminal (asking twice if `confirm`).
    static func read(
        _ what: String, file: String?, variable: String, confirm: Bool = false, minimumLength: Int = 0,
        context: CLIContext
    ) throws -> String {
        var secret: String?
        if let file {
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8)
            else {
                throw CLIError("cannot read the \(what) from \(file)", exitCode: 2)
            }
            secret = text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        } else if let value = context.environment[variable], !value.isEmpty {
            secret = value
        } else if context.stdinIsTerminal {
            secret = try readHidden("\(what.prefix(1).uppercased() + what.dropFirst()): ", context: context)
            // Say what is wrong with it before asking for it again (issue 10 §5).
            if let typed = secret, !typed.isEmpty { try check(typed, what: what, minimumLength: minimumLength) }
            if confirm {
                let again = try readHidden("Again, to confirm: ", context: context)
                guard again == secret else {
                    throw CLIError("the two entries differ; nothing was changed", exitCode: 2)
                }
            }
        }
        guard let secret, !secret.isEmpty else {
            throw CLIError(
                "no \(what): type it on a terminal, set \(variable), or give a file with the option for it", exitCode: 2
            )
        }
        try check(secret, what: what, minimumLength: minimumLength)
        return secret
    }

    /// The rules a passphrase must meet: long enough, and preparable (SPEC §8).
    static func check(_ secret: String, what: String, minimumLength: Int) throws {
        guard secret.count >= minimumLength else {
            throw CLIError(
                "a \(what) needs at least \(minimumLength) characters (this one has \(secret.count)); nothing was changed",
                exitCode: 2)
        }
        do {
            _ = try PreparedPassphrase.bytes(secret)
        } catch {
            throw CLIError("this \(what) cannot be used: \(error.description)", exitCode: 2)
        }
    }

    /// Reads one line from the terminal with echo off, restoring the terminal afterwards.
    static func readHidden(_ prompt: String, context: CLIContext) throws -> String {
        var original = termios()
        let isTerminal = tcgetattr(0, &original) == 0
        if isTerminal {
            var silent = original
            silent.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(0, TCSAFLUSH, &silent)
        }
        defer {
            if isTerminal {
                tcsetattr(0, TCSAFLUSH, &original)
                context.note("")
            }
        }
        guard let line = context.ask(prompt) else { throw CLIError("no input; nothing was changed", exitCode: 2) }
        return line
    }
}
