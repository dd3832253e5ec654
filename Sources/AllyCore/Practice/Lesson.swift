import Foundation

/// Finds the lesson a mistake entry drew: the text after a `Lesson:` label (or under a "Lesson" heading).
public enum Lesson {
    /// The lesson in `body`, or nil if none is written.
    public static func find(in body: String) -> String? {
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for (index, line) in lines.enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            let bare = trimmed.drop { $0 == "#" || $0 == " " || $0 == "*" || $0 == "-" }
            let lower = bare.lowercased()
            for label in ["lesson learned", "lesson learnt", "lessons", "lesson", "what i learned", "what i learnt"] {
                guard lower.hasPrefix(label) else { continue }
                var rest = bare.dropFirst(label.count).trimmingCharacters(in: .whitespaces)
                if rest.hasPrefix(":") { rest = rest.dropFirst().trimmingCharacters(in: .whitespaces) }
                if !rest.isEmpty { return rest }
                // A heading: the lesson is the next non-empty line.
                if let next = lines[(index + 1)...].first(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) {
                    return next.trimmingCharacters(in: .whitespaces)
                }
            }
        }
        // Written inline: "… I'll wait next time. Lesson: wait for her to finish." The rest of that sentence.
        for line in lines {
            guard let range = line.range(of: "lesson:", options: .caseInsensitive) else { continue }
            let rest = line[range.upperBound...].trimmingCharacters(in: .whitespaces)
            if !rest.isEmpty { return rest }
        }
        return nil
    }
}
