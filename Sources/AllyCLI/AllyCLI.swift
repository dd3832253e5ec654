import AllyCore
import AllyStore
import AllySync
import ArgumentParser
import Foundation

/// Runs the `ally` command line. The binary calls `main()`; tests call `run(_:context:)` in-process.
public enum AllyCLI {
    /// Parses `arguments` (without the program name), runs the command in `context`, and returns the exit status.
    public static func run(_ arguments: [String], context: CLIContext) -> Int32 {
        var arguments = arguments
        // git's -C habit: `ally --journal PATH COMMAND …` works as well as `ally COMMAND … --journal PATH`.
        if arguments.count >= 2, arguments[0] == "--journal" {
            context.environment["ALLY_JOURNAL"] = arguments[1]
            arguments.removeFirst(2)
        } else if let first = arguments.first, first.hasPrefix("--journal=") {
            context.environment["ALLY_JOURNAL"] = String(first.dropFirst("--journal=".count))
            arguments.removeFirst()
        }
        if let hint = Suggestion.forUnknownCommand(arguments) {
            context.note("ally: error: " + Quoted.escaped(hint))
            return 64
        }
        return CLIContext.$current.withValue(context) {
            do {
                var command = try Ally.parseAsRoot(arguments)
                try command.run()
                return 0
            } catch let error as CLIError {
                context.note("ally: error: " + Quoted.escaped(error.message))
                return error.exitCode
            } catch let error as JournalError {
                context.note("ally: error: " + Quoted.escaped(error.message))
                return CLIError.exitCode(for: error.code)
            } catch let error as SyncError {
                context.note("ally: error: " + Quoted.escaped(error.message))
                return CLIError.exitCode(for: error.code)
            } catch is PHIGuard.Aborted {
                context.note("ally: error: aborted; nothing was written")
                return 1
            } catch let error as ExitCode {
                return error.rawValue
            } catch {
                let code = Ally.exitCode(for: error)
                var message = Ally.fullMessage(for: error)
                if let hint = Suggestion.forUnknownOption(message, arguments: arguments) { message = hint }
                if code == .success {
                    context.print(message)
                } else {
                    context.note("ally: error: " + Quoted.escaped(oneLine(message)))
                }
                return code.rawValue
            }
        }
    }

    /// Condenses argument-parser's multi-line usage errors to one line that still lists the valid values.
    static func oneLine(_ message: String) -> String {
        var text = message.hasPrefix("Error: ") ? String(message.dropFirst(7)) : message
        var choices: [String] = []
        var lines: [String] = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("Help:") || line.hasPrefix("Usage:") { break }
            if line.hasPrefix("  - ") { choices.append(String(line.dropFirst(4))) } else { lines.append(String(line)) }
        }
        text = lines.joined(separator: " ")
        if !choices.isEmpty {
            text =
                text.replacingOccurrences(of: "Please provide one of the following:", with: "Use one of:")
                + " " + choices.joined(separator: ", ")
        }
        if let hint = message.split(separator: "\n").first(where: { $0.contains("See '") }) {
            text +=
                " ("
                + hint.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "See '", with: "see '")
                .trimmingCharacters(in: CharacterSet(charactersIn: ".")) + ")"
        }
        return text
    }

    /// The entry point of the `ally` binary.
    public static func main() -> Never {
        exit(run(Array(CommandLine.arguments.dropFirst()), context: .live()))
    }
}
