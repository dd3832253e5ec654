/// Limits login-type attempts per key (username and client address) in a sliding one-minute window.
public actor LoginLimiter {
    let perMinute: Int
    var attempts: [String: [Int64]] = [:]

    public init(perMinute: Int) { self.perMinute = perMinute }

    /// Records an attempt at `now` (ms); throws `tooManyRequests` with the seconds to wait when over the limit.
    public func check(_ key: String, now: Int64) throws {
        let recent = (attempts[key] ?? []).filter { now - $0 < 60_000 }
        guard recent.count < perMinute else {
            attempts[key] = recent
            let wait = Int((60_000 - (now - (recent.first ?? now))) / 1000) + 1
            throw ServerError(.tooManyRequests, "too many attempts; try again in \(wait) s", retryAfter: wait)
        }
        attempts[key] = recent + [now]
        if attempts.count > 10_000 {
            attempts = attempts.filter { !$0.value.isEmpty && now - ($0.value.last ?? 0) < 60_000 }
        }
    }
}
