import Foundation

/// A clock tests move by hand; each reading also advances it by 1 ms so writes stay ordered.
public final class ManualClock: @unchecked Sendable {
    private var millis: Int64
    private let lock = NSLock()

    /// Starts at `millis` since the epoch (default 2026-11-22T09:00:00Z).
    public init(millis: Int64 = 1_795_338_000_000) { self.millis = millis }

    /// Reads the clock.
    public func now() -> Int64 {
        lock.lock()
        defer { lock.unlock() }
        millis += 1
        return millis
    }

    /// Moves the clock forward.
    public func advance(by delta: Int64) {
        lock.lock()
        millis += delta
        lock.unlock()
    }

    /// The clock as the closure `Journal` and `CLIContext` take.
    public var reading: @Sendable () -> Int64 { { [self] in self.now() } }
}
