import Foundation

/// Opens the user's editor ($VISUAL, else $EDITOR, else vi) on a text and returns what they saved.
enum Editor {
    /// Everything from this line down is instructions, removed from what the user saved (git's "scissors"),
    /// so a Markdown heading such as `# Lessons` in the text is kept.
    static let scissors = "# ------------------------ >8 ------------------------"

    /// Edits `text` and returns the result with comment lines removed and surrounding blank lines trimmed.
    static func edit(_ text: String, context: CLIContext) throws -> String {
        let command =
            [context.environment["VISUAL"], context.environment["EDITOR"]].compactMap { $0 }.first { !$0.isEmpty }
            ?? "vi"
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ally-\(UUID().uuidString).md")
        do {
            try Data(text.utf8).write(to: file, options: .atomic)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        } catch {
            throw CLIError("cannot write a temporary file for the editor: \(error.localizedDescription)")
        }
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "\(command) \"$1\"", "ally-editor", file.path]
        process.environment = context.environment
        do {
            try process.run()
        } catch {
            throw CLIError("cannot start the editor '\(command)': \(error.localizedDescription); set $EDITOR")
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CLIError(
                "the editor '\(command)' exited with status \(process.terminationStatus); nothing was written")
        }
        guard let data = FileManager.default.contents(atPath: file.path),
            let saved = String(data: data, encoding: .utf8)
        else { throw CLIError("the edited text is not valid UTF-8; nothing was written", exitCode: 2) }
        return stripComments(saved)
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
