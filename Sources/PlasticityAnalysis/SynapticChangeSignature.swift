import Foundation

/// The activity terms a synaptic plasticity rule could be built from, per recurrent synapse W_ji
/// (post j, pre i; the drive is a_j = Σ_i W_ji r_i), averaged over the steps and trials of a probe
/// batch: the pre rate at t−1 (what drives j at t) against the post rate at t.
public struct SynapticActivity: Sendable {
    public static let terms = ["hebbian", "pre", "post", "differential-post", "differential-pre"]
    public var neurons: Int
    /// ⟨r_j(t) r_i(t−1)⟩, row j, column i.
    public var hebbian: [Double]
    /// ⟨r_i(t−1)⟩ and ⟨r_j(t)⟩ per neuron.
    public var pre: [Double]
    public var post: [Double]
    /// ⟨ṙ_j(t) r_i(t−1)⟩ and ⟨r_j(t) ṙ_i(t−1)⟩ with ṙ(t) = r(t) − r(t−1) (differential Hebbian terms).
    public var differentialPost: [Double]
    public var differentialPre: [Double]

    /// `rates[(t * batch + b) * n + j]` for t = 0...steps (steps + 1 slices, t = 0 the initial state).
    public init(rates: [Double], steps: Int, batch: Int, neurons n: Int) {
        precondition(steps >= 2 && rates.count == (steps + 1) * batch * n)
        neurons = n
        hebbian = Array(repeating: 0, count: n * n)
        differentialPost = hebbian
        differentialPre = hebbian
        pre = Array(repeating: 0, count: n)
        post = pre
        // t runs 2...steps so that ṙ_i(t−1) exists. Each sum takes its terms in the same order as a
        // plain loop, (a · b) / samples per term; the rows run four synapses per SIMD4 (this was 7%
        // of a predictions cell as scalar code with a checked access per element).
        let samples = Double((steps - 1) * batch), samplesLanes = SIMD4(repeating: samples)
        let lanes = n / 4 * 4
        var dPre = [Double](repeating: 0, count: n)
        rates.withUnsafeBufferPointer { ratesBuffer in
            withMutablePointers(&hebbian, &differentialPost, &differentialPre) { hebbianMatrix, postMatrix, preMatrix in
                withMutablePointers(&pre, &post, &dPre) { preMeans, postMeans, dPreRow in
                    let r = ratesBuffer.baseAddress!
                    for t in 2...steps {
                        for b in 0..<batch {
                            let now = r + (t * batch + b) * n, before = r + ((t - 1) * batch + b) * n
                            let earlier = r + ((t - 2) * batch + b) * n
                            for i in 0..<n { dPreRow[i] = before[i] - earlier[i] }
                            for j in 0..<n {
                                let rj = now[j], dPost = rj - before[j]
                                postMeans[j] += rj / samples
                                preMeans[j] += before[j] / samples
                                let hebbianRow = hebbianMatrix + j * n, postRow = postMatrix + j * n, preRow = preMatrix + j * n
                                let rjLanes = SIMD4(repeating: rj), dPostLanes = SIMD4(repeating: dPost)
                                var i = 0
                                while i < lanes {
                                    let ri = load4(before, i), dPreI = load4(dPreRow, i)
                                    store4(load4(hebbianRow, i) + rjLanes * ri / samplesLanes, hebbianRow, i)
                                    store4(load4(postRow, i) + dPostLanes * ri / samplesLanes, postRow, i)
                                    store4(load4(preRow, i) + rjLanes * dPreI / samplesLanes, preRow, i)
                                    i += 4
                                }
                                while i < n {
                                    let ri = before[i]
                                    hebbianRow[i] += rj * ri / samples
                                    postRow[i] += dPost * ri / samples
                                    preRow[i] += rj * dPreRow[i] / samples
                                    i += 1
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The five regressors of synapse (j, i), in `terms` order.
    public func regressors(post j: Int, pre i: Int) -> [Double] {
        let s = j * neurons + i
        return [hebbian[s], pre[i], post[j], differentialPost[s], differentialPre[s]]
    }
}

/// Ordinary least squares of y on an intercept and the columns of x (normal equations, solved by
/// Gaussian elimination with partial pivoting; a tiny ridge keeps a degenerate design solvable).
public enum SynapticChangeRegression {
    public struct Fit: Equatable, Sendable {
        /// Intercept first, then one per column of x.
        public var coefficients: [Double]
        /// Coefficient × sd(x_k) / sd(y): comparable across rules and learning rates.
        public var standardised: [Double]
        public var rSquared: Double
    }

    public static func fit(x: [[Double]], y: [Double]) -> Fit? {
        guard let p = x.first?.count, x.count > p + 1, x.count == y.count else { return nil }
        let d = p + 1, n = Double(x.count)
        var a = [Double](repeating: 0, count: d * d), rhs = [Double](repeating: 0, count: d)
        for (row, target) in zip(x, y) {
            let z = [1] + row
            for r in 0..<d {
                rhs[r] += z[r] * target
                for c in 0..<d { a[r * d + c] += z[r] * z[c] }
            }
        }
        for r in 1..<d { a[r * d + r] += 1e-12 * max(a[r * d + r], 1e-300) }
        guard let beta = solve(a, rhs, d) else { return nil }
        let my = y.reduce(0, +) / n
        let sy = (y.reduce(0) { $0 + ($1 - my) * ($1 - my) } / n).squareRoot()
        var residual = 0.0
        for (row, target) in zip(x, y) {
            var prediction = beta[0]
            for k in 0..<p { prediction += beta[k + 1] * row[k] }
            residual += (target - prediction) * (target - prediction)
        }
        let total = sy * sy * n
        let standardised = (0..<p).map { k -> Double in
            let column = x.map { $0[k] }
            let m = column.reduce(0, +) / n
            let sx = (column.reduce(0) { $0 + ($1 - m) * ($1 - m) } / n).squareRoot()
            return sy > 0 ? beta[k + 1] * sx / sy : .nan
        }
        return Fit(coefficients: beta, standardised: standardised, rSquared: total > 0 ? 1 - residual / total : .nan)
    }

    static func solve(_ matrix: [Double], _ vector: [Double], _ d: Int) -> [Double]? {
        var a = matrix, b = vector
        for col in 0..<d {
            var pivot = col
            for r in (col + 1)..<d where abs(a[r * d + col]) > abs(a[pivot * d + col]) { pivot = r }
            guard abs(a[pivot * d + col]) > 0, a[pivot * d + col].isFinite else { return nil }
            if pivot != col {
                for c in 0..<d { a.swapAt(col * d + c, pivot * d + c) }
                b.swapAt(col, pivot)
            }
            for r in (col + 1)..<d {
                let f = a[r * d + col] / a[col * d + col]
                if f == 0 { continue }
                for c in col..<d { a[r * d + c] -= f * a[col * d + c] }
                b[r] -= f * b[col]
            }
        }
        var x = [Double](repeating: 0, count: d)
        for r in stride(from: d - 1, through: 0, by: -1) {
            var s = b[r]
            for c in (r + 1)..<d { s -= a[r * d + c] * x[c] }
            x[r] = s / a[r * d + r]
        }
        return x.allSatisfy(\.isFinite) ? x : nil
    }
}

/// The synaptic-change signature of one run: between consecutive evaluations, the change of every
/// off-diagonal recurrent weight regressed on the activity terms at the start of the interval
/// (`SynapticActivity`), standardised coefficients averaged over intervals; and the statistics of
/// the changes Nayebi et al. 2020 classify rules from (each interval's ΔW in units of the RMS of W
/// at its start, pooled over training).
public struct SynapticSignature: Codable, Equatable, Sendable {
    /// Mean standardised coefficient per `SynapticActivity.terms` entry.
    public var coefficients: [Double]
    public var rSquared: Double
    public var intervals: Int
    public var changeMean: Double
    public var changeVariance: Double
    /// Excess kurtosis (0 for a Gaussian).
    public var changeKurtosis: Double
    public var changeMedian: Double

    /// Named values as stored (`prediction_measures`).
    public var values: [(String, Double)] {
        zip(SynapticActivity.terms, coefficients).map { ("syn-" + $0.0, $0.1) } + [
            ("syn-r2", rSquared), ("dw-mean", changeMean), ("dw-variance", changeVariance),
            ("dw-kurtosis", changeKurtosis), ("dw-median", changeMedian),
        ]
    }

    /// Moments of pooled values: (mean, variance with n − 1, excess kurtosis, median).
    public static func moments(_ x: [Double]) -> (Double, Double, Double, Double) {
        guard x.count > 1 else { return (.nan, .nan, .nan, .nan) }
        let n = Double(x.count), m = x.reduce(0, +) / n
        var m2 = 0.0, m4 = 0.0
        for v in x {
            let d = (v - m) * (v - m)
            m2 += d
            m4 += d * d
        }
        let kurtosis = m2 > 0 ? n * m4 / (m2 * m2) - 3 : .nan
        return (m, m2 / (n - 1), kurtosis, Statistics.median(x))
    }
}

/// Records what the signature needs, cheaply: at every evaluation the recurrent weights and the
/// activity terms on one fixed probe batch (seeded), nothing else; the regression of an interval
/// runs as soon as its end is seen. Models without a single recurrent matrix "W" (GRU, LSTM) record nothing.
public final class SynapticChangeRecorder: @unchecked Sendable {  // used from one training thread
    let probe: Batch
    var previousWeights: [Double]?
    var previousActivity: SynapticActivity?
    var sums: [Double]
    var rSquaredSum = 0.0
    var intervals = 0
    var changes: [Double] = []

    public init(task: any Task, trials: Int, rng: RandomSource) {
        probe = task.batch(size: trials, using: rng)
        sums = Array(repeating: 0, count: SynapticActivity.terms.count)
    }

    /// Rates on the probe batch (φ(h) for the local models, the states otherwise), t = 0...T.
    static func rates(model: any RecurrentModel, batch: Batch) -> [Double] {
        var trajectory = model.makeTrajectory(capacity: batch.steps, batch: batch.size)
        model.forward(batch.inputs, into: &trajectory)
        let count = (batch.steps + 1) * batch.size * model.hiddenSize
        let states = Array(trajectory.states.data[0..<count])
        guard let local = model as? any LocalRecurrentModel else { return states }
        var rates = states
        states.withUnsafeBufferPointer { h in rates.withUnsafeMutableBufferPointer { local.applyRate(h.baseAddress!, into: $0.baseAddress!, count: count) } }
        return rates
    }

    public func checkpoint(model: any RecurrentModel) {
        guard let group = model.layout[optional: "W"], group.rows == model.hiddenSize, group.cols == model.hiddenSize,
              probe.steps >= 2 else { return }
        let n = model.hiddenSize
        let weights = Array(model.parameters[group.range])
        let activity = SynapticActivity(rates: SynapticChangeRecorder.rates(model: model, batch: probe), steps: probe.steps, batch: probe.size, neurons: n)
        if let before = previousWeights, let terms = previousActivity {
            let rms = (before.reduce(0) { $0 + $1 * $1 } / Double(max(n * n - n, 1))).squareRoot()
            var x: [[Double]] = [], y: [Double] = []
            x.reserveCapacity(n * n)
            for j in 0..<n {
                for i in 0..<n where i != j {
                    let change = weights[j * n + i] - before[j * n + i]
                    x.append(terms.regressors(post: j, pre: i))
                    y.append(change)
                    if rms > 0 { changes.append(change / rms) }
                }
            }
            if y.contains(where: { $0 != 0 }), let fit = SynapticChangeRegression.fit(x: x, y: y), fit.standardised.allSatisfy(\.isFinite) {
                for k in sums.indices { sums[k] += fit.standardised[k] }
                rSquaredSum += fit.rSquared
                intervals += 1
            }
        }
        previousWeights = weights
        previousActivity = activity
    }

    /// The signature of the intervals seen; nil when none had a weight change.
    public func finish() -> SynapticSignature? {
        guard intervals > 0 else { return nil }
        let (mean, variance, kurtosis, median) = SynapticSignature.moments(changes)
        return SynapticSignature(
            coefficients: sums.map { $0 / Double(intervals) }, rSquared: rSquaredSum / Double(intervals), intervals: intervals,
            changeMean: mean, changeVariance: variance, changeKurtosis: kurtosis, changeMedian: median)
    }
}
