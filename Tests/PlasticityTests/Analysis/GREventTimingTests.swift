import XCTest
@testable import Plasticity

final class GREventTimingTests: XCTestCase {
    /// Snapshots at 0, 100, ..., 100·count-100 (their counts do not matter to the timing).
    func snapshots(_ count: Int) -> [GeometrySnapshot] {
        (0..<count).map { GeometrySnapshot(trials: $0 * 100, stableFixedPoints: 1, unstableFixedPoints: 0, slowPoints: 0, participationRatio: 1, dimension90: 1) }
    }

    func event(_ trials: Int, _ changes: [GRChange] = [.stableFixedPoints]) -> GREvent {
        GREvent(trials: trials, previousTrials: trials - 100, changes: changes, participationRatioChange: 0)
    }

    func testPrecedesMeansStrictlyBeforeTheEscapeInterval() {
        let snaps = snapshots(11)
        let events = [event(300), event(500, [.unstableFixedPoints]), event(600, [.stableCycles, .participationRatio])]
        // The escape at 600 lies in (500, 600]: the event seen at 600 is in the same interval, not before.
        XCTAssertEqual(GREventTiming.lag(events: events, snapshots: snaps, escapeTrial: 600), 300)
        XCTAssertEqual(GREventTiming.lag(events: events, snapshots: snaps, escapeTrial: 650), 50, "escape in (600, 700]")
        XCTAssertEqual(GREventTiming.lag(events: events, snapshots: snaps, escapeTrial: 600, kinds: [.unstableFixedPoints]), 100)
        XCTAssertNil(GREventTiming.lag(events: events, snapshots: snaps, escapeTrial: 300), "the only earlier event is in the escape's interval")
        XCTAssertNil(GREventTiming.lag(events: events, snapshots: snaps, escapeTrial: nil), "no escape: nothing to precede")
        XCTAssertEqual(GREventTiming.precedingEvents(events, escapeTrial: 601).map(\.trials), [300, 600])
        let t = GREventTiming.timing(events: events, snapshots: snaps, escapeTrial: 600)
        XCTAssertEqual(t?.events, 2, "headline kinds: stable fixed points and stable cycles")
        XCTAssertEqual(t?.precedingEventTrial, 300)
    }

    /// 11 snapshots, persistence 2: events can be seen at slots 1...9. Window 3 before the escape's slot.
    func testWindowAndChance() throws {
        let snaps = snapshots(11)
        func timing(_ escape: Int, _ events: [GREvent]) throws -> GRRunTiming {
            try XCTUnwrap(GREventTiming.timing(events: events, snapshots: snaps, escapeTrial: escape, window: 3, persistence: 2))
        }
        // Escape at 600 (slot 6): window slots 3, 4, 5; 2 events among 9 slots miss it with C(6,2)/C(9,2).
        var t = try timing(600, [event(300), event(800)])
        XCTAssertTrue(t.leads)
        XCTAssertEqual(t.chance, 1 - 15.0 / 36, accuracy: 1e-12)
        XCTAssertFalse(try timing(600, [event(200), event(600)]).leads, "200 is before the window, 600 the escape's own interval")
        t = try timing(150, [event(100), event(800)])  // escape slot 2: window is slot 1 only
        XCTAssertTrue(t.leads)
        XCTAssertEqual(t.chance, 1 - 28.0 / 36, accuracy: 1e-12)
        t = try timing(0, [event(100)])
        XCTAssertFalse(t.leads)
        XCTAssertEqual(t.chance, 0, "no interval before the escape")
        t = try timing(1_050, [event(900)])  // after the last snapshot: slots 8, 9 (10 cannot be confirmed)
        XCTAssertTrue(t.leads)
        XCTAssertEqual(t.chance, 2.0 / 9, accuracy: 1e-12)
        XCTAssertEqual(try timing(600, []).chance, 0)
        XCTAssertEqual(GREventTiming.chanceOfHit(slots: 5, window: 3, events: 3), 1, "3 events in 5 slots cannot all miss 3 of them")
    }

    /// A synthetic run: `count` snapshots, escape at slot `escapeSlot`, events at `slots`.
    func run(count: Int, escapeSlot: Int, slots: [Int], window: Int = 3) -> GRRunTiming {
        GREventTiming.timing(
            events: slots.sorted().map { event($0 * 100) }, snapshots: snapshots(count), escapeTrial: escapeSlot * 100,
            window: window, persistence: 2)!
    }

    /// `n` distinct slots drawn uniformly from 1...eligible.
    func randomSlots(_ n: Int, eligible: Int, rng: RandomSource) -> [Int] {
        Array(rng.permutation(eligible).prefix(n)).map { $0 + 1 }
    }

    /// The exact p equals the permutation p estimated by placing each run's events at random.
    func testExactPMatchesRandomPlacements() {
        let rng = RandomSource(seed: 7, stream: "synthetic")
        let shapes = [(20, 12, [11, 4]), (30, 25, [3, 22, 24, 10, 17]), (15, 5, [9]), (40, 30, [29, 1, 2]),
                      (25, 20, [5, 6, 7, 8]), (12, 11, [10, 2]), (35, 9, [30]), (18, 14, [13, 12, 1])]
        let runs = shapes.map { run(count: $0.0, escapeSlot: $0.1, slots: $0.2) }
        let test = GREventTiming.precedenceTest(runs)
        XCTAssertEqual(test.runs, 8)
        XCTAssertEqual(test.leading, runs.filter(\.leads).count)
        XCTAssertEqual(test.leading, 5)
        let draws = 20_000
        var atLeast = 0
        for _ in 0..<draws {
            let leading = shapes.filter { s in
                run(count: s.0, escapeSlot: s.1, slots: randomSlots(s.2.count, eligible: s.0 - 2, rng: rng)).leads
            }.count
            if leading >= test.leading { atLeast += 1 }
        }
        let estimate = Double(atLeast) / Double(draws)
        let se = (test.p * (1 - test.p) / Double(draws)).squareRoot()
        XCTAssertEqual(estimate, test.p, accuracy: 4 * se + 1e-4, "exact \(test.p), by placement \(estimate)")
        XCTAssertEqual(test.expected, runs.reduce(0) { $0 + $1.chance }, accuracy: 1e-12)
    }

    /// Synthetic sets of 12 runs, 40 snapshots, 3 events per run, escape at slot 15–35.
    func syntheticSet(rng: RandomSource, justBefore: Bool) -> [GRRunTiming] {
        (0..<12).map { _ in
            let escape = 15 + rng.integer(below: 21)
            var slots = randomSlots(3, eligible: 38, rng: rng)
            if justBefore && !slots.contains(escape - 1) { slots[0] = escape - 1 }
            return run(count: 40, escapeSlot: escape, slots: slots)
        }
    }

    func testEventsJustBeforeTheEscapeGiveASmallP() {
        let rng = RandomSource(seed: 11, stream: "synthetic")
        for _ in 0..<20 {
            let test = GREventTiming.precedenceTest(syntheticSet(rng: rng, justBefore: true))
            XCTAssertEqual(test.leading, 12)
            XCTAssertLessThan(test.p, 1e-5)
        }
    }

    /// Events at random snapshot times: p is (conservatively) uniform. The statistic is discrete, so
    /// the exact p is super-uniform: P(p <= a) <= a, and its mean is a little above 1/2.
    func testUniformEventsGiveUniformP() {
        let rng = RandomSource(seed: 12, stream: "synthetic")
        let ps = (0..<2_000).map { _ in GREventTiming.precedenceTest(syntheticSet(rng: rng, justBefore: false)).p }
        let mean = ps.reduce(0, +) / Double(ps.count)
        XCTAssertEqual(mean, 0.5, accuracy: 0.1, "mean p \(mean)")
        for a in [0.05, 0.1, 0.25, 0.5] {
            let rate = Double(ps.filter { $0 <= a }.count) / Double(ps.count)
            // Size at most a (3 standard errors of slack), and not far below it.
            XCTAssertLessThanOrEqual(rate, a + 3 * (a * (1 - a) / Double(ps.count)).squareRoot(), "P(p <= \(a)) = \(rate)")
            XCTAssertGreaterThan(rate, a / 3, "P(p <= \(a)) = \(rate)")
        }
    }

    func testNoLeadingRunGivesPOne() {
        let test = GREventTiming.precedenceTest([run(count: 10, escapeSlot: 8, slots: [1])])
        XCTAssertEqual(test.leading, 0)
        XCTAssertEqual(test.p, 1)
        XCTAssertEqual(GREventTiming.precedenceTest([]).runs, 0)
    }
}
