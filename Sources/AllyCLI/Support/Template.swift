import AllyCore

/// The guided template the editor opens on for a new entry: the kind's sections above the line, and below it a
/// prompt and the kind's questions (issue #4 §1).
enum Template {
    /// The headings a kind's entry is written under.
    static func sections(for kind: EntryKind) -> [String] {
        switch kind {
        case .reflection: ["What I noticed:", "What it meant:", "What I will do next:"]
        case .mistake: ["What happened:", "Impact:", "Repair made:", "Lesson:", "Next step:"]
        case .goal: ["What I want to learn or change:", "How I will know it is done:"]
        case .action: ["What I did, and for whom:"]
        case .feedback: ["Who (initials are enough):", "What they said:", "What I will do:"]
        case .audit:
            [
                "Chores (cleaning, laundry, cooking) — my share then / now:",
                "Child care — my share then / now:",
                "Planning work (lists, events, clothing sizes, appointments) — my share then / now:",
            ]
        }
    }

    /// The questions shown under the line.
    static func guide(for kind: EntryKind) -> [String] {
        switch kind {
        case .reflection: ["A moment you noticed at work or at home, what it meant, and what you will do next."]
        case .mistake:
            [
                "There are no perfect allies: a mistake written down is where the growth happens.",
                "After saving you can turn the lesson into a learning goal.",
            ]
        case .goal: ["Give it a due date with --due, and link the reflections or mistakes that led here with --link."]
        case .action:
            ["Log minutes with --minutes and the pledge part with --pledge (mentoring, shout-out, tell-leaders)."]
        case .feedback:
            [
                "Ask: \"What can I do to be a better ally for you?\" or",
                "\"What is hard at work that I might not notice because I'm a man?\"",
            ]
        case .audit: ["Allyship begins at home: count the invisible planning too."]
        }
    }

    /// The whole text for the editor.
    static func text(for kind: EntryKind, prompt: Prompt?) -> String {
        var lines = ["New \(kind.rawValue): fill in above the line; untouched or empty, nothing is saved."]
        if let prompt { lines.append("Prompt (\(prompt.theme.rawValue)): \(prompt.text)") }
        lines += guide(for: kind)
        return sections(for: kind).joined(separator: "\n\n") + "\n" + Editor.instructions(lines)
    }

    /// The saved text without the headings nothing was written under.
    static func pruned(_ text: String, kind: EntryKind) -> String {
        let headings = Set(sections(for: kind))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var kept: [String] = []
        var index = 0
        while index < lines.count {
            let line = lines[index]
            if headings.contains(line.trimmingCharacters(in: .whitespaces)) {
                var next = index + 1
                while next < lines.count, lines[next].trimmingCharacters(in: .whitespaces).isEmpty { next += 1 }
                let empty = next == lines.count || headings.contains(lines[next].trimmingCharacters(in: .whitespaces))
                if empty {
                    index = next
                    continue
                }
            }
            kept.append(line)
            index += 1
        }
        return kept.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Whether the saved text is only the template's headings, with nothing written under them.
    static func isUntouched(_ text: String, kind: EntryKind) -> Bool {
        let written = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return written.allSatisfy { sections(for: kind).contains($0) }
    }
}
