/// The symbols for a week of the pledge, the same in `ally pledge` and `ally review`: met, missed, in progress.
enum PledgeMarks {
    static func mark(met: Bool, inProgress: Bool, unicode: Bool) -> String {
        if met { return unicode ? "●" : "x" }
        if inProgress { return unicode ? "◌" : "?" }
        return unicode ? "○" : "-"
    }

    /// The legend printed after a strip of marks.
    static func legend(unicode: Bool) -> String {
        unicode ? "● met  ○ missed  ◌ this week, in progress" : "x met  - missed  ? this week, in progress"
    }
}
