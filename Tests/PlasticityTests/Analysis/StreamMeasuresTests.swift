import Foundation
import XCTest
@testable import Plasticity
@testable import PlasticityAnalysis

/// tau_net and dimensionality from a long Bernoulli stream: the estimator against brute force, the
/// fits against curves of known shape, and networks whose timescale and dimension are known.
final class StreamMeasuresTests: XCTestCase {
    /// Their estimator written out: per signal, mean-subtracted with its overall mean, unbiased by
    /// the pairs; pairs only inside a segment.
    func bruteForce(_ segments: [[Double]], maxLag: Int) -> [Double] {
        let all = segments.flatMap { $0 }
        let mean = all.reduce(0, +) / Double(all.count)
        return (0...maxLag).map { k in
            var sum = 0.0, pairs = 0
            for s in segments where s.count > k {
                for t in 0..<(s.count - k) { sum += (s[t] - mean) * (s[t + k] - mean) }
                pairs += s.count - k
            }
            return sum / Double(pairs)
        }
    }

    func testLaggedMomentsMatchTheDirectEstimatorAcrossSegments() {
        let rng = RandomSource(seed: 3, stream: "test")
        let signals = 3, maxLag = 6, lengths = [40, 25, 7]
        // segments[i][t * signals + s]
        let segments = lengths.map { length in (0..<(length * signals)).map { _ in rng.gaussian() + 2 } }
        var moments = LaggedMoments(signals: signals, maxLag: maxLag)
        for (segment, length) in zip(segments, lengths) {
            segment.withUnsafeBufferPointer { moments.add(segment: $0.baseAddress!, length: length) }
        }
        for s in 0..<signals {
            var perSegment: [[Double]] = []
            for (segment, length) in zip(segments, lengths) {
                perSegment.append((0..<length).map { segment[$0 * signals + s] })
            }
            let expected = bruteForce(perSegment, maxLag: maxLag)
            let got = moments.autocorrelation(signal: s)
            for k in 0...maxLag { XCTAssertEqual(got[k], expected[k], accuracy: 1e-12 * max(1, abs(expected[k])), "signal \(s) lag \(k)") }
        }
    }

    /// The decay fits' hand-written Jacobians against central differences of their residuals.
    func testDecayJacobiansMatchCentralDifferences() {
        let y: [Double] = (0...30).map { (k: Int) -> Double in
            let lag = Double(k)
            return 0.7 * Foundation.exp(-lag / 3) + 0.3 * Foundation.exp(-lag / 12)
        }
        let cases: [(DecayModel, [Double])] = [(.single, [0.9, 5.0]), (.double, [0.9, 3.5, 15.0, 0.4])]
        for (model, point) in cases {
            let decay = BoundedDecay(y: y, model: model, tauMax: 100)
            let problem = decay.problem
            let z = decay.unconstrained(point)
            var jacobian = [Double](repeating: 0, count: y.count * z.count)
            problem.jacobian(z, &jacobian)
            let h = 1e-6
            for k in 0..<z.count {
                var plus = z, minus = z
                plus[k] += h
                minus[k] -= h
                var rp = [Double](repeating: 0, count: y.count), rm = rp
                problem.residual(plus, &rp)
                problem.residual(minus, &rm)
                for i in 0..<y.count {
                    let numeric: Double = (rp[i] - rm[i]) / (2 * h)
                    let exact: Double = jacobian[i * z.count + k]
                    let scale: Double = Swift.max(Swift.abs(exact), 1e-3)
                    XCTAssertLessThan(Swift.abs(numeric - exact), 1e-6 * scale, "\(model) dr\(i)/dz\(k)")
                }
            }
        }
    }

    func testSingleExponentialIsRecognisedAndItsTauRecovered() {
        let ac: [Double] = (0...30).map { (k: Int) -> Double in 2.5 * Foundation.exp(-Double(k) / 7) }
        let fit = ExponentialDecayFit.fit(ac)
        XCTAssertEqual(fit.model, .single)
        XCTAssertEqual(fit.tau, 7, accuracy: 1e-6)
    }

    func testDoubleExponentialIsRecognisedAndTheSlowerTauReported() {
        let rng = RandomSource(seed: 5, stream: "noise")
        let ac: [Double] = (0...30).map { (k: Int) -> Double in
            let lag = Double(k)
            return 0.6 * Foundation.exp(-lag / 2) + 0.4 * Foundation.exp(-lag / 25) + 1e-4 * rng.gaussian()
        }
        let fit = ExponentialDecayFit.fit(ac)
        XCTAssertEqual(fit.model, .double)
        XCTAssertEqual(fit.tau, 25, accuracy: 1.5)
        XCTAssertEqual(fit.doubleTaus[0], 2, accuracy: 0.2)
        XCTAssertLessThan(fit.doubleAIC, fit.singleAIC)
        XCTAssertEqual(fit.doubleWeights[0], 0.6, accuracy: 0.02)
        XCTAssertEqual(ExponentialDecayFit.fit(ac, selection: .aic).model, .double)
    }

    func testASilentSignalFailsAndIsCounted() {
        let fit = ExponentialDecayFit.fit([Double](repeating: 0, count: 31))
        XCTAssertEqual(fit.model, .failed)
        XCTAssertTrue(fit.tau.isNaN)
    }

    /// The normalised autocorrelation (lags 0...30) of `length` samples of the AR(1) process
    /// x_t = φ x_{t-1} + ε, whose true AC(k)/AC(0) is φ^k, so tau = -1/ln φ.
    func autoregressiveAutocorrelation(phi: Double, length: Int, seed: UInt64) -> [Double] {
        let rng = RandomSource(seed: seed, stream: "ar1")
        var x = 0.0
        let samples = (0..<length).map { _ -> Double in
            x = phi * x + rng.gaussian()
            return x
        }
        var moments = LaggedMoments(signals: 1, maxLag: 30)
        samples.withUnsafeBufferPointer { moments.add(segment: $0.baseAddress!, length: length) }
        return moments.autocorrelation(signal: 0)
    }

    /// The selected timescale (the one the tool reports) within 5% on every one of eight processes.
    func testAutoregressiveProcessTimescaleIsRecovered() {
        let phi = 0.9, truth = -1 / log(phi)
        for seed in UInt64(1)...8 {
            let fit = ExponentialDecayFit.fit(autoregressiveAutocorrelation(phi: phi, length: 200_000, seed: seed))
            XCTAssertEqual(fit.tau, truth, accuracy: 0.05 * truth, "seed \(seed): \(fit)")
            XCTAssertEqual(fit.singleTau, truth, accuracy: 0.05 * truth, "seed \(seed)")
        }
    }

    /// The case that made the guard necessary: on this estimate plain AIC buys a slow tail carrying
    /// a few per cent of the amplitude and reports it as the timescale; the guarded rule does not.
    func testGuardedSelectionRejectsASmallSlowTailThatPlainAICKeeps() {
        let ac: [Double] = (0...30).map { (k: Int) -> Double in
            let lag = Double(k)
            return 0.95 * Foundation.exp(-lag / 5) + 0.05 * Foundation.exp(-lag / 40)
        }
        let plain = ExponentialDecayFit.fit(ac, selection: .aic)
        XCTAssertEqual(plain.model, .double)
        XCTAssertEqual(plain.tau, 40, accuracy: 1)
        XCTAssertEqual(plain.doubleWeights[1], 0.05, accuracy: 0.01)
        let guarded = ExponentialDecayFit.fit(ac, selection: .guarded)
        XCTAssertEqual(guarded.model, .single)
        XCTAssertEqual(guarded.tau, guarded.singleTau)
        XCTAssertLessThan(guarded.tau, 8)
    }

    /// One leaky neuron (tau = 5, no recurrence) driven by the Bernoulli noise stream, in its
    /// near-linear range: its activity is the input filtered by (1 - 1/5)^k, tau_net = -1/ln 0.8.
    func testSingleLeakyNeuronDrivenByNoiseHasItsFilterTimescale() throws {
        var options = StreamMeasureOptions()
        options.steps = 50_000
        let measures = try StreamMeasurement.measure(leakyNetwork(hidden: 1, selfWeight: 0, inputWeights: [0.05]), options: options, seed: 3)
        let truth = -1 / log(0.8)
        XCTAssertEqual(measures.fits[0].model, .single)
        XCTAssertEqual(measures.tauNet[0], truth, accuracy: 0.05 * truth)
    }

    /// A leaky network with no recurrence, every tau = 5 and f(0) = 0: each neuron is the input bit
    /// filtered by (1 - 1/tau)^k times its own constant, so tau_net = -1/ln(0.8) ≈ 4.48 for every
    /// neuron and the activity is one-dimensional.
    func leakyNetwork(hidden n: Int, selfWeight: Double, inputWeights: [Double]) -> LeakyRNN {
        var config = LeakyRNNConfig(inputSize: 1, hiddenSize: n, outputSize: 2)
        config.activation = .tanh
        config.selfConnections = true
        var model = LeakyRNN(config: config, rng: RandomSource(seed: 1, stream: "init"))
        let layout = model.layout
        for i in layout["W"].range { model.parameters[i] = 0 }
        for j in 0..<n { model.parameters[layout["W"].offset + j * n + j] = selfWeight }
        for j in 0..<n { model.parameters[layout["U"].offset + j] = inputWeights[j] }
        for i in layout["b"].range { model.parameters[i] = 0 }
        for i in layout["tau"].range { model.parameters[i] = 5 }
        return model
    }

    func smallStream() -> StreamMeasureOptions {
        var options = StreamMeasureOptions()
        options.steps = 20_000
        options.trials = 4
        options.segment = 4_000
        return options
    }

    func testFeedforwardLeakyNetworkHasTheFilterTimescaleAndOneDimension() throws {
        let model = leakyNetwork(hidden: 6, selfWeight: 0, inputWeights: [0.3, -0.5, 0.8, 1.1, -0.2, 0.6])
        let measures = try StreamMeasurement.measure(model, options: smallStream(), seed: 2)
        XCTAssertEqual(measures.failedFits, 0)
        for tau in measures.tauNet { XCTAssertEqual(tau, -1 / log(0.8), accuracy: 0.25) }
        XCTAssertEqual(measures.intrinsicTau ?? [], [Double](repeating: 5, count: 6))
        XCTAssertEqual(measures.dimension, [1, 1, 1, 1])
        for pr in measures.participationRatio { XCTAssertEqual(pr, 1, accuracy: 1e-9) }
    }

    /// Self-excitation slows the network beyond its neurons' own tau: tau_net grows while tau stays 5.
    func testRecurrenceMakesTauNetLongerThanTheIntrinsicTau() throws {
        let weights = [0.1, -0.1, 0.15, 0.05]
        let feedforward = try StreamMeasurement.measure(leakyNetwork(hidden: 4, selfWeight: 0, inputWeights: weights), options: smallStream(), seed: 2)
        let recurrent = try StreamMeasurement.measure(leakyNetwork(hidden: 4, selfWeight: 0.9, inputWeights: weights), options: smallStream(), seed: 2)
        XCTAssertEqual(recurrent.intrinsicTau, feedforward.intrinsicTau)
        // Linearised at h = 0 the leak would be 0.8 + 0.2 × 0.9 = 0.98 (tau 49.5); the input's mean moves
        // each neuron to where tanh' < 1, so the measured decay is 16–33 steps: still 3× and more the
        // feedforward 4.5. Each tau_net is the decay the autocorrelation shows, -30/ln AC(30), within 10%:
        // plain AIC here added a 100-step tail at the bound (weight 0.08–0.2) and reported 100.
        XCTAssertGreaterThan(recurrent.medianTauNet, 3 * feedforward.medianTauNet)
        for (tau, ac) in zip(recurrent.tauNet, recurrent.autocorrelation) {
            let shown = -30 / log(ac[30] / ac[0])
            XCTAssertEqual(tau, shown, accuracy: 0.1 * shown)
        }
    }

    func testSameSeedGivesIdenticalMeasuresAndGatedModelsHaveNoIntrinsicTau() throws {
        let gru = GRU(config: GRUConfig(inputSize: 1, hiddenSize: 5, outputSize: 2), rng: RandomSource(seed: 4, stream: "init"))
        var options = smallStream()
        options.steps = 6_000
        let a = try StreamMeasurement.measure(gru, options: options, seed: 7)
        let b = try StreamMeasurement.measure(gru, options: options, seed: 7)
        // Bit for bit (NaN where a fit failed compares by its bits).
        XCTAssertEqual(a.tauNet.map(\.bitPattern), b.tauNet.map(\.bitPattern))
        XCTAssertEqual(a.autocorrelation.flatMap { $0 }.map(\.bitPattern), b.autocorrelation.flatMap { $0 }.map(\.bitPattern))
        XCTAssertEqual(a.participationRatio, b.participationRatio)
        XCTAssertNil(a.intrinsicTau)
        XCTAssertEqual(a.tauNet.count, 5)
    }
}
