/// The deterministic 3-way merge of body texts: by line, then by word inside lines both sides changed
/// (Protocol/SPEC.md §4.3).
public enum TextMerge {
    /// The result of merging two texts.
    public struct Result: Hashable, Sendable {
        /// The merged text; where the sides overlapped, both versions between conflict markers.
        public var text: String
        /// Whether some edits overlapped and could not be merged.
        public var hasConflict: Bool

        /// Makes a result.
        public init(text: String, hasConflict: Bool) {
            self.text = text
            self.hasConflict = hasConflict
        }
    }

    /// Merges `ours` and `theirs`, both edited from `base`. Labels name the sides in conflict markers.
    /// - Complexity: O(n·m) in the lines (and then words) that differ; see `LongestCommonSubsequence`.
    public static func merge(
        base: String, ours: String, theirs: String, oursLabel: String = "ours", theirsLabel: String = "theirs"
    ) -> Result {
        if ours == theirs || theirs == base { return Result(text: ours, hasConflict: false) }
        if ours == base { return Result(text: theirs, hasConflict: false) }
        let chunks = ThreeWayMerge.merge(base: lines(base), ours: lines(ours), theirs: lines(theirs))
        var text = ""
        var hasConflict = false
        for chunk in chunks {
            switch chunk {
            case .merged(let run):
                text += run.joined()
            case .conflict(let baseRun, let oursRun, let theirsRun):
                // Lines both sides changed: try again word by word before calling it a conflict.
                let wordChunks = ThreeWayMerge.merge(
                    base: words(baseRun.joined()), ours: words(oursRun.joined()), theirs: words(theirsRun.joined()))
                if wordChunks.allSatisfy({ if case .merged = $0 { true } else { false } }) {
                    for case .merged(let run) in wordChunks { text += run.joined() }
                } else {
                    hasConflict = true
                    if !text.isEmpty, !text.hasSuffix("\n") { text += "\n" }
                    text += "<<<<<<< \(oursLabel)\n" + terminated(oursRun.joined())
                    text += "=======\n" + terminated(theirsRun.joined())
                    text += ">>>>>>> \(theirsLabel)\n"
                }
            }
        }
        return Result(text: text, hasConflict: hasConflict)
    }

    /// Splits text into lines, each keeping its `\n`, so that joining them gives the text back.
    static func lines(_ text: String) -> [String] {
        var result: [String] = []
        var current = ""
        for character in text {
            current.append(character)
            if character == "\n" {
                result.append(current)
                current = ""
            }
        }
        if !current.isEmpty { result.append(current) }
        return result
    }

    /// Splits text into runs of letters and digits, runs of spaces, and single other characters.
    static func words(_ text: String) -> [String] {
        var result: [String] = []
        var current = ""
        var currentClass = 0
        for character in text {
            let cls = character.isLetter || character.isNumber ? 1 : (character == " " || character == "\t" ? 2 : 3)
            if cls == currentClass, cls != 3 {
                current.append(character)
            } else {
                if !current.isEmpty { result.append(current) }
                current = String(character)
                currentClass = cls
            }
        }
        if !current.isEmpty { result.append(current) }
        return result
    }

    private static func terminated(_ text: String) -> String {
        text.isEmpty || text.hasSuffix("\n") ? text : text + "\n"
    }
}
