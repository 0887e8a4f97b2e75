import XCTest
@testable import Plasticity

/// The statistics behind `plasticity predict` (docs/predictions.md) on data whose answers are known.
final class PredictionStatisticsTests: XCTestCase {
    func testEffectSizesAndExactPermutationPMatchHandComputedValues() {
        // Completely separated: d = (2 − 5)/1, every pair ordered, and only 2 of the C(6, 3) = 20 splits are as extreme.
        let separated = EffectSize([1, 2, 3], [4, 5, 6], rng: RandomSource(seed: 1, stream: "test"))
        XCTAssertEqual(separated.cohensD, -3, accuracy: 1e-12)
        XCTAssertEqual(separated.cliffsDelta, -1)
        XCTAssertEqual(separated.pValue, 0.1, accuracy: 1e-12)
        XCTAssertTrue(separated.exact)
        // Overlapping: d = −1.125 / sqrt(11.6875 / 6), δ = (3 − 10)/16, p = 30/70 (enumerated by hand in Python).
        let overlapping = EffectSize([1, 2, 3, 4], [2, 3, 4, 5.5], rng: RandomSource(seed: 1, stream: "test"))
        XCTAssertEqual(overlapping.cohensD, -0.8060599359358184, accuracy: 1e-12)
        XCTAssertEqual(overlapping.cliffsDelta, -0.4375, accuracy: 1e-12)
        XCTAssertEqual(overlapping.pValue, 30.0 / 70.0, accuracy: 1e-12)
        // Symmetric in the sign, NaN and constant sides handled.
        let swapped = EffectSize([2, 3, 4, 5.5], [1, 2, 3, 4], rng: RandomSource(seed: 1, stream: "test"))
        XCTAssertEqual(swapped.cohensD, -overlapping.cohensD, accuracy: 1e-12)
        XCTAssertEqual(swapped.pValue, overlapping.pValue, accuracy: 1e-12)
        XCTAssertEqual(EffectSize([1, .nan, 2], [3, 4], rng: RandomSource(seed: 1, stream: "test")).countA, 2)
        XCTAssertEqual(EffectSize.cohensD([1, 1], [2, 2]), -.infinity)
        XCTAssertTrue(EffectSize([], [1, 2], rng: RandomSource(seed: 1, stream: "test")).pValue.isNaN)
    }

    func testMonteCarloPermutationPAgreesWithTheExactOne() {
        let rng = RandomSource(seed: 7, stream: "samples")
        let a = (0..<8).map { _ in rng.gaussian() }, b = (0..<8).map { _ in rng.gaussian() + 0.8 }
        let exact = EffectSize.permutationTest(a, b, rng: RandomSource(seed: 1, stream: "p"))
        let sampled = EffectSize.permutationTest(a, b, permutations: 20_000, exactLimit: 0, rng: RandomSource(seed: 1, stream: "p"))
        XCTAssertTrue(exact.exact)
        XCTAssertFalse(sampled.exact)
        XCTAssertEqual(sampled.p, exact.p, accuracy: 0.01)
        XCTAssertEqual(EffectSize.binomial(20, 10), 184_756)
    }

    /// Three classes around means 10 apart in four dimensions (sd 1), 20 runs each.
    func separated(seed: UInt64, shuffle: Bool = false) -> LabelledObservables {
        let rng = RandomSource(seed: seed, stream: "classes")
        var rows: [[Double]] = [], labels: [Int] = []
        for k in 0..<3 {
            for _ in 0..<20 {
                rows.append((0..<4).map { j in Double(k) * 10 * (j % 2 == 0 ? 1 : -1) + rng.gaussian() })
                labels.append(k)
            }
        }
        if shuffle { labels = rng.permutation(labels.count).map { labels[$0] } }
        return LabelledObservables(classes: ["a", "b", "c"], features: ["x0", "x1", "x2", "x3"], rows: rows, labels: labels)
    }

    func testBothClassifiersAreNearPerfectOnWellSeparatedClasses() {
        for kind in ClassifierKind.allCases {
            let cv = CrossValidation(separated(seed: 3), kind: kind, folds: 5, rng: RandomSource(seed: 1, stream: "folds"))
            XCTAssertGreaterThanOrEqual(cv.accuracy, 0.98, "\(kind)")
            XCTAssertEqual(cv.confusion.flatMap { $0 }.reduce(0, +), 60)
            XCTAssertEqual(cv.chance, 1.0 / 3.0, accuracy: 1e-12)
            XCTAssertLessThan(cv.low, cv.accuracy)
        }
    }

    func testBothClassifiersAreAtChanceOnShuffledLabels() {
        // Pooled over several shuffles so one lucky split cannot decide: the mean accuracy sits near 1/3.
        for kind in ClassifierKind.allCases {
            let accuracies = (1...8).map { seed in
                CrossValidation(separated(seed: UInt64(seed), shuffle: true), kind: kind, folds: 5, rng: RandomSource(seed: UInt64(seed), stream: "folds")).accuracy
            }
            XCTAssertEqual(Statistics.mean(accuracies), 1.0 / 3.0, accuracy: 0.1, "\(kind): \(accuracies)")
        }
    }

    func testStratifiedFoldsBalanceEveryClass() {
        let labels = Array(repeating: 0, count: 10) + Array(repeating: 1, count: 10) + Array(repeating: 2, count: 5)
        let folds = CrossValidation.stratifiedFolds(labels: labels, folds: 5, rng: RandomSource(seed: 2, stream: "f"))
        for k in 0..<3 {
            let counts = (0..<5).map { f in labels.indices.filter { labels[$0] == k && folds[$0] == f }.count }
            XCTAssertLessThanOrEqual(counts.max()! - counts.min()!, 1, "class \(k): \(counts)")
        }
        XCTAssertEqual(folds, CrossValidation.stratifiedFolds(labels: labels, folds: 5, rng: RandomSource(seed: 2, stream: "f")))
    }

    func testTheInformativeExperimentRanksFirst() {
        // Features 0-1 carry the class, 2-3 are noise; groups named accordingly.
        let data = separated(seed: 5)
        let rng = RandomSource(seed: 9, stream: "noise")
        let noisy = LabelledObservables(
            classes: data.classes, features: ["s0", "s1", "n0", "n1"],
            rows: data.rows.map { [$0[0], $0[1], rng.gaussian(), rng.gaussian()] }, labels: data.labels)
        let ranking = ExperimentRanking(noisy, groups: [("noise", [2, 3]), ("signal", [0, 1])], rng: RandomSource(seed: 1, stream: "folds"))
        XCTAssertEqual(ranking.steps.map(\.group), ["signal", "noise"])
        XCTAssertGreaterThanOrEqual(ranking.steps[0].alone, 0.95)
        XCTAssertLessThan(ranking.steps[1].alone, 0.6)
        XCTAssertLessThan(abs(ranking.steps[1].added), 0.1)
    }

    /// The SIMD rows sum the same terms in the same order as the plain loop: equal bit for bit,
    /// with a width that leaves a remainder after the groups of four.
    func testSynapticActivityEqualsThePlainLoopBitForBit() {
        for n in [13, 32] {
            let steps = 9, batch = 3, rng = RandomSource(seed: UInt64(n), stream: "rates")
            let rates = (0..<((steps + 1) * batch * n)).map { _ in rng.uniform(-1, 1) }
            let activity = SynapticActivity(rates: rates, steps: steps, batch: batch, neurons: n)
            let samples = Double((steps - 1) * batch)
            var hebbian = [Double](repeating: 0, count: n * n), dPostMatrix = hebbian, dPreMatrix = hebbian
            var pre = [Double](repeating: 0, count: n), post = pre
            for t in 2...steps {
                for b in 0..<batch {
                    func r(_ s: Int, _ i: Int) -> Double { rates[(s * batch + b) * n + i] }
                    for j in 0..<n {
                        post[j] += r(t, j) / samples
                        pre[j] += r(t - 1, j) / samples
                        for i in 0..<n {
                            hebbian[j * n + i] += r(t, j) * r(t - 1, i) / samples
                            dPostMatrix[j * n + i] += (r(t, j) - r(t - 1, j)) * r(t - 1, i) / samples
                            dPreMatrix[j * n + i] += r(t, j) * (r(t - 1, i) - r(t - 2, i)) / samples
                        }
                    }
                }
            }
            XCTAssertEqual(activity.hebbian.map(\.bitPattern), hebbian.map(\.bitPattern), "n \(n)")
            XCTAssertEqual(activity.differentialPost.map(\.bitPattern), dPostMatrix.map(\.bitPattern), "n \(n)")
            XCTAssertEqual(activity.differentialPre.map(\.bitPattern), dPreMatrix.map(\.bitPattern), "n \(n)")
            XCTAssertEqual(activity.pre.map(\.bitPattern), pre.map(\.bitPattern), "n \(n)")
            XCTAssertEqual(activity.post.map(\.bitPattern), post.map(\.bitPattern), "n \(n)")
        }
    }

    func testSynapticRegressionRecoversAKnownHebbianUpdate() throws {
        let n = 12, steps = 40, batch = 4
        let rng = RandomSource(seed: 11, stream: "rates")
        // Smooth positive rates, so the derivative terms differ from the rates themselves.
        var rates = [Double](repeating: 0, count: (steps + 1) * batch * n)
        for b in 0..<batch {
            for j in 0..<n {
                var x = rng.uniform()
                for t in 0...steps {
                    x = 0.8 * x + 0.2 * rng.uniform() * 2
                    rates[(t * batch + b) * n + j] = x
                }
            }
        }
        let activity = SynapticActivity(rates: rates, steps: steps, batch: batch, neurons: n)
        let truth = [0.05, 0.5, 0.2, 0.0, -0.3, 0.0]  // intercept, hebbian, pre, post, differential-post, differential-pre
        var x: [[Double]] = [], y: [Double] = []
        for j in 0..<n {
            for i in 0..<n where i != j {
                let terms = activity.regressors(post: j, pre: i)
                x.append(terms)
                y.append(truth[0] + zip(truth.dropFirst(), terms).reduce(0) { $0 + $1.0 * $1.1 } + 1e-6 * rng.gaussian())
            }
        }
        let fit = try XCTUnwrap(SynapticChangeRegression.fit(x: x, y: y))
        for (k, value) in truth.enumerated() { XCTAssertEqual(fit.coefficients[k], value, accuracy: 1e-3, "coefficient \(k)") }
        XCTAssertGreaterThan(fit.rSquared, 0.999)
        XCTAssertGreaterThan(fit.standardised[0], 0)
        XCTAssertLessThan(fit.standardised[3], 0)
        // The pooled change statistics: a Gaussian sample has excess kurtosis near 0.
        let sample = (0..<20_000).map { _ in rng.gaussian() }
        let (mean, variance, kurtosis, median) = SynapticSignature.moments(sample)
        XCTAssertEqual(mean, 0, accuracy: 0.03)
        XCTAssertEqual(variance, 1, accuracy: 0.05)
        XCTAssertEqual(kurtosis, 0, accuracy: 0.15)
        XCTAssertEqual(median, 0, accuracy: 0.03)
    }
}
