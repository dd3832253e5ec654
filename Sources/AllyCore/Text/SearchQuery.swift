/// Turns what a user types into an FTS5 query (issue 10 §3): plain words, punctuation and hyphens just work, and
/// FTS5's own syntax (`"phrases"`, `AND`/`OR`/`NOT`, `prefix*`, `title:word`, parentheses) still does.
public enum SearchQuery {
    /// Why a query cannot be searched, in words a user understands.
    public struct Problem: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    /// The FTS5 columns a user may name as `column:word`.
    static let columns: Set<String> = ["title", "body", "tags"]
    static let operators: Set<String> = ["AND", "OR", "NOT", "NEAR"]

    /// The FTS5 query for `text`: each plain word is quoted (so `Dr.` or `shout-out` is a word, not syntax),
    /// operators, quoted phrases, `prefix*`, `column:` and parentheses are kept.
    /// - Complexity: O(n).
    public static func fts(_ text: String) throws(Problem) -> String {
        // FTS5 reads a query up to its first NUL only; no word can hold one (the tokenizer separates at control
        // characters), so it separates words here too (found by Tools/fuzz.sh, target search).
        let text =
            text.utf8.contains(0)
            ? String(String.UnicodeScalarView(text.unicodeScalars.map { $0 == "\0" ? " " : $0 })) : text
        var parts: [String] = []
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character.isWhitespace {
                index = text.index(after: index)
                continue
            }
            if character == "\"" {
                guard let close = text[text.index(after: index)...].firstIndex(of: "\"") else {
                    throw Problem(
                        description: "the search has an opening \" without a closing one; put \"…\" around a phrase")
                }
                var phrase = escaped(text[text.index(after: index)..<close])
                index = text.index(after: close)
                if index < text.endIndex, text[index] == "*" {
                    phrase += "*"
                    index = text.index(after: index)
                }
                parts.append(phrase)
                continue
            }
            var end = index
            while end < text.endIndex, !text[end].isWhitespace, text[end] != "\"" { end = text.index(after: end) }
            parts.append(contentsOf: word(String(text[index..<end])))
            index = end
        }
        let query = parts.joined(separator: " ")
        var depth = 0
        for part in parts where part == "(" || part == ")" {
            depth += part == "(" ? 1 : -1
            if depth < 0 { break }
        }
        if depth != 0 { throw Problem(description: "the search's parentheses do not pair up") }
        if let first = parts.first, let last = parts.last, operators.contains(first) || operators.contains(last) {
            throw Problem(
                description: "the search starts or ends with AND, OR, NOT or NEAR; put words on both sides of them")
        }
        guard !query.isEmpty else { throw Problem(description: "the search is empty") }
        return query
    }

    /// One whitespace-free run of what the user typed, as FTS5 query parts.
    static func word(_ raw: String) -> [String] {
        var leading: [String] = []
        var trailing: [String] = []
        var text = Substring(raw)
        while text.first == "(" {
            leading.append("(")
            text = text.dropFirst()
        }
        while text.last == ")" {
            trailing.append(")")
            text = text.dropLast()
        }
        guard !text.isEmpty else { return leading + trailing }
        var middle: [String]
        if operators.contains(String(text)) {
            middle = [String(text)]
        } else if let colon = text.firstIndex(of: ":"), columns.contains(String(text[..<colon])),
            text.index(after: colon) < text.endIndex
        {
            middle = [String(text[...colon]) + quoted(text[text.index(after: colon)...])]
        } else {
            middle = [quoted(text)]
        }
        return leading + middle + trailing
    }

    /// A word as an FTS5 string, keeping a trailing `*` as a prefix search.
    static func quoted(_ word: Substring) -> String {
        if word.count > 1, word.last == "*" { return quoted(word.dropLast()) + "*" }
        return escaped(word)
    }

    /// Text as one FTS5 string: in quotes, each `"` doubled. By scalar, not by character: a `"` followed by a
    /// combining mark is one character that is not `"`, yet FTS5 reads its quote (found by Tools/fuzz.sh).
    static func escaped(_ text: Substring) -> String {
        var result = String.UnicodeScalarView()
        result.append("\"")
        for scalar in text.unicodeScalars {
            result.append(scalar)
            if scalar == "\"" { result.append("\"") }
        }
        result.append("\"")
        return String(result)
    }
}
