import AllyCore
import Testing

@Suite struct HybridClockTests {
    let a = DeviceID(rawValue: "aaaaaaaaaaaaaaaa")!
    let b = DeviceID(rawValue: "bbbbbbbbbbbbbbbb")!

    @Test func ticksIncreaseEvenWhenTheWallClockStandsStillOrGoesBack() {
        var clock = HybridClock(deviceID: a)
        let first = clock.tick(wallMillis: 1000)
        let second = clock.tick(wallMillis: 1000)
        let third = clock.tick(wallMillis: 900)
        #expect(first < second && second < third)
        #expect(third.wallMillis == 1000 && third.counter == 2)
    }

    @Test func aTimestampSeenFromAFastClockOrdersLaterLocalWritesAfterIt() {
        // Given laptop B's clock runs an hour ahead
        var clock = HybridClock(deviceID: a)
        let remote = HybridTimestamp(wallMillis: 3_601_000, counter: 4, deviceID: b)
        // When A observes B's change and then writes
        clock.observe(remote)
        let local = clock.tick(wallMillis: 1000)
        // Then A's write orders after B's
        #expect(local > remote)
    }

    @Test func equalWallAndCounterAreOrderedByDevice() {
        let x = HybridTimestamp(wallMillis: 5, counter: 0, deviceID: a)
        let y = HybridTimestamp(wallMillis: 5, counter: 0, deviceID: b)
        #expect(x < y && !(y < x) && x != y)
    }
}
