import Dense
import Foundation

/// What a trained network's activity on a long Bernoulli stream shows (docs/science.md "Task notes",
/// tau_net and dimensionality, after the ICLR 2024 code): each neuron's network timescale tau_net
/// from its autocorrelation, the population's, and the dimensionality of the activity.
public struct StreamMeasures: Codable, Equatable, Sendable {
    /// Per neuron: the selected timescale (NaN where both fits failed).
    public var tauNet: [Double]
    /// Per neuron: which decay was selected.
    public var fits: [DecayFit]
    /// Per neuron: the single-neuron timescale the parameters give (`intrinsicTimescales`); nil for
    /// models without one (GRU, LSTM: their gates set a time-varying leak).
    public var intrinsicTau: [Double]?
    /// Per neuron: AC(k)/AC(0) at lags 0...maxLag, averaged over trials before normalising.
    public var autocorrelation: [[Double]]
    /// The summed population activity's normalised autocorrelation and its fit.
    public var populationAutocorrelation: [Double]
    public var populationFit: DecayFit
    /// Per trial: PCA components needed for `varianceFraction` of the variance, and the participation ratio.
    public var dimension: [Int]
    public var participationRatio: [Double]
    public var varianceFraction: Double

    /// Neurons whose fits both failed (dropped from the tau_net distribution, counted here).
    public var failedFits: Int { fits.filter { $0.model == .failed }.count }
    public var finiteTauNet: [Double] { tauNet.filter(\.isFinite) }
    public var medianTauNet: Double { Statistics.median(finiteTauNet) }
    public var medianIntrinsicTau: Double? { intrinsicTau.map { Statistics.median($0.filter(\.isFinite)) } }
    public var medianDimension: Double { Statistics.median(dimension.map(Double.init)) }
    public var medianParticipationRatio: Double { Statistics.median(participationRatio) }
}

/// How the stream measures are taken; the defaults are the ICLR 2024 code's.
public struct StreamMeasureOptions: Codable, Equatable, Sendable {
    public var steps = 100_000
    public var discard = 500
    public var trials = 10
    public var segment = 5_000
    /// Lags fitted: 0...maxLag (theirs: `fit_lag = 30`).
    public var maxLag = 30
    public var tauMax = ExponentialDecayFit.defaultTauMax
    /// How each neuron's single and double fits are chosen between (theirs: `.aic`).
    public var selection = DecaySelection.guarded
    public var varianceFraction = 0.9

    public init() {}

    /// `value` if inside `range`, else the one-line input error naming `option` and the range.
    public static func checked(_ value: Int, _ option: String, _ range: ClosedRange<Int>) throws -> Int {
        guard range.contains(value) else {
            throw InputError.outOfRange(option, Double(value), range: "\(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }
}

public enum StreamMeasurement {
    /// Drives `model` with the stream of `options` (seeded by `seed`) and measures it.
    public static func measure(_ model: any RecurrentModel, options: StreamMeasureOptions = StreamMeasureOptions(), seed: UInt64) throws -> StreamMeasures {
        let stream = BernoulliStream(steps: options.steps, discard: options.discard, trials: options.trials, segment: options.segment, seed: seed)
        let n = model.hiddenSize, trials = options.trials
        var neurons = LaggedMoments(signals: trials * n, maxLag: options.maxLag)
        var population = LaggedMoments(signals: trials, maxLag: options.maxLag)
        // Per trial: Σ x and Σ x xᵀ for the covariance.
        var sums = [Double](repeating: 0, count: trials * n)
        var outer = [Double](repeating: 0, count: trials * n * n)
        var summed = [Double](repeating: 0, count: options.segment * trials)
        stream.drive(model) { states, kept in
            neurons.add(segment: states, length: kept)
            for t in 0..<kept {
                for b in 0..<trials {
                    let x = states + (t * trials + b) * n
                    var total = 0.0
                    for j in 0..<n {
                        total += x[j]
                        sums[b * n + j] += x[j]
                    }
                    summed[t * trials + b] = total
                }
            }
            summed.withUnsafeBufferPointer { population.add(segment: $0.baseAddress!, length: kept) }
            outer.withUnsafeMutableBufferPointer { o in
                for b in 0..<trials {
                    // Rows t of trial b sit trials × N apart.
                    BLAS.gemm(transA: true, m: n, n: n, k: kept, a: states + b * n, lda: trials * n,
                              b: states + b * n, ldb: trials * n, beta: 1, c: o.baseAddress! + b * n * n, ldc: n)
                }
            }
        }

        var autocorrelation: [[Double]] = []
        var fits: [DecayFit] = []
        for j in 0..<n {
            var mean = [Double](repeating: 0, count: options.maxLag + 1)
            for b in 0..<trials {
                for (k, v) in neurons.autocorrelation(signal: b * n + j).enumerated() { mean[k] += v / Double(trials) }
            }
            fits.append(ExponentialDecayFit.fit(mean, tauMax: options.tauMax, selection: options.selection))
            autocorrelation.append(normalised(mean))
        }
        var populationMean = [Double](repeating: 0, count: options.maxLag + 1)
        for b in 0..<trials {
            for (k, v) in population.autocorrelation(signal: b).enumerated() { populationMean[k] += v / Double(trials) }
        }

        let samples = Double(options.steps)
        var dimension: [Int] = [], participation: [Double] = []
        for b in 0..<trials {
            let mean = (0..<n).map { sums[b * n + $0] / samples }
            var covariance = Matrix(rows: n, cols: n)
            for r in 0..<n {
                for c in 0..<n {
                    covariance[r, c] = (outer[b * n * n + r * n + c] - samples * mean[r] * mean[c]) / (samples - 1)
                }
            }
            let pca = try Geometry.principalComponents(covariance: covariance, mean: mean)
            dimension.append(pca.componentsToExplain(options.varianceFraction))
            participation.append(pca.participationRatio)
        }
        return StreamMeasures(
            tauNet: fits.map(\.tau), fits: fits, intrinsicTau: intrinsicTimescales(model), autocorrelation: autocorrelation,
            populationAutocorrelation: normalised(populationMean), populationFit: ExponentialDecayFit.fit(populationMean, tauMax: options.tauMax, selection: options.selection),
            dimension: dimension, participationRatio: participation, varianceFraction: options.varianceFraction)
    }

    static func normalised(_ ac: [Double]) -> [Double] {
        guard let first = ac.first, first > 0 else { return ac.map { _ in .nan } }
        return ac.map { $0 / first }
    }

    /// The timescale each neuron has on its own: the leaky RNN's tau as the forward pass uses it
    /// (clamped at 1, `LeakyRNN.rate`), and for the PLRNN 1/(1 - A_i), the tau of the leaky unit with
    /// the same decay (infinite where A_i >= 1). Nil for the gated models, whose leak depends on the state.
    public static func intrinsicTimescales(_ model: any RecurrentModel) -> [Double]? {
        switch model.kind {
        case .leaky: return model.group("tau").map { 1 / LeakyRNN.rate(tau: $0) }
        case .plrnn: return model.group("A").map { $0 < 1 ? 1 / (1 - $0) : .infinity }
        case .gru, .lstm: return nil
        }
    }
}
