/// Matches between two sequences: the pairs of an longest common subsequence, used by the 3-way merge.
enum LongestCommonSubsequence {
    /// Above this many cells the quadratic table is not built; the unmatched middle is treated as one change.
    static let cellLimit = 4_000_000

    /// For each index of `a`, the index of `b` it is matched to, or -1.
    ///
    /// The matching is increasing in both sequences. A common prefix and suffix are matched first, so the
    /// usual edit of a few lines in a long text stays cheap.
    /// - Complexity: O(n·m) on the part between the common prefix and suffix, capped by `cellLimit`.
    static func matches<T: Equatable>(_ a: [T], _ b: [T]) -> [Int] {
        var map = [Int](repeating: -1, count: a.count)
        var prefix = 0
        while prefix < a.count, prefix < b.count, a[prefix] == b[prefix] {
            map[prefix] = prefix
            prefix += 1
        }
        var suffix = 0
        while suffix < a.count - prefix, suffix < b.count - prefix,
            a[a.count - 1 - suffix] == b[b.count - 1 - suffix]
        {
            map[a.count - 1 - suffix] = b.count - 1 - suffix
            suffix += 1
        }
        let n = a.count - prefix - suffix
        let m = b.count - prefix - suffix
        guard n > 0, m > 0, n * m <= cellLimit else { return map }
        // lengths[i][j] = LCS length of a[prefix+i ..< prefix+n] and b[prefix+j ..< prefix+m].
        let width = m + 1
        var lengths = [Int32](repeating: 0, count: (n + 1) * width)
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                if a[prefix + i] == b[prefix + j] {
                    lengths[i * width + j] = lengths[(i + 1) * width + j + 1] + 1
                } else {
                    lengths[i * width + j] = max(lengths[(i + 1) * width + j], lengths[i * width + j + 1])
                }
            }
        }
        var i = 0
        var j = 0
        while i < n, j < m {
            if a[prefix + i] == b[prefix + j] {
                map[prefix + i] = prefix + j
                i += 1
                j += 1
            } else if lengths[(i + 1) * width + j] >= lengths[i * width + j + 1] {
                i += 1
            } else {
                j += 1
            }
        }
        return map
    }
}
