/// The classic diff3 merge of two sequences edited from a common base.
enum ThreeWayMerge {
    /// A run of the merged result.
    enum Chunk<T: Equatable>: Equatable {
        /// Taken as is: unchanged on both sides, or changed on one side only, or changed alike on both.
        case merged([T])
        /// Changed differently on both sides.
        case conflict(base: [T], ours: [T], theirs: [T])
    }

    /// Merges `ours` and `theirs`, both derived from `base`.
    /// - Complexity: that of `LongestCommonSubsequence.matches`, twice.
    static func merge<T: Equatable>(base: [T], ours: [T], theirs: [T]) -> [Chunk<T>] {
        let toOurs = LongestCommonSubsequence.matches(base, ours)
        let toTheirs = LongestCommonSubsequence.matches(base, theirs)
        var chunks: [Chunk<T>] = []
        var i = 0
        var o = 0
        var t = 0
        func settle(_ baseRun: ArraySlice<T>, _ oursRun: ArraySlice<T>, _ theirsRun: ArraySlice<T>) {
            let baseRun = Array(baseRun)
            let oursRun = Array(oursRun)
            let theirsRun = Array(theirsRun)
            if baseRun.isEmpty, oursRun.isEmpty, theirsRun.isEmpty { return }
            // Only one side changed this run, or both made the same change: take that change.
            if oursRun == baseRun {
                chunks.append(.merged(theirsRun))
            } else if theirsRun == baseRun || oursRun == theirsRun {
                chunks.append(.merged(oursRun))
            } else {
                chunks.append(.conflict(base: baseRun, ours: oursRun, theirs: theirsRun))
            }
        }
        while true {
            var j = i
            while j < base.count, toOurs[j] < 0 || toTheirs[j] < 0 { j += 1 }
            if j == base.count {
                settle(base[i...], ours[o...], theirs[t...])
                break
            }
            if j == i, toOurs[j] == o, toTheirs[j] == t {
                chunks.append(.merged([base[i]]))
                i += 1
                o += 1
                t += 1
                continue
            }
            settle(base[i..<j], ours[o..<toOurs[j]], theirs[t..<toTheirs[j]])
            i = j
            o = toOurs[j]
            t = toTheirs[j]
        }
        return coalesced(chunks)
    }

    private static func coalesced<T>(_ chunks: [Chunk<T>]) -> [Chunk<T>] {
        var result: [Chunk<T>] = []
        for chunk in chunks {
            if case .merged(let items) = chunk, case .merged(let previous)? = result.last {
                result[result.count - 1] = .merged(previous + items)
            } else {
                result.append(chunk)
            }
        }
        return result
    }
}
