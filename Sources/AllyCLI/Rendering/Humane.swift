import AllyCore
import AllyStore
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How times, laptops and long text read to a person (issue 10 §4): "Mon 23 Nov, 17:48" in local time, a
/// laptop's name rather than its id, text wrapped at word boundaries to the terminal.
struct Humane {
    let offsetSeconds: Int
    let today: LocalDate
    let ownDevice: DeviceID
    let names: [DeviceID: String]
    /// The terminal's width, or nil when output is not a terminal (then nothing is wrapped or cut).
    let width: Int?

    init(context: CLIContext, journal: Journal) {
        offsetSeconds = context.utcOffsetSeconds
        today = LocalDate(dayNumber: Int((context.clock() / 1000 + Int64(context.utcOffsetSeconds)) / 86_400))
        ownDevice = journal.deviceID
        names = (try? journal.deviceNames()) ?? [:]
        width = Humane.terminalWidth(context: context)
    }

    static let weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Mon 23 Nov, 17:48` in this laptop's time zone (with the year when it is not this year's).
    func time(_ millis: Int64) -> String {
        let local = millis / 1000 + Int64(offsetSeconds)
        let day = LocalDate(dayNumber: Int(local >= 0 ? local / 86_400 : (local - 86_399) / 86_400))
        let seconds = Int(local - Int64(day.dayNumber) * 86_400)
        let (year, month, date) = day.parts
        let clock = String(format: "%02d:%02d", seconds / 3600, seconds / 60 % 60)
        let yearText = year == today.parts.year ? "" : " \(year)"
        return "\(Humane.weekdays[day.isoWeekday - 1]) \(date) \(Humane.months[month - 1])\(yearText), \(clock)"
    }

    /// "this laptop", the laptop's name (from `ally devices` or the last sync), or "laptop 3fa2c9d1".
    func laptop(_ device: DeviceID) -> String {
        if device == ownDevice { return "this laptop" }
        if let name = names[device] { return name }
        return "laptop \(device.short)"
    }

    /// `text` wrapped at word boundaries to the terminal width minus `indent`; unchanged when not a terminal.
    func wrapped(_ text: String, indent: Int = 0) -> [String] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let width, width - indent >= 20 else { return lines }
        let limit = width - indent
        var result: [String] = []
        for line in lines {
            var current = ""
            for word in line.split(separator: " ", omittingEmptySubsequences: false) {
                if !current.isEmpty, current.count + 1 + word.count > limit {
                    result.append(current)
                    current = String(word)
                } else {
                    current += (current.isEmpty ? "" : " ") + word
                }
            }
            result.append(current)
        }
        return result
    }

    /// $COLUMNS, else the terminal's own width when standard output is one, else nil.
    static func terminalWidth(context: CLIContext) -> Int? {
        guard context.stdoutIsTerminal else { return nil }
        if let columns = context.environment["COLUMNS"].flatMap(Int.init), columns > 0 { return columns }
        var size = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return 80
    }
}
