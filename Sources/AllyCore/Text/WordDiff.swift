/// Where two texts differ, word by word (issue 10 §4): what a conflict shows instead of raw merge markers.
public enum WordDiff {
    /// A run of the diff.
    public enum Segment: Hashable, Sendable {
        /// Words both texts have.
        case same(String)
        /// Words only the first text has.
        case onlyFirst(String)
        /// Words only the second text has.
        case onlySecond(String)
    }

    /// The runs that turn `first` into `second`, by words (runs of letters and digits, of spaces, single others).
    /// - Complexity: O(n·m) in the words between a common prefix and suffix (see `LongestCommonSubsequence`).
    public static func diff(_ first: String, _ second: String) -> [Segment] {
        let a = TextMerge.words(first)
        let b = TextMerge.words(second)
        let map = LongestCommonSubsequence.matches(a, b)
        var segments: [Segment] = []
        func add(_ segment: Segment) {
            switch (segments.last, segment) {
            case (.same(let x)?, .same(let y)): segments[segments.count - 1] = .same(x + y)
            case (.onlyFirst(let x)?, .onlyFirst(let y)): segments[segments.count - 1] = .onlyFirst(x + y)
            case (.onlySecond(let x)?, .onlySecond(let y)): segments[segments.count - 1] = .onlySecond(x + y)
            default: segments.append(segment)
            }
        }
        var j = 0
        for (i, word) in a.enumerated() {
            let matched = map[i]
            guard matched >= 0 else {
                add(.onlyFirst(word))
                continue
            }
            while j < matched {
                add(.onlySecond(b[j]))
                j += 1
            }
            add(.same(word))
            j = matched + 1
        }
        while j < b.count {
            add(.onlySecond(b[j]))
            j += 1
        }
        return joined(segments)
    }

    /// Joins changes separated only by spaces into one change per side, so that "thanks to" → "I talked over"
    /// reads as one replacement rather than alternating single words.
    static func joined(_ segments: [Segment]) -> [Segment] {
        var result: [Segment] = []
        var first = ""
        var second = ""
        var pendingSpace = ""
        func flush() {
            if !first.isEmpty { result.append(.onlyFirst(first)) }
            if !second.isEmpty { result.append(.onlySecond(second)) }
            first = ""
            second = ""
        }
        for (index, segment) in segments.enumerated() {
            switch segment {
            case .onlyFirst(let words):
                if !pendingSpace.isEmpty, !first.isEmpty { first += pendingSpace }
                if !pendingSpace.isEmpty, !second.isEmpty { second += pendingSpace }
                pendingSpace = ""
                first += words
            case .onlySecond(let words):
                if !pendingSpace.isEmpty, !first.isEmpty { first += pendingSpace }
                if !pendingSpace.isEmpty, !second.isEmpty { second += pendingSpace }
                pendingSpace = ""
                second += words
            case .same(let words):
                let inChange = !first.isEmpty || !second.isEmpty
                let changeFollows = index + 1 < segments.count
                if inChange, changeFollows, words.allSatisfy({ $0 == " " || $0 == "\t" }) {
                    pendingSpace += words
                } else {
                    flush()
                    result.append(.same(pendingSpace + words))
                    pendingSpace = ""
                }
            }
        }
        flush()
        if !pendingSpace.isEmpty { result.append(.same(pendingSpace)) }
        return result
    }
}
