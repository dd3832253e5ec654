import ArgumentParser

/// "Did you mean …?" for a mistyped command or a familiar option in the wrong place (issue 10 §5).
enum Suggestion {
    /// Options that belong to a sibling form on one command: `ally edit --theme` means `--add-theme`.
    static let optionHints: [String: [String: String]] = [
        "edit": [
            "--theme": "--add-theme (or --remove-theme)", "--tag": "--add-tag (or --remove-tag)",
            "--tags": "--add-tag", "--themes": "--add-theme",
        ],
        "new": ["--add-tag": "--tag", "--add-theme": "--theme", "--date": "--on", "--body": "TEXT (or '-')"],
        "list": ["--tags": "--tag", "--themes": "--theme", "--from": "--since", "--to": "--until"],
    ]

    /// The subcommand names of `ally`.
    static var commandNames: [String] {
        Ally.configuration.subcommands.compactMap { $0.configuration.commandName ?? defaultName(of: $0) }
    }

    static func defaultName(of command: any ParsableCommand.Type) -> String {
        String(describing: command).lowercased()
    }

    /// An error line for `ally lsit …`, naming the nearest command, or nil if the first word is fine (a command,
    /// an option, or too far from every command to guess).
    static func forUnknownCommand(_ arguments: [String]) -> String? {
        guard let first = arguments.first, !first.hasPrefix("-") else { return nil }
        let names = commandNames
        guard !names.contains(first) else { return nil }
        let nearest = names.map { ($0, distance(first.lowercased(), $0)) }.min { $0.1 < $1.1 }
        guard let (name, cost) = nearest, cost <= max(1, min(2, first.count / 3)) else { return nil }
        return "'\(first)' is not an ally command; did you mean `ally \(name)`? (see `ally --help`)"
    }

    /// A clearer line for an unknown option that has a sibling on the same command.
    static func forUnknownOption(_ message: String, arguments: [String]) -> String? {
        guard let command = arguments.first, let hints = optionHints[command] else { return nil }
        for (option, better) in hints where message.contains("'\(option)'") || message.contains("'\(option)=") {
            return "unknown option '\(option)' for `ally \(command)`; did you mean \(better)?"
        }
        return nil
    }

    /// Damerau–Levenshtein distance (adjacent swaps count once: "lsit" is one step from "list").
    /// - Complexity: O(n·m).
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var table = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[a.count][b.count]
    }
}
