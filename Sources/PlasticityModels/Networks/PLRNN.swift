import Dense

public struct PLRNNConfig: ModelConfig {
    public var inputSize: Int
    public var hiddenSize: Int
    public var outputSize: Int
    public var initialization: Initialization = .gain
    /// Recurrent gain g: W's off-diagonal entries are drawn with standard deviation g/sqrt(N)
    /// (before the row scaling by 1 - A_i, see `PLRNN.init(config:rng:)`).
    public var gain: Double = 1.5
    /// The diagonal A is drawn uniformly from this range (our choice).
    public var diagonalRange: ClosedRange<Double> = 0.5...0.9

    public init(inputSize: Int, hiddenSize: Int, outputSize: Int) {
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.outputSize = outputSize
    }
}

/// Piecewise-linear RNN (Durstewitz 2017; Koppe et al. 2019; used by Haputhanthri et al. 2025):
///   z_t = A ⊙ z_{t-1} + W relu(z_{t-1}) + C x_t + h0,   A diagonal (a vector), W off-diagonal
///   y_t = V relu(z_t) + c,  z_0 = 0.
/// The readout is our choice, and it reads the rates relu(z_t), not z_t: x_t enters z_t linearly, so
/// a readout linear in z_t is the past's contribution plus V C x_t, and cannot answer XOR-like
/// questions about the last input (N-parity, N-DMS stay at chance with it; measured).
/// A is not constrained (training may make it > 1); the diagonal of W is frozen at 0.
/// Parameter groups: A (N), W (N×N), C (N×in), h0 (N), V (out×N), c (out).
/// Trajectory: states = z_0...z_T; preactivations = the pre-update sum
/// A z_{t-1} + W relu(z_{t-1}) + C x_t + h0 (+ preactivation noise), which is z_t before state noise;
/// activations = relu(z_t), the rates, read out at step t and driving step t+1.
public struct PLRNN: ConfiguredModel, Codable, Equatable {
    public var config: PLRNNConfig
    public var parameters: [Double]
    public let layout: ParameterLayout

    public var kind: ModelKind { .plrnn }

    /// A network with parameters drawn from `rng` (the run's init stream). Our choices:
    /// A_i ~ U(diagonalRange); `.gain`: W_ij ~ N(0, g²/N), C ~ N(0, 1/in), V ~ N(0, 1/N), h0 = c = 0;
    /// `.uniformFanIn`: W, V, c ~ U(±1/sqrt(N)), C, h0 ~ U(±1/sqrt(in)). In both, row i of W is then
    /// scaled by 1 - A_i, which makes the initial PLRNN a leaky ReLU network in current form,
    /// z_i ← A_i z_i + (1 - A_i)(W₀ relu(z))_i + ..., so g keeps its leaky-RNN meaning; unscaled,
    /// A + W would start far outside the unit circle for g > 1 and the state would explode.
    public init(config: PLRNNConfig, rng: RandomSource) {
        self.init(config: config, parameters: [Double](repeating: 0, count: PLRNN.makeLayout(config).count))
        let n = config.hiddenSize, ao = layout["A"].offset, wo = layout["W"].offset, d = drive
        for i in layout["A"].range { parameters[i] = rng.uniform(config.diagonalRange.lowerBound, config.diagonalRange.upperBound) }
        d.draw(config.initialization, recurrentSigma: config.gain * (1 / Double(n).squareRoot()), rng: rng, into: &parameters)
        for i in 0..<n {
            for j in 0..<n { parameters[wo + i * n + j] *= 1 - parameters[ao + i] }
        }
        project()
    }

    /// A network with the given parameters (e.g. loaded from a file).
    public init(config: PLRNNConfig, parameters: [Double]) {
        self.config = config
        layout = PLRNN.makeLayout(config)
        self.parameters = layout.fitting(parameters)
    }

    /// W is off-diagonal: the self-coupling lives in A.
    public mutating func project() { clearRecurrentDiagonal() }

    public var frozenIndices: [Int] { drive.recurrentDiagonal }

    /// With d_t = dL/dz_t (total):
    ///   d_t = relu'(z_t) ⊙ (dY_t V + d_{t+1} W) + A ⊙ d_{t+1} + stateGradient_t;
    /// dV += dY_t^T relu(z_t), dA += d_t ⊙ z_{t-1}, dW += d_t^T relu(z_{t-1}), dC += d_t^T x_t,
    /// dh0 += d_t (all summed over the batch).
    public func backward(
        _ tr: inout Trajectory, inputs: Tensor3, outputGradient dY: Tensor3,
        stateGradient: Tensor3?, truncation: Int?, into gradient: inout [Double]
    ) {
        let steps = inputs.steps, batch = inputs.batch, n = hiddenSize, nIn = inputSize, nOut = outputSize
        beginGradient(inputs: inputs, outputGradient: dY, into: &gradient)
        let ao = layout["A"].offset, wo = layout["W"].offset, co = layout["C"].offset, ho = layout["h0"].offset
        let vo = layout["V"].offset, cOut = layout["c"].offset
        let slice = batch * n
        let emptyStateGradient = [Double]()
        let sgData = stateGradient?.data ?? emptyStateGradient
        let hasStateGradient = stateGradient != nil
        // W packed once for the per-step products dz_t W where that is faster (`PackedOperand`).
        let recurrent = PackedOperand(transposed: false, n: n, k: n, rows: batch)
        parameters.withUnsafeBufferPointer { p in
            let P = p.baseAddress!
            recurrent.pack(P + wo, ldb: n)
            gradient.withUnsafeMutableBufferPointer { g in
                let G = g.baseAddress!
                inputs.data.withUnsafeBufferPointer { X in
                    dY.data.withUnsafeBufferPointer { DY in
                        sgData.withUnsafeBufferPointer { SG in
                            tr.states.data.withUnsafeBufferPointer { Z in
                                tr.activations.data.withUnsafeBufferPointer { R in
                                    tr.scratch.withUnsafeMutableBufferPointer { S in
                                        let carry = S.baseAddress!, dz = carry + slice, through = dz + slice
                                        for i in 0..<slice { carry[i] = 0 }
                                        for t in stride(from: steps - 1, through: 0, by: -1) {
                                            let zPrev = Z.baseAddress! + t * slice, zNow = Z.baseAddress! + (t + 1) * slice
                                            let r = R.baseAddress! + t * slice
                                            let dy = DY.baseAddress! + t * batch * nOut
                                            // dz = carry + relu'(z_t) ⊙ (dY_t V) (+ direct state gradient)
                                            BLAS.gemm(m: batch, n: n, k: nOut, a: dy, lda: nOut, b: P + vo, ldb: n, beta: 0, c: through, ldc: n)
                                            for i in 0..<slice { dz[i] = carry[i] + (zNow[i] > 0 ? through[i] : 0) }
                                            if hasStateGradient {
                                                let sg = SG.baseAddress! + (t + 1) * slice
                                                for i in 0..<slice { dz[i] += sg[i] }
                                            }
                                            // dV += dY_t^T relu(z_t) ; dc += sum_b dY_t
                                            BLAS.gemm(transA: true, m: nOut, n: n, k: batch, a: dy, lda: nOut, b: r, ldb: n, beta: 1, c: G + vo, ldc: n)
                                            for bi in 0..<batch { for k in 0..<nOut { G[cOut + k] += dy[bi * nOut + k] } }
                                            // dA += sum_b dz ⊙ z_{t-1}; dh0 += sum_b dz
                                            for bi in 0..<batch {
                                                let row = bi * n
                                                for j in 0..<n {
                                                    G[ao + j] += dz[row + j] * zPrev[row + j]
                                                    G[ho + j] += dz[row + j]
                                                }
                                            }
                                            // dW += dz^T relu(z_{t-1}); dC += dz^T x_t
                                            if t > 0 {
                                                BLAS.gemm(transA: true, m: n, n: n, k: batch, a: dz, lda: n, b: r - slice, ldb: n, beta: 1, c: G + wo, ldc: n)
                                            }
                                            BLAS.gemm(transA: true, m: n, n: nIn, k: batch, a: dz, lda: n, b: X.baseAddress! + t * batch * nIn, ldb: nIn, beta: 1, c: G + co, ldc: nIn)
                                            // carry = A ⊙ dz + relu'(z_{t-1}) ⊙ (dz W), unless the window is cut here
                                            if let k = truncation, t % k == 0 {
                                                for i in 0..<slice { carry[i] = 0 }
                                            } else {
                                                recurrent.gemm(m: batch, a: dz, lda: n, b: P + wo, ldb: n, beta: 0, c: through, ldc: n)
                                                for bi in 0..<batch {
                                                    let row = bi * n
                                                    for j in 0..<n {
                                                        let gate: Double = zPrev[row + j] > 0 ? 1 : 0
                                                        carry[row + j] = P[ao + j] * dz[row + j] + gate * through[row + j]
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                drive.clearRecurrentDiagonal(G)
            }
        }
    }
}

/// The PLRNN's step and its local derivatives (`LocalRecurrentModel`): the drive C x_t + W relu(z_{t-1}),
/// then z_t = A ⊙ z_{t-1} + drive + h0; r = relu(z). Stored per step: preactivations = z_t before
/// state noise, activations = relu(z_t).
extension PLRNN: LocalRecurrentModel {
    public static func makeLayout(_ c: PLRNNConfig) -> ParameterLayout {
        DriveLayout.makeLayout(c, leading: ["A"], recurrent: "W", input: "C", bias: "h0")
    }
    public var drive: DriveLayout {
        DriveLayout(layout, recurrent: "W", input: "C", bias: "h0", readout: "V", readoutBias: "c", diagonal: ["A"])
    }
    public static let ratesAreStates = false
    public var hasSelfConnections: Bool { false }
    public func rate(_ z: Double) -> Double { z > 0 ? z : 0 }
    public func rateSlope(_ z: Double) -> Double { z > 0 ? 1 : 0 }
    public func stepConstants() -> [Double] { [] }

    public func update(
        constants _: UnsafePointer<Double>, parameters P: UnsafePointer<Double>, rows: Int,
        previous z: UnsafePointer<Double>, drive s: UnsafeMutablePointer<Double>, auxiliary r: UnsafeMutablePointer<Double>,
        next: UnsafeMutablePointer<Double>, noise xi: UnsafePointer<Double>?
    ) {
        let n = hiddenSize, ao = layout["A"].offset, ho = layout["h0"].offset
        for bi in 0..<rows {
            let row = bi * n
            for j in 0..<n {
                var sj = s[row + j] + P[ao + j] * z[row + j] + P[ho + j]
                if let xi { sj += xi[row + j] }
                s[row + j] = sj
                next[row + j] = sj
                r[row + j] = sj > 0 ? sj : 0
            }
        }
    }

    /// gain = 1 (the drive enters z_t directly), leak = A, d z_t/d A = z_{t-1}.
    public func localDerivatives(
        constants _: UnsafePointer<Double>, parameters P: UnsafePointer<Double>, rows: Int,
        previous z: UnsafePointer<Double>, preactivation _: UnsafePointer<Double>, auxiliary _: UnsafePointer<Double>,
        gain: UnsafeMutablePointer<Double>, leak: UnsafeMutablePointer<Double>, diagonal dA: UnsafeMutablePointer<Double>
    ) {
        let n = hiddenSize, ao = layout["A"].offset
        for bi in 0..<rows {
            let row = bi * n
            for j in 0..<n {
                gain[row + j] = 1
                leak[row + j] = P[ao + j]
                dA[row + j] = z[row + j]
            }
        }
    }

    /// d z_t/d A = gain ⊙ z_{t-1}: noise on the drive estimates A's gradient too.
    public func driveFactor(
        group g: Int, constants _: UnsafePointer<Double>, parameters _: UnsafePointer<Double>, rows: Int,
        previous z: UnsafePointer<Double>, into q: UnsafeMutablePointer<Double>
    ) -> Bool {
        for i in 0..<(rows * hiddenSize) { q[i] = z[i] }
        return true
    }
}
