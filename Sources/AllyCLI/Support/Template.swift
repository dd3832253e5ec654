import AllyCore

/// The text the editor opens on for a new entry: a blank page and, as comments, the kind's questions.
enum Template {
    static func text(for kind: EntryKind, prompt: Prompt?) -> String {
        var lines = ["New \(kind.rawValue): write above the line. An empty entry is not saved."]
        if let prompt { lines.append("Prompt (\(prompt.theme.rawValue)): \(prompt.text)") }
        lines += guide(for: kind).map { "  " + $0 }
        return Editor.instructions(lines)
    }

    static func guide(for kind: EntryKind) -> [String] {
        switch kind {
        case .reflection: ["What did I notice?", "What did it mean?", "What will I do next?"]
        case .mistake: ["What happened?", "What was the impact?", "What repair did I make?", "What is the lesson?"]
        case .goal: ["What do I want to learn or change?", "How will I know it is done?"]
        case .action: ["What did I do, for whom?", "How long did it take?"]
        case .feedback: ["Who (initials are enough)?", "What did they say?", "What will I do about it?"]
        case .audit: ["Chores, child care, the planning work (lists, events, sizes):", "My share then, and now?"]
        }
    }
}
