/// Growing delays after failed guesses (wrong passphrase, wrong recovery key), per key: a username, a client
/// address, or the pair (SPEC §9.3). The first few failures cost nothing; each one after that doubles the wait
/// before the next attempt under that key, up to a ceiling, so guessing slows to a crawl while the owner is never
/// locked out for longer than the ceiling. A success clears the key it succeeded under.
///
/// Memory is bounded: keys quiet for `forgetAfter` are dropped, and past `capacity` keys the quietest go first.
/// The state is per process; several server processes on one PostgreSQL database each keep their own
/// (docs/DEPLOY.md gives the figure).
public actor FailureDelays {
    public struct Policy: Sendable {
        /// Failures allowed before any delay.
        public var free: Int
        /// The first delay, in ms; each further failure doubles it.
        public var firstDelay: Int64
        /// The longest delay, in ms.
        public var ceiling: Int64

        public init(free: Int, firstDelay: Int64, ceiling: Int64) {
            self.free = free
            self.firstDelay = firstDelay
            self.ceiling = ceiling
        }
    }

    struct State {
        var failures: Int
        var lastFailure: Int64
        var nextAllowed: Int64
    }

    var states: [String: State] = [:]
    let capacity: Int
    let forgetAfter: Int64

    public init(capacity: Int = 100_000, forgetAfter: Int64 = 15 * 60_000) {
        self.capacity = capacity
        self.forgetAfter = forgetAfter
    }

    /// How many keys are held (for tests of the bound).
    public var count: Int { states.count }

    /// Throws `tooManyRequests` with the seconds to wait if any of `keys` is still waiting out a delay at `now`.
    public func check(_ keys: [String], now: Int64) throws {
        var wait: Int64 = 0
        for key in keys {
            guard let state = states[key] else { continue }
            if now - state.lastFailure > forgetAfter {
                states[key] = nil
            } else {
                wait = max(wait, state.nextAllowed - now)
            }
        }
        guard wait <= 0 else {
            let seconds = Int((wait + 999) / 1000)
            throw ServerError(
                .tooManyRequests, "too many failed attempts; try again in \(seconds) s", retryAfter: seconds)
        }
    }

    /// Records a failure under each key with its policy.
    public func fail(_ keys: [(key: String, policy: Policy)], now: Int64) {
        for (key, policy) in keys {
            var state = states[key] ?? State(failures: 0, lastFailure: now, nextAllowed: now)
            if now - state.lastFailure > forgetAfter { state.failures = 0 }
            state.failures += 1
            state.lastFailure = now
            let over = state.failures - policy.free
            if over > 0 {
                let doublings = min(over - 1, 30)
                state.nextAllowed = now + min(policy.firstDelay << doublings, policy.ceiling)
            }
            states[key] = state
        }
        if states.count > capacity { prune(now: now) }
    }

    /// Clears `key` after a success.
    public func succeed(_ key: String) { states[key] = nil }

    func prune(now: Int64) {
        states = states.filter { now - $0.value.lastFailure <= forgetAfter }
        if states.count > capacity {
            let keep = states.sorted { $0.value.lastFailure > $1.value.lastFailure }.prefix(capacity * 3 / 4)
            states = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
        }
    }
}
