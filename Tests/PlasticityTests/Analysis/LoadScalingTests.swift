import XCTest
@testable import Plasticity

/// The learning curve's scaling with memory load (`LoadScaling`, `LoadScalingPredictions`) on
/// synthetic curves whose scaling is known.
final class LoadScalingTests: XCTestCase {
    /// Plateaus that grow by `factor` per unit of load with multiplicative seed-to-seed noise (sd 0.2 in log).
    func plateaus(factor: Double, seeds: Int = 10, loads: [Double] = [2, 3, 4], stream: String) -> [LoadScaling.Point] {
        let rng = RandomSource(seed: 3, stream: stream)
        return (0..<seeds).flatMap { s -> [LoadScaling.Point] in
            let offset = rng.gaussian(sigma: 0.3)  // each seed its own level: the bootstrap must draw a seed's loads together
            return loads.map { n in
                LoadScaling.Point(seed: UInt64(s), load: n, value: 500 * pow(factor, n) * exp(offset + rng.gaussian(sigma: 0.2)))
            }
        }
    }

    func testRecoversAKnownFactorPerAddedLoadAndItsInterval() {
        let fit = LoadScaling(plateaus(factor: 3, stream: "known"), logarithmic: true, rng: RandomSource(seed: 1, stream: "boot"))
        XCTAssertEqual(LoadScaling.effect(fit.slope, logarithmic: true), 3, accuracy: 0.3)
        XCTAssertLessThan(LoadScaling.effect(fit.low, logarithmic: true), 3)
        XCTAssertGreaterThan(LoadScaling.effect(fit.high, logarithmic: true), 3)
        XCTAssertEqual(fit.perSeed.count, 10)
        XCTAssertEqual(Statistics.median(fit.perSeed), log(3), accuracy: 0.2)
        XCTAssertEqual(fit.loads, [2, 3, 4])
        XCTAssertEqual(fit.runs, [10, 10, 10])
        XCTAssertFalse(fit.lowerBound)
    }

    func testFlatScalingGivesAFactorNearOneWithAnIntervalAroundIt() {
        let fit = LoadScaling(plateaus(factor: 1, stream: "flat"), logarithmic: true, rng: RandomSource(seed: 1, stream: "boot"))
        XCTAssertEqual(fit.slope, 0, accuracy: 0.15)
        XCTAssertLessThan(fit.low, 0)
        XCTAssertGreaterThan(fit.high, 0)
        // A linear measure (abruptness) with a known slope and one with none.
        var linear: [LoadScaling.Point] = []
        for s in 0..<8 {
            for n: Double in [2, 3, 4] {
                let value: Double = 0.1 + 0.05 * n + 0.001 * Double(s)
                linear.append(LoadScaling.Point(seed: UInt64(s), load: n, value: value))
            }
        }
        XCTAssertEqual(LoadScaling(linear, logarithmic: false, rng: RandomSource(seed: 1, stream: "b")).slope, 0.05, accuracy: 1e-12)
        let constant = linear.map { LoadScaling.Point(seed: $0.seed, load: $0.load, value: 0.3) }
        XCTAssertEqual(LoadScaling(constant, logarithmic: false, rng: RandomSource(seed: 1, stream: "b")).slope, 0, accuracy: 1e-12)
    }

    func testCensoringAtTheLargestLoadMarksALowerBoundAndZerosUseTheFloor() {
        // The true factor is 4, but at load 4 the runs hit the budget (8,000): the fit sees less and says so.
        var points = plateaus(factor: 4, stream: "censored")
        for i in points.indices where points[i].value > 8000 {
            points[i].value = 8000
            points[i].censored = true
        }
        let fit = LoadScaling(points, logarithmic: true, rng: RandomSource(seed: 1, stream: "boot"))
        XCTAssertTrue(fit.lowerBound)
        XCTAssertGreaterThan(fit.censored.last!, 0)
        XCTAssertLessThan(LoadScaling.effect(fit.slope, logarithmic: true), 4)
        // A plateau of 0 counts as the floor, not log 0.
        let zeros = [LoadScaling.Point(seed: 1, load: 2, value: 0), LoadScaling.Point(seed: 1, load: 3, value: 500)]
        XCTAssertEqual(LoadScaling(zeros, logarithmic: true, floor: 500, rng: RandomSource(seed: 1, stream: "b")).slope, 0, accuracy: 1e-12)
        // One load: no slope.
        XCTAssertTrue(LoadScaling([LoadScaling.Point(seed: 1, load: 2, value: 1)], logarithmic: true, rng: RandomSource(seed: 1, stream: "b")).slope.isNaN)
    }

    func testPredictionsSeparateRulesByHowTheirPlateauScales() {
        // Rule "steep" triples its plateau per added N, rule "flat" keeps it: per-seed slopes never overlap.
        func runs(_ label: String, factor: Double) -> [PredictionRun] {
            plateaus(factor: factor, stream: label).map { p in
                PredictionRun(setting: "n-parity N=\(Int(p.load)), leaky RNN", label: label, seed: p.seed, values: ["plateau": p.value, "trials-to-criterion": 2 * p.value],
                              family: "n-parity, leaky RNN", load: p.load, loadName: "N")
            }
        }
        let all = runs("steep", factor: 3) + runs("flat", factor: 1)
        let table = PredictionTable(protocolName: "t", runs: all, settings: ["n-parity N=2, leaky RNN", "n-parity N=3, leaky RNN", "n-parity N=4, leaky RNN"],
                                    labels: ["steep", "flat"], permutations: 500)
        XCTAssertEqual(table.scaling.count, 1)
        let s = table.scaling[0]
        XCTAssertEqual(s.parameter, "N")
        XCTAssertEqual(LoadScaling.effect(s.scalings["plateau"]!["steep"]!.slope, logarithmic: true), 3, accuracy: 0.3)
        XCTAssertEqual(s.scalings["plateau"]!["flat"]!.slope, 0, accuracy: 0.15)
        let best = s.bestPair("plateau")!
        XCTAssertEqual(best.effect.cliffsDelta, 1)
        XCTAssertLessThan(best.effect.pValue, 0.01)
        let md = PredictionsReport.markdown(table, source: "x.sqlite", command: "plasticity predict")
        XCTAssertTrue(md.contains("## Scaling with memory load: n-parity, leaky RNN"))
        XCTAssertTrue(md.contains("Each added N multiplies the plateau: under steep by ×"))
        XCTAssertTrue(PredictionsReport.csv(table).contains("scaling,\"n-parity, leaky RNN\",plateau-per-N,steep,"))
    }

    func testARuleWithFewerThanHalfItsSeedsAtCriterionIsMarkedNotLearned() {
        let runs = (0..<4).flatMap { s in
            [PredictionRun(setting: "p", label: "good", seed: UInt64(s), values: ["final-accuracy": 99]),
             PredictionRun(setting: "p", label: "poor", seed: UInt64(s), values: ["final-accuracy": 60], reached: s == 0)]
        }
        let table = PredictionTable(protocolName: "t", runs: runs, settings: ["p"], labels: ["good", "poor"], permutations: 100)
        XCTAssertEqual(table.settings[0].notLearned, ["poor"])
        let md = PredictionsReport.markdown(table, source: "x.sqlite", command: "c")
        XCTAssertTrue(md.contains("**Not learned: predictions describe an untrained network** — poor (1 of 4 runs reached the criterion)"))
        XCTAssertTrue(md.contains("| poor (not learned) |"))
    }

    func testTheLoadIsTheOneTaskParameterThatVaries() {
        XCTAssertEqual(PredictionRun.loadParameter([["N": 2], ["N": 3], ["N": 3]]), "N")
        XCTAssertNil(PredictionRun.loadParameter([["N": 3], ["N": 3]]))
        XCTAssertNil(PredictionRun.loadParameter([["N": 2, "T": 5], ["N": 3, "T": 6]]))
    }
}
